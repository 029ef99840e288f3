#include "moderation/moderation.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "community/community.hpp"
#include "engage/points.hpp"
#include "identity/identity.hpp"
#include "testing/test_database.hpp"

namespace gh::moderation {
namespace {

class ModerationTest : public ::testing::Test {
 protected:
  testing::TestDatabase database;
  ManualClock clock{1'800'000'000'000};
  identity::Identity identity{database.db(), clock, identity::Options{}};
  community::Communities communities{database.db(), clock, community::Options{"CNY"}};
  content::Posts posts{database.db(), clock};
  Moderation moderation{database.db(), clock, posts};
  UserId owner, admin, mod, member, other, outsider;

  void SetUp() override {
    owner = user("owner");
    admin = user("admin");
    mod = user("mod");
    member = user("member");
    other = user("other");
    outsider = user("outsider");
    ASSERT_TRUE(communities.create(owner, {"club", "Club", "", "", "", true}));
    for (auto u : {admin, mod, member, other}) {
      ASSERT_TRUE(communities.join(u, "club"));
    }
    ASSERT_TRUE(communities.set_role(owner, "club", "admin", "admin"));
    ASSERT_TRUE(communities.set_role(owner, "club", "mod", "moderator"));
  }

  UserId user(const std::string& name) {
    return database.db().write([&](db::Tx& tx) {
      return identity.insert_user(tx, {name + "@example.com", name, "", ""}, "not-a-real-hash")->id;
    });
  }

  content::Post publish(UserId author, std::string title = "Hello", std::string visibility = "public") {
    content::PostInput input;
    input.title = std::move(title);
    input.body_md = "teaser\n<!-- paywall -->\nSECRET body";
    input.visibility = std::move(visibility);
    auto post = posts.create(author, "club", input);
    EXPECT_TRUE(post) << (post ? "" : post.error().code);
    return *post;
  }

  Result<Report> report(UserId who, std::string type, int64_t id, std::string reason = "spam") {
    ReportInput input;
    input.target_type = std::move(type);
    input.target_id = id;
    input.community_slug = "club";
    input.reason = std::move(reason);
    return moderation.report(who, input);
  }

  bool sees(std::optional<UserId> viewer, PostId id) {
    return posts.get(viewer, id, content::Posts::CountView::No).has_value();
  }

  bool in_feed(std::optional<UserId> viewer, PostId id) {
    auto page = posts.feed(viewer, content::FeedQuery{"club"});
    for (const auto& p : page->posts) {
      if (p.id == id) {
        return true;
      }
    }
    return false;
  }
};

TEST_F(ModerationTest, OneOpenReportPerReporterAndTarget) {
  const auto post = publish(member);
  auto first = report(other, "post", post.id.value);
  ASSERT_TRUE(first) << first.error().code;
  EXPECT_EQ(first->status, "open");
  EXPECT_EQ(report(other, "post", post.id.value).error().code, "moderation.already_reported");
  EXPECT_TRUE(report(admin, "post", post.id.value));
  EXPECT_EQ(report(member, "post", post.id.value).error().code, "moderation.self_report");
  EXPECT_EQ(report(other, "post", post.id.value, "  ").error().code, "moderation.reason_required");
  EXPECT_EQ(report(other, "thing", 1).error().code, "moderation.invalid_target");
  // After resolution the same reporter may report again.
  ASSERT_TRUE(moderation.resolve(mod, first->id, "dismissed", ""));
  EXPECT_TRUE(report(other, "post", post.id.value));
}

TEST_F(ModerationTest, ReportsNeedTheTargetToBeVisibleAndNeverCarryItsContent) {
  const auto paid = publish(owner, "Members only", "members");
  // An outsider cannot read the members-only body, but may see the post (preview) and report it.
  auto r = report(outsider, "post", paid.id.value);
  ASSERT_TRUE(r) << r.error().code;
  EXPECT_EQ(r->target_id, paid.id.value);
  ASSERT_TRUE(posts.update(owner, paid.id, content::PostPatch{.draft = true}));
  EXPECT_EQ(report(other, "post", paid.id.value).error().kind, ErrorKind::NotFound);
  // Comments of a locked post are not visible to the outsider, so not reportable by them.
  ASSERT_TRUE(posts.update(owner, paid.id, content::PostPatch{.draft = false}));
  auto comment = posts.add_comment(member, paid.id, {"a comment", std::nullopt});
  ASSERT_TRUE(comment);
  EXPECT_EQ(report(outsider, "comment", comment->id.value).error().kind, ErrorKind::NotFound);
  EXPECT_TRUE(report(other, "comment", comment->id.value));
  // Members by username.
  ReportInput user_report;
  user_report.target_type = "user";
  user_report.target_username = "member";
  user_report.community_slug = "club";
  user_report.reason = "rude";
  EXPECT_TRUE(moderation.report(other, user_report));
  user_report.target_username = "outsider";
  EXPECT_EQ(moderation.report(other, user_report).error().code, "moderation.member_not_found");
}

TEST_F(ModerationTest, QueueGroupsOpenReportsByTargetNewestFirst) {
  const auto a = publish(member, "A");
  const auto b = publish(member, "B");
  ASSERT_TRUE(report(other, "post", a.id.value));
  clock.advance_ms(1000);
  ASSERT_TRUE(report(admin, "post", a.id.value));
  clock.advance_ms(1000);
  ASSERT_TRUE(report(other, "post", b.id.value));
  EXPECT_EQ(moderation.queue(member, "club").error().code, "moderation.moderators_only");
  auto queue = moderation.queue(mod, "club");
  ASSERT_TRUE(queue);
  ASSERT_EQ(queue->size(), 2u);
  EXPECT_EQ((*queue)[0].target_id, b.id.value);
  EXPECT_EQ((*queue)[1].target_id, a.id.value);
  EXPECT_EQ((*queue)[1].reports.size(), 2u);
  EXPECT_EQ((*queue)[1].title, "A");
  EXPECT_EQ((*queue)[1].target_user.username, "member");
}

TEST_F(ModerationTest, HiddenPostDisappearsForAllButItsAuthorAndModerators) {
  const auto post = publish(member);
  ASSERT_TRUE(posts.add_comment(other, post.id, {"nice", std::nullopt}));
  ASSERT_TRUE(report(other, "post", post.id.value));
  EXPECT_EQ(moderation.hide_post(other, post.id, "").error().code, "moderation.moderators_only");
  auto act = moderation.hide_post(mod, post.id, "off-topic");
  ASSERT_TRUE(act) << act.error().code;
  EXPECT_EQ(act->action, "hide_post");
  EXPECT_EQ(moderation.hide_post(admin, post.id, "").error().code, "moderation.already_hidden");
  // Hiding actioned the open report.
  EXPECT_TRUE(moderation.queue(mod, "club")->empty());

  EXPECT_FALSE(sees(std::nullopt, post.id));
  EXPECT_FALSE(sees(other, post.id));
  EXPECT_FALSE(in_feed(std::nullopt, post.id));
  EXPECT_FALSE(in_feed(other, post.id));
  EXPECT_EQ(posts.comments(other, post.id).error().kind, ErrorKind::NotFound);
  EXPECT_EQ(posts.upvote(other, post.id).error().kind, ErrorKind::NotFound);
  ASSERT_TRUE(sees(member, post.id));
  EXPECT_TRUE(posts.get(member, post.id, content::Posts::CountView::No)->hidden);
  EXPECT_TRUE(in_feed(member, post.id));
  EXPECT_TRUE(in_feed(mod, post.id));
  EXPECT_TRUE(sees(owner, post.id));

  ASSERT_TRUE(moderation.restore_post(mod, post.id, "ok after all"));
  EXPECT_TRUE(sees(other, post.id));
  EXPECT_TRUE(in_feed(std::nullopt, post.id));
  EXPECT_EQ(moderation.restore_post(mod, post.id, "").error().code, "moderation.not_hidden");
}

TEST_F(ModerationTest, HidingTakesBackThePointsTheContentEarned) {
  const auto community = communities.find("club")->id;
  const auto points = [&] {
    return database.db().read([&](db::Tx& tx) { return engage::balance_of(tx, member, community); });
  };
  const auto post = publish(member, "Farmed");
  const int64_t earned = points();
  ASSERT_GT(earned, 0) << "publishing pays points";
  ASSERT_TRUE(posts.upvote(other, post.id));
  const int64_t with_upvote = points();
  ASSERT_GT(with_upvote, earned);
  ASSERT_TRUE(moderation.hide_post(mod, post.id, "spam"));
  EXPECT_EQ(points(), 0) << "publication and upvote points reversed";
  ASSERT_TRUE(moderation.restore_post(mod, post.id, "appeal"));
  EXPECT_EQ(points(), 0) << "restoring does not pay again";
  // Every balance is still explained by its entries.
  EXPECT_TRUE(database.db().read([](db::Tx& tx) { return engage::check_balances(tx); }).empty());
}

TEST_F(ModerationTest, HiddenCommentIsSeenOnlyByItsAuthorAndModerators) {
  const auto post = publish(member);
  auto comment = posts.add_comment(other, post.id, {"spammy", std::nullopt});
  ASSERT_TRUE(comment);
  ASSERT_TRUE(moderation.hide_comment(mod, comment->id, "spam"));
  EXPECT_TRUE(posts.comments(member, post.id)->empty());
  EXPECT_TRUE(posts.comments(std::nullopt, post.id)->empty());
  auto own = posts.comments(other, post.id);
  ASSERT_EQ(own->size(), 1u);
  EXPECT_TRUE((*own)[0].hidden);
  EXPECT_EQ(posts.comments(mod, post.id)->size(), 1u);
  ASSERT_TRUE(moderation.restore_comment(mod, comment->id, ""));
  EXPECT_EQ(posts.comments(member, post.id)->size(), 1u);
}

TEST_F(ModerationTest, RankRules) {
  const auto owners_post = publish(owner);
  const auto admins_post = publish(admin);
  EXPECT_EQ(moderation.hide_post(admin, owners_post.id, "").error().code, "moderation.target_owner");
  EXPECT_EQ(moderation.hide_post(mod, admins_post.id, "").error().code, "moderation.target_outranks");
  EXPECT_TRUE(moderation.hide_post(owner, admins_post.id, ""));
  EXPECT_EQ(moderation.ban(admin, "club", "owner", "").error().code, "moderation.target_owner");
  EXPECT_EQ(moderation.mute(mod, "club", "admin", 10, "").error().code, "moderation.target_outranks");
  EXPECT_EQ(moderation.warn(mod, "club", "mod", "x").error().code, "moderation.self");
  EXPECT_EQ(moderation.warn(member, "club", "other", "x").error().code, "moderation.moderators_only");
  EXPECT_TRUE(moderation.mute(admin, "club", "mod", 10, ""));
  EXPECT_EQ(moderation.warn(mod, "club", "member", "").error().code, "moderation.reason_required");
}

TEST_F(ModerationTest, MuteIsEnforcedWherePostingCommentingAndVotingAreDecided) {
  const auto post = publish(other);
  auto act = moderation.mute(mod, "club", "member", 30, "cool down");
  ASSERT_TRUE(act);
  ASSERT_TRUE(act->ends_at);
  content::PostInput input;
  input.title = "x";
  input.body_md = "y";
  EXPECT_EQ(posts.create(member, "club", input).error().code, "moderation.muted");
  EXPECT_EQ(posts.add_comment(member, post.id, {"hi", std::nullopt}).error().code, "moderation.muted");
  EXPECT_EQ(posts.upvote(member, post.id).error().code, "moderation.muted");
  EXPECT_TRUE(sees(member, post.id));  // Reading is not affected.
  clock.advance_ms(30 * 60'000);
  EXPECT_TRUE(posts.upvote(member, post.id));
  ASSERT_TRUE(moderation.mute(mod, "club", "member", 30, ""));
  ASSERT_TRUE(moderation.unmute(mod, "club", "member", ""));
  EXPECT_TRUE(posts.create(member, "club", input));
  EXPECT_EQ(moderation.unmute(mod, "club", "member", "").error().code, "moderation.not_muted");
}

TEST_F(ModerationTest, BanClosesMembersOnlyContentPostingAndRejoining) {
  const auto members_only = publish(owner, "Inside", "members");
  EXPECT_FALSE(posts.get(member, members_only.id, content::Posts::CountView::No)->locked);
  ASSERT_TRUE(moderation.ban(mod, "club", "member", "spam"));
  EXPECT_EQ(moderation.ban(admin, "club", "member", "").error().code, "moderation.already_banned");
  EXPECT_TRUE(posts.get(member, members_only.id, content::Posts::CountView::No)->locked);
  content::PostInput input;
  input.title = "x";
  input.body_md = "y";
  EXPECT_EQ(posts.create(member, "club", input).error().code, "moderation.banned");
  EXPECT_EQ(posts.add_comment(member, members_only.id, {"hi", std::nullopt}).error().kind, ErrorKind::PaymentRequired);
  EXPECT_EQ(communities.join(member, "club").error().code, "moderation.banned");
  ASSERT_TRUE(moderation.unban(mod, "club", "member", "second chance"));
  EXPECT_FALSE(posts.get(member, members_only.id, content::Posts::CountView::No)->locked);
  EXPECT_TRUE(posts.create(member, "club", input));
}

TEST_F(ModerationTest, EveryActIsInTheAuditLog) {
  const auto post = publish(member);
  ASSERT_TRUE(moderation.warn(mod, "club", "member", "be nice"));
  ASSERT_TRUE(moderation.mute(mod, "club", "member", 5, "flood"));
  ASSERT_TRUE(moderation.hide_post(mod, post.id, "spam"));
  ReportInput input{"user", member.value, "", "club", "rude"};
  auto user_report = moderation.report(other, input);
  ASSERT_TRUE(user_report);
  ASSERT_TRUE(moderation.resolve(admin, user_report->id, "actioned", "warned"));
  EXPECT_EQ(moderation.log(member, "club", std::nullopt, 10).error().code, "moderation.moderators_only");
  auto log = moderation.log(mod, "club", std::nullopt, 2);
  ASSERT_TRUE(log);
  ASSERT_EQ(log->entries.size(), 2u);
  EXPECT_EQ(log->entries[0].action, "resolve_report");
  EXPECT_EQ(log->entries[0].actor.username, "admin");
  EXPECT_EQ(log->entries[1].action, "hide_post");
  EXPECT_EQ(log->entries[1].reason, "spam");
  ASSERT_TRUE(log->next_cursor);
  auto rest = moderation.log(mod, "club", log->next_cursor, 10);
  ASSERT_EQ(rest->entries.size(), 2u);
  EXPECT_EQ(rest->entries[0].action, "mute");
  EXPECT_TRUE(rest->entries[0].ends_at);
  EXPECT_EQ(rest->entries[1].action, "warn");
  EXPECT_EQ(rest->entries[1].target_user->username, "member");
  // The member sees their own warnings; another member does not.
  EXPECT_EQ(moderation.warnings(member, "club", "member")->size(), 1u);
  EXPECT_EQ(moderation.warnings(other, "club", "member").error().kind, ErrorKind::Forbidden);
}

// Two moderators resolve the same report at once: one wins, the other is told.
TEST_F(ModerationTest, ConcurrentResolutionsResolveOnce) {
  const auto post = publish(member);
  auto r = report(other, "post", post.id.value);
  ASSERT_TRUE(r);
  std::atomic<int> ok{0};
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (auto actor : {mod, admin, owner, mod}) {
    threads.emplace_back([&, actor] {
      auto result = moderation.resolve(actor, r->id, "dismissed", "");
      if (result) {
        ++ok;
      } else if (result.error().code == "moderation.report_resolved") {
        ++conflicts;
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(conflicts.load(), 3);
  auto entries = moderation.log(owner, "club", std::nullopt, 10);
  EXPECT_EQ(entries->entries.size(), 1u);
}

// One member reporting the same post from many tabs at once makes one report.
TEST_F(ModerationTest, ParallelReportsByOneMemberMakeOne) {
  const auto post = publish(member);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] {
      if (report(other, "post", post.id.value)) {
        ++ok;
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(ok.load(), 1);
  auto queue = moderation.queue(mod, "club");
  ASSERT_EQ(queue->size(), 1u);
  EXPECT_EQ((*queue)[0].reports.size(), 1u);
}

}  // namespace
}  // namespace gh::moderation

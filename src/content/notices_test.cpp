// The notification producers of content/ and their access rule. Runs on SQLite, and on
// PostgreSQL when GH_TEST_PG is set.
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>

#include "access/entitlements.hpp"
#include "community/community.hpp"
#include "content/content.hpp"
#include "content/tag_follows.hpp"
#include "identity/identity.hpp"
#include "notify/notifications.hpp"
#include "testing/test_database.hpp"

namespace gh::content {
namespace {

class NoticesTest : public ::testing::Test {
 protected:
  testing::TestDatabase database;
  ManualClock clock{1'800'000'000'000};
  identity::Identity identity{database.db(), clock, identity::Options{}};
  community::Communities communities{database.db(), clock, community::Options{"CNY"}};
  Posts posts{database.db(), clock};
  TagFollows follows{database.db(), clock};
  notify::Notifications notifications{database.db(), clock};
  UserId owner, member, carol, payer, outsider;
  std::mutex mutex;
  std::vector<std::pair<std::string, std::string>> live;  // GUARDED_BY(mutex)

  void SetUp() override {
    owner = user("owner");
    member = user("member");
    carol = user("carol");
    payer = user("payer");
    outsider = user("outsider");
    ASSERT_TRUE(communities.create(owner, {"cpp", "C++", "", "", "", true}));
    for (auto u : {member, carol, payer}) {
      ASSERT_TRUE(communities.join(u, "cpp"));
    }
    const auto community = communities.find("cpp")->id;
    database.db().write([&](db::Tx& tx) {
      const int64_t gold = *tx.scalar_i64(
          "INSERT INTO tiers (community_id, name, price_minor, currency, billing_interval, created_at, updated_at) "
          "VALUES ($1, 'gold', 9900, 'CNY', 'month', 0, 0) RETURNING id",
          {community.value});
      access::grant(tx,
                    access::Grant{payer, community, gold, std::nullopt, true, "membership", 1, clock.now_ms(),
                                  clock.now_ms() + 86'400'000},
                    clock.now_ms());
    });
    database.db().set_notify_listener([this](std::string_view channel, std::string_view payload) {
      std::lock_guard lock(mutex);
      live.emplace_back(channel, payload);
    });
  }

  UserId user(const std::string& name) {
    return database.db().write([&](db::Tx& tx) {
      return identity.insert_user(tx, {name + "@example.com", name, "", ""}, "not-a-real-hash")->id;
    });
  }

  Post publish(UserId author, const std::string& body, PostInput input = {}) {
    input.title = "Title";
    input.body_md = body;
    auto post = posts.create(author, "cpp", input);
    EXPECT_TRUE(post) << (post ? "" : post.error().code);
    clock.advance_ms(1000);
    return *post;
  }

  Post paid_post(const std::string& body) {
    PostInput input;
    input.visibility = "paid";
    return publish(owner, body, input);
  }

  // A member's notifications about content (badges earned on the way are left out).
  std::vector<notify::Notification> of(UserId user) {
    auto all = notifications.list(user, std::nullopt, 100)->notifications;
    std::erase_if(all, [](const notify::Notification& n) { return n.kind == notify::kBadge; });
    return all;
  }
};

TEST_F(NoticesTest, AFirstPostEarnsABadgeAndItsNotificationOnce) {
  publish(owner, "hello");
  publish(owner, "again");
  const auto all = notifications.list(owner, std::nullopt, 100)->notifications;
  ASSERT_EQ(std::count_if(all.begin(), all.end(), [](const auto& n) { return n.kind == notify::kBadge; }), 1);
  const auto badge = *std::find_if(all.begin(), all.end(), [](const auto& n) { return n.kind == notify::kBadge; });
  EXPECT_EQ(badge.title, "first_post");
  EXPECT_EQ(badge.target_type, "badge:first_post");
}

TEST_F(NoticesTest, CommentNotifiesThePostsAuthorButNotTheCommenter) {
  const auto post = publish(owner, "hello");
  auto comment = posts.add_comment(member, post.id, {"nice post", std::nullopt});
  ASSERT_TRUE(comment);
  auto mine = of(owner);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].kind, notify::kReplyToPost);
  EXPECT_EQ(mine[0].text, "nice post");
  EXPECT_EQ(mine[0].title, "Title");
  EXPECT_EQ(mine[0].link, "/p/" + std::to_string(post.id.value) + "#comment-" + std::to_string(comment->id.value));
  ASSERT_TRUE(mine[0].actor);
  EXPECT_EQ(mine[0].actor->username, "member");
  EXPECT_TRUE(of(member).empty());
  // Commenting on one's own post notifies nobody.
  ASSERT_TRUE(posts.add_comment(owner, post.id, {"thanks", std::nullopt}));
  EXPECT_EQ(of(owner).size(), 1u);
}

TEST_F(NoticesTest, ReplyNotifiesTheCommentsAuthorOncePerItem) {
  const auto post = publish(owner, "hello");
  auto first = posts.add_comment(member, post.id, {"first", std::nullopt});
  // Carol replies to member and mentions both member and the owner: member hears once (the
  // reply), the owner once (the reply to their post), carol nothing.
  auto reply = posts.add_comment(carol, post.id, {"@member @owner @carol agreed", first->id.value});
  ASSERT_TRUE(reply);
  auto members = of(member);
  ASSERT_EQ(members.size(), 1u);
  EXPECT_EQ(members[0].kind, notify::kReplyToComment);
  const auto owners = of(owner);
  ASSERT_EQ(owners.size(), 2u);  // The first comment and the reply.
  EXPECT_EQ(owners[0].kind, notify::kReplyToPost);
  EXPECT_TRUE(of(carol).empty());
}

TEST_F(NoticesTest, MentionsNotifyOnlyWholeReaders) {
  // A paid post: member and carol have not paid, payer has.
  const auto post = paid_post("teaser\n\n<!-- paywall -->\n\nPAID_SECRET for @payer and @member and @outsider");
  EXPECT_TRUE(of(member).empty());
  EXPECT_TRUE(of(outsider).empty());
  auto payers = of(payer);
  ASSERT_EQ(payers.size(), 1u);
  EXPECT_EQ(payers[0].kind, notify::kMention);
  EXPECT_EQ(payers[0].text.find("PAID_SECRET"), std::string::npos);  // The excerpt is the preview.
  // In a comment of the paid post (only whole readers can comment or read comments).
  ASSERT_TRUE(posts.add_comment(payer, post.id, {"PAID_TALK @member @carol @owner", std::nullopt}));
  EXPECT_TRUE(of(member).empty());
  EXPECT_TRUE(of(carol).empty());
  ASSERT_EQ(of(owner).size(), 1u);  // The author reads the whole post.
}

TEST_F(NoticesTest, MentionsInPublicPostsOfPrivateCommunitiesReachMembersOnly) {
  ASSERT_TRUE(communities.create(owner, {"secret", "Secret", "", "", "", false}));
  PostInput input;
  input.title = "Inside";
  input.body_md = "hey @outsider and @owner";
  ASSERT_TRUE(posts.create(owner, "secret", input));
  EXPECT_TRUE(of(outsider).empty());
  EXPECT_TRUE(of(owner).empty());  // No notification to oneself.
}

TEST_F(NoticesTest, NewPostInAFollowedTagNotifiesWithThePreviewOnly) {
  ASSERT_TRUE(follows.follow(member, "cpp", "Templates"));
  ASSERT_TRUE(follows.follow(member, "cpp", "templates"));  // Idempotent.
  EXPECT_TRUE(follows.follows(member, communities.find("cpp")->id, "templates"));
  EXPECT_EQ(follows.follow(outsider, "nope", "x").error().code, "community.not_found");
  EXPECT_EQ(follows.follow(member, "cpp", "not a tag!").error().code, "content.invalid_tag");
  PostInput input;
  input.tags = {"templates"};
  input.visibility = "paid";
  // Mentioned in the paid part: member hears of the post through the tag, not the mention.
  const auto post = publish(owner, "TEASER_TEXT\n\n<!-- paywall -->\n\nPAID_SECRET @member", input);
  auto got = of(member);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].kind, notify::kTagPost);
  EXPECT_EQ(got[0].link, "/p/" + std::to_string(post.id.value));
  EXPECT_NE(got[0].text.find("TEASER_TEXT"), std::string::npos);
  EXPECT_EQ(got[0].text.find("PAID_SECRET"), std::string::npos);
  // Unfollowed: the next post says nothing.
  ASSERT_TRUE(follows.unfollow(member, "cpp", "templates"));
  publish(owner, "again", input);
  EXPECT_EQ(of(member).size(), 1u);
}

TEST_F(NoticesTest, ScheduledAndDraftPostsAnnounceNothingUntilPublished) {
  ASSERT_TRUE(follows.follow(member, "cpp", "news"));
  PostInput input;
  input.tags = {"news"};
  input.publish_at = format_rfc3339(clock.now_ms() + 3'600'000);
  publish(owner, "later", input);
  input.publish_at.reset();
  input.draft = true;
  const auto draft = publish(owner, "draft", input);
  EXPECT_TRUE(of(member).empty());
  PostPatch patch;
  patch.draft = false;
  ASSERT_TRUE(posts.update(owner, draft.id, patch));
  ASSERT_EQ(of(member).size(), 1u);
}

TEST_F(NoticesTest, LiveMessagesGoOutAfterCommitOnly) {
  const auto post = publish(owner, "hello");
  {
    std::lock_guard lock(mutex);
    live.clear();
  }
  ASSERT_TRUE(posts.add_comment(member, post.id, {"live one", std::nullopt}));
  // A failed comment (a reply to a comment of another post) sends nothing.
  EXPECT_FALSE(posts.add_comment(member, post.id, {"bad", 999'999}));
  std::lock_guard lock(mutex);
  ASSERT_EQ(live.size(), 2u);
  EXPECT_EQ(live[0].first, "user:" + std::to_string(owner.value));
  EXPECT_EQ(live[1].first, "post:" + std::to_string(post.id.value));
  EXPECT_NE(live[1].second.find("live one"), std::string::npos);
}

}  // namespace
}  // namespace gh::content

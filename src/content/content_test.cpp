#include "content/content.hpp"

#include <gtest/gtest.h>

#include "access/entitlements.hpp"
#include "community/community.hpp"
#include "identity/identity.hpp"
#include "testing/test_database.hpp"

namespace gh::content {
namespace {

class ContentTest : public ::testing::Test {
 protected:
  testing::TestDatabase database;
  ManualClock clock{1'800'000'000'000};
  identity::Identity identity{database.db(), clock, identity::Options{}};
  community::Communities communities{database.db(), clock, community::Options{"CNY"}};
  Posts posts{database.db(), clock};
  UserId owner, member, outsider;

  void SetUp() override {
    owner = user("owner");
    member = user("member");
    outsider = user("outsider");
    ASSERT_TRUE(communities.create(owner, {"cpp", "C++", "", "", "", true}));
    ASSERT_TRUE(communities.join(member, "cpp"));
  }

  UserId user(const std::string& name) {
    return database.db().write([&](db::Tx& tx) {
      return identity.insert_user(tx, {name + "@example.com", name, "", ""}, "not-a-real-hash")->id;
    });
  }

  Post publish(UserId author, const std::string& title, PostInput input = {}) {
    input.title = title;
    if (input.body_md.empty()) {
      input.body_md = "body of " + title;
    }
    auto post = posts.create(author, "cpp", input);
    EXPECT_TRUE(post) << (post ? "" : post.error().code);
    clock.advance_ms(1000);
    return *post;
  }
};

TEST_F(ContentTest, MarkdownIsRenderedOnceAtWriteTime) {
  PostInput input;
  input.body_md = "```python\nprint('hi')\n```\n\n<script>alert(1)</script>";
  const auto post = publish(member, "Render", input);
  EXPECT_NE(post.body_html.find("language-python"), std::string::npos);
  EXPECT_EQ(post.body_html.find("<script"), std::string::npos);
  auto stored = database.db().read(
      [&](db::Tx& tx) { return tx.one("SELECT body_html FROM posts WHERE id = $1", {post.id.value})->row().text(0); });
  EXPECT_EQ(stored, post.body_html);
}

TEST_F(ContentTest, OutsidersCannotPostAndMembersNeedCreatorForLongForm) {
  PostInput input;
  input.title = "x";
  input.body_md = "y";
  EXPECT_EQ(posts.create(outsider, "cpp", input).error().code, "community.members_only");
  input.kind = "tutorial";
  EXPECT_EQ(posts.create(member, "cpp", input).error().code, "content.creator_role_required");
  ASSERT_TRUE(communities.set_role(owner, "cpp", "member", "creator"));
  EXPECT_TRUE(posts.create(member, "cpp", input));
}

TEST_F(ContentTest, DraftsAndScheduledPostsStayHidden) {
  PostInput draft;
  draft.draft = true;
  const auto d = publish(member, "Draft", draft);
  PostInput later;
  later.publish_at = format_rfc3339(clock.now_ms() + 60'000);
  const auto s = publish(member, "Later", later);
  EXPECT_TRUE(s.scheduled);

  EXPECT_TRUE(posts.get(member, d.id, Posts::CountView::No));
  EXPECT_EQ(posts.get(owner, d.id, Posts::CountView::No).error().kind, ErrorKind::NotFound);
  EXPECT_EQ(posts.get(std::nullopt, s.id, Posts::CountView::No).error().kind, ErrorKind::NotFound);
  EXPECT_TRUE(posts.get(owner, s.id, Posts::CountView::No));  // Moderators see what is scheduled.
  auto feed = posts.feed(std::nullopt, {"cpp", FeedSort::New, std::nullopt, std::nullopt, 20});
  ASSERT_TRUE(feed);
  EXPECT_TRUE(feed->posts.empty());
  EXPECT_EQ(posts.drafts(member, communities.find("cpp")->id).size(), 2u);

  clock.advance_ms(60'000);
  feed = posts.feed(std::nullopt, {"cpp", FeedSort::New, std::nullopt, std::nullopt, 20});
  ASSERT_EQ(feed->posts.size(), 1u);
  EXPECT_EQ(feed->posts[0].id, s.id);
}

TEST_F(ContentTest, PastPublishTimesMeanNow) {
  PostInput backdated;
  backdated.publish_at = "2001-01-01T00:00:00Z";
  const auto p = publish(member, "Backdated", backdated);
  EXPECT_GE(*p.publish_at, clock.now_ms() - 1000);
}

TEST_F(ContentTest, FeedSortsAndPagesWithoutDuplicates) {
  std::vector<PostId> ids;
  for (int i = 0; i < 7; ++i) {
    ids.push_back(publish(member, "Post " + std::to_string(i)).id);
  }
  ASSERT_TRUE(posts.upvote(owner, ids[2]));
  ASSERT_TRUE(posts.update(owner, ids[4], PostPatch{.essence = true}));
  for (auto sort : {FeedSort::New, FeedSort::Top}) {
    std::set<int64_t> seen;
    std::optional<std::string> cursor;
    do {
      auto page = posts.feed(std::nullopt, {"cpp", sort, std::nullopt, cursor, 3});
      ASSERT_TRUE(page);
      for (const auto& p : page->posts) {
        EXPECT_TRUE(seen.insert(p.id.value).second);
      }
      cursor = page->next_cursor;
    } while (cursor);
    EXPECT_EQ(seen.size(), 7u);
  }
  EXPECT_EQ(posts.feed(std::nullopt, {"cpp", FeedSort::New, std::nullopt, std::nullopt, 1})->posts[0].id, ids[6]);
  EXPECT_EQ(posts.feed(std::nullopt, {"cpp", FeedSort::Top, std::nullopt, std::nullopt, 1})->posts[0].id, ids[2]);
  auto essence = posts.feed(std::nullopt, {"cpp", FeedSort::Essence, std::nullopt, std::nullopt, 10});
  ASSERT_EQ(essence->posts.size(), 1u);
  EXPECT_EQ(essence->posts[0].id, ids[4]);
}

TEST_F(ContentTest, TagsAreNormalisedAndFilterTheFeed) {
  PostInput tagged;
  tagged.tags = {"C++", " #Rust ", "c++"};
  const auto p = publish(member, "Tagged", tagged);
  EXPECT_EQ(p.tags, (std::vector<std::string>{"c++", "rust"}));
  publish(member, "Untagged");
  auto feed = posts.feed(std::nullopt, {"cpp", FeedSort::New, std::string("RUST"), std::nullopt, 10});
  ASSERT_TRUE(feed);
  ASSERT_EQ(feed->posts.size(), 1u);
  EXPECT_EQ(feed->posts[0].id, p.id);
  PostInput bad;
  bad.title = "t";
  bad.body_md = "b";
  bad.tags = {"a", "b", "c", "d", "e", "f"};
  EXPECT_EQ(posts.create(member, "cpp", bad).error().code, "content.too_many_tags");
  bad.tags = {"has space"};
  EXPECT_EQ(posts.create(member, "cpp", bad).error().code, "content.invalid_tag");
}

TEST_F(ContentTest, OnlyAuthorsAndModeratorsEdit) {
  const auto p = publish(member, "Mine");
  ASSERT_TRUE(communities.join(outsider, "cpp"));
  EXPECT_EQ(posts.update(outsider, p.id, PostPatch{.title = std::string("Theirs")}).error().kind, ErrorKind::Forbidden);
  EXPECT_EQ(posts.remove(outsider, p.id).error().kind, ErrorKind::Forbidden);
  EXPECT_EQ(posts.update(member, p.id, PostPatch{.pinned = true}).error().kind, ErrorKind::Forbidden);
  EXPECT_TRUE(posts.update(owner, p.id, PostPatch{.title = std::string("Moderated")}));
  ASSERT_TRUE(posts.remove(member, p.id));
  EXPECT_EQ(posts.get(member, p.id, Posts::CountView::No).error().kind, ErrorKind::NotFound);
}

TEST_F(ContentTest, CommentsAreOneLevelDeep) {
  const auto p = publish(member, "Talk");
  auto top = posts.add_comment(owner, p.id, {"first", std::nullopt});
  ASSERT_TRUE(top);
  auto reply = posts.add_comment(member, p.id, {"reply", top->id.value});
  ASSERT_TRUE(reply);
  auto nested = posts.add_comment(owner, p.id, {"nested", reply->id.value});
  ASSERT_TRUE(nested);
  EXPECT_EQ(nested->parent_id, top->id);
  auto other = publish(member, "Other");
  EXPECT_EQ(posts.add_comment(owner, other.id, {"x", top->id.value}).error().code, "content.invalid_parent");
  EXPECT_EQ(posts.add_comment(outsider, p.id, {"x", std::nullopt}).error().kind, ErrorKind::Forbidden);
  EXPECT_EQ(posts.get(std::nullopt, p.id, Posts::CountView::No)->comment_count, 3);
  auto list = posts.comments(std::nullopt, p.id);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].id, top->id);
}

TEST_F(ContentTest, UpvotesAreOnePerMember) {
  const auto p = publish(member, "Vote");
  EXPECT_EQ(*posts.upvote(owner, p.id), 1);
  EXPECT_EQ(*posts.upvote(owner, p.id), 1);
  EXPECT_EQ(posts.upvote(member, p.id).error().code, "content.self_vote");
  EXPECT_EQ(posts.upvote(outsider, p.id).error().kind, ErrorKind::Forbidden);
  EXPECT_EQ(*posts.remove_upvote(owner, p.id), 0);
  EXPECT_EQ(*posts.remove_upvote(owner, p.id), 0);
}

TEST_F(ContentTest, ViewsAreBufferedThenFlushed) {
  const auto p = publish(member, "Views");
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(posts.get(std::nullopt, p.id, Posts::CountView::Yes));
  }
  EXPECT_EQ(posts.get(std::nullopt, p.id, Posts::CountView::No)->view_count, 5);
  posts.flush_views();
  auto stored = database.db().read(
      [&](db::Tx& tx) { return tx.one("SELECT view_count FROM posts WHERE id = $1", {p.id.value})->row().i64(0); });
  EXPECT_EQ(stored, 5);
  EXPECT_EQ(posts.get(std::nullopt, p.id, Posts::CountView::No)->view_count, 5);
  ASSERT_TRUE(posts.get(member, p.id, Posts::CountView::Yes));  // The author's own read.
  ASSERT_TRUE(posts.get(owner, p.id, Posts::CountView::Yes));
  EXPECT_EQ(posts.get(std::nullopt, p.id, Posts::CountView::No)->view_count, 6);
}

TEST(PaywallTest, SplitsAtTheMarkerLine) {
  auto split = split_paywall("free part\n\n<!-- paywall -->\n\npaid part\n");
  ASSERT_TRUE(split.preview_md);
  EXPECT_EQ(*split.preview_md, "free part\n\n");
  EXPECT_EQ(split.full_md, "free part\n\n\npaid part\n");
  EXPECT_FALSE(split_paywall("no marker <!-- paywall --> inline").preview_md);
  EXPECT_TRUE(split_paywall("  <!-- paywall -->  \nrest").preview_md);
}

class PaidContentTest : public ContentTest {
 protected:
  int64_t gold = 0;
  UserId payer;

  void SetUp() override {
    ContentTest::SetUp();
    ASSERT_TRUE(communities.set_role(owner, "cpp", "member", "creator"));
    payer = user("payer");
    ASSERT_TRUE(communities.join(payer, "cpp"));
    const auto community = communities.find("cpp")->id;
    database.db().write([&](db::Tx& tx) {
      gold = *tx.scalar_i64(
          "INSERT INTO tiers (community_id, name, price_minor, currency, billing_interval, created_at, updated_at) "
          "VALUES ($1, 'gold', 9900, 'CNY', 'month', 0, 0) RETURNING id",
          {community.value});
      access::grant(tx,
                    access::Grant{payer, community, gold, std::nullopt, true, "membership", 1, clock.now_ms(),
                                  clock.now_ms() + 86'400'000},
                    clock.now_ms());
    });
  }

  Post paid_post() {
    PostInput input;
    input.title = "Paid";
    input.body_md = "FREE_TEASER\n\n<!-- paywall -->\n\nPAID_SECRET `code`";
    input.visibility = "paid";
    return publish(member, "Paid", input);
  }
};

TEST_F(PaidContentTest, LockedViewersGetThePreviewOnly) {
  const auto post = paid_post();
  EXPECT_EQ(post.excerpt.find("PAID_SECRET"), std::string::npos);
  EXPECT_NE(post.excerpt.find("FREE_TEASER"), std::string::npos);
  for (std::optional<UserId> viewer : {std::optional<UserId>(), std::optional<UserId>(outsider)}) {
    auto seen = posts.get(viewer, post.id, Posts::CountView::No);
    ASSERT_TRUE(seen);
    EXPECT_TRUE(seen->locked);
    EXPECT_EQ(seen->body_html.find("PAID_SECRET"), std::string::npos);
    EXPECT_EQ(seen->body_md.find("PAID_SECRET"), std::string::npos);
    EXPECT_NE(seen->body_html.find("FREE_TEASER"), std::string::npos);
    EXPECT_EQ(posts.comments(viewer, post.id).error().kind, ErrorKind::PaymentRequired);
  }
  auto paying = posts.get(payer, post.id, Posts::CountView::No);
  EXPECT_FALSE(paying->locked);
  EXPECT_NE(paying->body_html.find("PAID_SECRET"), std::string::npos);
  EXPECT_TRUE(posts.comments(payer, post.id));
  EXPECT_FALSE(posts.get(member, post.id, Posts::CountView::No)->locked);  // The author.
}

TEST_F(PaidContentTest, FreeMembersCannotCommentOrVoteOnLockedPosts) {
  const auto post = paid_post();
  ASSERT_TRUE(communities.join(outsider, "cpp"));
  EXPECT_EQ(posts.add_comment(outsider, post.id, {"hi", std::nullopt}).error().code, "access.locked");
  EXPECT_EQ(posts.upvote(outsider, post.id).error().code, "access.locked");
  EXPECT_TRUE(posts.add_comment(payer, post.id, {"hi", std::nullopt}));
  auto with_comments = posts.get_with_comments(outsider, post.id, Posts::CountView::No);
  ASSERT_TRUE(with_comments);
  EXPECT_TRUE(with_comments->comments.empty());
}

TEST_F(PaidContentTest, FeedsCarryPreviewExcerptsAndLockFlags) {
  const auto post = paid_post();
  auto anonymous = posts.feed(std::nullopt, {"cpp", FeedSort::New, std::nullopt, std::nullopt, 20});
  ASSERT_TRUE(anonymous);
  ASSERT_FALSE(anonymous->posts.empty());
  for (const auto& p : anonymous->posts) {
    EXPECT_EQ(p.excerpt.find("PAID_SECRET"), std::string::npos);
    EXPECT_EQ(p.body_html, "");
  }
  EXPECT_TRUE(anonymous->posts[0].locked);
  auto paying = posts.feed(payer, {"cpp", FeedSort::New, std::nullopt, std::nullopt, 20});
  EXPECT_FALSE(paying->posts[0].locked);
  EXPECT_EQ(paying->posts[0].id, post.id);
}

TEST_F(PaidContentTest, TierOnlyAndPayPerPost) {
  PostInput tiers;
  tiers.body_md = "teaser\n<!-- paywall -->\nGOLD_ONLY";
  tiers.visibility = "tiers";
  tiers.tier_ids = {gold};
  const auto gold_post = publish(member, "Gold", tiers);
  EXPECT_FALSE(posts.get(payer, gold_post.id, Posts::CountView::No)->locked);
  EXPECT_TRUE(posts.get(outsider, gold_post.id, Posts::CountView::No)->locked);

  PostInput sale;
  sale.body_md = "teaser\n<!-- paywall -->\nFOR_SALE";
  sale.price = *Money::create(990, "CNY");
  const auto sold = publish(member, "Sale", sale);
  EXPECT_TRUE(posts.get(payer, sold.id, Posts::CountView::No)->locked);  // A tier does not buy a post for sale.
  database.db().write([&](db::Tx& tx) {
    access::grant(tx,
                  access::Grant{outsider, sold.community_id, std::nullopt, sold.id.value, true, "purchase", 7,
                                clock.now_ms(), std::nullopt},
                  clock.now_ms());
  });
  EXPECT_FALSE(posts.get(outsider, sold.id, Posts::CountView::No)->locked);
}

TEST_F(PaidContentTest, GatingRules) {
  PostInput input;
  input.title = "x";
  input.body_md = "y";
  input.visibility = "paid";
  ASSERT_TRUE(communities.join(outsider, "cpp"));
  EXPECT_EQ(posts.create(outsider, "cpp", input).error().code, "content.creator_role_required");
  input.visibility = "tiers";
  EXPECT_EQ(posts.create(member, "cpp", input).error().code, "content.tiers_required");
  input.tier_ids = {gold + 1000};
  EXPECT_EQ(posts.create(member, "cpp", input).error().code, "content.unknown_tier");
  input.visibility = "secret";
  EXPECT_EQ(posts.create(member, "cpp", input).error().code, "content.invalid_visibility");
  input.visibility = "public";
  input.tier_ids = {};
  input.price = *Money::create(0, "CNY");
  EXPECT_EQ(posts.create(member, "cpp", input).error().code, "content.invalid_price");
}

TEST_F(PaidContentTest, ChangingVisibilityRecomputesTheExcerpt) {
  PostInput input;
  input.body_md = "OPEN_PART\n<!-- paywall -->\nLATER_PAID";
  const auto post = publish(member, "Public first", input);
  EXPECT_NE(post.excerpt.find("LATER_PAID"), std::string::npos);
  PostPatch patch;
  patch.visibility = "paid";
  auto gated = posts.update(member, post.id, patch);
  ASSERT_TRUE(gated);
  auto seen = posts.get(std::nullopt, post.id, Posts::CountView::No);
  EXPECT_TRUE(seen->locked);
  EXPECT_EQ(seen->excerpt.find("LATER_PAID"), std::string::npos);
  EXPECT_EQ(seen->body_html.find("LATER_PAID"), std::string::npos);
}

TEST(VideoTest, WhitelistedHostsEmbed) {
  EXPECT_EQ(video_embed_url("https://youtu.be/dQw4w9WgXcQ")->value(),
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ");
  EXPECT_EQ(video_embed_url("https://vimeo.com/123456")->value(), "https://player.vimeo.com/video/123456");
  EXPECT_EQ(video_embed_url("https://www.bilibili.com/video/BV1xx411c7mD")->value(),
            "https://player.bilibili.com/player.html?bvid=BV1xx411c7mD&autoplay=0");
  EXPECT_FALSE(video_embed_url("https://evil.example/youtube.com/watch?v=x")->has_value());
  EXPECT_FALSE(video_embed_url("javascript:alert(1)"));
  EXPECT_FALSE(video_embed_url("https://youtu.be/x\"onload=1"));
}

}  // namespace
}  // namespace gh::content

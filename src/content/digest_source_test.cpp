#include "content/digest_source.hpp"

#include <gtest/gtest.h>

#include "community/community.hpp"
#include "identity/identity.hpp"
#include "testing/test_database.hpp"

namespace gh::content {
namespace {

class MissedPostsTest : public ::testing::Test {
 protected:
  testing::TestDatabase database;
  ManualClock clock{1'800'000'000'000};
  identity::Identity identity{database.db(), clock, identity::Options{}};
  community::Communities communities{database.db(), clock, community::Options{"CNY"}};
  Posts posts{database.db(), clock};
  MissedPosts missed{database.db(), posts};
  UserId owner, member;

  void SetUp() override {
    owner = user("owner");
    member = user("member");
    ASSERT_TRUE(communities.create(owner, {"cpp", "C++", "", "", "", true}));
    ASSERT_TRUE(communities.create(owner, {"quiet", "Quiet", "", "", "", true}));
    ASSERT_TRUE(communities.join(member, "cpp"));
    ASSERT_TRUE(communities.join(member, "quiet"));
  }

  UserId user(const std::string& name) {
    return database.db().write([&](db::Tx& tx) {
      return identity.insert_user(tx, {name + "@example.com", name, "", ""}, "not-a-real-hash")->id;
    });
  }

  void publish(UserId author, const std::string& title, const std::string& body, const std::string& visibility) {
    PostInput input;
    input.title = title;
    input.body_md = body;
    input.visibility = visibility;
    ASSERT_TRUE(posts.create(author, "cpp", input));
    clock.advance_ms(1000);
  }
};

TEST_F(MissedPostsTest, ListsOthersPostsOfThePeriodWithPaidTextCut) {
  publish(owner, "Before", "old news", "public");
  const Millis since = clock.now_ms();
  publish(owner, "Open", "public text", "public");
  publish(owner, "Paid", "FREE_TEASER\n\n<!-- paywall -->\n\nPAID_SECRET", "paid");
  publish(member, "Mine", "my own post", "public");
  const Millis until = clock.now_ms();
  publish(owner, "After", "too late", "public");

  const auto digest = missed.missed(member, since, until);
  ASSERT_EQ(digest.size(), 1u) << "communities with nothing new are left out";
  EXPECT_EQ(digest[0].name, "C++");
  EXPECT_EQ(digest[0].path, "/c/cpp");
  ASSERT_EQ(digest[0].posts.size(), 2u);
  EXPECT_EQ(digest[0].posts[0].title, "Paid");
  EXPECT_TRUE(digest[0].posts[0].locked);
  EXPECT_NE(digest[0].posts[0].excerpt.find("FREE_TEASER"), std::string::npos);
  EXPECT_EQ(digest[0].posts[0].excerpt.find("PAID_SECRET"), std::string::npos);
  EXPECT_EQ(digest[0].posts[1].title, "Open");
  EXPECT_FALSE(digest[0].posts[1].locked);

  // Their own posts are not news to anyone.
  const auto for_owner = missed.missed(owner, since, until);
  ASSERT_EQ(for_owner.size(), 1u);
  ASSERT_EQ(for_owner[0].posts.size(), 1u);
  EXPECT_EQ(for_owner[0].posts[0].title, "Mine");
}

}  // namespace
}  // namespace gh::content

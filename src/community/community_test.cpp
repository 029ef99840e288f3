#include "community/community.hpp"

#include <gtest/gtest.h>

#include "identity/identity.hpp"
#include "testing/test_database.hpp"

namespace gh::community {
namespace {

class CommunityTest : public ::testing::Test {
 protected:
  testing::TestDatabase database;
  ManualClock clock{1'800'000'000'000};
  identity::Identity identity{database.db(), clock, identity::Options{}};
  Communities communities{database.db(), clock, Options{"CNY"}};

  UserId user(const std::string& name) {
    return database.db().write([&](db::Tx& tx) {
      return identity.insert_user(tx, {name + "@example.com", name, "", ""}, "not-a-real-hash")->id;
    });
  }
};

TEST_F(CommunityTest, CreatorBecomesOwnerAndCurrencyDefaults) {
  const auto owner = user("owner");
  auto c = communities.create(owner, {"rust-cn", "Rust", "desc", "# Rules", "", true});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->currency, "CNY");
  EXPECT_EQ(c->member_count, 1);
  EXPECT_EQ(c->income_minor, 0);
  EXPECT_EQ(communities.role_of(owner, c->id), access::Role::Owner);
  EXPECT_NE(c->rules_html.find("<h1>Rules</h1>"), std::string::npos);
}

TEST_F(CommunityTest, SlugRules) {
  const auto owner = user("owner");
  for (const char* bad : {"ab", "Has-Caps", "-lead", "trail-", "with space", "api", "new"}) {
    auto r = communities.create(owner, {bad, "Name", "", "", "", true});
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, "community.invalid_slug");
  }
  ASSERT_TRUE(communities.create(owner, {"taken", "Name", "", "", "", true}));
  auto dup = communities.create(owner, {"taken", "Name", "", "", "", true});
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().kind, ErrorKind::Conflict);
}

TEST_F(CommunityTest, JoinAndLeaveKeepTheCount) {
  const auto owner = user("owner");
  const auto member = user("member");
  ASSERT_TRUE(communities.create(owner, {"club", "Club", "", "", "USD", true}));
  ASSERT_TRUE(communities.join(member, "club"));
  ASSERT_TRUE(communities.join(member, "club"));  // Idempotent.
  EXPECT_EQ(communities.find("club")->member_count, 2);
  ASSERT_TRUE(communities.leave(member, "club"));
  ASSERT_TRUE(communities.leave(member, "club"));  // Idempotent.
  EXPECT_EQ(communities.find("club")->member_count, 1);
  auto owner_leaves = communities.leave(owner, "club");
  ASSERT_FALSE(owner_leaves);
  EXPECT_EQ(owner_leaves.error().code, "community.owner_cannot_leave");
}

TEST_F(CommunityTest, PrivateCommunitiesAreHiddenAndInviteOnly) {
  const auto owner = user("owner");
  const auto other = user("other");
  ASSERT_TRUE(communities.create(owner, {"secret", "Secret", "", "", "", false}));
  auto page = communities.directory(DirectorySort::Members, std::nullopt, 50);
  ASSERT_TRUE(page);
  EXPECT_TRUE(page->communities.empty());
  auto join = communities.join(other, "secret");
  ASSERT_FALSE(join);
  EXPECT_EQ(join.error().kind, ErrorKind::Forbidden);
  auto members = communities.members(other, "secret", std::nullopt, 10);
  ASSERT_FALSE(members);
  EXPECT_EQ(members.error().kind, ErrorKind::NotFound);
}

TEST_F(CommunityTest, RoleChangesFollowTheRules) {
  const auto owner = user("owner");
  const auto admin = user("admin1");
  const auto mod = user("mod1");
  ASSERT_TRUE(communities.create(owner, {"club", "Club", "", "", "", true}));
  ASSERT_TRUE(communities.join(admin, "club"));
  ASSERT_TRUE(communities.join(mod, "club"));
  EXPECT_EQ(communities.set_role(mod, "club", "admin1", "moderator").error().kind, ErrorKind::Forbidden);
  ASSERT_TRUE(communities.set_role(owner, "club", "admin1", "admin"));
  ASSERT_TRUE(communities.set_role(admin, "club", "mod1", "moderator"));
  EXPECT_EQ(communities.set_role(admin, "club", "mod1", "admin").error().code, "community.owner_only");
  EXPECT_EQ(communities.set_role(admin, "club", "owner", "member").error().code, "community.owner_role_fixed");
  EXPECT_EQ(communities.set_role(owner, "club", "mod1", "owner").error().code, "community.owner_role_fixed");
  EXPECT_EQ(communities.set_role(owner, "club", "nobody", "member").error().kind, ErrorKind::NotFound);
  EXPECT_EQ(communities.set_role(owner, "club", "mod1", "king").error().kind, ErrorKind::Invalid);
}

TEST_F(CommunityTest, DirectoryPagesThroughEveryCommunityOnce) {
  const auto owner = user("owner");
  for (int i = 0; i < 7; ++i) {
    clock.advance_ms(1000);
    ASSERT_TRUE(communities.create(owner, {"c-" + std::to_string(i), "C", "", "", "", true}));
  }
  for (auto sort : {DirectorySort::Members, DirectorySort::Newest, DirectorySort::Income}) {
    std::set<std::string> seen;
    std::optional<std::string> cursor;
    do {
      auto page = communities.directory(sort, cursor, 3);
      ASSERT_TRUE(page);
      for (const auto& c : page->communities) {
        EXPECT_TRUE(seen.insert(c.slug).second) << c.slug;
      }
      cursor = page->next_cursor;
    } while (cursor);
    EXPECT_EQ(seen.size(), 7u);
  }
  EXPECT_EQ(communities.directory(DirectorySort::Newest, std::nullopt, 1)->communities[0].slug, "c-6");
  EXPECT_FALSE(communities.directory(DirectorySort::Members, "junk", 3));
}

TEST_F(CommunityTest, MembersListStaffFirstAndPages) {
  const auto owner = user("owner");
  ASSERT_TRUE(communities.create(owner, {"club", "Club", "", "", "", true}));
  for (int i = 0; i < 5; ++i) {
    clock.advance_ms(1000);
    const auto u = user("m" + std::to_string(i));
    ASSERT_TRUE(communities.join(u, "club"));
  }
  ASSERT_TRUE(communities.set_role(owner, "club", "m4", "moderator"));
  std::vector<std::string> names;
  std::optional<std::string> cursor;
  do {
    auto page = communities.members(std::nullopt, "club", cursor, 2);
    ASSERT_TRUE(page);
    for (const auto& m : page->members) {
      names.push_back(m.username);
    }
    cursor = page->next_cursor;
  } while (cursor);
  EXPECT_EQ(names, (std::vector<std::string>{"owner", "m4", "m0", "m1", "m2", "m3"}));
}

}  // namespace
}  // namespace gh::community

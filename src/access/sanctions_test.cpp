#include "access/sanctions.hpp"

#include <gtest/gtest.h>

#include "community/community.hpp"
#include "identity/identity.hpp"
#include "testing/test_database.hpp"

namespace gh::access {
namespace {

TEST(SanctionsTest, CountsLinksHoweverWritten) {
  const std::pair<std::string_view, int64_t> cases[] = {
      {"no links here", 0},
      {"see https://example.com", 1},
      {"[a](http://a.example) and <https://b.example> and www.c.example", 3},
      {"https://www.example.com counts once", 1},
      {"HTTPS://SHOUT.EXAMPLE mailto:x@example.com", 2},
      {"xhttp://not-a-word-start", 0},
  };
  for (const auto& [text, links] : cases) {
    EXPECT_EQ(count_links(text), links) << text;
  }
}

class SanctionsDbTest : public ::testing::Test {
 protected:
  testing::TestDatabase database;
  ManualClock clock{1'800'000'000'000};
  identity::Identity identity{database.db(), clock, identity::Options{}};
  community::Communities communities{database.db(), clock, community::Options{"CNY"}};
  UserId owner, member;
  CommunityId club;
  ContributionLimits limits = ContributionLimits::defaults();

  void SetUp() override {
    owner = user("owner");
    member = user("member");
    club = communities.create(owner, {"club", "Club", "", "", "", true})->id;
    ASSERT_TRUE(communities.join(member, "club"));
  }

  UserId user(const std::string& name) {
    return database.db().write([&](db::Tx& tx) {
      return identity.insert_user(tx, {name + "@example.com", name, "", ""}, "not-a-real-hash")->id;
    });
  }

  Status check(UserId who, Contribution what, std::string_view body = "text") {
    return database.db().read([&](db::Tx& tx) {
      return check_contribution(tx, who, club, role_in(tx, who, club), what, body, limits, clock.now_ms());
    });
  }

  void exec(const std::string& sql, std::initializer_list<db::Param> params) {
    database.db().write([&](db::Tx& tx) { tx.exec(sql, params); });
  }
};

TEST_F(SanctionsDbTest, MuteForbidsContributingUntilItEnds) {
  const Millis ends = clock.now_ms() + 60'000;
  exec("INSERT INTO community_mutes (community_id, user_id, muted_by, ends_at, created_at) VALUES ($1, $2, $3, $4, $5)",
       {club.value, member.value, owner.value, ends, clock.now_ms()});
  for (auto what : {Contribution::Post, Contribution::Comment, Contribution::Vote}) {
    auto status = check(member, what);
    ASSERT_FALSE(status);
    EXPECT_EQ(status.error().code, "moderation.muted");
    EXPECT_EQ(status.error().kind, ErrorKind::Forbidden);
    EXPECT_EQ(status.error().fields.at("until"), format_rfc3339(ends));
  }
  clock.advance_ms(60'000);
  EXPECT_TRUE(check(member, Contribution::Vote));
}

TEST_F(SanctionsDbTest, BanTakesTheRoleAwayAndUnbanGivesItBack) {
  exec("INSERT INTO community_bans (community_id, user_id, banned_by, created_at) VALUES ($1, $2, $3, $4)",
       {club.value, member.value, owner.value, clock.now_ms()});
  EXPECT_EQ(database.db().read([&](db::Tx& tx) { return role_in(tx, member, club); }), Role::None);
  EXPECT_EQ(check(member, Contribution::Post).error().code, "moderation.banned");
  EXPECT_EQ(communities.join(member, "club").error().code, "moderation.banned");
  exec("DELETE FROM community_bans WHERE user_id = $1", {member.value});
  EXPECT_EQ(database.db().read([&](db::Tx& tx) { return role_in(tx, member, club); }), Role::Member);
}

TEST_F(SanctionsDbTest, NewAccountsHaveFewerLinksAndPostsPerHour) {
  EXPECT_EQ(check(member, Contribution::Post, "https://a.example https://b.example https://c.example").error().code,
            "spam.too_many_links");
  EXPECT_TRUE(check(member, Contribution::Post, "https://a.example https://b.example"));
  for (int i = 0; i < 3; ++i) {
    exec(
        "INSERT INTO posts (community_id, author_id, kind, title, body_md, body_html, status, publish_at, created_at, "
        "updated_at) VALUES ($1, $2, 'discussion', 't', 'b', 'b', 'published', $3, $3, $3)",
        {club.value, member.value, clock.now_ms() - (50 - i) * 60'000});
  }
  auto limited = check(member, Contribution::Post);
  ASSERT_FALSE(limited);
  EXPECT_EQ(limited.error().kind, ErrorKind::RateLimited);
  EXPECT_EQ(limited.error().code, "spam.rate_limited");
  EXPECT_EQ(limited.error().retry_after_seconds, 10 * 60);  // The oldest leaves the hour in 10 minutes.
  EXPECT_TRUE(check(member, Contribution::Comment));
  // Staff and creators are not limited; an older account gets the higher limits and any links.
  EXPECT_TRUE(check(owner, Contribution::Post, "https://a.example https://b.example https://c.example"));
  clock.advance_ms(25 * 3'600'000LL);
  EXPECT_TRUE(check(member, Contribution::Post, "https://a.example https://b.example https://c.example"));
}

TEST_F(SanctionsDbTest, NoLimitsByDefault) {
  limits = {};
  EXPECT_TRUE(check(member, Contribution::Post, "https://a.example https://b.example https://c.example"));
}

}  // namespace
}  // namespace gh::access

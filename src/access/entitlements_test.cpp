#include "access/entitlements.hpp"

#include <gtest/gtest.h>

#include "community/community.hpp"
#include "identity/identity.hpp"
#include "testing/test_database.hpp"

namespace gh::access {
namespace {

TEST(VisibilityTest, NamesRoundTrip) {
  for (auto v : {Visibility::Public, Visibility::Members, Visibility::Paid, Visibility::Tiers}) {
    EXPECT_EQ(parse_visibility(visibility_name(v)), v);
  }
  EXPECT_FALSE(parse_visibility("secret"));
}

class EntitlementsTest : public ::testing::Test {
 protected:
  testing::TestDatabase database;
  ManualClock clock{1'800'000'000'000};
  identity::Identity identity{database.db(), clock, identity::Options{}};
  community::Communities communities{database.db(), clock, community::Options{"CNY"}};
  CommunityId community;
  int64_t gold = 0, silver = 0, free_tier = 0;
  int64_t post_id = 0;

  void SetUp() override {
    const auto owner = user("owner");
    community = communities.create(owner, {"club", "Club", "", "", "", true})->id;
    database.db().write([&](db::Tx& tx) {
      auto tier = [&](const char* name, int64_t price) {
        return *tx.scalar_i64(
            "INSERT INTO tiers (community_id, name, price_minor, currency, billing_interval, created_at, updated_at) "
            "VALUES ($1, $2, $3, 'CNY', 'month', 0, 0) RETURNING id",
            {community.value, name, price});
      };
      gold = tier("gold", 9900);
      silver = tier("silver", 4900);
      free_tier = tier("free", 0);
      post_id = *tx.scalar_i64(
          "INSERT INTO posts (community_id, author_id, kind, title, body_md, body_html, status, publish_at, "
          "created_at, "
          "updated_at) VALUES ($1, $2, 'article', 't', 'b', 'b', 'published', 0, 0, 0) RETURNING id",
          {community.value, owner.value});
    });
  }

  UserId user(const std::string& name) {
    return database.db().write([&](db::Tx& tx) {
      return identity.insert_user(tx, {name + "@example.com", name, "", ""}, "not-a-real-hash")->id;
    });
  }

  void give(UserId u, Grant g) {
    g.user = u;
    g.community = community;
    database.db().write([&](db::Tx& tx) { grant(tx, g, clock.now_ms()); });
  }

  Entitlements of(UserId u) {
    return database.db().read([&](db::Tx& tx) { return entitlements_of(tx, u, community, clock.now_ms()); });
  }
};

TEST_F(EntitlementsTest, EveryViewerAgainstEveryGate) {
  const Millis now = clock.now_ms();
  const auto author = user("author");
  const auto free_member = user("free");
  const auto silver_member = user("silver");
  const auto gold_member = user("gold");
  const auto expired = user("expired");
  const auto refunded = user("refunded");
  const auto buyer = user("buyer");
  give(free_member, {.tier_id = free_tier, .paid = false, .source = "membership", .source_id = 1, .starts_at = now});
  give(silver_member, {.tier_id = silver,
                       .paid = true,
                       .source = "membership",
                       .source_id = 2,
                       .starts_at = now,
                       .ends_at = now + 1000});
  give(
      gold_member,
      {.tier_id = gold, .paid = true, .source = "membership", .source_id = 3, .starts_at = now, .ends_at = now + 1000});
  give(
      expired,
      {.tier_id = gold, .paid = true, .source = "membership", .source_id = 4, .starts_at = now - 2000, .ends_at = now});
  give(refunded, {.tier_id = gold, .paid = true, .source = "membership", .source_id = 5, .starts_at = now});
  database.db().write([&](db::Tx& tx) { revoke(tx, "membership", 5, now); });
  give(buyer, {.post_id = post_id, .paid = true, .source = "purchase", .source_id = 6, .starts_at = now});

  struct Viewer {
    const char* name;
    std::optional<UserId> id;
    Role role;
  };
  const Viewer viewers[] = {
      {"anonymous", std::nullopt, Role::None},
      {"free member", free_member, Role::Member},
      {"silver member", silver_member, Role::Member},
      {"gold member", gold_member, Role::Member},
      {"expired", expired, Role::Member},
      {"refunded", refunded, Role::Member},
      {"buyer (not a member)", buyer, Role::None},
      {"author", author, Role::Member},
      {"moderator", user("moderator"), Role::Moderator},
  };
  const Gate public_gate{Visibility::Public, {}, false};
  const Gate members_gate{Visibility::Members, {}, false};
  const Gate paid_gate{Visibility::Paid, {}, false};
  const Gate gold_gate{Visibility::Tiers, {gold}, false};
  const Gate for_sale{Visibility::Public, {}, true};
  // Columns: public, members, paid, gold only, public but for sale.
  const std::map<std::string, std::array<bool, 5>> expected = {
      {"anonymous", {true, false, false, false, false}},
      {"free member", {true, true, false, false, false}},
      {"silver member", {true, true, true, false, false}},
      {"gold member", {true, true, true, true, false}},
      {"expired", {true, true, false, false, false}},
      {"refunded", {true, true, false, false, false}},
      {"buyer (not a member)", {true, true, true, true, true}},  // Bought this very post.
      {"author", {true, true, true, true, true}},
      {"moderator", {true, true, true, true, true}},
  };
  for (const auto& v : viewers) {
    const Entitlements ent = v.id ? of(*v.id) : Entitlements{};
    const Gate* gates[] = {&public_gate, &members_gate, &paid_gate, &gold_gate, &for_sale};
    for (size_t i = 0; i < 5; ++i) {
      EXPECT_EQ(can_read_full(*gates[i], v.id, author, v.role, ent, post_id), expected.at(v.name)[i])
          << v.name << " gate " << i;
    }
  }
}

TEST_F(EntitlementsTest, AccessEndsAtThePeriodEndNotBefore) {
  const auto member = user("member");
  const Millis now = clock.now_ms();
  give(member, {.tier_id = gold,
                .paid = true,
                .source = "membership",
                .source_id = 9,
                .starts_at = now,
                .ends_at = now + 60'000});
  const Gate gate{Visibility::Paid, {}, false};
  clock.advance_ms(59'999);
  EXPECT_TRUE(can_read_full(gate, member, UserId(999), Role::Member, of(member), 1));
  clock.advance_ms(1);
  EXPECT_FALSE(can_read_full(gate, member, UserId(999), Role::Member, of(member), 1));
  // A renewal moves the end; access returns.
  database.db().write([&](db::Tx& tx) { extend(tx, "membership", 9, now + 120'000); });
  EXPECT_TRUE(can_read_full(gate, member, UserId(999), Role::Member, of(member), 1));
}

TEST_F(EntitlementsTest, FutureGrantsDoNotCountYet) {
  const auto member = user("early");
  give(member, {.tier_id = gold, .paid = true, .source = "gift", .source_id = 1, .starts_at = clock.now_ms() + 1000});
  EXPECT_FALSE(of(member).any_paid_tier);
  clock.advance_ms(1000);
  EXPECT_TRUE(of(member).any_paid_tier);
}

TEST(CutTest, VisibleBodyIsTheOnlyCut) {
  const std::string body = "<p>free</p><p>paid</p>", preview = "<p>free</p>";
  EXPECT_EQ(visible_body(true, body, preview), body);
  EXPECT_EQ(visible_body(false, body, preview), preview);
}

}  // namespace
}  // namespace gh::access

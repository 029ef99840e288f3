#include "billing/tiers.hpp"

#include <gtest/gtest.h>

#include "community/community.hpp"
#include "identity/identity.hpp"
#include "testing/test_database.hpp"

namespace gh::billing {
namespace {

class TiersTest : public ::testing::Test {
 protected:
  testing::TestDatabase database;
  ManualClock clock{1'800'000'000'000};
  identity::Identity identity{database.db(), clock, identity::Options{}};
  community::Communities communities{database.db(), clock, community::Options{"CNY"}};
  Tiers tiers{database.db(), clock};
  UserId owner, member;

  void SetUp() override {
    owner = user("owner");
    member = user("member");
    ASSERT_TRUE(communities.create(owner, {"club", "Club", "", "", "", true}));
    ASSERT_TRUE(communities.join(member, "club"));
  }

  UserId user(const std::string& name) {
    return database.db().write([&](db::Tx& tx) {
      return identity.insert_user(tx, {name + "@example.com", name, "", ""}, "not-a-real-hash")->id;
    });
  }

  static TierInput input(int64_t price, const char* currency, const char* interval) {
    return TierInput{"Gold", "Everything", Money::create(price, currency).value(), interval, std::nullopt, 0};
  }
};

TEST_F(TiersTest, OwnersCreateTiersInSeveralCurrencies) {
  auto cny = tiers.create(owner, "club", input(9900, "CNY", "month"));
  ASSERT_TRUE(cny);
  EXPECT_EQ(cny->price.amount_minor(), 9900);
  auto usd = tiers.create(owner, "club", input(1500, "USD", "year"));
  ASSERT_TRUE(usd);
  auto term = input(36500, "CNY", "fixed_term");
  term.term_days = 365;
  ASSERT_TRUE(tiers.create(owner, "club", term));
  ASSERT_TRUE(tiers.create(owner, "club", input(0, "CNY", "lifetime")));
  auto list = tiers.list("club", false);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 4u);
  EXPECT_EQ((*list)[0].id, cny->id);
  EXPECT_EQ((*list)[1].price.currency(), "USD");
}

TEST_F(TiersTest, OnlyOwnersAndAdminsManageTiers) {
  EXPECT_EQ(tiers.create(member, "club", input(100, "CNY", "month")).error().kind, ErrorKind::Forbidden);
  auto tier = tiers.create(owner, "club", input(100, "CNY", "month"));
  EXPECT_EQ(tiers.update(member, tier->id, {.archived = true}).error().kind, ErrorKind::Forbidden);
  ASSERT_TRUE(communities.set_role(owner, "club", "member", "admin"));
  EXPECT_TRUE(tiers.update(member, tier->id, {.name = std::string("Renamed")}));
}

TEST_F(TiersTest, ValidatesTheOffer) {
  struct Case {
    TierInput input;
    const char* code;
  } cases[] = {
      {{"", "", Money::create(100, "CNY").value(), "month", std::nullopt, 0}, "billing.invalid_tier_name"},
      {{"x", "", std::nullopt, "month", std::nullopt, 0}, "billing.invalid_price"},
      {{"x", "", Money::create(-1, "CNY").value(), "month", std::nullopt, 0}, "billing.invalid_price"},
      {{"x", "", Money::create(100, "CNY").value(), "weekly", std::nullopt, 0}, "billing.invalid_interval"},
      {{"x", "", Money::create(100, "CNY").value(), "fixed_term", std::nullopt, 0}, "billing.invalid_term"},
      {{"x", "", Money::create(100, "CNY").value(), "month", 30, 0}, "billing.invalid_term"},
      {{"x", "", Money::create(100, "CNY").value(), "month", std::nullopt, 400}, "billing.invalid_trial"},
      {{"x", "", Money::create(0, "CNY").value(), "month", std::nullopt, 0}, "billing.free_tier_interval"},
  };
  for (const auto& c : cases) {
    auto r = tiers.create(owner, "club", c.input);
    ASSERT_FALSE(r) << c.code;
    EXPECT_EQ(r.error().code, c.code);
  }
}

TEST_F(TiersTest, ArchivedTiersLeaveTheShopButStay) {
  auto tier = tiers.create(owner, "club", input(100, "CNY", "month"));
  ASSERT_TRUE(tiers.update(owner, tier->id, {.archived = true}));
  EXPECT_TRUE(tiers.list("club", false)->empty());
  ASSERT_EQ(tiers.list("club", true)->size(), 1u);
  EXPECT_TRUE((*tiers.list("club", true))[0].archived);
  ASSERT_TRUE(tiers.update(owner, tier->id, {.archived = false}));
  EXPECT_EQ(tiers.list("club", false)->size(), 1u);
}

TEST(PeriodTest, EndsFollowTheCalendar) {
  Tier monthly;
  monthly.interval = "month";
  const Millis jan31 = *parse_rfc3339("2026-01-31T12:00:00Z");
  EXPECT_EQ(format_rfc3339(*period_end(monthly, jan31)), "2026-02-28T12:00:00Z");
  Tier yearly;
  yearly.interval = "year";
  EXPECT_EQ(format_rfc3339(*period_end(yearly, jan31)), "2027-01-31T12:00:00Z");
  Tier term;
  term.interval = "fixed_term";
  term.term_days = 365;
  EXPECT_EQ(format_rfc3339(*period_end(term, jan31)), "2027-01-31T12:00:00Z");
  Tier lifetime;
  lifetime.interval = "lifetime";
  EXPECT_FALSE(period_end(lifetime, jan31));
}

}  // namespace
}  // namespace gh::billing

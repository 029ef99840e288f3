#include "billing/books.hpp"

#include <gtest/gtest.h>

#include "access/entitlements.hpp"
#include "billing/checkout.hpp"
#include "identity/identity.hpp"
#include "ledger/ledger.hpp"
#include "testing/test_database.hpp"

namespace gh::billing {
namespace {

class BooksTest : public ::testing::Test {
 protected:
  testing::TestDatabase database;
  ManualClock clock{*parse_rfc3339("2026-03-10T12:00:00Z")};
  identity::Identity identity{database.db(), clock, identity::Options{}};
  community::Communities communities{database.db(), clock, community::Options{"CNY"}};
  Tiers tiers{database.db(), clock};
  Checkouts checkouts{database.db(), clock, communities, CheckoutOptions{500}};
  Books books{database.db(), clock};
  UserId owner, buyer, stranger;
  int64_t gold = 0;
  int64_t usd_tier = 0;

  void SetUp() override {
    owner = user("owner");
    buyer = user("buyer");
    stranger = user("stranger");
    ASSERT_TRUE(communities.create(owner, {"club", "Club", "", "", "", true}));
    gold = tiers.create(owner, "club", {"Gold", "", Money::create(9900, "CNY").value(), "month", std::nullopt, 0})->id;
    usd_tier =
        tiers.create(owner, "club", {"Intl", "", Money::create(1000, "USD").value(), "year", std::nullopt, 0})->id;
  }

  UserId user(const std::string& name) {
    return database.db().write([&](db::Tx& tx) {
      return identity.insert_user(tx, {name + "@example.com", name, "", ""}, "not-a-real-hash")->id;
    });
  }

  Payment pay(UserId who, int64_t tier) {
    auto checkout = checkouts.start(who, {tier, std::nullopt, "manual"});
    return *checkouts.confirm_manual(owner, checkout->public_id);
  }

  ledger::CheckReport check() {
    return database.db().read([](db::Tx& tx) { return check_books(tx); });
  }
};

TEST_F(BooksTest, SummaryPerCurrencyWithTheCommunityCurrencyFirst) {
  pay(buyer, gold);
  clock.advance_ms(24LL * 3600 * 1000);
  pay(stranger, gold);
  pay(buyer, usd_tier);

  auto summary = books.summary(owner, "club");
  ASSERT_TRUE(summary) << summary.error().message;
  ASSERT_EQ(summary->currencies.size(), 2u);
  const auto& cny = summary->currencies[0];
  EXPECT_EQ(cny.currency, "CNY");
  EXPECT_EQ(cny.gross_minor, 19800);
  EXPECT_EQ(cny.fees_minor, 990);
  EXPECT_EQ(cny.net_minor, 18810);
  EXPECT_EQ(cny.payments, 2);
  const auto& usd = summary->currencies[1];
  EXPECT_EQ(usd.currency, "USD");
  EXPECT_EQ(usd.net_minor, 950);
  EXPECT_FALSE(summary->accounts.empty());
  EXPECT_TRUE(check().ok) << check().problems.front();
}

TEST_F(BooksTest, OnlyOwnersAndAdminsSeeTheBooks) {
  pay(buyer, gold);
  EXPECT_EQ(books.summary(buyer, "club").error().code, "community.not_allowed");
  EXPECT_EQ(books.summary(stranger, "club").error().kind, ErrorKind::Forbidden);
  EXPECT_EQ(books.transactions(buyer, "club", std::nullopt, 10).error().kind, ErrorKind::Forbidden);
  EXPECT_EQ(books.csv(buyer, "club").error().kind, ErrorKind::Forbidden);
  EXPECT_EQ(books.daily(buyer, "club", "CNY", 30).error().kind, ErrorKind::Forbidden);
  EXPECT_EQ(books.summary(owner, "nope").error().code, "community.not_found");
}

TEST_F(BooksTest, TransactionsPageAndCsv) {
  for (int i = 0; i < 3; ++i) {
    pay(user("b" + std::to_string(i)), gold);
  }
  auto first = books.transactions(owner, "club", std::nullopt, 2);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->transactions.size(), 2u);
  ASSERT_TRUE(first->next_cursor);
  auto second = books.transactions(owner, "club", first->next_cursor, 2);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->transactions.size(), 1u);
  EXPECT_LT(second->transactions[0].id.value, first->transactions[1].id.value);
  EXPECT_EQ(books.transactions(owner, "club", std::string("garbage"), 2).error().code, "ledger.invalid_cursor");

  auto csv = books.csv(owner, "club");
  ASSERT_TRUE(csv);
  EXPECT_NE(csv->find("transaction_id"), std::string::npos);
  EXPECT_NE(csv->find("99.00"), std::string::npos);
}

TEST_F(BooksTest, DailyRevenueBucketsByUtcDayOldestFirst) {
  pay(buyer, gold);  // 2026-03-10: 94.05 net.
  clock.advance_ms(48LL * 3600 * 1000);
  pay(stranger, gold);  // 2026-03-12.
  pay(user("third"), gold);

  auto days = books.daily(owner, "club", "CNY", 7);
  ASSERT_TRUE(days);
  ASSERT_EQ(days->size(), 7u);
  EXPECT_EQ(days->back().day_start, *parse_rfc3339("2026-03-12T00:00:00Z"));
  EXPECT_EQ(days->back().net_minor, 2 * 9405);
  EXPECT_EQ((*days)[4].net_minor, 9405);  // 2026-03-10
  EXPECT_EQ((*days)[5].net_minor, 0);
  EXPECT_EQ((*days)[0].net_minor, 0);
  EXPECT_EQ(books.daily(owner, "club", "USD", 7)->back().net_minor, 0);
  EXPECT_EQ(books.daily(owner, "club", "CNY", 100000)->size(), 366u);
}

TEST_F(BooksTest, CheckFindsPaymentsAndAccessThatDisagreeWithTheBooks) {
  auto payment = pay(buyer, gold);
  ASSERT_TRUE(check().ok);

  // A payment marked refunded by hand, with no refund booked and access left in place.
  ASSERT_TRUE(database.db().write([&](db::Tx& tx) {
    tx.exec("UPDATE payments SET status = 'refunded' WHERE id = $1", {payment.id});
    tx.exec("UPDATE memberships SET status = 'refunded' WHERE id = $1", {*payment.membership_id});
    return Result<void>{};
  }));
  auto report = check();
  EXPECT_FALSE(report.ok);
  std::string all;
  for (const auto& p : report.problems) {
    all += p + "\n";
  }
  EXPECT_NE(all.find("status disagrees"), std::string::npos) << all;
  EXPECT_NE(all.find("clearing account processor:manual CNY"), std::string::npos) << all;
  EXPECT_NE(all.find("refunded membership still gives access"), std::string::npos) << all;

  // A payment whose recorded fee differs from the booking.
  ASSERT_TRUE(database.db().write([&](db::Tx& tx) {
    tx.exec("UPDATE payments SET status = 'succeeded', fee_minor = 1 WHERE id = $1", {payment.id});
    tx.exec("UPDATE memberships SET status = 'active' WHERE id = $1", {*payment.membership_id});
    return Result<void>{};
  }));
  report = check();
  EXPECT_FALSE(report.ok);
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_NE(report.problems[0].find("another fee"), std::string::npos) << report.problems[0];
}

TEST_F(BooksTest, CheckFindsAMembershipSoldWithoutAPayment) {
  ASSERT_TRUE(database.db().write([&](db::Tx& tx) {
    tx.exec(
        "INSERT INTO memberships (community_id, user_id, tier_id, status, provider, created_at, updated_at) "
        "SELECT community_id, $1, id, 'active', 'manual', 0, 0 FROM tiers WHERE id = $2",
        {buyer.value, gold});
    return Result<void>{};
  }));
  auto report = check();
  EXPECT_FALSE(report.ok);
  ASSERT_FALSE(report.problems.empty());
  EXPECT_NE(report.problems[0].find("without a payment"), std::string::npos) << report.problems[0];
}

}  // namespace
}  // namespace gh::billing

#include "billing/checkout.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "access/entitlements.hpp"
#include "billing/fixture_test.hpp"
#include "content/content.hpp"
#include "identity/identity.hpp"
#include "ledger/ledger.hpp"
#include "testing/test_database.hpp"

namespace gh::billing {
namespace {

// The shared community, owner, buyer and "Gold" tier (fixture_test.hpp).
class CheckoutTest : public BillingFixture {};

TEST_F(CheckoutTest, ManualPaymentGrantsAccessAndBooksTheLedger) {
  const auto post = paid_post();
  EXPECT_TRUE(posts.get(buyer, post.id, content::Posts::CountView::No)->locked);
  auto checkout = checkouts.start(buyer, {gold, std::nullopt, "manual"});
  ASSERT_TRUE(checkout);
  EXPECT_EQ(checkout->status, "pending");
  EXPECT_EQ(checkout->amount.amount_minor(), 9900);
  EXPECT_EQ(checkout->redirect_url, "/checkout/" + checkout->public_id);
  EXPECT_TRUE(posts.get(buyer, post.id, content::Posts::CountView::No)->locked) << "nothing before confirmation";

  EXPECT_EQ(checkouts.confirm_manual(buyer, checkout->public_id).error().kind, ErrorKind::Forbidden);
  auto payment = checkouts.confirm_manual(owner, checkout->public_id);
  ASSERT_TRUE(payment);
  EXPECT_EQ(payment->amount.amount_minor(), 9900);
  EXPECT_EQ(payment->fee.amount_minor(), 495);
  EXPECT_EQ(payment->kind, "initial");
  EXPECT_FALSE(posts.get(buyer, post.id, content::Posts::CountView::No)->locked);
  EXPECT_EQ(communities.role_of(buyer, club), access::Role::Member) << "buying joins";

  EXPECT_EQ(balance(ledger::manual_clearing("CNY")), 9900);
  EXPECT_EQ(balance(ledger::community_revenue(club, "CNY")), -9405);
  EXPECT_EQ(balance(ledger::platform_fees("CNY")), -495);
  EXPECT_EQ(communities.find("club")->income_minor, 9405);
  expect_books_ok();

  // Confirming again answers with the same payment and books nothing.
  auto again = checkouts.confirm_manual(owner, checkout->public_id);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->id, payment->id);
  EXPECT_EQ(balance(ledger::manual_clearing("CNY")), 9900);
  EXPECT_EQ(checkouts.payments_of(buyer).size(), 1u);
}

TEST_F(CheckoutTest, AccessEndsAtThePeriodEndAndRenewalExtendsIt) {
  const auto post = paid_post();
  auto first = checkouts.start(buyer, {gold, std::nullopt, "manual"});
  ASSERT_TRUE(checkouts.confirm_manual(owner, first->public_id));
  auto memberships = checkouts.memberships_of(buyer);
  ASSERT_EQ(memberships.size(), 1u);
  EXPECT_EQ(format_rfc3339(*memberships[0].current_period_end), "2026-02-28T12:00:00Z");

  // Renewal before the end: the period runs on from the current end.
  clock.set_ms(*parse_rfc3339("2026-02-20T00:00:00Z"));
  auto second = checkouts.start(buyer, {gold, std::nullopt, "manual"});
  auto renewal = checkouts.confirm_manual(owner, second->public_id);
  ASSERT_TRUE(renewal);
  EXPECT_EQ(renewal->kind, "renewal");
  memberships = checkouts.memberships_of(buyer);
  ASSERT_EQ(memberships.size(), 1u);
  EXPECT_EQ(format_rfc3339(*memberships[0].current_period_end), "2026-03-28T12:00:00Z");

  clock.set_ms(*parse_rfc3339("2026-03-28T11:59:59Z"));
  EXPECT_FALSE(posts.get(buyer, post.id, content::Posts::CountView::No)->locked);
  clock.set_ms(*parse_rfc3339("2026-03-28T12:00:00Z"));
  EXPECT_TRUE(posts.get(buyer, post.id, content::Posts::CountView::No)->locked) << "access ends at the period end";
  EXPECT_EQ(checkouts.memberships_of(buyer)[0].status, "expired");
  EXPECT_EQ(balance(ledger::manual_clearing("CNY")), 19800);
  EXPECT_EQ(communities.find("club")->income_minor, 2 * 9405);
  expect_books_ok();
}

TEST_F(CheckoutTest, PayPerPost) {
  content::PostInput input;
  input.title = "Single";
  input.body_md = "teaser\n<!-- paywall -->\nSOLD";
  input.kind = "article";
  input.price = *Money::create(990, "CNY");
  const auto post = *posts.create(owner, "club", input);
  auto checkout = checkouts.start(buyer, {std::nullopt, post.id.value, "manual"});
  ASSERT_TRUE(checkout);
  EXPECT_EQ(checkout->amount.amount_minor(), 990);
  auto payment = checkouts.confirm_manual(owner, checkout->public_id);
  ASSERT_TRUE(payment);
  EXPECT_EQ(payment->kind, "purchase");
  EXPECT_EQ(payment->fee.amount_minor(), 49);  // 5% of 990, rounded down.
  EXPECT_FALSE(posts.get(buyer, post.id, content::Posts::CountView::No)->locked);
  EXPECT_EQ(checkouts.start(buyer, {std::nullopt, post.id.value, "manual"}).error().code, "billing.already_owned");
  EXPECT_EQ(checkouts.start(owner, {std::nullopt, post.id.value, "manual"}).error().code, "billing.already_owned");
  expect_books_ok();
}

TEST_F(CheckoutTest, RefusesWhatCannotBeBought) {
  EXPECT_EQ(checkouts.start(buyer, {std::nullopt, std::nullopt, "manual"}).error().code, "billing.item_required");
  EXPECT_EQ(checkouts.start(buyer, {gold, 1, "manual"}).error().code, "billing.item_required");
  EXPECT_EQ(checkouts.start(buyer, {gold, std::nullopt, "paypal"}).error().code, "billing.unknown_provider");
  EXPECT_EQ(checkouts.start(buyer, {gold, std::nullopt, "stripe"}).error().kind, ErrorKind::Unavailable);
  EXPECT_EQ(checkouts.start(buyer, {gold + 99, std::nullopt, "manual"}).error().kind, ErrorKind::NotFound);
  const auto free_tier =
      tiers.create(owner, "club", {"Free", "", Money::create(0, "CNY").value(), "lifetime", std::nullopt, 0})->id;
  EXPECT_EQ(checkouts.start(buyer, {free_tier, std::nullopt, "manual"}).error().code, "billing.free_tier");
  ASSERT_TRUE(tiers.update(owner, gold, {.archived = true}));
  EXPECT_EQ(checkouts.start(buyer, {gold, std::nullopt, "manual"}).error().kind, ErrorKind::NotFound);
  const auto post = paid_post();
  EXPECT_EQ(checkouts.start(buyer, {std::nullopt, post.id.value, "manual"}).error().code, "billing.not_for_sale");
}

TEST_F(CheckoutTest, ConfirmationsRacingBookOnce) {
  auto checkout = checkouts.start(buyer, {gold, std::nullopt, "manual"});
  std::vector<std::thread> threads;
  std::mutex mutex;
  std::set<int64_t> payment_ids;
  std::vector<std::string> failures;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] {
      auto r = checkouts.confirm_manual(owner, checkout->public_id);
      std::lock_guard lock(mutex);
      if (r) {
        payment_ids.insert(r->id);
      } else {
        failures.push_back(r.error().code);
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_TRUE(failures.empty()) << failures[0];
  EXPECT_EQ(payment_ids.size(), 1u) << "every click sees the one payment";
  EXPECT_EQ(balance(ledger::manual_clearing("CNY")), 9900);
  EXPECT_EQ(checkouts.payments_of(buyer).size(), 1u);
  expect_books_ok();
}

class ConcurrentPurchases : public CheckoutTest, public ::testing::WithParamInterface<bool> {};

// Several payments for one tier confirmed at the same moment, with or without a membership
// already running: one membership, one period per payment.
TEST_P(ConcurrentPurchases, EachAddAPeriodToOneMembership) {
  const bool member_already = GetParam();
  Tier tier;
  tier.interval = "month";
  Millis first_end = *period_end(tier, clock.now_ms());
  if (member_already) {
    ASSERT_TRUE(checkouts.confirm_manual(owner, checkouts.start(buyer, {gold, std::nullopt, "manual"})->public_id));
    first_end = *checkouts.memberships_of(buyer)[0].current_period_end;
  }
  const int kRenewals = member_already ? 4 : 3;
  std::vector<std::string> ids;
  for (int i = 0; i < kRenewals; ++i) {
    ids.push_back(checkouts.start(buyer, {gold, std::nullopt, "manual"})->public_id);
  }
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (const auto& id : ids) {
    threads.emplace_back([&, id] { ok += checkouts.confirm_manual(owner, id) ? 1 : 0; });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(ok.load(), kRenewals);
  // Each payment extends from the end the previous one left, never two from the same end.
  Millis expected = first_end;
  for (int i = member_already ? 0 : 1; i < kRenewals; ++i) {
    expected = *period_end(tier, expected);
  }
  const auto memberships = checkouts.memberships_of(buyer);
  ASSERT_EQ(memberships.size(), 1u);
  EXPECT_EQ(format_rfc3339(*memberships[0].current_period_end), format_rfc3339(expected));
  expect_books_ok();
}

INSTANTIATE_TEST_SUITE_P(MemberOrNot, ConcurrentPurchases, ::testing::Bool());

TEST_F(CheckoutTest, OthersCannotSeeACheckout) {
  auto checkout = checkouts.start(buyer, {gold, std::nullopt, "manual"});
  EXPECT_TRUE(checkouts.find(buyer, checkout->public_id));
  EXPECT_TRUE(checkouts.find(owner, checkout->public_id));
  EXPECT_EQ(checkouts.find(user("nosy"), checkout->public_id).error().kind, ErrorKind::NotFound);
  EXPECT_EQ(checkouts.pending(owner, "club")->size(), 1u);
  EXPECT_EQ(checkouts.pending(buyer, "club").error().kind, ErrorKind::Forbidden);
}

}  // namespace
}  // namespace gh::billing

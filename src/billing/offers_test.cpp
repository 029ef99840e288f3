#include "billing/offers.hpp"

#include "billing/fixture_test.hpp"

namespace gh::billing {
namespace {

constexpr Millis kDay = 86'400'000;

class OffersTest : public BillingFixture {
 protected:
  Coupon coupon(const std::string& code, std::optional<int64_t> percent, std::optional<Money> amount,
                const std::string& duration = "once", std::optional<int64_t> max = std::nullopt) {
    CouponInput in;
    in.code = code;
    in.percent_off = percent;
    in.amount_off = amount;
    in.duration = duration;
    in.max_redemptions = max;
    auto c = offers.create_coupon(owner, "club", in);
    EXPECT_TRUE(c) << (c ? "" : c.error().code);
    return *c;
  }
  Result<Checkout> buy(UserId who, std::optional<int64_t> tier, std::optional<int64_t> post, const std::string& code) {
    CheckoutInput in;
    in.tier_id = tier;
    in.post_id = post;
    in.provider = "manual";
    in.coupon = code;
    return checkouts.start(who, in);
  }
  static Money cny(int64_t minor) { return Money::create(minor, "CNY").value(); }
};

TEST_F(OffersTest, CreatingCouponsIsValidatedAndForOwnersAndAdmins) {
  CouponInput in;
  in.code = "SUMMER";
  in.percent_off = 10;
  in.duration = "once";
  EXPECT_EQ(offers.create_coupon(buyer, "club", in).error().code, "community.not_allowed");
  EXPECT_EQ(offers.create_coupon(owner, "nowhere", in).error().code, "community.not_found");
  auto bad = in;
  bad.code = "no spaces";
  EXPECT_EQ(offers.create_coupon(owner, "club", bad).error().code, "billing.invalid_coupon_code");
  bad = in;
  bad.amount_off = cny(100);
  EXPECT_EQ(offers.create_coupon(owner, "club", bad).error().code, "billing.invalid_discount");
  for (int64_t p : {0, 101}) {
    bad = in;
    bad.percent_off = p;
    EXPECT_EQ(offers.create_coupon(owner, "club", bad).error().code, "billing.invalid_discount");
  }
  bad = in;
  bad.duration = "repeating";
  EXPECT_EQ(offers.create_coupon(owner, "club", bad).error().code, "billing.invalid_duration");
  bad = in;
  bad.expires_at = clock.now_ms() - 1;
  EXPECT_EQ(offers.create_coupon(owner, "club", bad).error().code, "billing.invalid_expiry");
  bad = in;
  bad.max_redemptions = 0;
  EXPECT_EQ(offers.create_coupon(owner, "club", bad).error().code, "billing.invalid_max_redemptions");
  ASSERT_TRUE(communities.create(owner, {"other", "Other", "", "", "", true}));
  const auto other_tier = tiers.create(owner, "other", {"Silver", "", cny(100), "month", std::nullopt, 0})->id;
  bad = in;
  bad.tier_ids = {other_tier};
  EXPECT_EQ(offers.create_coupon(owner, "club", bad).error().code, "billing.tier_not_found");

  in.tier_ids = {gold};
  auto created = offers.create_coupon(owner, "club", in);
  ASSERT_TRUE(created);
  EXPECT_EQ(created->code, "SUMMER");
  EXPECT_EQ(created->tier_ids, std::vector<int64_t>{gold});
  in.code = "summer";
  EXPECT_EQ(offers.create_coupon(owner, "club", in).error().code, "billing.coupon_code_taken") << "case-insensitive";
  EXPECT_TRUE(offers.create_coupon(owner, "other", {.code = "summer", .percent_off = 5, .duration = "once"}))
      << "unique per community only";

  EXPECT_EQ(offers.coupons(owner, "club")->size(), 1u);
  EXPECT_EQ(offers.coupons(buyer, "club").error().code, "community.not_allowed");
  EXPECT_EQ(offers.set_coupon_archived(buyer, created->id, true).error().kind, ErrorKind::NotFound);
  EXPECT_TRUE(offers.set_coupon_archived(owner, created->id, true)->archived);
  EXPECT_EQ(buy(buyer, gold, std::nullopt, "summer").error().code, "billing.coupon_not_found") << "archived";
  EXPECT_FALSE(offers.set_coupon_archived(owner, created->id, false)->archived);
  EXPECT_TRUE(buy(buyer, gold, std::nullopt, "summer"));
}

TEST_F(OffersTest, PercentOnceDiscountsTheFirstPeriodAndTheLedgerBooksWhatWasPaid) {
  coupon("Launch15", 15, std::nullopt, "once");
  auto checkout = buy(buyer, gold, std::nullopt, " launch15 ");
  ASSERT_TRUE(checkout) << checkout.error().code;
  EXPECT_EQ(checkout->amount, cny(8415));
  EXPECT_EQ(checkout->list_amount, cny(9900));
  EXPECT_EQ(checkout->renewal_amount, cny(9900)) << "once: later periods at the list price";
  EXPECT_EQ(checkout->coupon_code, "LAUNCH15");
  EXPECT_EQ(count("SELECT redemptions FROM coupons"), 0) << "counted at completion, not at start";

  auto payment = checkouts.confirm_manual(owner, checkout->public_id);
  ASSERT_TRUE(payment);
  EXPECT_EQ(payment->amount, cny(8415));
  EXPECT_EQ(payment->fee, cny(420)) << "5% of what was paid, rounded down";
  EXPECT_EQ(balance(ledger::manual_clearing("CNY")), 8415);
  EXPECT_EQ(balance(ledger::community_revenue(club, "CNY")), -(8415 - 420));
  EXPECT_EQ(count("SELECT redemptions FROM coupons"), 1);
  EXPECT_TRUE(checkouts.confirm_manual(owner, checkout->public_id)) << "a repeat counts nothing";
  EXPECT_EQ(count("SELECT redemptions FROM coupons"), 1);
  expect_books_ok();
}

TEST_F(OffersTest, AmountOffForeverAndItsLimits) {
  coupon("TENOFF", std::nullopt, cny(1000), "forever");
  auto checkout = buy(buyer, gold, std::nullopt, "tenoff");
  ASSERT_TRUE(checkout);
  EXPECT_EQ(checkout->amount, cny(8900));
  EXPECT_EQ(checkout->renewal_amount, cny(8900)) << "forever: every period discounted";

  coupon("HUGE", std::nullopt, cny(50'000), "once");
  auto free = buy(buyer, gold, std::nullopt, "huge");
  ASSERT_TRUE(free);
  EXPECT_EQ(free->amount, cny(0)) << "never below zero";

  coupon("DOLLARS", std::nullopt, Money::create(500, "USD").value(), "once");
  auto other = buy(buyer, gold, std::nullopt, "dollars");
  EXPECT_EQ(other.error().code, "billing.coupon_currency");
  EXPECT_EQ(other.error().fields.at("coupon"), "billing.coupon_currency");
}

TEST_F(OffersTest, ExpiredExhaustedUnknownAndOtherTiersAreRefused) {
  EXPECT_EQ(buy(buyer, gold, std::nullopt, "NOPE").error().code, "billing.coupon_not_found");
  EXPECT_EQ(buy(buyer, gold, std::nullopt, "x").error().code, "billing.coupon_not_found");
  CouponInput soon{.code = "SOON", .percent_off = 10, .duration = "once", .expires_at = clock.now_ms() + kDay};
  ASSERT_TRUE(offers.create_coupon(owner, "club", soon));
  EXPECT_TRUE(buy(buyer, gold, std::nullopt, "SOON"));
  clock.advance_ms(kDay);
  EXPECT_EQ(buy(buyer, gold, std::nullopt, "SOON").error().code, "billing.coupon_expired");

  coupon("ONCEONLY", 50, std::nullopt, "once", 1);
  auto first = buy(buyer, gold, std::nullopt, "ONCEONLY");
  ASSERT_TRUE(checkouts.confirm_manual(owner, first->public_id));
  EXPECT_EQ(buy(user("late"), gold, std::nullopt, "ONCEONLY").error().code, "billing.coupon_exhausted");

  const auto silver = tiers.create(owner, "club", {"Silver", "", cny(500), "month", std::nullopt, 0})->id;
  CouponInput gold_only{.code = "GOLDONLY", .percent_off = 20, .duration = "once", .tier_ids = {gold}};
  ASSERT_TRUE(offers.create_coupon(owner, "club", gold_only));
  EXPECT_EQ(buy(buyer, silver, std::nullopt, "GOLDONLY").error().code, "billing.coupon_not_for_tier");
  EXPECT_TRUE(buy(buyer, gold, std::nullopt, "GOLDONLY"));

  content::PostInput single;
  single.title = "Single";
  single.body_md = "teaser\n<!-- paywall -->\nSOLD";
  single.kind = "article";
  single.price = cny(500);
  const auto post = *posts.create(owner, "club", single);
  EXPECT_EQ(buy(buyer, std::nullopt, post.id.value, "GOLDONLY").error().code, "billing.coupon_not_for_tier");
  coupon("ANYTHING", 20, std::nullopt, "forever");
  auto for_post = buy(buyer, std::nullopt, post.id.value, "ANYTHING");
  ASSERT_TRUE(for_post);
  EXPECT_EQ(for_post->amount, cny(400));
  EXPECT_FALSE(for_post->renewal_amount) << "a post does not renew";

  ASSERT_TRUE(communities.create(owner, {"other", "Other", "", "", "", true}));
  ASSERT_TRUE(offers.create_coupon(owner, "other", {.code = "ELSEWHERE", .percent_off = 5, .duration = "once"}));
  EXPECT_EQ(buy(buyer, gold, std::nullopt, "ELSEWHERE").error().code, "billing.coupon_not_found");
}

TEST_F(OffersTest, AFullDiscountCompletesAtOnceAndBooksNothing) {
  const auto post = paid_post();
  coupon("FRIENDS", 100, std::nullopt, "once");
  auto checkout = buy(buyer, gold, std::nullopt, "friends");
  ASSERT_TRUE(checkout) << checkout.error().code;
  EXPECT_EQ(checkout->status, "completed");
  EXPECT_EQ(checkout->amount, cny(0));
  EXPECT_EQ(checkout->renewal_amount, cny(9900));
  EXPECT_TRUE(reads(buyer, post)) << "a paid tier's access, though nothing was paid this period";
  auto memberships = checkouts.memberships_of(buyer);
  ASSERT_EQ(memberships.size(), 1u);
  EXPECT_EQ(memberships[0].status, "active");
  EXPECT_EQ(count("SELECT COUNT(*) FROM ledger_transactions"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM payments WHERE amount_minor = 0 AND ledger_transaction_id IS NULL"), 1);
  EXPECT_EQ(count("SELECT redemptions FROM coupons"), 1);
  EXPECT_EQ(checkouts.confirm_manual(owner, checkout->public_id).error().code, "billing.checkout_not_pending")
      << "nothing more to confirm";
  expect_books_ok();
}

TEST_F(OffersTest, TheLastRedemptionGoesToOneOfConcurrentCompletions) {
  coupon("ONE", 50, std::nullopt, "once", 1);
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    auto k = buy(user("racer" + std::to_string(i)), gold, std::nullopt, "ONE");
    ASSERT_TRUE(k) << "starting does not use the coupon up";
    ids.push_back(k->public_id);
  }
  std::mutex mutex;
  int ok = 0;
  std::vector<std::string> errors;
  race(4, [&](int i) {
    auto r = checkouts.confirm_manual(owner, ids[static_cast<size_t>(i)]);
    std::lock_guard lock(mutex);
    if (r) {
      ++ok;
    } else {
      errors.push_back(r.error().code);
    }
  });
  EXPECT_EQ(ok, 1);
  ASSERT_EQ(errors.size(), 3u);
  for (const auto& e : errors) {
    EXPECT_EQ(e, "billing.coupon_exhausted");
  }
  EXPECT_EQ(count("SELECT redemptions FROM coupons"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM checkouts WHERE status = 'pending'"), 3) << "the others stay pending";
  EXPECT_EQ(balance(ledger::manual_clearing("CNY")), 4950);
  expect_books_ok();
}

TEST_F(OffersTest, ATrialOpensThePaidTierWithoutPaymentOnceEver) {
  const auto post = paid_post();
  auto trial = offers.start_trial(buyer, gold);
  ASSERT_TRUE(trial) << trial.error().code;
  EXPECT_EQ(trial->status, "active");
  EXPECT_EQ(trial->current_period_end, clock.now_ms() + 7 * kDay);
  EXPECT_TRUE(reads(buyer, post));
  EXPECT_EQ(communities.role_of(buyer, club), access::Role::Member);
  EXPECT_EQ(count("SELECT COUNT(*) FROM payments"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM ledger_transactions"), 0);
  EXPECT_EQ(offers.start_trial(buyer, gold).error().code, "billing.trial_used");
  EXPECT_EQ(offers.trial_tiers_used(buyer, club), std::vector<int64_t>{gold});

  clock.advance_ms(8 * kDay);
  EXPECT_FALSE(reads(buyer, post)) << "the trial ended";
  EXPECT_EQ(offers.start_trial(buyer, gold).error().code, "billing.trial_used") << "not even after it ended";

  const auto payer = user("payer");
  auto paid = checkouts.start(payer, {gold, std::nullopt, "manual"});
  ASSERT_TRUE(checkouts.confirm_manual(owner, paid->public_id));
  EXPECT_EQ(offers.start_trial(payer, gold).error().code, "billing.trial_used") << "not after paying";

  const auto plain = tiers.create(owner, "club", {"Plain", "", cny(100), "month", std::nullopt, 0})->id;
  EXPECT_EQ(offers.start_trial(buyer, plain).error().code, "billing.no_trial");
  const auto free = tiers.create(owner, "club", {"Free", "", cny(0), "lifetime", std::nullopt, 0})->id;
  EXPECT_EQ(offers.start_trial(buyer, free).error().code, "billing.free_tier");
  EXPECT_EQ(offers.start_trial(buyer, 999'999).error().code, "billing.tier_not_found");
  ASSERT_TRUE(tiers.update(owner, gold, {.archived = true}));
  EXPECT_EQ(offers.start_trial(user("late"), gold).error().code, "billing.tier_not_found");
}

TEST_F(OffersTest, BuyingDuringATrialExtendsFromTheTrialsEnd) {
  auto trial = offers.start_trial(buyer, gold);
  ASSERT_TRUE(trial);
  clock.advance_ms(2 * kDay);
  auto checkout = checkouts.start(buyer, {gold, std::nullopt, "manual"});
  auto payment = checkouts.confirm_manual(owner, checkout->public_id);
  ASSERT_TRUE(payment);
  EXPECT_EQ(payment->kind, "renewal");
  EXPECT_EQ(payment->membership_id, trial->id);
  auto memberships = checkouts.memberships_of(buyer);
  ASSERT_EQ(memberships.size(), 1u);
  Tier tier;
  tier.interval = "month";
  EXPECT_EQ(memberships[0].current_period_end, period_end(tier, *trial->current_period_end));
  clock.advance_ms(10 * kDay);
  EXPECT_TRUE(reads(buyer, paid_post())) << "the entitlement moved with the membership";
}

TEST_F(OffersTest, ConcurrentTrialStartsGiveOneTrial) {
  std::mutex mutex;
  int ok = 0;
  std::vector<std::string> errors;
  race(6, [&](int) {
    auto r = offers.start_trial(buyer, gold);
    std::lock_guard lock(mutex);
    if (r) {
      ++ok;
    } else {
      errors.push_back(r.error().code);
    }
  });
  EXPECT_EQ(ok, 1);
  for (const auto& e : errors) {
    EXPECT_EQ(e, "billing.trial_used");
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM memberships"), 1);
}

}  // namespace
}  // namespace gh::billing

#include "billing/codes.hpp"

#include <set>

#include "billing/fixture_test.hpp"

namespace gh::billing {
namespace {

constexpr Millis kDay = 86'400'000;

class CodesTest : public BillingFixture {
 protected:
  NewBatch batch(int64_t tier, int64_t n, std::optional<Millis> expires_at = std::nullopt) {
    auto b = codes.generate(owner, "club", {tier, n, expires_at, "conference giveaway"});
    EXPECT_TRUE(b) << (b ? "" : b.error().code);
    return *b;
  }
};

TEST(CodeFormat, RandomUnambiguousGroupedAndForgivingOnInput) {
  std::set<std::string> seen;
  for (int i = 0; i < 500; ++i) {
    const auto code = random_code();
    ASSERT_EQ(code.size(), 12u);
    EXPECT_EQ(code.find_first_of("01OI"), std::string::npos) << code;
    EXPECT_EQ(normalize_code(code), code);
    seen.insert(code);
  }
  EXPECT_EQ(seen.size(), 500u);
  EXPECT_EQ(display_code("ABCD2345WXYZ"), "ABCD-2345-WXYZ");
  EXPECT_EQ(normalize_code("abcd-2345-wxyz"), "ABCD2345WXYZ");
  EXPECT_EQ(normalize_code(" ABCD 2345-WX-YZ "), "ABCD2345WXYZ");
  EXPECT_FALSE(normalize_code("ABCD-2345-WXY"));
  EXPECT_FALSE(normalize_code("ABCD-2345-WXYZA"));
  EXPECT_FALSE(normalize_code("ABCD-2345-WXY0")) << "0 is not in the alphabet";
  EXPECT_FALSE(normalize_code("ABCD-2345-WXYI"));
  EXPECT_FALSE(normalize_code(""));
}

TEST_F(CodesTest, BatchesAreForOwnersAndAdminsAndValidated) {
  EXPECT_EQ(codes.generate(buyer, "club", {gold, 5, std::nullopt, ""}).error().code, "community.not_allowed");
  EXPECT_EQ(codes.generate(owner, "club", {gold, 0, std::nullopt, ""}).error().code, "billing.invalid_code_count");
  EXPECT_EQ(codes.generate(owner, "club", {gold, 1001, std::nullopt, ""}).error().code, "billing.invalid_code_count");
  EXPECT_EQ(codes.generate(owner, "club", {gold, 1, clock.now_ms(), ""}).error().code, "billing.invalid_expiry");
  EXPECT_EQ(codes.generate(owner, "club", {gold, 1, std::nullopt, std::string(201, 'x')}).error().code,
            "billing.invalid_note");
  const auto free = tiers.create(owner, "club", {"Free", "", Money::zero("CNY"), "lifetime", std::nullopt, 0})->id;
  EXPECT_EQ(codes.generate(owner, "club", {free, 1, std::nullopt, ""}).error().code, "billing.free_tier");
  ASSERT_TRUE(communities.create(owner, {"other", "Other", "", "", "", true}));
  EXPECT_EQ(codes.generate(owner, "other", {gold, 1, std::nullopt, ""}).error().code, "billing.tier_not_found");

  auto made = batch(gold, 1000);
  EXPECT_EQ(made.codes.size(), 1000u);
  EXPECT_EQ(std::set<std::string>(made.codes.begin(), made.codes.end()).size(), 1000u);
  EXPECT_EQ(made.codes[0].size(), 14u);
  EXPECT_EQ(made.codes[0][4], '-');
  EXPECT_EQ(made.batch.count, 1000);
  EXPECT_EQ(made.batch.tier_name, "Gold");
  EXPECT_EQ(made.batch.note, "conference giveaway");
  EXPECT_EQ(codes.batches(owner, "club")->size(), 1u);
  EXPECT_EQ(codes.batches(buyer, "club").error().code, "community.not_allowed");
  EXPECT_EQ(codes.codes(buyer, made.batch.id).error().kind, ErrorKind::NotFound);
  auto listed = codes.codes(owner, made.batch.id);
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->second.size(), 1000u);
  EXPECT_EQ(listed->second[0].status, "available");
}

TEST_F(CodesTest, RedeemingGrantsAPeriodJoinsAndBooksNothing) {
  const auto post = paid_post();
  auto made = batch(gold, 3);
  auto lower = made.codes[0];
  for (auto& c : lower) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  auto membership = codes.redeem(buyer, lower);
  ASSERT_TRUE(membership) << membership.error().code;
  EXPECT_EQ(membership->status, "active");
  EXPECT_EQ(membership->tier_id, gold);
  Tier month;
  month.interval = "month";
  EXPECT_EQ(membership->current_period_end, period_end(month, clock.now_ms()));
  EXPECT_EQ(communities.role_of(buyer, club), access::Role::Member);
  EXPECT_TRUE(reads(buyer, post));
  EXPECT_EQ(count("SELECT COUNT(*) FROM ledger_transactions"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM payments"), 0);

  EXPECT_EQ(codes.redeem(user("other"), made.codes[0]).error().code, "billing.code_used");
  EXPECT_EQ(codes.redeem(buyer, made.codes[0]).error().code, "billing.code_used");

  // A second code extends the same membership by one more period from its end.
  auto extended = codes.redeem(buyer, made.codes[1]);
  ASSERT_TRUE(extended);
  EXPECT_EQ(extended->id, membership->id);
  EXPECT_EQ(extended->current_period_end, period_end(month, *membership->current_period_end));

  auto listed = codes.codes(owner, made.batch.id);
  EXPECT_EQ(listed->second[0].status, "redeemed");
  EXPECT_EQ(listed->second[0].redeemed_by, "buyer");
  EXPECT_EQ(listed->second[2].status, "available");
  EXPECT_EQ(codes.batches(owner, "club")->at(0).redeemed, 2);

  const auto forever =
      tiers.create(owner, "club", {"Forever", "", Money::create(50'000, "CNY").value(), "lifetime", std::nullopt, 0})
          ->id;
  auto lifetime = codes.redeem(buyer, batch(forever, 1).codes[0]);
  ASSERT_TRUE(lifetime);
  EXPECT_FALSE(lifetime->current_period_end) << "lifetime: no end";
}

TEST_F(CodesTest, ExpiredAndUnknownCodesAreRefused) {
  auto made = batch(gold, 2, clock.now_ms() + kDay);
  EXPECT_EQ(codes.redeem(buyer, "ZZZZ-ZZZZ-ZZZZ").error().code, "billing.code_not_found");
  EXPECT_EQ(codes.redeem(buyer, "not a code").error().kind, ErrorKind::NotFound);
  EXPECT_TRUE(codes.redeem(buyer, made.codes[0]));
  clock.advance_ms(kDay);
  EXPECT_EQ(codes.redeem(buyer, made.codes[1]).error().code, "billing.code_expired");
  EXPECT_EQ(codes.codes(owner, made.batch.id)->second[1].status, "expired");
}

TEST_F(CodesTest, GuessingIsThrottledPerUser) {
  auto made = batch(gold, 1);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(codes.redeem(buyer, "ZZZZ-ZZZZ-ZZZ" + std::string(1, "23456789AB"[i])).error().code,
              "billing.code_not_found");
  }
  auto blocked = codes.redeem(buyer, made.codes[0]);
  EXPECT_EQ(blocked.error().kind, ErrorKind::RateLimited) << "even a right code, while throttled";
  EXPECT_EQ(blocked.error().code, "billing.too_many_attempts");
  EXPECT_GT(blocked.error().retry_after_seconds, 0);
  EXPECT_TRUE(codes.redeem(user("someone"), "ZZZZ-ZZZZ-ZZZZ").error().kind == ErrorKind::NotFound) << "per user";
  clock.advance_ms(3'600'001);
  EXPECT_TRUE(codes.redeem(buyer, made.codes[0])) << "the window passed";
}

TEST_F(CodesTest, ConcurrentRedeemsOfOneCodeGiveExactlyOneSuccess) {
  auto made = batch(gold, 1);
  std::vector<UserId> users;
  for (int i = 0; i < 8; ++i) {
    users.push_back(user("racer" + std::to_string(i)));
  }
  std::mutex mutex;
  int ok = 0;
  std::vector<std::string> errors;
  race(8, [&](int i) {
    auto r = codes.redeem(users[static_cast<size_t>(i)], made.codes[0]);
    std::lock_guard lock(mutex);
    if (r) {
      ++ok;
    } else {
      errors.push_back(r.error().code);
    }
  });
  EXPECT_EQ(ok, 1);
  ASSERT_EQ(errors.size(), 7u);
  for (const auto& e : errors) {
    EXPECT_EQ(e, "billing.code_used");
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM memberships"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM redeem_codes WHERE redeemed_at IS NOT NULL"), 1);
}

}  // namespace
}  // namespace gh::billing

#include "moderation/disputes.hpp"

#include <gtest/gtest.h>

#include <atomic>

#include "billing/fixture_test.hpp"

namespace gh::moderation {
namespace {

class DisputesTest : public billing::BillingFixture {
 protected:
  billing::Refunds refunds{database.db(), clock, billing::RefundOptions{72, nullptr}};
  Disputes disputes{database.db(), clock, refunds};

  std::string pay(UserId who) {
    auto checkout = checkouts.start(who, {gold, std::nullopt, "manual"});
    EXPECT_TRUE(checkout);
    auto payment = checkouts.confirm_manual(owner, checkout->public_id);
    EXPECT_TRUE(payment);
    return payment->public_id;
  }
};

TEST_F(DisputesTest, OnlyThePayerOpensOneOpenDisputePerPayment) {
  const auto payment = pay(buyer);
  const auto stranger = user("stranger");
  EXPECT_EQ(disputes.open(stranger, payment, "mine?").error().code, "billing.payment_not_found");
  EXPECT_EQ(disputes.open(owner, payment, "x").error().code, "billing.payment_not_found");
  EXPECT_EQ(disputes.open(buyer, "py_nope", "x").error().code, "billing.payment_not_found");
  auto dispute = disputes.open(buyer, payment, "I was charged but see nothing.");
  ASSERT_TRUE(dispute) << dispute.error().code;
  EXPECT_EQ(dispute->status, "open");
  EXPECT_EQ(dispute->payment_id, payment);
  EXPECT_EQ(dispute->amount.amount_minor(), 9900);
  EXPECT_EQ(disputes.open(buyer, payment, "again").error().code, "disputes.already_open");
  // The owner sees it beside the payment, and in the community's list.
  EXPECT_EQ(disputes.for_payment(owner, payment)->size(), 1u);
  EXPECT_EQ(disputes.for_community(owner, "club")->size(), 1u);
  EXPECT_EQ(disputes.for_community(buyer, "club").error().kind, ErrorKind::Forbidden);
  EXPECT_EQ(disputes.get(stranger, dispute->id).error().code, "disputes.not_found");
}

TEST_F(DisputesTest, ThreadThenRejectionWithAReason) {
  const auto payment = pay(buyer);
  auto dispute = disputes.open(buyer, payment, "Please refund");
  ASSERT_TRUE(dispute);
  auto answered = disputes.reply(owner, dispute->id, "You used the content for a month.");
  ASSERT_TRUE(answered);
  ASSERT_EQ(answered->messages.size(), 2u);
  EXPECT_TRUE(answered->messages[1].from_staff);
  EXPECT_EQ(disputes.resolve(buyer, dispute->id, DisputeOutcome::Refund, "").error().code, "disputes.owners_only");
  EXPECT_EQ(disputes.resolve(owner, dispute->id, DisputeOutcome::Reject, " ").error().code, "disputes.reason_required");
  auto rejected = disputes.resolve(owner, dispute->id, DisputeOutcome::Reject, "Outside the policy.");
  ASSERT_TRUE(rejected);
  EXPECT_EQ(rejected->status, "rejected");
  EXPECT_EQ(rejected->resolution, "Outside the policy.");
  EXPECT_EQ(rejected->resolved_by->username, "owner");
  EXPECT_EQ(disputes.reply(buyer, dispute->id, "but").error().code, "disputes.resolved");
  EXPECT_EQ(count("SELECT COUNT(*) FROM payments WHERE status = 'refunded'"), 0);
  // A resolved dispute frees the payment for a new one.
  EXPECT_TRUE(disputes.open(buyer, payment, "New facts"));
}

TEST_F(DisputesTest, RefundGoesThroughBillingRefundsOnce) {
  const auto payment = pay(buyer);
  auto dispute = disputes.open(buyer, payment, "Charged twice");
  ASSERT_TRUE(dispute);
  std::atomic<int> ok{0};
  std::atomic<int> conflicts{0};
  race(4, [&](int i) {
    auto r = disputes.resolve(owner, dispute->id, i % 2 ? DisputeOutcome::Refund : DisputeOutcome::Reject, "Sorry");
    if (r) {
      ++ok;
    } else if (r.error().code == "disputes.resolved") {
      ++conflicts;
    }
  });
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(conflicts.load(), 3);
  auto resolved = disputes.get(buyer, dispute->id);
  const bool refunded = resolved->status == "refunded";
  EXPECT_EQ(count("SELECT COUNT(*) FROM payments WHERE status = 'refunded'"), refunded ? 1 : 0);
  EXPECT_EQ(resolved->payment_status, refunded ? "refunded" : "succeeded");
  expect_books_ok();
  if (refunded) {
    EXPECT_EQ(disputes.open(buyer, payment, "x").error().code, "disputes.payment_refunded");
  }
}

TEST_F(DisputesTest, RefundOutcomeRefundsThePayment) {
  const auto payment = pay(buyer);
  auto dispute = disputes.open(buyer, payment, "Charged twice");
  ASSERT_TRUE(dispute);
  auto refunded = disputes.resolve(owner, dispute->id, DisputeOutcome::Refund, "");
  ASSERT_TRUE(refunded) << refunded.error().code;
  EXPECT_EQ(refunded->status, "refunded");
  EXPECT_EQ(refunded->payment_status, "refunded");
  expect_books_ok();
}

}  // namespace
}  // namespace gh::moderation

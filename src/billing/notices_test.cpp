// Payment events reach the buyer as notifications, in the transaction that books them.
#include "billing/fixture_test.hpp"
#include "billing/refunds.hpp"
#include "notify/notifications.hpp"

namespace gh::billing {
namespace {

class PaymentNoticesTest : public BillingFixture {
 protected:
  Refunds refunds{database.db(), clock, RefundOptions{72, nullptr}};
  notify::Notifications notifications{database.db(), clock};
};

TEST_F(PaymentNoticesTest, PaymentAndRefundNotifyTheBuyerOnce) {
  auto checkout = checkouts.start(buyer, {gold, std::nullopt, "manual"});
  ASSERT_TRUE(checkout);
  EXPECT_EQ(notifications.unread_count(buyer), 0);
  auto payment = checkouts.confirm_manual(owner, checkout->public_id);
  ASSERT_TRUE(payment);
  ASSERT_TRUE(checkouts.confirm_manual(owner, checkout->public_id));  // Retried: nothing new.
  auto list = notifications.list(buyer, std::nullopt, 10)->notifications;
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].kind, notify::kPaymentSucceeded);
  EXPECT_EQ(list[0].title, "Gold");
  EXPECT_EQ(list[0].link, "/account/billing");
  EXPECT_FALSE(list[0].actor);

  ASSERT_TRUE(refunds.refund(buyer, payment->public_id));
  ASSERT_TRUE(refunds.refund(buyer, payment->public_id));  // Refunded before: nothing new.
  list = notifications.list(buyer, std::nullopt, 10)->notifications;
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].kind, notify::kPaymentRefunded);
  EXPECT_EQ(list[0].title, "Gold");
  EXPECT_EQ(notifications.unread_count(owner), 0);
}

}  // namespace
}  // namespace gh::billing

// Products sold through the checkout by layers above billing (products.hpp): a fake product
// records what billing asks of it, so the checkout, booking and refund paths are checked here
// without those layers.
#include "billing/products.hpp"

#include <gtest/gtest.h>

#include "billing/books.hpp"
#include "billing/checkout.hpp"
#include "billing/fixture_test.hpp"
#include "billing/refunds.hpp"
#include "ledger/ledger.hpp"

namespace gh::billing {
namespace {

class FakeProduct : public Product {
 public:
  CommunityId community;
  int64_t price = 5000;
  bool holds = false;
  bool refuse_refunds = false;
  mutable std::vector<int64_t> fulfilled;  // Payment ids.
  mutable std::vector<int64_t> claimed;
  mutable std::vector<int64_t> taken_back;

  Result<Quote> quote(db::Tx&, UserId, int64_t item_id, Millis) const override {
    if (item_id != 7) {
      return not_found("fake.not_found", "No such thing.");
    }
    Quote q;
    q.community = community;
    q.price = Money::create(price, "CNY").value();
    q.name = "Thing seven";
    q.url = "/things/7";
    q.coupons = false;
    return q;
  }
  bool holds_payment() const override { return holds; }
  Status fulfil(db::Tx&, const Checkout& checkout, int64_t payment_id, Millis) const override {
    EXPECT_EQ(checkout.item_kind, "thing");
    fulfilled.push_back(payment_id);
    return {};
  }
  Status begin_refund(db::Tx&, const Payment& payment, Millis) const override {
    if (refuse_refunds) {
      return conflict("fake.delivered", "Already delivered.");
    }
    claimed.push_back(payment.id);
    return {};
  }
  void refunded(db::Tx&, const Payment& payment, Millis) const override { taken_back.push_back(payment.id); }
};

class ProductsTest : public BillingFixture {
 protected:
  FakeProduct thing;
  Catalog catalog;
  Checkouts sales{database.db(), clock, communities, CheckoutOptions{500, nullptr, &catalog}};
  Refunds refunds{database.db(), clock, RefundOptions{72, nullptr, &catalog}};

  void SetUp() override {
    BillingFixture::SetUp();
    thing.community = club;
    catalog.add("thing", thing);
  }

  CheckoutInput item(int64_t id) {
    CheckoutInput input;
    input.provider = "manual";
    input.item_kind = "thing";
    input.item_id = id;
    return input;
  }
};

TEST_F(ProductsTest, AProductIsQuotedFulfilledAndBookedAsRevenue) {
  auto checkout = sales.start(buyer, item(7));
  ASSERT_TRUE(checkout) << checkout.error().message;
  EXPECT_EQ(checkout->item_name, "Thing seven");
  EXPECT_EQ(checkout->item_url, "/things/7");
  EXPECT_EQ(checkout->amount.amount_minor(), 5000);
  EXPECT_TRUE(thing.fulfilled.empty());
  auto payment = sales.confirm_manual(owner, checkout->public_id);
  ASSERT_TRUE(payment);
  EXPECT_EQ(payment->item_kind, "thing");
  EXPECT_EQ(payment->item_id, 7);
  EXPECT_EQ(payment->kind, "purchase");
  ASSERT_EQ(thing.fulfilled.size(), 1u);
  EXPECT_EQ(thing.fulfilled[0], payment->id);
  EXPECT_EQ(balance(ledger::community_revenue(club, "CNY")), -4750);
  EXPECT_EQ(balance(ledger::platform_fees("CNY")), -250);
  // A double click fulfils nothing more.
  ASSERT_TRUE(sales.confirm_manual(owner, checkout->public_id));
  EXPECT_EQ(thing.fulfilled.size(), 1u);

  auto refunded = refunds.refund(buyer, payment->public_id);
  ASSERT_TRUE(refunded) << refunded.error().message;
  EXPECT_EQ(refunded->status, "refunded");
  EXPECT_EQ(thing.claimed, std::vector<int64_t>{payment->id});
  EXPECT_EQ(thing.taken_back, std::vector<int64_t>{payment->id});
  EXPECT_EQ(balance(ledger::community_revenue(club, "CNY")) + balance(ledger::refunds_issued(club, "CNY")), 0);
  EXPECT_EQ(balance(ledger::manual_clearing("CNY")), 0);
  expect_books_ok();
  EXPECT_TRUE(database.db().read([](db::Tx& tx) { return check_books(tx); }).ok);
}

TEST_F(ProductsTest, AHeldProductBooksToTheHeldAccount) {
  thing.holds = true;
  auto checkout = sales.start(buyer, item(7));
  ASSERT_TRUE(checkout);
  ASSERT_TRUE(sales.confirm_manual(owner, checkout->public_id));
  EXPECT_EQ(balance(ledger::community_held(club, "CNY")), -4750);
  EXPECT_EQ(balance(ledger::community_revenue(club, "CNY")), 0);
  EXPECT_EQ(communities.find("club")->income_minor, 0) << "held money is not income yet";
  expect_books_ok();
}

TEST_F(ProductsTest, BadItemsAndRefusedRefundsChangeNothing) {
  auto unknown = item(7);
  unknown.item_kind = "nothing";
  EXPECT_EQ(sales.start(buyer, unknown).error().code, "billing.unknown_item");
  EXPECT_EQ(sales.start(buyer, item(8)).error().code, "fake.not_found");
  auto both = item(7);
  both.tier_id = gold;
  EXPECT_EQ(sales.start(buyer, both).error().code, "billing.item_required");
  auto no_id = item(7);
  no_id.item_id.reset();
  EXPECT_EQ(sales.start(buyer, no_id).error().code, "billing.item_required");
  auto coupon = item(7);
  coupon.coupon = "SAVE";
  EXPECT_EQ(sales.start(buyer, coupon).error().code, "billing.coupon_not_applicable");
  EXPECT_EQ(checkouts.start(buyer, item(7)).error().code, "billing.unknown_item") << "no catalog, no products";
  thing.price = 0;
  EXPECT_EQ(sales.start(buyer, item(7)).error().code, "billing.free_item");
  EXPECT_EQ(count("SELECT COUNT(*) FROM checkouts"), 0);

  thing.price = 5000;
  thing.refuse_refunds = true;
  auto checkout = sales.start(buyer, item(7));
  auto payment = sales.confirm_manual(owner, checkout->public_id);
  ASSERT_TRUE(payment);
  EXPECT_EQ(refunds.refund(owner, payment->public_id).error().code, "fake.delivered");
  EXPECT_EQ(count("SELECT COUNT(*) FROM payments WHERE status = 'succeeded'"), 1);
  EXPECT_TRUE(thing.taken_back.empty());
  // The product claimed it: an automatic refund goes through without the checks.
  auto refunded = refunds.refund_claimed(payment->id);
  ASSERT_TRUE(refunded);
  EXPECT_EQ(refunded->status, "refunded");
  EXPECT_EQ(thing.taken_back.size(), 1u);
  expect_books_ok();
}

}  // namespace
}  // namespace gh::billing

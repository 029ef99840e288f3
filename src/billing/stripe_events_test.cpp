#include "billing/stripe_events.hpp"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "access/entitlements.hpp"
#include "billing/refunds.hpp"
#include "content/content.hpp"
#include "identity/identity.hpp"
#include "ledger/ledger.hpp"
#include "testing/test_database.hpp"

namespace gh::billing {
namespace {

namespace json = boost::json;
constexpr std::string_view kSecret = "whsec_unit";

class StripeEventsTest : public ::testing::Test {
 protected:
  testing::TestDatabase database;
  ManualClock clock{*parse_rfc3339("2026-01-31T12:00:00Z")};
  identity::Identity identity{database.db(), clock, identity::Options{}};
  community::Communities communities{database.db(), clock, community::Options{"CNY"}};
  content::Posts posts{database.db(), clock};
  Tiers tiers{database.db(), clock};
  Checkouts checkouts{database.db(), clock, communities, CheckoutOptions{500}};
  Refunds refunds{database.db(), clock, RefundOptions{72, nullptr}};
  StripeEvents events{database.db(), clock, checkouts, refunds, std::string(kSecret)};
  UserId owner, buyer;
  int64_t monthly = 0, lifetime = 0;
  CommunityId club;
  int event_counter = 0;

  void SetUp() override {
    owner = user("owner");
    buyer = user("buyer");
    club = communities.create(owner, {"club", "Club", "", "", "", true})->id;
    monthly =
        tiers.create(owner, "club", {"Monthly", "", Money::create(9900, "CNY").value(), "month", std::nullopt, 0})->id;
    lifetime =
        tiers.create(owner, "club", {"Forever", "", Money::create(50000, "CNY").value(), "lifetime", std::nullopt, 0})
            ->id;
  }

  UserId user(const std::string& name) {
    return database.db().write([&](db::Tx& tx) {
      return identity.insert_user(tx, {name + "@example.com", name, "", ""}, "not-a-real-hash")->id;
    });
  }

  // A pending checkout paid through Stripe (the session itself is the fake's business).
  std::string stripe_checkout(UserId who, int64_t tier) {
    auto checkout = checkouts.start(who, {tier, std::nullopt, "manual"});
    EXPECT_TRUE(checkout);
    database.db().write([&](db::Tx& tx) {
      tx.exec("UPDATE checkouts SET provider = 'stripe' WHERE public_id = $1", {checkout->public_id});
    });
    return checkout->public_id;
  }

  Status send(const std::string& type, json::object object, std::string id = "") {
    if (id.empty()) {
      id = "evt_" + std::to_string(++event_counter);
    }
    const auto body = json::serialize(json::object{{"id", id}, {"type", type}, {"data", {{"object", object}}}});
    return events.handle(body, stripe_signature_header(body, kSecret, clock.now_ms() / 1000));
  }

  json::object session(const std::string& checkout, const std::string& status = "paid", const std::string& invoice = "",
                       const std::string& subscription = "") {
    json::object o{{"id", "cs_" + checkout},
                   {"object", "checkout.session"},
                   {"client_reference_id", checkout},
                   {"payment_status", status},
                   {"metadata", {{"checkout_id", checkout}}}};
    if (invoice.empty()) {
      o["payment_intent"] = "pi_" + checkout;
    } else {
      o["invoice"] = invoice;
      o["subscription"] = subscription;
      o["payment_intent"] = nullptr;
    }
    return o;
  }

  json::object invoice(const std::string& id, const std::string& reason, const std::string& subscription,
                       const std::string& checkout = "", int64_t amount = 9900) {
    return json::object{{"id", id},
                        {"object", "invoice"},
                        {"billing_reason", reason},
                        {"subscription", subscription},
                        {"subscription_details", {{"metadata", {{"checkout_id", checkout}}}}},
                        {"amount_paid", amount},
                        {"currency", "cny"},
                        {"payment_intent", "pi_" + id},
                        {"charge", "ch_" + id}};
  }

  int64_t count(const std::string& sql) {
    return database.db().read([&](db::Tx& tx) { return *tx.scalar_i64(sql); });
  }

  void expect_books_ok() {
    auto report = database.db().read([](db::Tx& tx) { return ledger::check(tx); });
    EXPECT_TRUE(report.ok) << (report.problems.empty() ? "" : report.problems[0]);
  }

  bool has_tier_access(UserId who, int64_t tier) {
    return database.db().read(
        [&](db::Tx& tx) { return access::entitlements_of(tx, who, club, clock.now_ms()).tiers.count(tier) == 1; });
  }
};

TEST_F(StripeEventsTest, SessionCompletionBooksOnceHoweverOftenItArrives) {
  const auto checkout = stripe_checkout(buyer, lifetime);
  ASSERT_TRUE(send("checkout.session.completed", session(checkout), "evt_a"));
  ASSERT_TRUE(send("checkout.session.completed", session(checkout), "evt_a"));  // Redelivered.
  ASSERT_TRUE(send("checkout.session.completed", session(checkout)));           // Another event, same money.
  EXPECT_EQ(count("SELECT COUNT(*) FROM payments"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM ledger_transactions"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM provider_events"), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM payments WHERE provider_payment_intent = 'pi_" + checkout + "'"), 1);
  EXPECT_TRUE(has_tier_access(buyer, lifetime));
  expect_books_ok();
}

TEST_F(StripeEventsTest, UnpaidSessionsWaitForTheAsyncPayment) {
  const auto checkout = stripe_checkout(buyer, lifetime);
  ASSERT_TRUE(send("checkout.session.completed", session(checkout, "unpaid")));
  EXPECT_EQ(count("SELECT COUNT(*) FROM payments"), 0);
  ASSERT_TRUE(send("checkout.session.async_payment_succeeded", session(checkout)));
  EXPECT_EQ(count("SELECT COUNT(*) FROM payments"), 1);
}

TEST_F(StripeEventsTest, ExpiredSessionsExpireTheirCheckout) {
  const auto checkout = stripe_checkout(buyer, lifetime);
  ASSERT_TRUE(send("checkout.session.expired", session(checkout, "unpaid")));
  EXPECT_EQ(checkouts.find(buyer, checkout)->status, "expired");
}

TEST_F(StripeEventsTest, FirstInvoiceAndSessionAreTheSameMoneyInEitherOrder) {
  const auto first = stripe_checkout(buyer, monthly);
  ASSERT_TRUE(send("checkout.session.completed", session(first, "paid", "in_1", "sub_1")));
  ASSERT_TRUE(send("invoice.paid", invoice("in_1", "subscription_create", "sub_1", first)));

  const auto other = user("other");
  const auto second = stripe_checkout(other, monthly);
  ASSERT_TRUE(send("invoice.paid", invoice("in_2", "subscription_create", "sub_2", second)));
  EXPECT_TRUE(has_tier_access(other, monthly)) << "the first invoice alone completes the checkout";
  ASSERT_TRUE(send("checkout.session.completed", session(second, "paid", "in_2", "sub_2")));

  EXPECT_EQ(count("SELECT COUNT(*) FROM payments"), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM ledger_transactions"), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM memberships WHERE provider_subscription_id IN ('sub_1', 'sub_2')"), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM payments WHERE provider_payment_intent IN ('pi_in_1', 'pi_in_2')"), 2);
  expect_books_ok();
}

TEST_F(StripeEventsTest, RenewalsExtendFromTheCurrentEnd) {
  const auto checkout = stripe_checkout(buyer, monthly);
  ASSERT_TRUE(send("checkout.session.completed", session(checkout, "paid", "in_1", "sub_1")));
  EXPECT_EQ(format_rfc3339(*checkouts.memberships_of(buyer)[0].current_period_end), "2026-02-28T12:00:00Z");
  clock.set_ms(*parse_rfc3339("2026-02-27T12:00:00Z"));
  ASSERT_TRUE(send("invoice.paid", invoice("in_2", "subscription_cycle", "sub_1"), "evt_renew"));
  ASSERT_TRUE(send("invoice.paid", invoice("in_2", "subscription_cycle", "sub_1"), "evt_renew"));
  ASSERT_TRUE(send("invoice.paid", invoice("in_2", "subscription_cycle", "sub_1")));  // Same invoice, new event.
  auto memberships = checkouts.memberships_of(buyer);
  ASSERT_EQ(memberships.size(), 1u);
  EXPECT_EQ(format_rfc3339(*memberships[0].current_period_end), "2026-03-28T12:00:00Z");
  auto payments = checkouts.payments_of(buyer);
  ASSERT_EQ(payments.size(), 2u);
  EXPECT_EQ(payments[0].kind, "renewal");
  EXPECT_EQ(payments[0].fee.amount_minor(), 495);
  clock.set_ms(*parse_rfc3339("2026-03-20T00:00:00Z"));
  EXPECT_TRUE(has_tier_access(buyer, monthly));
  EXPECT_EQ(communities.find("club")->income_minor, 2 * 9405);
  // The buyer heard of each payment once (the first and the renewal; duplicates add nothing).
  EXPECT_EQ(count("SELECT COUNT(*) FROM notifications WHERE kind = 'payment_succeeded' AND user_id = " +
                  std::to_string(buyer.value)),
            2);
  expect_books_ok();
}

TEST_F(StripeEventsTest, FailedPaymentsAndCancellationsKeepAccessUntilThePeriodEnd) {
  const auto checkout = stripe_checkout(buyer, monthly);
  ASSERT_TRUE(send("checkout.session.completed", session(checkout, "paid", "in_1", "sub_1")));
  clock.set_ms(*parse_rfc3339("2026-02-20T00:00:00Z"));
  ASSERT_TRUE(send("invoice.payment_failed", invoice("in_2", "subscription_cycle", "sub_1")));
  EXPECT_EQ(checkouts.memberships_of(buyer)[0].status, "past_due");
  EXPECT_TRUE(has_tier_access(buyer, monthly));
  ASSERT_TRUE(send("customer.subscription.deleted", json::object{{"id", "sub_1"}, {"object", "subscription"}}));
  EXPECT_EQ(checkouts.memberships_of(buyer)[0].status, "canceled");
  EXPECT_TRUE(has_tier_access(buyer, monthly));
  // A late invoice renews nothing once canceled.
  ASSERT_TRUE(send("invoice.paid", invoice("in_3", "subscription_cycle", "sub_1")));
  EXPECT_EQ(checkouts.payments_of(buyer).size(), 1u);
  clock.set_ms(*parse_rfc3339("2026-02-28T12:00:00Z"));
  EXPECT_FALSE(has_tier_access(buyer, monthly));
  // Events about subscriptions we never saw are fine.
  EXPECT_TRUE(send("invoice.payment_failed", invoice("in_9", "subscription_cycle", "sub_unknown")));
}

TEST_F(StripeEventsTest, RefundsMadeAtStripeAreBookedOnce) {
  const auto checkout = stripe_checkout(buyer, lifetime);
  ASSERT_TRUE(send("checkout.session.completed", session(checkout)));
  const json::object charge{{"id", "ch_1"},
                            {"object", "charge"},
                            {"payment_intent", "pi_" + checkout},
                            {"refunded", true},
                            {"amount_refunded", 50000}};
  ASSERT_TRUE(send("charge.refunded", charge));
  ASSERT_TRUE(send("charge.refunded", charge));
  auto payments = checkouts.payments_of(buyer);
  ASSERT_EQ(payments.size(), 1u);
  EXPECT_EQ(payments[0].status, "refunded");
  EXPECT_EQ(count("SELECT COUNT(*) FROM ledger_transactions WHERE reverses_id IS NOT NULL"), 1);
  EXPECT_EQ(checkouts.memberships_of(buyer)[0].status, "refunded");
  EXPECT_FALSE(has_tier_access(buyer, lifetime));
  EXPECT_EQ(communities.find("club")->income_minor, 0);
  expect_books_ok();
}

TEST_F(StripeEventsTest, BadSignaturesChangeNothing) {
  const auto checkout = stripe_checkout(buyer, lifetime);
  const auto body = json::serialize(
      json::object{{"id", "evt_x"}, {"type", "checkout.session.completed"}, {"data", {{"object", session(checkout)}}}});
  const int64_t t = clock.now_ms() / 1000;
  EXPECT_EQ(events.handle(body, stripe_signature_header(body, "whsec_wrong", t)).error().kind, ErrorKind::Invalid);
  EXPECT_EQ(events.handle(body + " ", stripe_signature_header(body, kSecret, t)).error().kind, ErrorKind::Invalid);
  EXPECT_EQ(events.handle(body, stripe_signature_header(body, kSecret, t - 301)).error().code,
            "billing.webhook_timestamp_out_of_range");
  EXPECT_EQ(events.handle(body, "").error().code, "billing.webhook_signature_missing");
  EXPECT_EQ(events.handle("not json", stripe_signature_header("not json", kSecret, t)).error().code,
            "billing.webhook_malformed");
  EXPECT_EQ(count("SELECT COUNT(*) FROM payments"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM provider_events"), 0);
  // Unknown types and unknown objects are acknowledged.
  EXPECT_TRUE(send("customer.created", json::object{{"id", "cus_1"}}));
  EXPECT_TRUE(send("checkout.session.completed", session("co_nobody")));
}

TEST_F(StripeEventsTest, RefundWindowAndDoubleRefunds) {
  auto pay = [&](UserId who) {
    auto checkout = checkouts.start(who, {lifetime, std::nullopt, "manual"});
    return *checkouts.confirm_manual(owner, checkout->public_id);
  };
  const auto early = pay(buyer);
  clock.advance_ms(71LL * 3600 * 1000);
  auto refunded = refunds.refund(buyer, early.public_id);
  ASSERT_TRUE(refunded);
  EXPECT_EQ(refunded->status, "refunded");
  EXPECT_FALSE(has_tier_access(buyer, lifetime));
  auto again = refunds.refund(buyer, early.public_id);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, "refunded");
  EXPECT_EQ(count("SELECT COUNT(*) FROM ledger_transactions WHERE reverses_id IS NOT NULL"), 1);

  const auto late = pay(buyer);
  clock.advance_ms(72LL * 3600 * 1000 + 1);
  EXPECT_EQ(refunds.refund(buyer, late.public_id).error().code, "billing.refund_window_closed");
  const auto stranger = user("stranger");
  EXPECT_EQ(refunds.refund(stranger, late.public_id).error().code, "billing.payment_not_found");
  EXPECT_TRUE(has_tier_access(buyer, lifetime));
  ASSERT_TRUE(refunds.refund(owner, late.public_id)) << "owners refund any payment of their community";
  EXPECT_FALSE(has_tier_access(buyer, lifetime));
  EXPECT_EQ(communities.find("club")->income_minor, 0);
  expect_books_ok();
}

}  // namespace
}  // namespace gh::billing

#include "billing/stripe_events.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <initializer_list>

#include "access/entitlements.hpp"
#include "billing/memberships.hpp"
#include "identity/identity.hpp"
#include "ledger/ledger.hpp"
#include "notify/notifications.hpp"

namespace gh::billing {
namespace {

// The string at `path` inside `object` ("" when absent, null or not a string): Stripe objects
// change shape between API versions, so every read tolerates a missing field.
std::string text_at(const boost::json::object& object, std::initializer_list<std::string_view> path) {
  const boost::json::object* at = &object;
  const boost::json::value* value = nullptr;
  for (auto key : path) {
    if (at == nullptr) {
      return "";
    }
    value = at->if_contains(key);
    if (value == nullptr) {
      return "";
    }
    at = value->if_object();
  }
  return value != nullptr && value->is_string() ? std::string(value->as_string()) : std::string();
}

int64_t integer_at(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value != nullptr && value->is_int64() ? value->as_int64() : 0;
}

bool bool_at(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value != nullptr && value->is_bool() && value->as_bool();
}

std::string upper(std::string s) {
  for (auto& c : s) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return s;
}

// An invoice names its subscription at the top (older API versions) or under
// parent.subscription_details (newer ones); likewise the subscription's metadata.
std::string invoice_subscription(const boost::json::object& invoice) {
  auto id = text_at(invoice, {"subscription"});
  return id.empty() ? text_at(invoice, {"parent", "subscription_details", "subscription"}) : id;
}

std::string invoice_checkout_id(const boost::json::object& invoice) {
  auto id = text_at(invoice, {"subscription_details", "metadata", "checkout_id"});
  if (id.empty()) {
    id = text_at(invoice, {"parent", "subscription_details", "metadata", "checkout_id"});
  }
  return id.empty() ? text_at(invoice, {"metadata", "checkout_id"}) : id;
}

struct MembershipRow {
  int64_t id = 0;
  UserId user;
  CommunityId community;
  int64_t tier_id = 0;
  std::string status;
  std::optional<Millis> period_end;
};

std::optional<MembershipRow> membership_by_subscription(db::Tx& tx, const std::string& subscription) {
  if (subscription.empty()) {
    return std::nullopt;
  }
  auto row = tx.one(
      "SELECT id, user_id, community_id, tier_id, status, current_period_end FROM memberships "
      "WHERE provider = 'stripe' AND provider_subscription_id = $1 ORDER BY id DESC LIMIT 1",
      {subscription});
  if (!row) {
    return std::nullopt;
  }
  const auto& r = row->row();
  return MembershipRow{r.i64(0), UserId(r.i64(1)), CommunityId(r.i64(2)), r.i64(3), r.text(4), r.opt_i64(5)};
}

// Records what later events and refunds need: the payment intent and charge of a payment.
void attach_charge(db::Tx& tx, int64_t payment_id, const std::string& payment_intent, const std::string& charge) {
  if (!payment_intent.empty()) {
    tx.exec("UPDATE payments SET provider_payment_intent = $1 WHERE id = $2 AND provider_payment_intent = ''",
            {payment_intent, payment_id});
  }
  if (!charge.empty()) {
    tx.exec("UPDATE payments SET provider_charge = $1 WHERE id = $2 AND provider_charge = ''", {charge, payment_id});
  }
}

}  // namespace

Status StripeEvents::handle(std::string_view payload, std::string_view signature_header) {
  if (secret_.empty()) {
    return Error{ErrorKind::Unavailable, "billing.webhooks_unavailable", "Stripe webhooks are not configured.", {}, 0};
  }
  if (auto verified = verify_stripe_signature(signature_header, payload, secret_, clock_.now_ms()); !verified) {
    return verified;
  }
  // Parsed only now: unauthenticated bytes never reach the JSON parser.
  boost::system::error_code ec;
  auto parsed = boost::json::parse(payload, ec);
  if (ec || !parsed.is_object()) {
    return invalid("billing.webhook_malformed", "The event is not a JSON object.");
  }
  const auto& event = parsed.as_object();
  const auto event_id = text_at(event, {"id"});
  const auto type = text_at(event, {"type"});
  const auto* data = event.if_contains("data");
  const auto* object_value = data && data->is_object() ? data->as_object().if_contains("object") : nullptr;
  if (event_id.empty() || type.empty() || event_id.size() > 255 || object_value == nullptr ||
      !object_value->is_object()) {
    return invalid("billing.webhook_malformed", "The event has no id, type or data.object.");
  }
  const auto& object = object_value->as_object();
  const Millis now = clock_.now_ms();

  // A redelivery (Stripe retries, and sends some events twice) is recognised with a read, without
  // queueing for the write lock; the insert below stays the guard against concurrent twins.
  const bool seen = db_.read([&](db::Tx& tx) {
    return tx.one("SELECT 1 FROM provider_events WHERE provider = 'stripe' AND event_id = $1", {event_id}).has_value();
  });
  if (seen) {
    spdlog::info("stripe: event {} ({}) already processed", event_id, type);
    return {};
  }

  // A subscription whose payment this event refunds, to end at Stripe once the refund is booked
  // (a refund made in Stripe's dashboard does not stop the subscription by itself).
  std::string subscription_to_stop;
  auto handled = db_.write([&](db::Tx& tx) -> Status {
    auto recorded = tx.exec(
        "INSERT INTO provider_events (provider, event_id, event_type, received_at) VALUES ('stripe', $1, $2, $3) "
        "ON CONFLICT DO NOTHING",
        {event_id, type, now});
    if (recorded.affected != 1) {
      spdlog::info("stripe: event {} ({}) already processed", event_id, type);
      return {};
    }

    // Completes our checkout named by `public_id` under `payment_key` and attaches the ids later
    // events need. A checkout already completed by the twin event is not an error.
    const auto complete = [&](const std::string& public_id, const std::string& payment_key,
                              const std::string& payment_intent, const std::string& charge,
                              const std::string& subscription) -> Status {
      auto checkout = public_id.empty() ? std::nullopt : checkouts_.load(tx, public_id);
      if (!checkout || checkout->provider != "stripe") {
        spdlog::warn("stripe: event {} ({}) names an unknown checkout '{}'", event_id, type, public_id);
        return {};
      }
      // Stripe took the money: that wins over a cancel click made before paying in the same session.
      tx.exec("UPDATE checkouts SET status = 'pending', updated_at = $1 WHERE id = $2 AND status = 'canceled'",
              {now, checkout->id});
      std::optional<int64_t> payment_id;
      std::optional<int64_t> membership_id;
      auto payment = checkouts_.complete(tx, checkout->id, payment_key);
      if (payment) {
        payment_id = payment->id;
        membership_id = payment->membership_id;
      } else if (payment.error().code == "billing.checkout_not_pending") {
        // Booked by the twin event (session completion vs. the first invoice) under its key.
        auto row =
            tx.one("SELECT id, membership_id FROM payments WHERE checkout_id = $1 ORDER BY id LIMIT 1", {checkout->id});
        if (!row) {
          spdlog::warn("stripe: event {} pays checkout {} which is {}", event_id, public_id, checkout->status);
          return {};
        }
        payment_id = row->row().i64(0);
        membership_id = row->row().opt_i64(1);
      } else {
        return std::move(payment).error();
      }
      attach_charge(tx, *payment_id, payment_intent, charge);
      if (membership_id && !subscription.empty()) {
        tx.exec("UPDATE memberships SET provider_subscription_id = $1 WHERE id = $2", {subscription, *membership_id});
      }
      return {};
    };

    if (type == "checkout.session.completed" || type == "checkout.session.async_payment_succeeded") {
      const auto payment_status = text_at(object, {"payment_status"});
      if (payment_status != "paid") {
        spdlog::info("stripe: session {} is {}: waiting for the payment", text_at(object, {"id"}), payment_status);
        return {};
      }
      auto public_id = text_at(object, {"client_reference_id"});
      if (public_id.empty()) {
        public_id = text_at(object, {"metadata", "checkout_id"});
      }
      // The subscription's first invoice and this session are the same money: both book under
      // the invoice id when the session names it.
      auto key = text_at(object, {"invoice"});
      if (key.empty()) {
        key = text_at(object, {"payment_intent"});
      }
      if (key.empty()) {
        key = text_at(object, {"id"});
      }
      return complete(public_id, key, text_at(object, {"payment_intent"}), "", text_at(object, {"subscription"}));
    }

    if (type == "checkout.session.expired") {
      // The buyer never paid within the session's lifetime: the checkout will not complete.
      tx.exec(
          "UPDATE checkouts SET status = 'expired', updated_at = $1 WHERE public_id = $2 AND provider = 'stripe' AND "
          "status = 'pending'",
          {now, text_at(object, {"client_reference_id"})});
      return {};
    }

    if (type == "invoice.paid") {
      const auto invoice_id = text_at(object, {"id"});
      const auto subscription = invoice_subscription(object);
      const auto payment_intent = text_at(object, {"payment_intent"});
      const auto charge = text_at(object, {"charge"});
      if (auto existing =
              tx.one("SELECT id FROM payments WHERE provider = 'stripe' AND provider_payment_id = $1", {invoice_id})) {
        attach_charge(tx, existing->row().i64(0), payment_intent, charge);
        return {};
      }
      if (text_at(object, {"billing_reason"}) == "subscription_create") {
        return complete(invoice_checkout_id(object), invoice_id, payment_intent, charge, subscription);
      }
      auto membership = membership_by_subscription(tx, subscription);
      if (!membership) {
        spdlog::warn("stripe: invoice {} renews an unknown subscription '{}'", invoice_id, subscription);
        return {};
      }
      if (membership->status == "canceled" || membership->status == "refunded") {
        spdlog::warn("stripe: invoice {} renews membership {} which is {}: not extended", invoice_id, membership->id,
                     membership->status);
        return {};
      }
      auto tier_row =
          tx.one("SELECT billing_interval, term_days, name FROM tiers WHERE id = $1", {membership->tier_id});
      Tier tier;
      tier.interval = tier_row->row().text(0);
      tier.term_days = tier_row->row().opt_i64(1);
      const int64_t amount = integer_at(object, "amount_paid");
      const auto currency = upper(text_at(object, {"currency"}));
      auto money = Money::create(std::max<int64_t>(amount, 0), currency);
      if (!money) {
        return std::move(money).error();
      }
      const int64_t fee = checkouts_.fee_for(amount);
      const std::string public_id = "py_" + identity::random_token().substr(0, 24);
      // The invoice's payment first: a concurrent twin delivery of the same invoice (another
      // event id) meets the unique key here and changes nothing.
      const auto inserted = tx.scalar_i64(
          "INSERT INTO payments (public_id, user_id, community_id, membership_id, kind, amount_minor, fee_minor, "
          "currency, provider, provider_payment_id, status, created_at, provider_payment_intent, provider_charge) "
          "VALUES ($1, $2, $3, $4, 'renewal', $5, $6, $7, 'stripe', $8, 'succeeded', $9, $10, $11) "
          "ON CONFLICT (provider, provider_payment_id) DO NOTHING RETURNING id",
          {public_id, membership->user.value, membership->community.value, membership->id, amount, fee, currency,
           invoice_id, now, payment_intent, charge});
      if (!inserted) {
        return {};
      }
      const int64_t payment_id = *inserted;
      // Renewals extend from the current end (paying early loses nothing; a late payment
      // after a lapse starts from now).
      const auto locked = lock_period(tx, membership->id);  // A concurrent renewal commits first.
      const Millis from = locked.period_end ? std::max(*locked.period_end, now) : now;
      const auto end = period_end(tier, from);
      tx.exec("UPDATE memberships SET status = 'active', current_period_end = $1, updated_at = $2 WHERE id = $3",
              {end, now, membership->id});
      access::extend(tx, "membership", membership->id, end);
      notify::add(tx,
                  {membership->user, std::string(notify::kPaymentSucceeded), std::nullopt, membership->community,
                   "payment", payment_id, tier_row->row().text(2), money->format(), "/account/billing"},
                  now);

      if (amount <= 0) {
        return {};  // Nothing to book (a zero invoice still renews).
      }
      const auto clearing = ledger::ensure_account(tx, ledger::processor_clearing("stripe", currency), clock_);
      const auto revenue =
          ledger::ensure_account(tx, ledger::community_revenue(membership->community, currency), clock_);
      if (!clearing || !revenue) {
        return !clearing ? clearing.error() : revenue.error();
      }
      ledger::TransactionSpec spec;
      spec.idempotency_key = "payment:stripe:" + invoice_id;
      spec.kind = "payment";
      spec.memo = tier_row->row().text(2);
      spec.community = membership->community;
      spec.reference = public_id;
      spec.currency = currency;
      spec.lines.push_back({*clearing, amount});
      spec.lines.push_back({*revenue, -(amount - fee)});
      if (fee > 0) {
        const auto fees = ledger::ensure_account(tx, ledger::platform_fees(currency), clock_);
        if (!fees) {
          return fees.error();
        }
        spec.lines.push_back({*fees, -fee});
      }
      auto posted = ledger::post(tx, spec, clock_);
      if (!posted) {
        return std::move(posted).error();
      }
      tx.exec("UPDATE payments SET ledger_transaction_id = $1 WHERE id = $2", {posted->id.value, payment_id});
      return {};
    }

    if (type == "invoice.payment_failed" || type == "customer.subscription.deleted") {
      const bool deleted = type == "customer.subscription.deleted";
      const auto subscription = deleted ? text_at(object, {"id"}) : invoice_subscription(object);
      auto membership = membership_by_subscription(tx, subscription);
      if (!membership) {
        spdlog::warn("stripe: event {} ({}) about an unknown subscription '{}'", event_id, type, subscription);
        return {};
      }
      // Access stays until the period end either way: the entitlement already ends there.
      if (deleted) {
        tx.exec(
            "UPDATE memberships SET status = 'canceled', cancel_at_period_end = 1, updated_at = $1 WHERE id = $2 AND "
            "status IN ('active', 'past_due')",
            {now, membership->id});
      } else {
        tx.exec("UPDATE memberships SET status = 'past_due', updated_at = $1 WHERE id = $2 AND status = 'active'",
                {now, membership->id});
      }
      return {};
    }

    if (type == "charge.refunded") {
      const auto payment_intent = text_at(object, {"payment_intent"});
      const auto charge = text_at(object, {"id"});
      std::optional<db::Tx::OneRow> row;
      if (!payment_intent.empty()) {
        row = tx.one("SELECT id FROM payments WHERE provider = 'stripe' AND provider_payment_intent = $1 LIMIT 1",
                     {payment_intent});
      }
      if (!row && !charge.empty()) {
        row = tx.one("SELECT id FROM payments WHERE provider = 'stripe' AND provider_charge = $1 LIMIT 1", {charge});
      }
      if (!row) {
        spdlog::warn("stripe: charge {} refunded for an unknown payment", charge);
        return {};
      }
      if (!bool_at(object, "refunded")) {
        spdlog::warn("stripe: charge {} partly refunded; only full refunds are booked", charge);
        return {};
      }
      auto live = tx.one(
          "SELECT m.provider_subscription_id FROM payments y JOIN memberships m ON m.id = y.membership_id "
          "WHERE y.id = $1 AND y.status = 'succeeded' AND m.status IN ('active', 'past_due')",
          {row->row().i64(0)});
      auto refunded = refunds_.book(tx, row->row().i64(0), std::nullopt);
      if (!refunded) {
        return std::move(refunded).error();
      }
      if (live) {
        subscription_to_stop = live->row().text(0);
      }
      return {};
    }

    spdlog::info("stripe: event {} of type {} ignored", event_id, type);
    return {};
  });
  if (handled && !subscription_to_stop.empty()) {
    // After the commit: the refund stands whatever Stripe answers now; a failure is logged for
    // an operator (the membership is refunded, so later renewal invoices extend nothing).
    if (auto stopped = refunds_.stop_subscription(subscription_to_stop); !stopped) {
      spdlog::error("stripe: could not end subscription {} after a refund: {}", subscription_to_stop,
                    stopped.error().message);
    }
  }
  return handled;
}

}  // namespace gh::billing

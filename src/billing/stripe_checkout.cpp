// Checkouts paid through Stripe Checkout: after start() has committed a pending checkout, open
// a Checkout Session for it and send the buyer to the session's URL. The webhook
// (stripe_events.cpp) completes the checkout later. Trials and coupons are ours, not Stripe's:
// the session charges exactly the checkout's amount. The one exception is a subscription whose
// first period is discounted (a `once` coupon): Stripe bills later periods itself, so the
// recurring price is the renewal price and a single-use Stripe coupon takes the difference off
// the first invoice.
#include <spdlog/spdlog.h>

#include "billing/checkout.hpp"

namespace gh::billing {

Result<Checkout> Checkouts::open_stripe_session(const Checkout& checkout, const std::string& return_url_base) {
  std::string interval;
  if (checkout.tier_id) {
    interval = db_.read([&](db::Tx& tx) {
      auto row = tx.one("SELECT billing_interval FROM tiers WHERE id = $1", {*checkout.tier_id});
      return row ? row->row().text(0) : std::string();
    });
  }
  // Month and year tiers renew at Stripe (a subscription); fixed terms, lifetime tiers and
  // single posts are paid once.
  // A gift is paid once: the friend's membership runs one period from redemption.
  const bool subscription = !checkout.gift && (interval == "month" || interval == "year");
  const std::string item = "line_items[0]";
  const int64_t recurring = subscription && checkout.renewal_amount ? checkout.renewal_amount->amount_minor()
                                                                    : checkout.amount.amount_minor();
  // Nothing half-written: a pending checkout that no session backs is removed again.
  const auto forget = [&] {
    db_.write(
        [&](db::Tx& tx) { tx.exec("DELETE FROM checkouts WHERE id = $1 AND status = 'pending'", {checkout.id}); });
  };
  std::string first_period_coupon;
  if (recurring > checkout.amount.amount_minor()) {
    auto coupon = options_.stripe->call("POST", "/v1/coupons",
                                        {{"amount_off", std::to_string(recurring - checkout.amount.amount_minor())},
                                         {"currency", stripe_currency(checkout.amount.currency())},
                                         {"duration", "once"},
                                         {"max_redemptions", "1"},
                                         {"name", checkout.coupon_code.empty() ? "Discount" : checkout.coupon_code}},
                                        "gh-coupon-" + checkout.public_id);
    const auto* coupon_id = coupon ? coupon->if_contains("id") : nullptr;
    if (!coupon || !coupon_id || !coupon_id->is_string()) {
      forget();
      if (!coupon) {
        return std::move(coupon).error();
      }
      return Error{ErrorKind::BadGateway,
                   "billing.provider_error",
                   "The payment provider gave an unreadable answer; nothing was changed.",
                   {},
                   0};
    }
    first_period_coupon = std::string(coupon_id->as_string());
  }
  FormFields form{
      {"mode", subscription ? "subscription" : "payment"},
      {item + "[price_data][currency]", stripe_currency(checkout.amount.currency())},
      {item + "[price_data][unit_amount]", std::to_string(recurring)},
      {item + "[price_data][product_data][name]", checkout.item_name},
      {item + "[quantity]", "1"},
      {"client_reference_id", checkout.public_id},
      {"metadata[checkout_id]", checkout.public_id},
      {"success_url", return_url_base + "/checkout/" + checkout.public_id + "/success"},
      {"cancel_url", return_url_base + "/checkout/" + checkout.public_id + "/cancel"},
  };
  if (!first_period_coupon.empty()) {
    form.emplace_back("discounts[0][coupon]", first_period_coupon);
  }
  if (subscription) {
    form.emplace_back(item + "[price_data][recurring][interval]", interval);
    form.emplace_back("subscription_data[metadata][checkout_id]", checkout.public_id);
  } else {
    form.emplace_back("payment_intent_data[metadata][checkout_id]", checkout.public_id);
  }
  auto session = options_.stripe->call("POST", "/v1/checkout/sessions", form, "gh-checkout-" + checkout.public_id);
  const auto* id = session ? session->if_contains("id") : nullptr;
  const auto* url = session ? session->if_contains("url") : nullptr;
  if (!session || !id || !id->is_string() || !url || !url->is_string()) {
    forget();
    if (!session) {
      return std::move(session).error();
    }
    spdlog::warn("stripe: checkout session without id or url for {}", checkout.public_id);
    return Error{ErrorKind::BadGateway,
                 "billing.provider_error",
                 "The payment provider gave an unreadable answer; nothing was changed.",
                 {},
                 0};
  }
  return db_.write([&](db::Tx& tx) -> Result<Checkout> {
    tx.exec("UPDATE checkouts SET provider_session_id = $1, redirect_url = $2, updated_at = $3 WHERE id = $4",
            {std::string(id->as_string()), std::string(url->as_string()), clock_.now_ms(), checkout.id});
    return *load(tx, checkout.public_id);
  });
}

}  // namespace gh::billing

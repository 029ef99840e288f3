// Checkouts paid through Stripe Checkout: after start() has committed a pending checkout, open
// a Checkout Session for it and send the buyer to the session's URL. The webhook
// (stripe_events.cpp) completes the checkout later. Trials and coupons are ours, not Stripe's:
// the session charges exactly the checkout's amount.
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
  const bool subscription = interval == "month" || interval == "year";
  const std::string item = "line_items[0]";
  FormFields form{
      {"mode", subscription ? "subscription" : "payment"},
      {item + "[price_data][currency]", stripe_currency(checkout.amount.currency())},
      {item + "[price_data][unit_amount]", std::to_string(checkout.amount.amount_minor())},
      {item + "[price_data][product_data][name]", checkout.item_name},
      {item + "[quantity]", "1"},
      {"client_reference_id", checkout.public_id},
      {"metadata[checkout_id]", checkout.public_id},
      {"success_url", return_url_base + "/checkout/" + checkout.public_id + "/success"},
      {"cancel_url", return_url_base + "/checkout/" + checkout.public_id + "/cancel"},
  };
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
    // Nothing half-written: the pending checkout that no session backs is removed again.
    db_.write(
        [&](db::Tx& tx) { tx.exec("DELETE FROM checkouts WHERE id = $1 AND status = 'pending'", {checkout.id}); });
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

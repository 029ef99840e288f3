// gh::billing Stripe wire protocol: the REST client (libcurl, form-encoded requests, Bearer
// secret key, Idempotency-Key) and the webhook signature check. Nothing here touches the
// database; checkout (stripe_checkout.cpp), refunds and stripe_events use it.
//
// Calls are synchronous and run on the caller's thread (an HTTP I/O thread), so every request
// has short connect and total timeouts. Never call while holding a database transaction.
// Thread-safe: each call uses its own curl handle.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace gh::billing {

struct StripeConfig {
  std::string api_base = "https://api.stripe.com";
  std::string secret_key;      // Without it, provider "stripe" is unavailable.
  std::string webhook_secret;  // "whsec_...": verifies POST /webhooks/stripe.
  long connect_timeout_ms = 3000;
  long timeout_ms = 10000;
};

using FormFields = std::vector<std::pair<std::string, std::string>>;

class StripeClient {
 public:
  explicit StripeClient(StripeConfig config);

  bool configured() const { return !config_.secret_key.empty(); }
  const StripeConfig& config() const { return config_; }

  // `method` is POST, GET or DELETE; `path` starts with /v1/. Returns Stripe's JSON object.
  // A network failure, a timeout, a non-JSON answer or a Stripe error (4xx/5xx) is
  // billing.provider_error (BadGateway); Stripe's own message goes to the log only.
  Result<boost::json::object> call(std::string_view method, std::string_view path, const FormFields& form,
                                   std::string_view idempotency_key) const;

 private:
  StripeConfig config_;
};

// Verifies a Stripe-Signature header ("t=<unix seconds>,v1=<hex>[,v1=...][,v0=...]") over the
// raw body: HMAC-SHA256 of "<t>.<body>" keyed with the endpoint secret, compared in constant
// time with any v1 entry; other schemes are ignored. `t` must be within `tolerance_ms` of `now`
// in either direction (replays of old deliveries, clocks far ahead). Errors (Invalid):
// billing.webhook_signature_missing, billing.webhook_signature_invalid,
// billing.webhook_timestamp_out_of_range.
Status verify_stripe_signature(std::string_view header, std::string_view payload, std::string_view secret, Millis now,
                               Millis tolerance_ms = 5 * 60 * 1000);

// The header a sender computes for `payload` at unix time `t` (used by tests and tools that
// replay events; the server itself only verifies).
std::string stripe_signature_header(std::string_view payload, std::string_view secret, int64_t t);

// Stripe's currencies are lowercase ISO codes; ours are uppercase.
std::string stripe_currency(std::string_view ours);

}  // namespace gh::billing

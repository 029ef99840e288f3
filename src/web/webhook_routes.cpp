// Provider webhooks. Outside the viewer pipeline (no session, no CSRF, no cookies): the caller
// is Stripe, authenticated by the signature over the raw body, which billing/ verifies before
// it parses anything. 2xx tells Stripe the event is handled; anything else makes it retry.
#include "web/errors.hpp"
#include "web/routes.hpp"

namespace gh::web {

void register_webhook_routes(WebApp& app) {
  auto& s = app.services();
  app.raw_route("POST", "/webhooks/stripe", [&s](http::Request& request) {
    auto handled = s.stripe_events.handle(request.body, request.header("Stripe-Signature").value_or(""));
    if (!handled) {
      return api_error(handled.error());
    }
    return http::Response::json(200, R"({"received":true})");
  });
}

}  // namespace gh::web

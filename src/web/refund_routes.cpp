// Doors for refunds and for coming back from a provider's payment page (Stripe Checkout's
// success and cancel URLs).
#include "web/errors.hpp"
#include "web/json.hpp"
#include "web/pages.hpp"
#include "web/routes.hpp"

namespace gh::web {
namespace {

constexpr std::string_view kTemplateReturn = "billing/checkout_return.html";
constexpr int kConfirmingRefreshSeconds = 3;

render::Data return_data(const billing::Checkout& checkout) {
  render::Data data;
  data.set("id", checkout.public_id);
  data.set("item", checkout.item_name);
  data.set("amount", checkout.amount.format());
  data.set("community_slug", checkout.community_slug);
  if (checkout.post_id) {
    data.set("post_url", "/p/" + std::to_string(*checkout.post_id));
  } else if (!checkout.item_url.empty()) {
    data.set("item_url", checkout.item_url);
  }
  return data;
}

}  // namespace

std::string public_base(const Context& ctx, const Services& services) {
  std::string base = services.config.public_url;
  if (base.empty()) {
    base = std::string(ctx.secure ? "https://" : "http://") +
           std::string(ctx.request.header("Host").value_or("localhost"));
  }
  while (!base.empty() && base.back() == '/') {
    base.pop_back();
  }
  return base;
}

void register_refund_routes(WebApp& app) {
  auto& s = app.services();

  app.route(Door::Api, "POST", "/api/v1/payments/{id}/refund", Auth::Required, [&s](Context& ctx) {
    auto payment = take(s.refunds.refund(ctx.user->id, ctx.request.param("id")));
    return json_response(200, {{"payment", payment_json(payment)}});
  });

  app.route(Door::Api, "POST", "/api/v1/memberships/{id}/cancel", Auth::Required, [&s](Context& ctx) {
    auto membership = take(s.refunds.cancel(ctx.user->id, id_param(ctx.request)));
    return json_response(200, {{"membership", membership_json(membership)}});
  });

  app.route(Door::Page, "POST", "/memberships/{id}/cancel", Auth::Required, [&s](Context& ctx) {
    take(s.refunds.cancel(ctx.user->id, id_param(ctx.request)));
    return http::Response::redirect("/account/billing");
  });

  app.route(Door::Page, "POST", "/payments/{id}/refund", Auth::Required, [&s](Context& ctx) {
    take(s.refunds.refund(ctx.user->id, ctx.request.param("id")));
    Form form(ctx.request);
    return http::Response::redirect(safe_next(form.get("next").empty() ? "/account/billing" : form.get("next")));
  });

  // Stripe sends the buyer here after paying; the webhook may not have arrived yet, so a
  // pending checkout shows "confirming" and reloads itself until it completes.
  app.route(Door::Page, "GET", "/checkout/{id}/success", Auth::Required, [&s](Context& ctx) {
    auto checkout = take(s.checkouts.find(ctx.user->id, ctx.request.param("id")));
    auto data = return_data(checkout);
    const bool completed = checkout.status == "completed";
    const bool confirming = checkout.status == "pending";
    data.set("completed", completed);
    data.set("confirming", confirming);
    data.set("canceled", !completed && !confirming);
    return render_page(
        ctx, s, kTemplateReturn, data,
        PageMeta{s.i18n.t(ctx.lang, "checkout.title"), "", 200, confirming ? kConfirmingRefreshSeconds : 0});
  });

  // Stripe's cancel URL is a plain link (GET): it only ever moves the viewer's own pending
  // checkout to canceled, and a payment arriving later still wins (see stripe_events.cpp).
  app.route(Door::Page, "GET", "/checkout/{id}/cancel", Auth::Required, [&s](Context& ctx) {
    auto checkout = take(s.checkouts.cancel(ctx.user->id, ctx.request.param("id")));
    auto data = return_data(checkout);
    const bool completed = checkout.status == "completed";
    data.set("completed", completed);
    data.set("canceled", !completed);
    return render_page(ctx, s, kTemplateReturn, data, PageMeta{s.i18n.t(ctx.lang, "checkout.title"), "", 200});
  });
}

}  // namespace gh::web

// Doors for what a community sells: tiers (API and the pricing page).
#include <algorithm>

#include "core/text.hpp"
#include "web/errors.hpp"
#include "web/json.hpp"
#include "web/page_views.hpp"
#include "web/pages.hpp"
#include "web/routes.hpp"

namespace gh::web {
namespace {

constexpr std::string_view kTemplatePricing = "billing/pricing.html";
constexpr std::string_view kTemplateCheckout = "billing/checkout.html";
constexpr std::string_view kTemplateAccount = "billing/account.html";

billing::TierInput tier_input(JsonInput& in) {
  billing::TierInput input;
  input.name = in.str("name").value_or("");
  input.description = in.str("description").value_or("");
  input.price = in.money("price");
  input.interval = in.str("interval").value_or("");
  input.term_days = in.integer("term_days");
  input.trial_days = in.integer("trial_days").value_or(0);
  check(in);
  return input;
}

std::string interval_label(const Context& ctx, const Services& s, const billing::Tier& t) {
  if (t.free()) {
    return s.i18n.t(ctx.lang, "pricing.free");
  }
  if (t.interval == "fixed_term") {
    return s.i18n.format(ctx.lang, "pricing.per_term", {{"n", std::to_string(t.term_days.value_or(0))}});
  }
  return s.i18n.t(ctx.lang, "pricing.per_" + t.interval);
}

}  // namespace

// The pricing page: tiers on sale; owners and admins also add and archive tiers, see payments,
// coupons and code batches here. `form` names the admin form an error belongs to.
http::Response render_pricing(Context& ctx, Services& s, std::optional<Error> error, render::Data values,
                              std::string_view form) {
  auto community = s.communities.find(ctx.request.param("slug"));
  const auto role = community ? s.communities.role_of(ctx.user_id(), community->id) : access::Role::None;
  if (!community || (!community->is_public && role == access::Role::None)) {
    throw not_found("community.not_found", "No such community.");
  }
  const bool manage = access::allows(role, access::Action::ManageBilling);
  auto tiers = take(s.tiers.list(community->slug, manage));
  render::Data data;
  data.set("community", community_data(*community));
  const auto no_trial = ctx.user ? s.offers.trial_tiers_used(ctx.user->id, community->id) : std::vector<int64_t>{};
  render::Data list{render::Data::type::list};
  for (const auto& t : tiers) {
    render::Data d;
    d.set("id", std::to_string(t.id));
    d.set("name", t.name);
    if (!t.description.empty()) {
      d.set("description", t.description);
    }
    d.set("price", t.price.format());
    d.set("interval", interval_label(ctx, s, t));
    d.set("free", t.free());
    d.set("archived", t.archived);
    if (t.trial_days > 0) {
      d.set("trial", s.i18n.format(ctx.lang, "pricing.trial", {{"n", std::to_string(t.trial_days)}}));
      d.set("start_trial", s.i18n.format(ctx.lang, "pricing.start_trial", {{"n", std::to_string(t.trial_days)}}));
      d.set("can_trial",
            !t.free() && !t.archived && std::find(no_trial.begin(), no_trial.end(), t.id) == no_trial.end());
    }
    list.push_back(d);
  }
  data.set("tiers", list);
  data.set("has_tiers", !tiers.empty());
  data.set("manage", manage);
  data.set("signed_in", ctx.user.has_value());
  data.set("card", s.checkouts.stripe_enabled());
  if (manage) {
    render::Data pending{render::Data::type::list};
    for (const auto& k : take(s.checkouts.pending(ctx.user->id, community->slug))) {
      render::Data d;
      d.set("id", k.public_id);
      d.set("buyer", k.buyer_username);
      d.set("item", k.item_name);
      d.set("amount", k.amount.format());
      d.set("date", format_rfc3339(k.created_at).substr(0, 16).replace(10, 1, " "));
      pending.push_back(d);
    }
    data.set("has_pending", !pending.is_empty_list());
    data.set("pending", pending);
    // The latest payments, each refundable here by owners and admins.
    render::Data payments{render::Data::type::list};
    const auto recent =
        s.db.read([&](db::Tx& tx) { return billing::Checkouts::community_payments(tx, community->id, 20); });
    for (const auto& [y, buyer] : recent) {
      render::Data d;
      d.set("id", y.public_id);
      d.set("buyer", buyer);
      d.set("amount", y.amount.format());
      d.set("kind", s.i18n.t(ctx.lang, "payment.kind_" + y.kind));
      d.set("status", s.i18n.t(ctx.lang, "payment.status_" + y.status));
      d.set("date", format_rfc3339(y.created_at).substr(0, 16).replace(10, 1, " "));
      d.set("refundable", y.status == "succeeded");
      payments.push_back(d);
    }
    data.set("has_payments", !recent.empty());
    data.set("payments", payments);
    add_offer_admin_data(ctx, s, *community, tiers, data);
  }
  data.set("values", values);
  if (error) {
    // Each admin form shows its own errors: "errors" (tiers), "coupon_errors", "codes_errors".
    data.set(form == "tier" || form.empty() ? std::string("errors") : std::string(form) + "_errors",
             form_errors(ctx, s, *error));
  }
  return render_page(ctx, s, kTemplatePricing, data,
                     PageMeta{s.i18n.t(ctx.lang, "pricing.title") + " · " + community->name, community->description,
                              error ? status_of(error->kind) : 200});
}

void register_billing_routes(WebApp& app) {
  auto& s = app.services();

  app.route(Door::Api, "POST", "/api/v1/communities/{slug}/tiers", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    auto tier = take(s.tiers.create(ctx.user->id, ctx.request.param("slug"), tier_input(in)));
    return json_response(201, {{"tier", tier_json(tier)}});
  });

  app.route(Door::Api, "GET", "/api/v1/communities/{slug}/tiers", Auth::Optional, [&s](Context& ctx) {
    const bool archived = ctx.request.query_param("archived").value_or("") == "1";
    auto tiers = take(s.tiers.list(ctx.request.param("slug"), archived));
    boost::json::array list;
    for (const auto& t : tiers) {
      list.push_back(tier_json(t));
    }
    return json_response(200, {{"tiers", std::move(list)}});
  });

  app.route(Door::Api, "PATCH", "/api/v1/tiers/{id}", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    billing::TierPatch patch{in.str("name"), in.str("description"), in.boolean("archived"), in.integer("position")};
    check(in);
    auto tier = take(s.tiers.update(ctx.user->id, id_param(ctx.request), patch));
    return json_response(200, {{"tier", tier_json(tier)}});
  });

  app.route(Door::Api, "POST", "/api/v1/checkout", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    billing::CheckoutInput input{in.integer("tier_id"), in.integer("post_id"), in.str("provider").value_or("")};
    input.item_kind = in.str("item_kind").value_or("");
    input.item_id = in.integer("item_id");
    input.gift = in.boolean("gift").value_or(false);
    input.coupon = in.str("coupon").value_or("");
    check(in);
    input.return_url_base = public_base(ctx, s);
    auto checkout = take(s.checkouts.start(ctx.user->id, input));
    return json_response(201, {{"checkout", checkout_json(checkout)}});
  });

  app.route(Door::Api, "GET", "/api/v1/checkout/{id}", Auth::Required, [&s](Context& ctx) {
    auto checkout = take(s.checkouts.find(ctx.user->id, ctx.request.param("id")));
    return json_response(200, {{"checkout", checkout_json(checkout)}});
  });

  app.route(Door::Api, "POST", "/api/v1/checkout/{id}/confirm", Auth::Required, [&s](Context& ctx) {
    auto payment = take(s.checkouts.confirm_manual(ctx.user->id, ctx.request.param("id")));
    return json_response(200, {{"payment", payment_json(payment)}});
  });

  app.route(Door::Api, "GET", "/api/v1/communities/{slug}/checkouts", Auth::Required, [&s](Context& ctx) {
    auto pending = take(s.checkouts.pending(ctx.user->id, ctx.request.param("slug")));
    boost::json::array list;
    for (const auto& k : pending) {
      list.push_back(checkout_json(k));
    }
    return json_response(200, {{"checkouts", std::move(list)}});
  });

  app.route(Door::Api, "GET", "/api/v1/me/payments", Auth::Required, [&s](Context& ctx) {
    boost::json::array list;
    for (const auto& y : s.checkouts.payments_of(ctx.user->id)) {
      list.push_back(payment_json(y));
    }
    return json_response(200, {{"payments", std::move(list)}});
  });

  app.route(Door::Api, "GET", "/api/v1/me/gifts", Auth::Required, [&s](Context& ctx) {
    boost::json::array list;
    for (const auto& g : s.codes.gifts_of(ctx.user->id)) {
      list.push_back({{"code", g.code},
                      {"status", g.status},
                      {"community", g.community_slug},
                      {"tier", g.tier_name},
                      {"payment", g.payment_id},
                      {"created_at", format_rfc3339(g.created_at)}});
    }
    return json_response(200, {{"gifts", std::move(list)}});
  });

  app.route(Door::Api, "GET", "/api/v1/me/memberships", Auth::Required, [&s](Context& ctx) {
    boost::json::array list;
    for (const auto& m : s.checkouts.memberships_of(ctx.user->id)) {
      list.push_back(membership_json(m));
    }
    return json_response(200, {{"memberships", std::move(list)}});
  });

  // Pages: buy (tier or post) -> the checkout page -> (manual) an admin confirms.
  app.route(Door::Page, "POST", "/checkout", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    billing::CheckoutInput input;
    if (const auto tier = form.get("tier_id"); !tier.empty()) {
      input.tier_id = std::atoll(tier.c_str());
    }
    if (const auto post = form.get("post_id"); !post.empty()) {
      input.post_id = std::atoll(post.c_str());
    }
    input.item_kind = form.get("item_kind");
    if (const auto item = form.get("item_id"); !item.empty()) {
      input.item_id = std::atoll(item.c_str());
    }
    input.provider = form.get("provider").empty() ? "manual" : form.get("provider");
    input.coupon = text::trim(form.get("coupon"));
    input.gift = form.get("gift") == "1";
    input.return_url_base = public_base(ctx, s);
    auto checkout = take(s.checkouts.start(ctx.user->id, input));
    // Our own checkout page first, even for Stripe: it forwards to the provider's page (see
    // PageMeta::forward_url; CSP form-action forbids a form's redirect to another origin).
    return http::Response::redirect("/checkout/" + checkout.public_id);
  });

  app.route(Door::Page, "GET", "/checkout/{id}", Auth::Required, [&s](Context& ctx) {
    auto checkout = take(s.checkouts.find(ctx.user->id, ctx.request.param("id")));
    render::Data data;
    data.set("id", checkout.public_id);
    data.set("item", checkout.item_name);
    data.set("amount", checkout.amount.format());
    if (checkout.coupon_id && checkout.list_amount != checkout.amount) {
      data.set("discounted", true);
      data.set("list_amount", checkout.list_amount.format());
      data.set("coupon", checkout.coupon_code);
    }
    data.set("community_slug", checkout.community_slug);
    if (!checkout.gift_code.empty() && checkout.user == ctx.user->id) {
      data.set("gift_code", checkout.gift_code);
      data.set("gift_link", "/redeem?code=" + http::url_encode(checkout.gift_code));
    }
    data.set("status_" + checkout.status, true);
    data.set("manual", checkout.provider == "manual");
    data.set("is_buyer", checkout.user == ctx.user->id);
    data.set("can_confirm",
             access::allows(s.communities.role_of(ctx.user_id(), checkout.community), access::Action::ManageBilling));
    if (checkout.post_id) {
      data.set("post_url", "/p/" + std::to_string(*checkout.post_id));
    } else if (!checkout.item_url.empty()) {
      data.set("item_url", checkout.item_url);
    }
    PageMeta meta{s.i18n.t(ctx.lang, "checkout.title"), "", 200};
    // A pending checkout at a provider: the buyer's own page forwards to the provider's page.
    const bool at_provider =
        checkout.provider != "manual" && checkout.status == "pending" && checkout.user == ctx.user->id &&
        (checkout.redirect_url.starts_with("https://") || checkout.redirect_url.starts_with("http://"));
    if (at_provider) {
      data.set("pay_url", checkout.redirect_url);
      meta.forward_url = checkout.redirect_url;
    }
    return render_page(ctx, s, kTemplateCheckout, data, meta);
  });

  app.route(Door::Page, "POST", "/checkout/{id}/confirm", Auth::Required, [&s](Context& ctx) {
    take(s.checkouts.confirm_manual(ctx.user->id, ctx.request.param("id")));
    Form form(ctx.request);
    return http::Response::redirect(
        safe_next(form.get("next").empty() ? "/checkout/" + ctx.request.param("id") : form.get("next")));
  });

  app.route(Door::Page, "GET", "/account/billing", Auth::Required, [&s](Context& ctx) {
    render::Data data;
    render::Data memberships{render::Data::type::list};
    for (const auto& m : s.checkouts.memberships_of(ctx.user->id)) {
      render::Data d;
      d.set("community_slug", m.community_slug);
      d.set("community_name", m.community_name);
      d.set("tier", m.tier_name);
      d.set("status", s.i18n.t(ctx.lang, "membership.status_" + m.status));
      d.set("active", m.status == "active");
      d.set("id", std::to_string(m.id));
      d.set("renews", m.renews);
      d.set("period_end", m.current_period_end ? format_rfc3339(*m.current_period_end).substr(0, 10)
                                               : s.i18n.t(ctx.lang, "membership.lifetime"));
      memberships.push_back(d);
    }
    render::Data payments{render::Data::type::list};
    for (const auto& y : s.checkouts.payments_of(ctx.user->id)) {
      render::Data d;
      d.set("id", y.public_id);
      d.set("community_slug", y.community_slug);
      d.set("amount", y.amount.format());
      d.set("kind", s.i18n.t(ctx.lang, "payment.kind_" + y.kind));
      d.set("status", s.i18n.t(ctx.lang, "payment.status_" + y.status));
      d.set("date", format_rfc3339(y.created_at).substr(0, 10));
      d.set("refundable", s.refunds.buyer_may_refund(y));
      payments.push_back(d);
    }
    data.set("memberships", memberships);
    data.set("payments", payments);
    render::Data gifts{render::Data::type::list};
    for (const auto& g : s.codes.gifts_of(ctx.user->id)) {
      render::Data d;
      d.set("code", g.code);
      d.set("community_slug", g.community_slug);
      d.set("item", g.community_name + " · " + g.tier_name);
      d.set("status", s.i18n.t(ctx.lang, "gift.status_" + g.status));
      d.set("available", g.status == "available");
      gifts.push_back(d);
    }
    data.set("has_gifts", !gifts.is_empty_list());
    data.set("gifts", gifts);
    return render_page(ctx, s, kTemplateAccount, data, PageMeta{s.i18n.t(ctx.lang, "account.billing_title"), "", 200});
  });

  app.route(Door::Page, "GET", "/c/{slug}/pricing", Auth::Optional,
            [&s](Context& ctx) { return render_pricing(ctx, s, std::nullopt, render::Data(), ""); });

  app.route(Door::Page, "POST", "/c/{slug}/pricing/tiers", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    auto community = s.communities.find(ctx.request.param("slug"));
    if (!community) {
      throw not_found("community.not_found", "No such community.");
    }
    billing::TierInput input;
    input.name = form.get("name");
    input.description = form.get("description");
    input.interval = form.get("interval");
    const std::string currency = form.get("currency").empty() ? community->currency : form.get("currency");
    auto price = Money::parse_decimal(text::trim(form.get("price")), currency);
    render::Data values;
    for (const auto* key : {"name", "description", "price", "term_days", "trial_days"}) {
      values.set(key, form.get(key));
    }
    if (!price) {
      return render_pricing(ctx, s, price.error(), values, "tier");
    }
    input.price = *price;
    if (const auto term = text::trim(form.get("term_days")); !term.empty()) {
      input.term_days = std::atoll(term.c_str());
    }
    if (const auto trial = text::trim(form.get("trial_days")); !trial.empty()) {
      input.trial_days = std::atoll(trial.c_str());
    }
    auto tier = s.tiers.create(ctx.user->id, community->slug, input);
    if (!tier) {
      if (tier.error().kind != ErrorKind::Invalid) {
        throw std::move(tier).error();
      }
      return render_pricing(ctx, s, tier.error(), values, "tier");
    }
    return http::Response::redirect("/c/" + community->slug + "/pricing");
  });

  app.route(Door::Page, "POST", "/c/{slug}/pricing/tiers/{id}/archive", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    take(s.tiers.update(ctx.user->id, id_param(ctx.request), {.archived = form.get("archived") != "0"}));
    return http::Response::redirect("/c/" + ctx.request.param("slug") + "/pricing");
  });
}

}  // namespace gh::web

// Doors for offers: coupons, trials, and gift/redeem code batches (API, the pricing page's
// admin section, the /redeem page, and the CSV export of a batch).
#include "core/text.hpp"
#include "web/errors.hpp"
#include "web/json.hpp"
#include "web/page_views.hpp"
#include "web/pages.hpp"
#include "web/routes.hpp"

namespace gh::web {
namespace {

constexpr std::string_view kTemplateRedeem = "billing/redeem.html";
constexpr Millis kDayMs = 86'400'000;

boost::json::object coupon_json(const billing::Coupon& o) {
  boost::json::array tier_ids;
  for (int64_t id : o.tier_ids) {
    tier_ids.push_back(id);
  }
  return boost::json::object{
      {"id", o.id},
      {"community", o.community_slug},
      {"code", o.code},
      {"percent_off", o.percent_off ? boost::json::value(*o.percent_off) : boost::json::value(nullptr)},
      {"amount_off", o.amount_off ? boost::json::value(money_json(*o.amount_off)) : boost::json::value(nullptr)},
      {"duration", o.duration},
      {"max_redemptions", o.max_redemptions ? boost::json::value(*o.max_redemptions) : boost::json::value(nullptr)},
      {"redemptions", o.redemptions},
      {"expires_at", optional_time(o.expires_at)},
      {"tier_ids", std::move(tier_ids)},
      {"archived", o.archived},
      {"created_at", format_rfc3339(o.created_at)},
  };
}

boost::json::object batch_json(const billing::CodeBatch& b) {
  return boost::json::object{
      {"id", b.id},
      {"community", b.community_slug},
      {"tier_id", b.tier_id},
      {"tier", b.tier_name},
      {"count", b.count},
      {"redeemed", b.redeemed},
      {"note", b.note},
      {"expires_at", optional_time(b.expires_at)},
      {"csv_url", "/api/v1/code-batches/" + std::to_string(b.id) + "/codes.csv"},
      {"created_at", format_rfc3339(b.created_at)},
  };
}

// An RFC 3339 field of a JSON body: absent or null is nullopt; anything else must parse.
std::optional<Millis> time_field(JsonInput& in, std::string_view key) {
  auto text = in.str(key);
  check(in);
  if (!text) {
    return std::nullopt;
  }
  auto t = parse_rfc3339(*text);
  if (!t) {
    throw invalid("billing.invalid_expiry", "expires_at is an RFC 3339 time (2026-12-31T23:59:59Z).", std::string(key));
  }
  return t;
}

// A date field of a page form ("2026-12-31"): valid through the end of that day, UTC.
std::optional<Millis> date_field(const Form& form, std::string_view key) {
  const auto text = text::trim(form.get(key));
  if (text.empty()) {
    return std::nullopt;
  }
  auto t = parse_rfc3339(text + "T00:00:00Z");
  if (!t) {
    throw invalid("billing.invalid_expiry", "Give the date as YYYY-MM-DD.", std::string(key));
  }
  return *t + kDayMs;
}

std::optional<int64_t> integer_field(const Form& form, std::string_view key) {
  const auto text = text::trim(form.get(key));
  if (text.empty()) {
    return std::nullopt;
  }
  char* end = nullptr;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  if (end == nullptr || *end != '\0') {
    throw invalid("request.invalid_number", "Give a whole number.", std::string(key));
  }
  return value;
}

// RFC 4180: quote every cell, double the quotes; cells a spreadsheet would run as a formula
// (starting with = + - @) get a leading apostrophe.
std::string csv_cell(std::string_view value) {
  std::string out = "\"";
  if (!value.empty() && (value[0] == '=' || value[0] == '+' || value[0] == '-' || value[0] == '@')) {
    out.push_back('\'');
  }
  for (char c : value) {
    if (c == '"') {
      out.push_back('"');
    }
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string csv_row(std::initializer_list<std::string_view> cells) {
  std::string line;
  for (auto cell : cells) {
    if (!line.empty()) {
      line.push_back(',');
    }
    line += csv_cell(cell);
  }
  return line + "\r\n";
}

std::string discount_label(const Money& sample, const billing::Coupon& o) {
  if (o.percent_off) {
    return std::to_string(*o.percent_off) + "%";
  }
  return o.amount_off ? o.amount_off->format() : Money::zero(sample.currency()).format();
}

http::Response redeem_page(Context& ctx, const Services& s, std::optional<Error> error, const std::string& code) {
  render::Data data;
  render::Data values;
  values.set("code", code);
  data.set("values", values);
  if (error) {
    data.set("errors", form_errors(ctx, s, *error));
  }
  return render_page(ctx, s, kTemplateRedeem, data,
                     PageMeta{s.i18n.t(ctx.lang, "redeem.title"), "", error ? status_of(error->kind) : 200});
}

}  // namespace

void add_offer_admin_data(Context& ctx, const Services& s, const community::Community& community,
                          const std::vector<billing::Tier>& tiers, render::Data& data) {
  render::Data coupons{render::Data::type::list};
  for (const auto& o : take(s.offers.coupons(ctx.user->id, community.slug))) {
    render::Data d;
    d.set("id", std::to_string(o.id));
    d.set("code", o.code);
    d.set("discount", discount_label(Money::zero(community.currency), o));
    d.set("duration", s.i18n.t(ctx.lang, "coupon.duration_" + o.duration));
    d.set("redemptions", std::to_string(o.redemptions) +
                             (o.max_redemptions ? " / " + std::to_string(*o.max_redemptions) : std::string()));
    d.set("expires", o.expires_at ? format_rfc3339(*o.expires_at).substr(0, 10) : std::string("—"));
    d.set("archived", o.archived);
    coupons.push_back(d);
  }
  data.set("coupons", coupons);
  data.set("has_coupons", !coupons.is_empty_list());
  render::Data options{render::Data::type::list};
  for (const auto& t : tiers) {
    if (!t.free() && !t.archived) {
      render::Data d;
      d.set("id", std::to_string(t.id));
      d.set("name", t.name);
      options.push_back(d);
    }
  }
  data.set("paid_tiers", options);
  data.set("has_paid_tiers", !options.is_empty_list());
  render::Data batches{render::Data::type::list};
  for (const auto& b : take(s.codes.batches(ctx.user->id, community.slug))) {
    render::Data d;
    d.set("id", std::to_string(b.id));
    d.set("tier", b.tier_name);
    d.set("count", std::to_string(b.count));
    d.set("redeemed", std::to_string(b.redeemed));
    d.set("note", b.note);
    d.set("expires", b.expires_at ? format_rfc3339(*b.expires_at).substr(0, 10) : std::string("—"));
    d.set("date", format_rfc3339(b.created_at).substr(0, 10));
    batches.push_back(d);
  }
  data.set("batches", batches);
  data.set("has_batches", !batches.is_empty_list());
}

void register_offer_routes(WebApp& app) {
  auto& s = app.services();

  // Coupons.
  app.route(Door::Api, "POST", "/api/v1/communities/{slug}/coupons", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    billing::CouponInput input;
    input.code = in.str("code").value_or("");
    input.percent_off = in.integer("percent_off");
    input.amount_off = in.money("amount_off");
    input.duration = in.str("duration").value_or("once");
    input.max_redemptions = in.integer("max_redemptions");
    input.tier_ids = in.int_list("tier_ids").value_or(std::vector<int64_t>{});
    check(in);
    input.expires_at = time_field(in, "expires_at");
    auto coupon = take(s.offers.create_coupon(ctx.user->id, ctx.request.param("slug"), input));
    return json_response(201, {{"coupon", coupon_json(coupon)}});
  });

  app.route(Door::Api, "GET", "/api/v1/communities/{slug}/coupons", Auth::Required, [&s](Context& ctx) {
    boost::json::array list;
    for (const auto& o : take(s.offers.coupons(ctx.user->id, ctx.request.param("slug")))) {
      list.push_back(coupon_json(o));
    }
    return json_response(200, {{"coupons", std::move(list)}});
  });

  app.route(Door::Api, "PATCH", "/api/v1/coupons/{id}", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    auto archived = in.boolean("archived");
    check(in);
    if (!archived) {
      throw invalid("request.missing_field", "Give archived: true or false.", "archived");
    }
    auto coupon = take(s.offers.set_coupon_archived(ctx.user->id, id_param(ctx.request), *archived));
    return json_response(200, {{"coupon", coupon_json(coupon)}});
  });

  // Trials.
  app.route(Door::Api, "POST", "/api/v1/tiers/{id}/trial", Auth::Required, [&s](Context& ctx) {
    auto membership = take(s.offers.start_trial(ctx.user->id, id_param(ctx.request)));
    return json_response(201, {{"membership", membership_json(membership)}});
  });

  // Code batches and redeeming.
  app.route(Door::Api, "POST", "/api/v1/communities/{slug}/code-batches", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    billing::BatchInput input;
    input.tier_id = in.integer("tier_id").value_or(0);
    input.count = in.integer("count").value_or(0);
    input.note = in.str("note").value_or("");
    check(in);
    input.expires_at = time_field(in, "expires_at");
    auto made = take(s.codes.generate(ctx.user->id, ctx.request.param("slug"), input));
    boost::json::array codes;
    for (const auto& c : made.codes) {
      codes.push_back(boost::json::value(c));
    }
    return json_response(201, {{"batch", batch_json(made.batch)}, {"codes", std::move(codes)}});
  });

  app.route(Door::Api, "GET", "/api/v1/communities/{slug}/code-batches", Auth::Required, [&s](Context& ctx) {
    boost::json::array list;
    for (const auto& b : take(s.codes.batches(ctx.user->id, ctx.request.param("slug")))) {
      list.push_back(batch_json(b));
    }
    return json_response(200, {{"batches", std::move(list)}});
  });

  app.route(Door::Api, "GET", "/api/v1/code-batches/{id}/codes.csv", Auth::Required, [&s](Context& ctx) {
    auto [batch, codes] = take(s.codes.codes(ctx.user->id, id_param(ctx.request)));
    std::string body = csv_row({"code", "tier", "status", "redeemed_by", "redeemed_at", "expires_at"});
    const std::string expires = batch.expires_at ? format_rfc3339(*batch.expires_at) : "";
    for (const auto& c : codes) {
      body += csv_row({c.code, batch.tier_name, c.status, c.redeemed_by,
                       c.redeemed_at ? format_rfc3339(*c.redeemed_at) : "", expires});
    }
    auto response = http::Response::text(200, std::move(body), "text/csv; charset=utf-8");
    response.headers.set("Content-Disposition", "attachment; filename=\"codes-" + batch.community_slug + "-" +
                                                    std::to_string(batch.id) + ".csv\"");
    response.headers.set("Cache-Control", "no-store");
    return response;
  });

  app.route(Door::Api, "POST", "/api/v1/redeem", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    auto code = in.str("code").value_or("");
    check(in);
    auto membership = take(s.codes.redeem(ctx.user->id, code));
    return json_response(200, {{"membership", membership_json(membership)}});
  });

  // Pages.
  app.route(Door::Page, "GET", "/redeem", Auth::Required, [&s](Context& ctx) {
    return redeem_page(ctx, s, std::nullopt, ctx.request.query_param("code").value_or(""));
  });

  app.route(Door::Page, "POST", "/redeem", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    auto membership = s.codes.redeem(ctx.user->id, form.get("code"));
    if (!membership) {
      return redeem_page(ctx, s, membership.error(), form.get("code"));
    }
    return http::Response::redirect("/c/" + membership->community_slug);
  });

  app.route(Door::Page, "POST", "/c/{slug}/pricing/tiers/{id}/trial", Auth::Required, [&s](Context& ctx) {
    auto membership = take(s.offers.start_trial(ctx.user->id, id_param(ctx.request)));
    return http::Response::redirect("/c/" + membership.community_slug);
  });

  app.route(Door::Page, "POST", "/c/{slug}/pricing/coupons", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    auto community = s.communities.find(ctx.request.param("slug"));
    if (!community) {
      throw not_found("community.not_found", "No such community.");
    }
    render::Data values;
    for (const auto* key : {"code", "value", "max_redemptions", "expires_at"}) {
      values.set(key, form.get(key));
    }
    values.set("kind_amount", form.get("kind") == "amount");
    values.set("duration_forever", form.get("duration") == "forever");
    try {
      billing::CouponInput input;
      input.code = form.get("code");
      input.duration = form.get("duration").empty() ? "once" : form.get("duration");
      const auto value = text::trim(form.get("value"));
      if (form.get("kind") == "amount") {
        input.amount_off = take(Money::parse_decimal(value, community->currency));
      } else {
        input.percent_off = integer_field(form, "value");
        if (!input.percent_off) {
          throw invalid("billing.invalid_discount", "Give either percent_off or amount_off.", "value");
        }
      }
      input.max_redemptions = integer_field(form, "max_redemptions");
      input.expires_at = date_field(form, "expires_at");
      if (const auto tier = integer_field(form, "tier_id"); tier && *tier > 0) {
        input.tier_ids.push_back(*tier);
      }
      take(s.offers.create_coupon(ctx.user->id, community->slug, input));
    } catch (const Error& error) {
      if (error.kind != ErrorKind::Invalid && error.kind != ErrorKind::Conflict) {
        throw;
      }
      return render_pricing(ctx, s, error, values, "coupon");  // The form again, as typed.
    }
    return http::Response::redirect("/c/" + community->slug + "/pricing#coupons");
  });

  app.route(Door::Page, "POST", "/c/{slug}/pricing/coupons/{id}/archive", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    take(s.offers.set_coupon_archived(ctx.user->id, id_param(ctx.request), form.get("archived") != "0"));
    return http::Response::redirect("/c/" + ctx.request.param("slug") + "/pricing#coupons");
  });

  app.route(Door::Page, "POST", "/c/{slug}/pricing/code-batches", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    render::Data values;
    for (const auto* key : {"count", "note", "expires_at"}) {
      values.set(std::string("batch_") + key, form.get(key));
    }
    try {
      billing::BatchInput input;
      input.tier_id = integer_field(form, "tier_id").value_or(0);
      input.count = integer_field(form, "count").value_or(0);
      input.expires_at = date_field(form, "expires_at");
      input.note = form.get("note");
      take(s.codes.generate(ctx.user->id, ctx.request.param("slug"), input));
    } catch (const Error& error) {
      if (error.kind != ErrorKind::Invalid) {
        throw;
      }
      return render_pricing(ctx, s, error, values, "codes");  // The form again, as typed.
    }
    return http::Response::redirect("/c/" + ctx.request.param("slug") + "/pricing#codes");
  });
}

}  // namespace gh::web

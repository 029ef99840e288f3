// Paid questions to an expert (API and pages). The rules, and who may see a question, live in
// expert/ (Experts, can_see); payment goes through billing's checkout pages.
#include <charconv>

#include "core/text.hpp"
#include "web/errors.hpp"
#include "web/json.hpp"
#include "web/page_views.hpp"
#include "web/pages.hpp"
#include "web/routes.hpp"

namespace gh::web {
namespace {

constexpr std::string_view kTemplateExperts = "expert/experts.html";
constexpr std::string_view kTemplateInbox = "expert/inbox.html";
constexpr std::string_view kTemplateQuestion = "expert/question.html";
constexpr std::string_view kTemplateMine = "expert/mine.html";

using render::Data;

boost::json::object offer_json(const expert::Offer& o) {
  return boost::json::object{
      {"community", o.community_slug},
      {"username", o.username},
      {"display_name", o.display_name},
      {"price", money_json(o.price)},
      {"answer_days", o.answer_days},
      {"intro", o.intro},
      {"active", o.active},
      {"updated_at", format_rfc3339(o.updated_at)},
  };
}

boost::json::object question_json(const expert::Question& q) {
  const bool answered = q.status == "answered";
  return boost::json::object{
      {"id", q.id},
      {"community", boost::json::object{{"slug", q.community_slug}, {"name", q.community_name}}},
      {"asker", boost::json::object{{"username", q.asker_username}, {"display_name", q.asker_display_name}}},
      {"expert", boost::json::object{{"username", q.expert_username}, {"display_name", q.expert_display_name}}},
      {"title", q.title},
      {"body_md", q.body_md},
      {"body_html", q.body_html},
      {"allow_publish", q.allow_publish},
      {"price", money_json(q.price)},
      {"answer_days", q.answer_days},
      {"status", q.status},
      {"payment", q.payment_public_id.empty() ? boost::json::value(nullptr)
                                              : boost::json::value(boost::json::object{{"id", q.payment_public_id},
                                                                                       {"status", q.payment_status}})},
      {"paid_at", optional_time(q.paid_at)},
      {"deadline_at", optional_time(q.deadline_at)},
      {"answer_md", answered ? boost::json::value(q.answer_md) : boost::json::value(nullptr)},
      {"answer_html", answered ? boost::json::value(q.answer_html) : boost::json::value(nullptr)},
      {"answered_at", optional_time(q.answered_at)},
      {"refund_reason", q.refund_reason.empty() ? boost::json::value(nullptr) : boost::json::value(q.refund_reason)},
      {"decline_reason", q.decline_reason.empty() ? boost::json::value(nullptr) : boost::json::value(q.decline_reason)},
      {"refunded_at", optional_time(q.refunded_at)},
      {"post_id", q.post_id ? boost::json::value(q.post_id->value) : boost::json::value(nullptr)},
      {"url", "/paid-questions/" + std::to_string(q.id)},
      {"created_at", format_rfc3339(q.created_at)},
  };
}

Data question_data(Context& ctx, Services& s, const expert::Question& q) {
  Data d;
  d.set("id", std::to_string(q.id));
  d.set("title", q.title);
  d.set("body_html", q.body_html);
  d.set("community_slug", q.community_slug);
  d.set("community_name", q.community_name);
  d.set("asker", q.asker_display_name.empty() ? q.asker_username : q.asker_display_name);
  d.set("asker_username", q.asker_username);
  d.set("expert", q.expert_display_name.empty() ? q.expert_username : q.expert_display_name);
  d.set("expert_username", q.expert_username);
  d.set("price", q.price.format());
  d.set("status", q.status);
  d.set("status_label", s.i18n.t(ctx.lang, "expert.status." + q.status));
  d.set("status_" + q.status, true);
  d.set("created", relative_time(ctx, s, q.created_at));
  if (q.deadline_at) {
    d.set("deadline", format_rfc3339(*q.deadline_at));
  }
  if (q.status == "answered") {
    d.set("answer_html", q.answer_html);
    d.set("answered", relative_time(ctx, s, q.answered_at.value_or(0)));
  }
  if (!q.refund_reason.empty()) {
    d.set("refund_reason", s.i18n.t(ctx.lang, "expert.refund_reason." + q.refund_reason));
  }
  d.set("decline_reason", q.decline_reason);
  d.set("payment_status", q.payment_status);
  if (q.post_id) {
    d.set("post_url", "/p/" + std::to_string(q.post_id->value));
  }
  d.set("allow_publish", q.allow_publish);
  return d;
}

std::optional<expert::Side> side_param(const http::Request& request) {
  const auto role = request.query_param("role").value_or("asker");
  if (role == "asker") {
    return expert::Side::Asker;
  }
  if (role == "expert") {
    return expert::Side::Expert;
  }
  return std::nullopt;
}

// "50.00" for 5000 minor units of CNY: what the price field shows and parses.
std::string decimal(const Money& money) {
  const int digits = Money::minor_digits(money.currency());
  std::string minor = std::to_string(money.amount_minor());
  if (digits == 0) {
    return minor;
  }
  if (minor.size() <= static_cast<size_t>(digits)) {
    minor.insert(0, static_cast<size_t>(digits) + 1 - minor.size(), '0');
  }
  minor.insert(minor.size() - static_cast<size_t>(digits), ".");
  return minor;
}

// The offer form's values: the viewer's offer, or defaults.
Data offer_form(Services& s, UserId viewer, const community::Community& community) {
  Data offer;
  if (auto own = s.experts.own_offer(viewer, community.slug)) {
    offer.set("price", decimal(own->price));
    offer.set("currency", own->price.currency());
    offer.set("answer_days", std::to_string(own->answer_days));
    offer.set("intro", own->intro);
    offer.set("active", own->active);
  } else {
    offer.set("currency", community.currency);
    offer.set("answer_days", "3");
    offer.set("active", true);
  }
  return offer;
}

// The experts page: offers with an ask form, and the viewer's own offer form (creators).
// `form` names the form an error belongs to ("offer" or "ask:<username>").
http::Response experts_page(Context& ctx, Services& s, const std::string& slug, std::optional<Error> error,
                            std::string_view form, Data values) {
  auto community = s.communities.find(slug);
  if (!community) {
    throw not_found("community.not_found", "No such community.");
  }
  auto offers = take(s.experts.offers(ctx.user_id(), slug));
  const auto role = s.communities.role_of(ctx.user_id(), community->id);
  Data data;
  data.set("community", community_data(*community));
  std::vector<Data> items;
  for (const auto& o : offers) {
    Data d;
    d.set("username", o.username);
    d.set("name", o.display_name.empty() ? o.username : o.display_name);
    d.set("price", o.price.format());
    d.set("answer_days", std::to_string(o.answer_days));
    d.set("intro", o.intro);
    const bool own = ctx.user && ctx.user->id == o.expert;
    d.set("can_ask", role != access::Role::None && !own);
    if (error && form == "ask:" + o.username) {
      d.set("errors", form_errors(ctx, s, *error));
      d.set("values", values);
    }
    items.push_back(d);
  }
  data.set("experts", list_of(items));
  data.set("has_experts", !items.empty());
  data.set("signed_in", ctx.user.has_value());
  data.set("is_member", role != access::Role::None);
  data.set("stripe", s.checkouts.stripe_enabled());
  if (ctx.user && role >= access::Role::Creator) {
    data.set("can_offer", true);
    if (error && form == "offer") {
      data.set("offer_errors", form_errors(ctx, s, *error));
      data.set("offer", values);
    } else {
      data.set("offer", offer_form(s, ctx.user->id, *community));
    }
  }
  return render_page(
      ctx, s, kTemplateExperts, data,
      PageMeta{s.i18n.t(ctx.lang, "expert.title") + " · " + community->name, "", error ? status_of(error->kind) : 200});
}

http::Response question_page(Context& ctx, Services& s, int64_t id, std::optional<Error> error) {
  auto q = take(s.experts.get(ctx.user_id(), id));
  Data data = question_data(ctx, s, q);
  const bool is_expert = ctx.user && ctx.user->id == q.expert;
  data.set("can_answer", is_expert && q.status == "open");
  data.set("is_asker", ctx.user && ctx.user->id == q.asker);
  if (q.status == "awaiting_payment" && ctx.user && ctx.user->id == q.asker) {
    data.set("awaiting_payment", true);
  }
  if (error) {
    data.set("errors", form_errors(ctx, s, *error));
  }
  return render_page(ctx, s, kTemplateQuestion, data, PageMeta{q.title, "", error ? status_of(error->kind) : 200});
}

// An integer amount in the currency's major unit or with decimals ("50", "49.90").
std::optional<int64_t> price_minor(const std::string& text_value, const std::string& currency) {
  auto money = Money::parse_decimal(text::trim(text_value), currency.empty() ? "CNY" : currency);
  if (!money) {
    return std::nullopt;
  }
  return money->amount_minor();
}

}  // namespace

void register_expert_routes(WebApp& app) {
  auto& s = app.services();

  // API.
  app.route(Door::Api, "PUT", "/api/v1/communities/{slug}/expert-offer", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    expert::OfferInput input;
    input.price_minor = in.integer("price_minor").value_or(0);
    input.currency = in.str("currency").value_or("");
    input.answer_days = in.integer("answer_days").value_or(0);
    input.intro = in.str("intro").value_or("");
    input.active = in.boolean("active").value_or(true);
    check(in);
    auto offer = take(s.experts.set_offer(ctx.user->id, ctx.request.param("slug"), input));
    return json_response(200, {{"offer", offer_json(offer)}});
  });

  app.route(Door::Api, "GET", "/api/v1/communities/{slug}/experts", Auth::Optional, [&s](Context& ctx) {
    boost::json::array list;
    for (const auto& o : take(s.experts.offers(ctx.user_id(), ctx.request.param("slug")))) {
      list.push_back(offer_json(o));
    }
    return json_response(200, {{"experts", std::move(list)}});
  });

  app.route(
      Door::Api, "POST", "/api/v1/communities/{slug}/experts/{username}/questions", Auth::Required, [&s](Context& ctx) {
        auto in = json_body(ctx);
        expert::AskInput input{in.str("title").value_or(""), in.str("body_md").value_or(""),
                               in.boolean("allow_publish").value_or(false), in.str("provider").value_or("manual"),
                               public_base(ctx, s)};
        check(in);
        auto asked = take(s.experts.ask(ctx.user->id, ctx.request.param("slug"), ctx.request.param("username"), input));
        return json_response(
            201, {{"question", question_json(asked.question)}, {"checkout", checkout_json(asked.checkout)}});
      });

  app.route(Door::Api, "GET", "/api/v1/paid-questions/{id}", Auth::Required, [&s](Context& ctx) {
    auto q = take(s.experts.get(ctx.user_id(), id_param(ctx.request)));
    return json_response(200, {{"question", question_json(q)}});
  });

  app.route(Door::Api, "POST", "/api/v1/paid-questions/{id}/answer", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    const auto body = in.str("body_md").value_or("");
    check(in);
    auto q = take(s.experts.answer(ctx.user->id, id_param(ctx.request), body));
    return json_response(200, {{"question", question_json(q)}});
  });

  app.route(Door::Api, "POST", "/api/v1/paid-questions/{id}/decline", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    const auto reason = in.str("reason").value_or("");
    check(in);
    auto q = take(s.experts.decline(ctx.user->id, id_param(ctx.request), reason));
    return json_response(200, {{"question", question_json(q)}});
  });

  app.route(Door::Api, "GET", "/api/v1/me/paid-questions", Auth::Required, [&s](Context& ctx) {
    const auto side = side_param(ctx.request);
    if (!side) {
      throw invalid("expert.invalid_role", "role is asker or expert.", "role");
    }
    boost::json::array list;
    for (const auto& q : s.experts.mine(ctx.user->id, *side)) {
      list.push_back(question_json(q));
    }
    return json_response(200, {{"questions", std::move(list)}});
  });

  // Pages.
  app.route(Door::Page, "GET", "/c/{slug}/experts", Auth::Optional,
            [&s](Context& ctx) { return experts_page(ctx, s, ctx.request.param("slug"), std::nullopt, "", Data{}); });

  app.route(Door::Page, "POST", "/c/{slug}/expert-offer", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    const auto& slug = ctx.request.param("slug");
    const std::string currency = text::trim(form.get("currency"));
    expert::OfferInput input;
    input.currency = currency;
    input.answer_days = whole_number(form.get("answer_days")).value_or(0);
    input.intro = form.get("intro");
    input.active = form.get("active") == "1";
    Result<expert::Offer> saved = invalid("expert.invalid_price", "The price must be above zero.", "price");
    if (auto minor = price_minor(form.get("price"), currency.empty() ? "CNY" : currency); minor && *minor > 0) {
      input.price_minor = *minor;
      saved = s.experts.set_offer(ctx.user->id, slug, input);
    }
    if (!saved) {
      if (saved.error().kind != ErrorKind::Invalid) {
        throw std::move(saved).error();
      }
      Data values;
      for (const auto* key : {"price", "currency", "answer_days", "intro"}) {
        values.set(key, form.get(key));
      }
      values.set("active", input.active);
      return experts_page(ctx, s, slug, saved.error(), "offer", values);
    }
    return http::Response::redirect("/c/" + slug + "/experts", 303);
  });

  app.route(Door::Page, "POST", "/c/{slug}/experts/{username}/ask", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    const auto& slug = ctx.request.param("slug");
    const auto& username = ctx.request.param("username");
    expert::AskInput input{form.get("title"), form.get("body_md"), form.get("allow_publish") == "1",
                           form.get("provider").empty() ? "manual" : form.get("provider"), public_base(ctx, s)};
    auto asked = s.experts.ask(ctx.user->id, slug, username, input);
    if (!asked) {
      if (asked.error().kind != ErrorKind::Invalid) {
        throw std::move(asked).error();
      }
      Data values;
      values.set("title", input.title);
      values.set("body_md", input.body_md);
      values.set("allow_publish", input.allow_publish);
      return experts_page(ctx, s, slug, asked.error(), "ask:" + username, values);
    }
    // Our checkout page, which forwards to Stripe's for card payments (as POST /checkout does).
    return http::Response::redirect("/checkout/" + asked->checkout.public_id, 303);
  });

  app.route(Door::Page, "GET", "/c/{slug}/experts/inbox", Auth::Required, [&s](Context& ctx) {
    const auto& slug = ctx.request.param("slug");
    auto community = s.communities.find(slug);
    if (!community) {
      throw not_found("community.not_found", "No such community.");
    }
    std::vector<Data> items;
    for (const auto& q : take(s.experts.inbox(ctx.user->id, slug))) {
      items.push_back(question_data(ctx, s, q));
    }
    Data data;
    data.set("community", community_data(*community));
    data.set("questions", list_of(items));
    data.set("has_questions", !items.empty());
    return render_page(ctx, s, kTemplateInbox, data,
                       PageMeta{s.i18n.t(ctx.lang, "expert.inbox") + " · " + community->name, "", 200});
  });

  app.route(Door::Page, "GET", "/paid-questions/{id}", Auth::Required,
            [&s](Context& ctx) { return question_page(ctx, s, id_param(ctx.request), std::nullopt); });

  app.route(Door::Page, "POST", "/paid-questions/{id}/answer", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    const auto id = id_param(ctx.request);
    auto answered = s.experts.answer(ctx.user->id, id, form.get("body_md"));
    if (!answered) {
      if (answered.error().kind != ErrorKind::Invalid && answered.error().kind != ErrorKind::Conflict) {
        throw std::move(answered).error();
      }
      return question_page(ctx, s, id, answered.error());
    }
    return http::Response::redirect("/paid-questions/" + std::to_string(id), 303);
  });

  app.route(Door::Page, "POST", "/paid-questions/{id}/decline", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    const auto id = id_param(ctx.request);
    auto declined = s.experts.decline(ctx.user->id, id, form.get("reason"));
    if (!declined) {
      if (declined.error().kind != ErrorKind::Invalid && declined.error().kind != ErrorKind::Conflict) {
        throw std::move(declined).error();
      }
      return question_page(ctx, s, id, declined.error());
    }
    return http::Response::redirect("/paid-questions/" + std::to_string(id), 303);
  });

  app.route(Door::Page, "GET", "/account/questions", Auth::Required, [&s](Context& ctx) {
    Data data;
    for (const auto side : {expert::Side::Asker, expert::Side::Expert}) {
      std::vector<Data> items;
      for (const auto& q : s.experts.mine(ctx.user->id, side)) {
        items.push_back(question_data(ctx, s, q));
      }
      const std::string key = side == expert::Side::Asker ? "asked" : "received";
      data.set("has_" + key, !items.empty());
      data.set(key, list_of(items));
    }
    return render_page(ctx, s, kTemplateMine, data, PageMeta{s.i18n.t(ctx.lang, "expert.mine"), "", 200});
  });
}

}  // namespace gh::web

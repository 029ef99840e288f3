// Doors for feedback tickets, surveys and payment disputes (moderation::Feedback, Surveys,
// Disputes): API and pages on the same services.
#include <charconv>

#include "core/text.hpp"
#include "web/errors.hpp"
#include "web/json.hpp"
#include "web/page_views.hpp"
#include "web/pages.hpp"
#include "web/routes.hpp"

namespace gh::web {
namespace {

constexpr std::string_view kTemplateFeedbackList = "feedback/list.html";
constexpr std::string_view kTemplateTicket = "feedback/ticket.html";
constexpr std::string_view kTemplateSurveys = "feedback/surveys.html";
constexpr std::string_view kTemplateSurvey = "feedback/survey.html";
constexpr std::string_view kTemplatePaymentDisputes = "feedback/payment_disputes.html";
constexpr std::string_view kTemplateDispute = "feedback/dispute.html";
constexpr std::string_view kTemplateCommunityDisputes = "feedback/community_disputes.html";

// Survey pages offer this many question slots when creating one without JavaScript.
constexpr int kSurveyFormQuestions = 5;

boost::json::object person_json(const content::Author& a) {
  return {{"id", a.id.value}, {"username", a.username}, {"display_name", a.display_name}};
}

boost::json::array messages_json(const std::vector<moderation::Message>& messages) {
  boost::json::array list;
  for (const auto& m : messages) {
    list.push_back(boost::json::object{{"id", m.id},
                                       {"author", person_json(m.author)},
                                       {"body", m.body},
                                       {"from_staff", m.from_staff},
                                       {"created_at", format_rfc3339(m.created_at)}});
  }
  return list;
}

boost::json::object ticket_json(const moderation::Ticket& t, bool with_messages) {
  boost::json::object o{{"id", t.id},
                        {"community", t.community_slug},
                        {"author", person_json(t.author)},
                        {"subject", t.subject},
                        {"status", t.status},
                        {"created_at", format_rfc3339(t.created_at)},
                        {"updated_at", format_rfc3339(t.updated_at)}};
  if (with_messages) {
    o["messages"] = messages_json(t.messages);
  }
  return o;
}

boost::json::object survey_json(const moderation::Survey& s, bool results) {
  boost::json::array questions;
  for (const auto& q : s.questions) {
    boost::json::array options;
    for (const auto& o : q.options) {
      boost::json::object option{{"id", o.id}, {"label", o.label}};
      if (results) {
        option["count"] = o.count;
      }
      options.push_back(std::move(option));
    }
    boost::json::object question{{"id", q.id}, {"kind", q.kind}, {"prompt", q.prompt}, {"options", std::move(options)}};
    if (results && q.kind == "text") {
      boost::json::array texts;
      for (const auto& t : q.texts) {
        texts.push_back(boost::json::value(t));
      }
      question["texts"] = std::move(texts);
    }
    questions.push_back(std::move(question));
  }
  boost::json::object o{{"id", s.id},
                        {"community", s.community_slug},
                        {"title", s.title},
                        {"closed", s.closed},
                        {"created_at", format_rfc3339(s.created_at)},
                        {"answered", s.viewer_answered},
                        {"questions", std::move(questions)}};
  if (results || s.viewer_can_manage) {
    o["responses"] = s.responses;
  }
  return o;
}

boost::json::object dispute_json(const moderation::Dispute& d, bool with_messages) {
  boost::json::object o{{"id", d.id},
                        {"payment_id", d.payment_id},
                        {"community", d.community_slug},
                        {"member", person_json(d.member)},
                        {"amount", money_json(d.amount)},
                        {"payment_status", d.payment_status},
                        {"reason", d.reason},
                        {"status", d.status},
                        {"resolution", d.resolution},
                        {"resolved_by", d.resolved_by ? boost::json::value(person_json(*d.resolved_by)) : nullptr},
                        {"created_at", format_rfc3339(d.created_at)},
                        {"resolved_at", d.resolved_at ? boost::json::value(format_rfc3339(*d.resolved_at)) : nullptr}};
  if (with_messages) {
    o["messages"] = messages_json(d.messages);
  }
  return o;
}

// The survey body: {"title", "questions": [{"kind", "prompt", "options": [..]}]}.
moderation::SurveyInput survey_input(const Context& ctx) {
  boost::system::error_code ec;
  auto value = boost::json::parse(ctx.request.body, ec);
  if (ec || !value.is_object() || !text::is_valid_utf8(ctx.request.body)) {
    throw invalid("request.invalid_json", "The body must be a JSON object.");
  }
  moderation::SurveyInput input;
  const auto& o = value.as_object();
  if (auto* t = o.if_contains("title"); t && t->is_string()) {
    input.title = std::string(t->as_string());
  }
  auto* questions = o.if_contains("questions");
  if (!questions || !questions->is_array()) {
    throw invalid("surveys.invalid_question", "questions is a list of questions.", "questions");
  }
  for (const auto& q : questions->as_array()) {
    if (!q.is_object()) {
      throw invalid("surveys.invalid_question", "Each question is an object.", "questions");
    }
    moderation::SurveyQuestionInput question;
    const auto& qo = q.as_object();
    if (auto* k = qo.if_contains("kind"); k && k->is_string()) {
      question.kind = std::string(k->as_string());
    }
    if (auto* p = qo.if_contains("prompt"); p && p->is_string()) {
      question.prompt = std::string(p->as_string());
    }
    if (auto* opts = qo.if_contains("options"); opts && opts->is_array()) {
      for (const auto& opt : opts->as_array()) {
        if (!opt.is_string()) {
          throw invalid("surveys.invalid_question", "Choices are strings.", "questions");
        }
        question.options.emplace_back(opt.as_string());
      }
    }
    input.questions.push_back(std::move(question));
  }
  return input;
}

// The answers body: {"answers": [{"question_id", "option_ids": [..], "text"}]}.
std::vector<moderation::SurveyAnswer> answers_input(const Context& ctx) {
  boost::system::error_code ec;
  auto value = boost::json::parse(ctx.request.body, ec);
  if (ec || !value.is_object() || !text::is_valid_utf8(ctx.request.body)) {
    throw invalid("request.invalid_json", "The body must be a JSON object.");
  }
  std::vector<moderation::SurveyAnswer> answers;
  auto* list = value.as_object().if_contains("answers");
  if (!list || !list->is_array()) {
    throw invalid("surveys.invalid_answer", "answers is a list.", "answers");
  }
  for (const auto& a : list->as_array()) {
    if (!a.is_object()) {
      throw invalid("surveys.invalid_answer", "Each answer is an object.", "answers");
    }
    const auto& ao = a.as_object();
    moderation::SurveyAnswer answer;
    if (auto* q = ao.if_contains("question_id"); q && q->is_int64()) {
      answer.question_id = q->as_int64();
    }
    if (auto* opts = ao.if_contains("option_ids"); opts && opts->is_array()) {
      for (const auto& o : opts->as_array()) {
        if (o.is_int64()) {
          answer.option_ids.push_back(o.as_int64());
        }
      }
    }
    if (auto* t = ao.if_contains("text"); t && t->is_string()) {
      answer.text = std::string(t->as_string());
    }
    answers.push_back(std::move(answer));
  }
  return answers;
}

int64_t to_int(std::string_view text) {
  int64_t value = 0;
  if (std::from_chars(text.data(), text.data() + text.size(), value).ec != std::errc()) {
    return 0;
  }
  return value;
}

render::Data messages_data(const Context& ctx, const Services& s, const std::vector<moderation::Message>& messages) {
  render::Data list{render::Data::type::list};
  for (const auto& m : messages) {
    render::Data d;
    d.set("author", m.author.display_name.empty() ? m.author.username : m.author.display_name);
    d.set("body", m.body);
    d.set("from_staff", m.from_staff);
    d.set("when", relative_time(ctx, s, m.created_at));
    d.set("when_iso", format_rfc3339(m.created_at));
    list.push_back(d);
  }
  return list;
}

std::string status_label(const Context& ctx, const Services& s, std::string_view prefix, std::string_view status) {
  return s.i18n.t(ctx.lang, std::string(prefix) + std::string(status));
}

render::Data ticket_data(const Context& ctx, const Services& s, const moderation::Ticket& t) {
  render::Data d;
  d.set("id", std::to_string(t.id));
  d.set("subject", t.subject);
  d.set("status", t.status);
  d.set("status_label", status_label(ctx, s, "feedback.status_", t.status));
  d.set("author", t.author.username);
  d.set("community_slug", t.community_slug);
  d.set("when", relative_time(ctx, s, t.updated_at));
  d.set("closed", t.status == "closed");
  return d;
}

render::Data dispute_data(const Context& ctx, const Services& s, const moderation::Dispute& d) {
  render::Data data;
  data.set("id", std::to_string(d.id));
  data.set("payment_id", d.payment_id);
  data.set("community_slug", d.community_slug);
  data.set("member", d.member.username);
  data.set("amount", d.amount.format());
  data.set("reason", d.reason);
  data.set("status", d.status);
  data.set("status_label", status_label(ctx, s, "disputes.status_", d.status));
  data.set("open", d.status == "open");
  data.set("resolution", d.resolution);
  data.set("has_resolution", !d.resolution.empty());
  data.set("can_resolve", d.viewer_can_resolve && d.status == "open");
  data.set("when", relative_time(ctx, s, d.created_at));
  return data;
}

render::Data survey_data(const Context& ctx, const Services& s, const moderation::Survey& survey, bool results) {
  render::Data d;
  d.set("id", std::to_string(survey.id));
  d.set("title", survey.title);
  d.set("community_slug", survey.community_slug);
  d.set("closed", survey.closed);
  d.set("answered", survey.viewer_answered);
  d.set("can_answer", !survey.viewer_answered && !survey.closed);
  d.set("can_manage", survey.viewer_can_manage);
  d.set("responses", std::to_string(survey.responses));
  d.set("when", relative_time(ctx, s, survey.created_at));
  render::Data questions{render::Data::type::list};
  for (const auto& q : survey.questions) {
    render::Data qd;
    qd.set("id", std::to_string(q.id));
    qd.set("prompt", q.prompt);
    qd.set("is_single", q.kind == "single");
    qd.set("is_multiple", q.kind == "multiple");
    qd.set("is_text", q.kind == "text");
    render::Data options{render::Data::type::list};
    for (const auto& o : q.options) {
      render::Data od;
      od.set("id", std::to_string(o.id));
      od.set("label", o.label);
      od.set("count", std::to_string(o.count));
      options.push_back(od);
    }
    qd.set("options", options);
    render::Data texts{render::Data::type::list};
    for (const auto& t : q.texts) {
      render::Data td;
      td.set("text", t);
      texts.push_back(td);
    }
    qd.set("texts", texts);
    questions.push_back(qd);
  }
  d.set("questions", questions);
  d.set("results", results);
  return d;
}

}  // namespace

void register_feedback_routes(WebApp& app) {
  auto& s = app.services();

  // --- Feedback: API ---
  app.route(Door::Api, "POST", "/api/v1/communities/{slug}/feedback", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    const auto subject = in.str("subject").value_or("");
    const auto body = in.str("body").value_or("");
    check(in);
    auto ticket = take(s.feedback.open(ctx.user->id, ctx.request.param("slug"), subject, body));
    return json_response(201, {{"ticket", ticket_json(ticket, true)}});
  });
  app.route(Door::Api, "GET", "/api/v1/communities/{slug}/feedback", Auth::Required, [&s](Context& ctx) {
    auto tickets = take(s.feedback.list(ctx.user->id, ctx.request.param("slug")));
    boost::json::array list;
    for (const auto& t : tickets) {
      list.push_back(ticket_json(t, false));
    }
    return json_response(200, {{"tickets", std::move(list)}});
  });
  app.route(Door::Api, "GET", "/api/v1/feedback/{id}", Auth::Required, [&s](Context& ctx) {
    auto ticket = take(s.feedback.get(ctx.user->id, id_param(ctx.request)));
    return json_response(200, {{"ticket", ticket_json(ticket, true)}});
  });
  app.route(Door::Api, "POST", "/api/v1/feedback/{id}/messages", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    const auto body = in.str("body").value_or("");
    check(in);
    auto ticket = take(s.feedback.reply(ctx.user->id, id_param(ctx.request), body));
    return json_response(201, {{"ticket", ticket_json(ticket, true)}});
  });
  app.route(Door::Api, "POST", "/api/v1/feedback/{id}/close", Auth::Required, [&s](Context& ctx) {
    auto ticket = take(s.feedback.close(ctx.user->id, id_param(ctx.request)));
    return json_response(200, {{"ticket", ticket_json(ticket, true)}});
  });

  // --- Feedback: pages ---
  app.route(Door::Page, "GET", "/c/{slug}/feedback", Auth::Required, [&s](Context& ctx) {
    const auto slug = std::string(ctx.request.param("slug"));
    auto tickets = take(s.feedback.list(ctx.user->id, slug));
    render::Data list{render::Data::type::list};
    for (const auto& t : tickets) {
      list.push_back(ticket_data(ctx, s, t));
    }
    render::Data data;
    data.set("community_slug", slug);
    data.set("tickets", list);
    data.set("has_tickets", !tickets.empty());
    return render_page(ctx, s, kTemplateFeedbackList, data,
                       PageMeta{s.i18n.t(ctx.lang, "feedback.title") + " · " + slug, "", 200});
  });
  app.route(Door::Page, "POST", "/c/{slug}/feedback", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    auto ticket = take(s.feedback.open(ctx.user->id, ctx.request.param("slug"), form.get("subject"), form.get("body")));
    return http::Response::redirect("/feedback/" + std::to_string(ticket.id), 303);
  });
  app.route(Door::Page, "GET", "/feedback/{id}", Auth::Required, [&s](Context& ctx) {
    auto ticket = take(s.feedback.get(ctx.user->id, id_param(ctx.request)));
    auto data = ticket_data(ctx, s, ticket);
    data.set("messages", messages_data(ctx, s, ticket.messages));
    return render_page(ctx, s, kTemplateTicket, data, PageMeta{ticket.subject, "", 200});
  });
  app.route(Door::Page, "POST", "/feedback/{id}/reply", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    auto ticket = take(s.feedback.reply(ctx.user->id, id_param(ctx.request), form.get("body")));
    return http::Response::redirect("/feedback/" + std::to_string(ticket.id), 303);
  });
  app.route(Door::Page, "POST", "/feedback/{id}/close", Auth::Required, [&s](Context& ctx) {
    auto ticket = take(s.feedback.close(ctx.user->id, id_param(ctx.request)));
    return http::Response::redirect("/feedback/" + std::to_string(ticket.id), 303);
  });

  // --- Surveys: API ---
  app.route(Door::Api, "POST", "/api/v1/communities/{slug}/surveys", Auth::Required, [&s](Context& ctx) {
    auto survey = take(s.surveys.create(ctx.user->id, ctx.request.param("slug"), survey_input(ctx)));
    return json_response(201, {{"survey", survey_json(survey, false)}});
  });
  app.route(Door::Api, "GET", "/api/v1/communities/{slug}/surveys", Auth::Required, [&s](Context& ctx) {
    auto surveys = take(s.surveys.list(ctx.user->id, ctx.request.param("slug")));
    boost::json::array list;
    for (const auto& survey : surveys) {
      list.push_back(survey_json(survey, false));
    }
    return json_response(200, {{"surveys", std::move(list)}});
  });
  app.route(Door::Api, "GET", "/api/v1/surveys/{id}", Auth::Required, [&s](Context& ctx) {
    auto survey = take(s.surveys.get(ctx.user->id, id_param(ctx.request)));
    return json_response(200, {{"survey", survey_json(survey, false)}});
  });
  app.route(Door::Api, "POST", "/api/v1/surveys/{id}/responses", Auth::Required, [&s](Context& ctx) {
    take(s.surveys.answer(ctx.user->id, id_param(ctx.request), answers_input(ctx)));
    return json_response(201, {{"answered", true}});
  });
  app.route(Door::Api, "GET", "/api/v1/surveys/{id}/results", Auth::Required, [&s](Context& ctx) {
    auto survey = take(s.surveys.results(ctx.user->id, id_param(ctx.request)));
    return json_response(200, {{"survey", survey_json(survey, true)}});
  });
  app.route(Door::Api, "POST", "/api/v1/surveys/{id}/close", Auth::Required, [&s](Context& ctx) {
    auto survey = take(s.surveys.close(ctx.user->id, id_param(ctx.request)));
    return json_response(200, {{"survey", survey_json(survey, false)}});
  });

  // --- Surveys: pages ---
  app.route(Door::Page, "GET", "/c/{slug}/surveys", Auth::Required, [&s](Context& ctx) {
    const auto slug = std::string(ctx.request.param("slug"));
    auto surveys = take(s.surveys.list(ctx.user->id, slug));
    render::Data list{render::Data::type::list};
    for (const auto& survey : surveys) {
      list.push_back(survey_data(ctx, s, survey, false));
    }
    const auto community = s.communities.find(slug);
    const auto role = community ? s.communities.role_of(ctx.user->id, community->id) : access::Role::None;
    render::Data slots{render::Data::type::list};
    for (int i = 1; i <= kSurveyFormQuestions; ++i) {
      render::Data slot;
      slot.set("n", std::to_string(i));
      slots.push_back(slot);
    }
    render::Data data;
    data.set("community_slug", slug);
    data.set("surveys", list);
    data.set("has_surveys", !surveys.empty());
    data.set("can_create", role >= access::Role::Admin);
    data.set("slots", slots);
    return render_page(ctx, s, kTemplateSurveys, data,
                       PageMeta{s.i18n.t(ctx.lang, "surveys.title") + " · " + slug, "", 200});
  });
  app.route(Door::Page, "POST", "/c/{slug}/surveys", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    moderation::SurveyInput input;
    input.title = form.get("title");
    for (int i = 1; i <= kSurveyFormQuestions; ++i) {
      const auto n = std::to_string(i);
      const auto prompt = text::trim(form.get("prompt" + n));
      if (prompt.empty()) {
        continue;
      }
      moderation::SurveyQuestionInput q;
      q.kind = form.get("kind" + n);
      q.prompt = prompt;
      // Choices, one per line.
      const auto options = form.get("options" + n);
      size_t start = 0;
      while (start <= options.size()) {
        auto end = options.find('\n', start);
        if (end == std::string::npos) {
          end = options.size();
        }
        auto line = text::trim(std::string_view(options).substr(start, end - start));
        if (!line.empty()) {
          q.options.push_back(line);
        }
        start = end + 1;
      }
      input.questions.push_back(std::move(q));
    }
    auto survey = take(s.surveys.create(ctx.user->id, ctx.request.param("slug"), input));
    return http::Response::redirect("/surveys/" + std::to_string(survey.id), 303);
  });
  app.route(Door::Page, "GET", "/surveys/{id}", Auth::Required, [&s](Context& ctx) {
    auto survey = take(s.surveys.get(ctx.user->id, id_param(ctx.request)));
    return render_page(ctx, s, kTemplateSurvey, survey_data(ctx, s, survey, false), PageMeta{survey.title, "", 200});
  });
  app.route(Door::Page, "GET", "/surveys/{id}/results", Auth::Required, [&s](Context& ctx) {
    auto survey = take(s.surveys.results(ctx.user->id, id_param(ctx.request)));
    return render_page(ctx, s, kTemplateSurvey, survey_data(ctx, s, survey, true), PageMeta{survey.title, "", 200});
  });
  app.route(Door::Page, "POST", "/surveys/{id}/answer", Auth::Required, [&s](Context& ctx) {
    const auto id = id_param(ctx.request);
    auto survey = take(s.surveys.get(ctx.user->id, id));
    Form form(ctx.request);
    std::vector<moderation::SurveyAnswer> answers;
    for (const auto& q : survey.questions) {
      moderation::SurveyAnswer a;
      a.question_id = q.id;
      const auto key = "q" + std::to_string(q.id);
      if (q.kind == "text") {
        a.text = form.get(key);
      } else {
        for (const auto& v : form.values(key)) {
          a.option_ids.push_back(to_int(v));
        }
      }
      answers.push_back(std::move(a));
    }
    take(s.surveys.answer(ctx.user->id, id, answers));
    return http::Response::redirect("/surveys/" + std::to_string(id), 303);
  });
  app.route(Door::Page, "POST", "/surveys/{id}/close", Auth::Required, [&s](Context& ctx) {
    auto survey = take(s.surveys.close(ctx.user->id, id_param(ctx.request)));
    return http::Response::redirect("/surveys/" + std::to_string(survey.id) + "/results", 303);
  });

  // --- Disputes: API ---
  app.route(Door::Api, "POST", "/api/v1/payments/{id}/disputes", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    const auto reason = in.str("reason").value_or("");
    check(in);
    auto dispute = take(s.disputes.open(ctx.user->id, ctx.request.param("id"), reason));
    return json_response(201, {{"dispute", dispute_json(dispute, true)}});
  });
  app.route(Door::Api, "GET", "/api/v1/payments/{id}/disputes", Auth::Required, [&s](Context& ctx) {
    auto disputes = take(s.disputes.for_payment(ctx.user->id, ctx.request.param("id")));
    boost::json::array list;
    for (const auto& d : disputes) {
      list.push_back(dispute_json(d, false));
    }
    return json_response(200, {{"disputes", std::move(list)}});
  });
  app.route(Door::Api, "GET", "/api/v1/communities/{slug}/disputes", Auth::Required, [&s](Context& ctx) {
    auto disputes = take(s.disputes.for_community(ctx.user->id, ctx.request.param("slug")));
    boost::json::array list;
    for (const auto& d : disputes) {
      list.push_back(dispute_json(d, false));
    }
    return json_response(200, {{"disputes", std::move(list)}});
  });
  app.route(Door::Api, "GET", "/api/v1/disputes/{id}", Auth::Required, [&s](Context& ctx) {
    auto dispute = take(s.disputes.get(ctx.user->id, id_param(ctx.request)));
    return json_response(200, {{"dispute", dispute_json(dispute, true)}});
  });
  app.route(Door::Api, "POST", "/api/v1/disputes/{id}/messages", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    const auto body = in.str("body").value_or("");
    check(in);
    auto dispute = take(s.disputes.reply(ctx.user->id, id_param(ctx.request), body));
    return json_response(201, {{"dispute", dispute_json(dispute, true)}});
  });
  app.route(Door::Api, "POST", "/api/v1/disputes/{id}/resolve", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    const auto outcome = in.str("outcome").value_or("");
    const auto reason = in.str("reason").value_or("");
    check(in);
    if (outcome != "refund" && outcome != "reject") {
      throw invalid("disputes.invalid_outcome", "outcome is refund or reject.", "outcome");
    }
    auto dispute = take(s.disputes.resolve(
        ctx.user->id, id_param(ctx.request),
        outcome == "refund" ? moderation::DisputeOutcome::Refund : moderation::DisputeOutcome::Reject, reason));
    return json_response(200, {{"dispute", dispute_json(dispute, true)}});
  });

  // --- Disputes: pages ---
  app.route(Door::Page, "GET", "/payments/{id}/disputes", Auth::Required, [&s](Context& ctx) {
    const auto payment_id = std::string(ctx.request.param("id"));
    auto disputes = take(s.disputes.for_payment(ctx.user->id, payment_id));
    render::Data list{render::Data::type::list};
    bool has_open = false;
    for (const auto& d : disputes) {
      list.push_back(dispute_data(ctx, s, d));
      has_open = has_open || d.status == "open";
    }
    render::Data data;
    data.set("payment_id", payment_id);
    data.set("disputes", list);
    data.set("has_disputes", !disputes.empty());
    data.set("can_open", !has_open);
    return render_page(ctx, s, kTemplatePaymentDisputes, data,
                       PageMeta{s.i18n.t(ctx.lang, "disputes.title") + " · " + payment_id, "", 200});
  });
  app.route(Door::Page, "POST", "/payments/{id}/disputes", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    auto dispute = take(s.disputes.open(ctx.user->id, ctx.request.param("id"), form.get("reason")));
    return http::Response::redirect("/disputes/" + std::to_string(dispute.id), 303);
  });
  app.route(Door::Page, "GET", "/c/{slug}/disputes", Auth::Required, [&s](Context& ctx) {
    const auto slug = std::string(ctx.request.param("slug"));
    auto disputes = take(s.disputes.for_community(ctx.user->id, slug));
    render::Data list{render::Data::type::list};
    for (const auto& d : disputes) {
      list.push_back(dispute_data(ctx, s, d));
    }
    render::Data data;
    data.set("community_slug", slug);
    data.set("disputes", list);
    data.set("has_disputes", !disputes.empty());
    return render_page(ctx, s, kTemplateCommunityDisputes, data,
                       PageMeta{s.i18n.t(ctx.lang, "disputes.title") + " · " + slug, "", 200});
  });
  app.route(Door::Page, "GET", "/disputes/{id}", Auth::Required, [&s](Context& ctx) {
    auto dispute = take(s.disputes.get(ctx.user->id, id_param(ctx.request)));
    auto data = dispute_data(ctx, s, dispute);
    data.set("messages", messages_data(ctx, s, dispute.messages));
    return render_page(ctx, s, kTemplateDispute, data,
                       PageMeta{s.i18n.t(ctx.lang, "disputes.title") + " · " + dispute.payment_id, "", 200});
  });
  app.route(Door::Page, "POST", "/disputes/{id}/reply", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    auto dispute = take(s.disputes.reply(ctx.user->id, id_param(ctx.request), form.get("body")));
    return http::Response::redirect("/disputes/" + std::to_string(dispute.id), 303);
  });
  app.route(Door::Page, "POST", "/disputes/{id}/resolve", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    const auto outcome = form.get("outcome");
    if (outcome != "refund" && outcome != "reject") {
      throw invalid("disputes.invalid_outcome", "outcome is refund or reject.", "outcome");
    }
    auto dispute = take(s.disputes.resolve(
        ctx.user->id, id_param(ctx.request),
        outcome == "refund" ? moderation::DisputeOutcome::Refund : moderation::DisputeOutcome::Reject,
        form.get("reason")));
    return http::Response::redirect("/disputes/" + std::to_string(dispute.id), 303);
  });
}

}  // namespace gh::web

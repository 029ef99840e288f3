// E-mail preferences (API and settings page) and one-click unsubscribe (RFC 8058).
//
// POST /unsubscribe/{token} is outside the viewer pipeline: mail clients post it without a
// session or CSRF token (the random token in the URL is the authentication, and all it can do
// is turn one kind of mail off). GET shows a confirmation page with a button to the same URL,
// so a link scanner that follows links unsubscribes nobody.
#include <boost/json.hpp>

#include "mail/mailer.hpp"
#include "web/errors.hpp"
#include "web/json.hpp"
#include "web/pages.hpp"
#include "web/routes.hpp"

namespace gh::web {
namespace {

constexpr std::string_view kTemplateMailSettings = "mail/settings.html";
constexpr std::string_view kTemplateUnsubscribe = "mail/unsubscribe.html";

using render::Data;

boost::json::object preferences_json(const mail::Preferences& prefs) {
  boost::json::object out;
  for (const auto& [kind, enabled] : prefs.notices) {
    out[kind] = enabled;
  }
  out["digest"] = std::string(mail::cadence_name(prefs.digest));
  out["language"] = prefs.language;
  return out;
}

// The PATCH body: {"replies": false, "digest": "daily", "language": "zh-CN"}; any other key,
// or a value of the wrong type, is mail.invalid_preference on that field.
mail::PreferencesPatch patch_from_json(const Context& ctx) {
  auto parsed = JsonInput::parse(ctx.request.body);
  if (!parsed) {
    throw std::move(parsed).error();
  }
  const auto object = boost::json::parse(ctx.request.body).as_object();
  mail::PreferencesPatch patch;
  for (const auto& field : object) {
    const std::string key(field.key());
    auto wrong = [&key](std::string message) { throw invalid("mail.invalid_preference", std::move(message), key); };
    if (key == "digest" || key == "language") {
      if (!field.value().is_string()) {
        wrong("'" + key + "' is a string.");
      }
      (key == "digest" ? patch.digest : patch.language) = std::string(field.value().as_string());
    } else {
      if (!field.value().is_bool()) {
        wrong(mail::is_notice_kind(key) ? "'" + key + "' is true or false." : "Unknown kind of e-mail: " + key + ".");
      }
      patch.notices[key] = field.value().as_bool();
    }
  }
  return patch;
}

Data settings_data(Context& ctx, const Services& s, const mail::Preferences& prefs) {
  std::vector<Data> kinds;
  for (const auto& [kind, enabled] : prefs.notices) {
    Data d;
    d.set("kind", kind);
    d.set("label", s.i18n.t(ctx.lang, "mail.kind." + kind));
    d.set("enabled", enabled);
    kinds.push_back(d);
  }
  std::vector<Data> cadences;
  for (auto c : {mail::Cadence::Daily, mail::Cadence::Weekly, mail::Cadence::Off}) {
    const std::string name(mail::cadence_name(c));
    Data d;
    d.set("value", name);
    d.set("label", s.i18n.t(ctx.lang, "mail.cadence." + name));
    d.set("selected", prefs.digest == c);
    cadences.push_back(d);
  }
  std::vector<Data> languages;
  for (const auto& lang : s.i18n.languages()) {
    Data d;
    d.set("value", lang);
    d.set("label", s.i18n.t(ctx.lang, "mail.language." + lang));
    d.set("selected", prefs.language == lang);
    languages.push_back(d);
  }
  Data data;
  data.set("kinds", mail::list_of_data(std::move(kinds)));
  data.set("cadences", mail::list_of_data(std::move(cadences)));
  data.set("languages", mail::list_of_data(std::move(languages)));
  data.set("language_auto", prefs.language.empty());
  data.set("mail_disabled", !s.mailer.enabled());
  data.set("saved", ctx.request.query_param("saved").has_value());
  return data;
}

}  // namespace

void register_mail_routes(WebApp& app) {
  auto& s = app.services();

  app.route(Door::Api, "GET", "/api/v1/me/email-preferences", Auth::Required, [&s](Context& ctx) {
    return json_response(200, {{"email_preferences", preferences_json(s.mailer.preferences(ctx.user->id))}});
  });
  app.route(Door::Api, "PATCH", "/api/v1/me/email-preferences", Auth::Required, [&s](Context& ctx) {
    const auto prefs = take(s.mailer.update_preferences(ctx.user->id, patch_from_json(ctx)));
    return json_response(200, {{"email_preferences", preferences_json(prefs)}});
  });

  app.route(Door::Page, "GET", "/settings/email", Auth::Required, [&s](Context& ctx) {
    return render_page(ctx, s, kTemplateMailSettings, settings_data(ctx, s, s.mailer.preferences(ctx.user->id)),
                       PageMeta{s.i18n.t(ctx.lang, "mail.settings_title"), "", 200});
  });
  app.route(Door::Page, "POST", "/settings/email", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    mail::PreferencesPatch patch;
    // Unchecked boxes are absent from a form: every kind is set from the form's presence.
    for (auto kind : mail::kNoticeKinds) {
      patch.notices[std::string(kind)] = form.has("kind_" + std::string(kind));
    }
    patch.digest = form.get("digest");
    patch.language = form.get("language");
    auto prefs = s.mailer.update_preferences(ctx.user->id, patch);
    if (!prefs) {
      auto data = settings_data(ctx, s, s.mailer.preferences(ctx.user->id));
      data.set("errors", form_errors(ctx, s, prefs.error()));
      return render_page(ctx, s, kTemplateMailSettings, data,
                         PageMeta{s.i18n.t(ctx.lang, "mail.settings_title"), "", status_of(prefs.error().kind)});
    }
    return http::Response::redirect("/settings/email?saved=1");
  });

  app.route(Door::Page, "GET", "/unsubscribe/{token}", Auth::Optional, [&s](Context& ctx) {
    const auto token = ctx.request.param("token");
    const auto found = take(s.mailer.find_unsubscription(token));
    Data data;
    data.set("token", std::string(token));
    data.set("email", found.email);
    data.set("kind_label", s.i18n.t(ctx.lang, "mail.kind." + found.kind));
    data.set("done", ctx.request.query_param("done").has_value());
    return render_page(ctx, s, kTemplateUnsubscribe, data,
                       PageMeta{s.i18n.t(ctx.lang, "mail.unsubscribe_title"), "", 200});
  });
  app.raw_route("POST", "/unsubscribe/{token}", [&s](http::Request& request) {
    auto done = s.mailer.unsubscribe(request.param("token"));
    if (!done) {
      return api_error(done.error());
    }
    // A mail client's one-click POST gets a plain 200; our own page's button goes back to the
    // page, which now says it is done.
    if (request.body.find("List-Unsubscribe=One-Click") != std::string::npos) {
      return http::Response::text(200, "Unsubscribed.\n");
    }
    return http::Response::redirect("/unsubscribe/" + std::string(request.param("token")) + "?done=1");
  });
}

}  // namespace gh::web

// Doors for moderation: reports, the queue, hiding and restoring, warnings, mutes and bans,
// and the audit log; API and pages on the same services (moderation::Moderation).
#include <charconv>

#include "web/errors.hpp"
#include "web/json.hpp"
#include "web/page_views.hpp"
#include "web/pages.hpp"
#include "web/routes.hpp"

namespace gh::web {
namespace {

constexpr std::string_view kTemplateQueue = "moderation/queue.html";
constexpr std::string_view kTemplateLog = "moderation/log.html";

boost::json::object author_json(const content::Author& a) {
  return {{"id", a.id.value}, {"username", a.username}, {"display_name", a.display_name}};
}

boost::json::value time_json(std::optional<Millis> at) {
  return at ? boost::json::value(format_rfc3339(*at)) : boost::json::value(nullptr);
}

boost::json::object report_json(const moderation::Report& r, bool include_reporter) {
  boost::json::object o{{"id", r.id},
                        {"community", r.community_slug},
                        {"target_type", r.target_type},
                        {"target_id", r.target_id},
                        {"reason", r.reason},
                        {"status", r.status},
                        {"created_at", format_rfc3339(r.created_at)},
                        {"resolved_at", time_json(r.resolved_at)}};
  if (include_reporter) {
    o["reporter"] = author_json(r.reporter);
    o["resolution_note"] = r.resolution_note;
  }
  return o;
}

boost::json::object log_json(const moderation::LogEntry& e) {
  return {{"id", e.id},
          {"actor", author_json(e.actor)},
          {"action", e.action},
          {"target_type", e.target_type},
          {"target_id", e.target_id},
          {"target_user", e.target_user ? boost::json::value(author_json(*e.target_user)) : nullptr},
          {"reason", e.reason},
          {"ends_at", time_json(e.ends_at)},
          {"created_at", format_rfc3339(e.created_at)}};
}

moderation::ReportInput report_input(JsonInput& in) {
  moderation::ReportInput input;
  input.target_type = in.str("target_type").value_or("");
  // A member may be named by id (target_id) or by username.
  input.target_id = in.integer("target_id").value_or(0);
  input.target_username = in.str("username").value_or("");
  input.community_slug = in.str("community").value_or("");
  input.reason = in.str("reason").value_or("");
  check(in);
  return input;
}

int64_t form_int(const Form& form, std::string_view key) {
  const auto text = form.get(key);
  int64_t value = 0;
  if (std::from_chars(text.data(), text.data() + text.size(), value).ec != std::errc()) {
    return 0;
  }
  return value;
}

// The user acts a community's moderation page offers, by name.
moderation::LogEntry act_on_user(Services& s, UserId actor, std::string_view act, std::string_view slug,
                                 std::string_view username, std::string_view reason, int64_t minutes) {
  if (act == "warn") {
    return take(s.moderation.warn(actor, slug, username, reason));
  }
  if (act == "mute") {
    return take(s.moderation.mute(actor, slug, username, minutes, reason));
  }
  if (act == "unmute") {
    return take(s.moderation.unmute(actor, slug, username, reason));
  }
  if (act == "ban") {
    return take(s.moderation.ban(actor, slug, username, reason));
  }
  if (act == "unban") {
    return take(s.moderation.unban(actor, slug, username, reason));
  }
  throw not_found("http.not_found", "No such page.");
}

render::Data log_data(const Context& ctx, const Services& s, const moderation::LogEntry& e) {
  render::Data d;
  d.set("actor", e.actor.username);
  d.set("action", s.i18n.t(ctx.lang, "moderation.action_" + e.action));
  d.set("target_type", e.target_type);
  d.set("target_id", std::to_string(e.target_id));
  d.set("target_user", e.target_user ? e.target_user->username : std::string());
  d.set("reason", e.reason);
  d.set("ends_at", e.ends_at ? format_rfc3339(*e.ends_at) : std::string());
  d.set("has_ends_at", e.ends_at.has_value());
  d.set("when", relative_time(ctx, s, e.created_at));
  d.set("when_iso", format_rfc3339(e.created_at));
  return d;
}

// The moderation queue and the member actions; after a refused action, the page again with the
// error and what was typed.
http::Response queue_page(Context& ctx, Services& s, const std::string& slug, std::optional<Error> error,
                          render::Data values) {
  auto items = take(s.moderation.queue(ctx.user->id, slug));
  auto community = s.communities.find(slug);
  std::vector<render::Data> list;
  for (const auto& item : items) {
    render::Data d;
    d.set("target_type", item.target_type);
    d.set("target_id", std::to_string(item.target_id));
    d.set("is_post", item.target_type == "post");
    d.set("is_comment", item.target_type == "comment");
    d.set("is_user", item.target_type == "user");
    d.set("post_id", std::to_string(item.post_id));
    d.set("title", item.title);
    d.set("hidden", item.hidden);
    d.set("target_user", item.target_user.username);
    d.set("report_count", std::to_string(item.reports.size()));
    render::Data reports{render::Data::type::list};
    for (const auto& r : item.reports) {
      render::Data rd;
      rd.set("id", std::to_string(r.id));
      rd.set("reporter", r.reporter.username);
      rd.set("reason", r.reason);
      rd.set("when", relative_time(ctx, s, r.created_at));
      rd.set("when_iso", format_rfc3339(r.created_at));
      reports.push_back(rd);
    }
    d.set("reports", reports);
    list.push_back(d);
  }
  render::Data data;
  render::Data items_data{render::Data::type::list};
  for (auto& d : list) {
    items_data.push_back(d);
  }
  data.set("community_slug", slug);
  data.set("community_name", community ? community->name : slug);
  data.set("items", items_data);
  data.set("has_items", !list.empty());
  data.set("done", ctx.request.query_param("done").has_value());
  data.set("values", values);
  if (error) {
    data.set("errors", form_errors(ctx, s, *error));
  }
  return render_page(
      ctx, s, kTemplateQueue, data,
      PageMeta{s.i18n.t(ctx.lang, "moderation.queue_title") + " · " + slug, "", error ? status_of(error->kind) : 200});
}

}  // namespace

void register_moderation_routes(WebApp& app) {
  auto& s = app.services();

  // --- API ---
  app.route(Door::Api, "POST", "/api/v1/reports", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    auto report = take(s.moderation.report(ctx.user->id, report_input(in)));
    return json_response(201, {{"report", report_json(report, false)}});
  });

  app.route(Door::Api, "POST", "/api/v1/reports/{id}/resolve", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    const auto resolution = in.str("resolution").value_or("");
    const auto note = in.str("note").value_or("");
    check(in);
    auto report = take(s.moderation.resolve(ctx.user->id, id_param(ctx.request), resolution, note));
    return json_response(200, {{"report", report_json(report, true)}});
  });

  app.route(Door::Api, "GET", "/api/v1/communities/{slug}/moderation/queue", Auth::Required, [&s](Context& ctx) {
    auto items = take(s.moderation.queue(ctx.user->id, ctx.request.param("slug")));
    boost::json::array list;
    for (const auto& item : items) {
      boost::json::array reports;
      for (const auto& r : item.reports) {
        reports.push_back(report_json(r, true));
      }
      list.push_back(boost::json::object{{"target_type", item.target_type},
                                         {"target_id", item.target_id},
                                         {"target_user", author_json(item.target_user)},
                                         {"post_id", item.post_id},
                                         {"title", item.title},
                                         {"hidden", item.hidden},
                                         {"report_count", reports.size()},
                                         {"latest_at", format_rfc3339(item.latest_at)},
                                         {"reports", std::move(reports)}});
    }
    return json_response(200, {{"items", std::move(list)}});
  });

  app.route(Door::Api, "GET", "/api/v1/communities/{slug}/moderation/log", Auth::Required, [&s](Context& ctx) {
    auto page = take(s.moderation.log(ctx.user->id, ctx.request.param("slug"), ctx.request.query_param("cursor"),
                                      limit_param(ctx.request, 50)));
    boost::json::array list;
    for (const auto& e : page.entries) {
      list.push_back(log_json(e));
    }
    return json_response(200, {{"actions", std::move(list)}, {"next_cursor", cursor_json(page.next_cursor)}});
  });

  app.route(Door::Api, "GET", "/api/v1/communities/{slug}/moderation/warnings/{username}", Auth::Required,
            [&s](Context& ctx) {
              auto entries =
                  take(s.moderation.warnings(ctx.user->id, ctx.request.param("slug"), ctx.request.param("username")));
              boost::json::array list;
              for (const auto& e : entries) {
                list.push_back(log_json(e));
              }
              return json_response(200, {{"warnings", std::move(list)}});
            });

  for (const std::string act : {"warn", "mute", "unmute", "ban", "unban"}) {
    app.route(Door::Api, "POST", "/api/v1/communities/{slug}/moderation/" + act, Auth::Required,
              [&s, act](Context& ctx) {
                auto in = json_body(ctx);
                const auto username = in.str("username").value_or("");
                const auto reason = in.str(act == "warn" ? "message" : "reason").value_or("");
                const auto minutes = in.integer("minutes").value_or(0);
                check(in);
                auto entry = act_on_user(s, ctx.user->id, act, ctx.request.param("slug"), username, reason, minutes);
                return json_response(200, {{"action", log_json(entry)}});
              });
  }

  for (const std::string target : {"posts", "comments"}) {
    for (const std::string verb : {"hide", "restore"}) {
      app.route(Door::Api, "POST", "/api/v1/" + target + "/{id}/" + verb, Auth::Required,
                [&s, target, verb](Context& ctx) {
                  auto in = json_body(ctx);
                  const auto reason = in.str("reason").value_or("");
                  check(in);
                  const auto id = id_param(ctx.request);
                  const bool hide = verb == "hide";
                  auto entry = target == "posts"
                                   ? take(hide ? s.moderation.hide_post(ctx.user->id, PostId(id), reason)
                                               : s.moderation.restore_post(ctx.user->id, PostId(id), reason))
                                   : take(hide ? s.moderation.hide_comment(ctx.user->id, CommentId(id), reason)
                                               : s.moderation.restore_comment(ctx.user->id, CommentId(id), reason));
                  return json_response(200, {{"action", log_json(entry)}});
                });
    }
  }

  // --- Pages ---
  app.route(Door::Page, "POST", "/reports", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    moderation::ReportInput input;
    input.target_type = form.get("target_type");
    input.target_id = form_int(form, "target_id");
    if (input.target_type == "user") {
      input.target_username = form.get("username");
    }
    input.community_slug = form.get("community");
    input.reason = form.get("reason");
    take(s.moderation.report(ctx.user->id, input));
    auto next = safe_next(form.get("next"));
    return http::Response::redirect(next + (next.find('?') == std::string::npos ? "?" : "&") + "reported=1", 303);
  });

  app.route(Door::Page, "POST", "/reports/{id}/resolve", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    auto report =
        take(s.moderation.resolve(ctx.user->id, id_param(ctx.request), form.get("resolution"), form.get("note")));
    return http::Response::redirect("/c/" + report.community_slug + "/moderation", 303);
  });

  for (const std::string verb : {"hide", "restore"}) {
    app.route(Door::Page, "POST", "/p/{id}/" + verb, Auth::Required, [&s, verb](Context& ctx) {
      Form form(ctx.request);
      const PostId id(id_param(ctx.request));
      take(verb == "hide" ? s.moderation.hide_post(ctx.user->id, id, form.get("reason"))
                          : s.moderation.restore_post(ctx.user->id, id, form.get("reason")));
      return http::Response::redirect(form.has("next") ? safe_next(form.get("next")) : "/p/" + std::to_string(id.value),
                                      303);
    });
    app.route(Door::Page, "POST", "/comments/{id}/" + verb, Auth::Required, [&s, verb](Context& ctx) {
      Form form(ctx.request);
      const CommentId id(id_param(ctx.request));
      take(verb == "hide" ? s.moderation.hide_comment(ctx.user->id, id, form.get("reason"))
                          : s.moderation.restore_comment(ctx.user->id, id, form.get("reason")));
      return http::Response::redirect(form.has("next") ? safe_next(form.get("next")) : "/", 303);
    });
  }

  for (const std::string act : {"warn", "mute", "unmute", "ban", "unban"}) {
    app.route(Door::Page, "POST", "/c/{slug}/moderation/" + act, Auth::Required, [&s, act](Context& ctx) {
      Form form(ctx.request);
      const auto slug = ctx.request.param("slug");
      try {
        act_on_user(s, ctx.user->id, act, slug, form.get("username"), form.get(act == "warn" ? "message" : "reason"),
                    form_int(form, "minutes"));
      } catch (const Error& error) {
        // A refused action shows the page again (which itself refuses non-moderators).
        if (error.kind != ErrorKind::Invalid && error.kind != ErrorKind::NotFound &&
            error.kind != ErrorKind::Conflict && error.kind != ErrorKind::Forbidden) {
          throw;
        }
        render::Data values;
        for (const auto* key : {"username", "message", "reason", "minutes"}) {
          values.set(key, form.get(key));
        }
        return queue_page(ctx, s, std::string(slug), error, values);
      }
      return http::Response::redirect("/c/" + std::string(slug) + "/moderation?done=" + act, 303);
    });
  }

  app.route(Door::Page, "GET", "/c/{slug}/moderation", Auth::Required, [&s](Context& ctx) {
    render::Data values;
    values.set("minutes", "60");
    return queue_page(ctx, s, std::string(ctx.request.param("slug")), std::nullopt, values);
  });

  app.route(Door::Page, "GET", "/c/{slug}/moderation/log", Auth::Required, [&s](Context& ctx) {
    const auto slug = std::string(ctx.request.param("slug"));
    auto page = take(s.moderation.log(ctx.user->id, slug, ctx.request.query_param("cursor"), 50));
    render::Data entries{render::Data::type::list};
    for (const auto& e : page.entries) {
      entries.push_back(log_data(ctx, s, e));
    }
    render::Data data;
    data.set("community_slug", slug);
    data.set("entries", entries);
    data.set("has_entries", !page.entries.empty());
    data.set("next_cursor", page.next_cursor.value_or(""));
    data.set("has_next", page.next_cursor.has_value());
    return render_page(ctx, s, kTemplateLog, data,
                       PageMeta{s.i18n.t(ctx.lang, "moderation.log_title") + " · " + slug, "", 200});
  });
}

}  // namespace gh::web

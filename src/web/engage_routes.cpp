// Incentive doors: a member's points, leaderboards and point rules, badges and levels,
// check-in challenges (API and pages). The rules live in engage/.
#include <charconv>

#include "core/text.hpp"
#include "web/errors.hpp"
#include "web/json.hpp"
#include "web/page_views.hpp"
#include "web/pages.hpp"
#include "web/routes.hpp"

namespace gh::web {
namespace {

constexpr std::string_view kTemplatePoints = "engage/points.html";
constexpr std::string_view kTemplateLeaderboard = "engage/leaderboard.html";
constexpr std::string_view kTemplateChallenges = "engage/challenges.html";
constexpr std::string_view kTemplateChallenge = "engage/challenge.html";

using render::Data;

engage::Period period_param(const http::Request& request) {
  auto period = engage::parse_period(request.query_param("period").value_or("all"));
  if (!period) {
    throw invalid("points.invalid_period", "period is week, month or all.", "period");
  }
  return *period;
}

std::string_view period_name(engage::Period period) {
  switch (period) {
    case engage::Period::Week: return "week";
    case engage::Period::Month: return "month";
    case engage::Period::All: return "all";
  }
  return "all";
}

identity::User require_user(Services& s, const std::string& username) {
  auto user = s.identity.find_user_by_username(username);
  if (!user) {
    throw not_found("identity.user_not_found", "No such user.");
  }
  return *user;
}

boost::json::object entry_json(const engage::Entry& e) {
  return boost::json::object{
      {"id", e.id},
      {"community", e.community_slug},
      {"delta", e.delta},
      {"reason", e.reason},
      {"source_type", e.source_type},
      {"source_id", e.source_id},
      {"reverses", e.reverses ? boost::json::value(*e.reverses) : boost::json::value(nullptr)},
      {"created_at", format_rfc3339(e.created_at)},
  };
}

boost::json::object rule_json(const engage::Rule& r) {
  return boost::json::object{{"act", engage::act_name(r.act)}, {"points", r.points}, {"daily_cap", r.daily_cap}};
}

boost::json::object challenge_json(const engage::Challenge& c, bool include_participants) {
  boost::json::object o{
      {"id", c.id},
      {"community", boost::json::object{{"slug", c.community_slug}, {"name", c.community_name}}},
      {"title", c.title},
      {"description", c.description},
      {"starts_on", c.starts_on},
      {"ends_on", c.ends_on},
      {"days", c.days},
      {"running", c.running},
      {"ended", c.ended},
      {"url", "/challenges/" + std::to_string(c.id)},
  };
  if (include_participants) {
    boost::json::array participants;
    for (const auto& p : c.participants) {
      participants.push_back(boost::json::object{{"username", p.username},
                                                 {"display_name", p.display_name},
                                                 {"checkins", p.checkins},
                                                 {"current_streak", p.current_streak},
                                                 {"best_streak", p.best_streak},
                                                 {"completed", p.completed},
                                                 {"checked_in_today", p.checked_in_today}});
    }
    o["participants"] = std::move(participants);
    o["viewer_checked_in_today"] = c.viewer_checked_in_today;
    o["viewer_can_check_in"] = c.viewer_can_check_in;
  }
  return o;
}

// The leaderboard page (also re-shown with a rules form error).
http::Response leaderboard_page(Context& ctx, Services& s, const std::string& slug, std::optional<Error> error) {
  auto community = s.communities.find(slug);
  if (!community) {
    throw not_found("community.not_found", "No such community.");
  }
  const auto period = period_param(ctx.request);
  auto entries = take(s.engagement.leaderboard(ctx.user_id(), slug, period, 50));
  Data data;
  data.set("community", community_data(*community));
  std::vector<Data> rows;
  int rank = 0;
  for (const auto& e : entries) {
    Data d;
    d.set("rank", std::to_string(++rank));
    d.set("username", e.username);
    d.set("display_name", e.display_name.empty() ? e.username : e.display_name);
    d.set("points", std::to_string(e.points));
    rows.push_back(d);
  }
  data.set("entries", list_of(rows));
  data.set("has_entries", !rows.empty());
  data.set("period_" + std::string(period_name(period)), true);
  const bool can_edit =
      access::allows(s.communities.role_of(ctx.user_id(), community->id), access::Action::EditCommunity);
  data.set("can_edit_rules", can_edit);
  std::vector<Data> rules;
  for (const auto& r : take(s.engagement.rules(ctx.user_id(), slug))) {
    Data d;
    d.set("act", std::string(engage::act_name(r.act)));
    d.set("act_label", s.i18n.t(ctx.lang, "points.reason." + std::string(engage::act_name(r.act))));
    d.set("points", std::to_string(r.points));
    d.set("daily_cap", std::to_string(r.daily_cap));
    rules.push_back(d);
  }
  data.set("rules", list_of(rules));
  if (error) {
    data.set("errors", form_errors(ctx, s, *error));
  }
  return render_page(ctx, s, kTemplateLeaderboard, data,
                     PageMeta{s.i18n.t(ctx.lang, "leaderboard.title") + " · " + community->name, "",
                              error ? status_of(error->kind) : 200});
}

http::Response challenges_page(Context& ctx, Services& s, const std::string& slug, std::optional<Error> error,
                               Data values) {
  auto community = s.communities.find(slug);
  if (!community) {
    throw not_found("community.not_found", "No such community.");
  }
  auto list = take(s.challenges.list(ctx.user_id(), slug));
  Data data;
  data.set("community", community_data(*community));
  std::vector<Data> items;
  for (const auto& c : list) {
    Data d;
    d.set("id", std::to_string(c.id));
    d.set("title", c.title);
    d.set("starts_on", c.starts_on);
    d.set("ends_on", c.ends_on);
    d.set("days", std::to_string(c.days));
    d.set("running", c.running);
    d.set("ended", c.ended);
    items.push_back(d);
  }
  data.set("challenges", list_of(items));
  data.set("has_challenges", !items.empty());
  data.set("can_create",
           access::allows(s.communities.role_of(ctx.user_id(), community->id), access::Action::EditCommunity));
  data.set("values", values);
  if (error) {
    data.set("errors", form_errors(ctx, s, *error));
  }
  return render_page(ctx, s, kTemplateChallenges, data,
                     PageMeta{s.i18n.t(ctx.lang, "challenges.title") + " · " + community->name, "",
                              error ? status_of(error->kind) : 200});
}

// One challenge with its participants; after a failed check-in, the form again with the error and
// the note as typed.
http::Response challenge_page(Context& ctx, Services& s, int64_t id, std::optional<Error> error,
                              const std::string& note) {
  auto c = take(s.challenges.get(ctx.user_id(), id));
  Data data;
  data.set("id", std::to_string(c.id));
  data.set("title", c.title);
  data.set("description", c.description);
  data.set("community_slug", c.community_slug);
  data.set("community_name", c.community_name);
  data.set("starts_on", c.starts_on);
  data.set("ends_on", c.ends_on);
  data.set("days", std::to_string(c.days));
  data.set("running", c.running);
  data.set("ended", c.ended);
  data.set("can_check_in", c.viewer_can_check_in);
  data.set("checked_in_today", c.viewer_checked_in_today);
  data.set("signed_out", !ctx.user);
  std::vector<Data> participants;
  for (const auto& p : c.participants) {
    Data d;
    d.set("username", p.username);
    d.set("display_name", p.display_name.empty() ? p.username : p.display_name);
    d.set("checkins", std::to_string(p.checkins));
    d.set("current_streak", std::to_string(p.current_streak));
    d.set("best_streak", std::to_string(p.best_streak));
    d.set("completed", p.completed);
    d.set("percent", std::to_string(c.days > 0 ? std::min<int64_t>(100, p.checkins * 100 / c.days) : 0));
    participants.push_back(d);
  }
  data.set("participants", list_of(participants));
  data.set("has_participants", !participants.empty());
  data.set("note", note);
  if (error) {
    data.set("errors", form_errors(ctx, s, *error));
  }
  return render_page(ctx, s, kTemplateChallenge, data,
                     PageMeta{c.title, c.description, error ? status_of(error->kind) : 200});
}

}  // namespace

void add_profile_engagement(Context& ctx, Services& s, UserId user, bool is_self, render::Data& data) {
  std::vector<Data> levels;
  for (const auto& p : s.engagement.points_by_community(user, is_self)) {
    Data d;
    d.set("slug", p.community_slug);
    d.set("name", p.community_name);
    d.set("points", std::to_string(p.points));
    d.set("level", std::to_string(p.level));
    levels.push_back(d);
  }
  data.set("levels", list_of(levels));
  data.set("has_levels", !levels.empty());
  std::vector<Data> badges;
  for (const auto& b : s.engagement.badges(user, is_self)) {
    Data d;
    d.set("label", s.i18n.t(ctx.lang, "badge." + b.badge));
    d.set("badge", b.badge);
    d.set("community_slug", b.community_slug);
    d.set("community_name", b.community_name);
    badges.push_back(d);
  }
  data.set("badges", list_of(badges));
  data.set("has_badges", !badges.empty());
}

void register_engage_routes(WebApp& app) {
  auto& s = app.services();

  // Points.
  app.route(Door::Api, "GET", "/api/v1/me/points", Auth::Required, [&s](Context& ctx) {
    auto statement =
        take(s.engagement.statement(ctx.user->id, ctx.request.query_param("community"), limit_param(ctx.request, 100)));
    boost::json::array entries;
    for (const auto& e : statement.entries) {
      entries.push_back(entry_json(e));
    }
    return json_response(200, {{"balance", statement.balance},
                               {"level", engage::level_for(statement.balance)},
                               {"entries", std::move(entries)}});
  });

  app.route(Door::Api, "GET", "/api/v1/communities/{slug}/leaderboard", Auth::Optional, [&s](Context& ctx) {
    const auto period = period_param(ctx.request);
    auto entries = take(s.engagement.leaderboard(ctx.user_id(), ctx.request.param("slug"), period, 50));
    boost::json::array list;
    for (const auto& e : entries) {
      list.push_back(boost::json::object{{"username", e.username},
                                         {"display_name", e.display_name},
                                         {"points", e.points},
                                         {"level", engage::level_for(e.points)}});
    }
    return json_response(200, {{"period", period_name(period)}, {"entries", std::move(list)}});
  });

  app.route(Door::Api, "GET", "/api/v1/communities/{slug}/point-rules", Auth::Optional, [&s](Context& ctx) {
    boost::json::array list;
    for (const auto& r : take(s.engagement.rules(ctx.user_id(), ctx.request.param("slug")))) {
      list.push_back(rule_json(r));
    }
    return json_response(200, {{"rules", std::move(list)}});
  });

  app.route(Door::Api, "PUT", "/api/v1/communities/{slug}/point-rules/{act}", Auth::Required, [&s](Context& ctx) {
    const auto act = engage::parse_act(ctx.request.param("act"));
    if (!act) {
      throw not_found("points.unknown_act", "No such act.");
    }
    auto in = json_body(ctx);
    const engage::Rule rule{*act, in.integer("points").value_or(-1), in.integer("daily_cap").value_or(-1)};
    check(in);
    boost::json::array list;
    for (const auto& r : take(s.engagement.set_rules(ctx.user->id, ctx.request.param("slug"), {rule}))) {
      list.push_back(rule_json(r));
    }
    return json_response(200, {{"rules", std::move(list)}});
  });

  app.route(Door::Api, "GET", "/api/v1/users/{username}/badges", Auth::Optional, [&s](Context& ctx) {
    const auto user = require_user(s, ctx.request.param("username"));
    const bool is_self = ctx.user && ctx.user->id == user.id;
    boost::json::array list;
    for (const auto& b : s.engagement.badges(user.id, is_self)) {
      list.push_back(boost::json::object{
          {"badge", b.badge},
          {"community", boost::json::object{{"slug", b.community_slug}, {"name", b.community_name}}},
          {"awarded_at", format_rfc3339(b.awarded_at)}});
    }
    boost::json::array levels;
    for (const auto& p : s.engagement.points_by_community(user.id, is_self)) {
      levels.push_back(boost::json::object{{"community", p.community_slug}, {"points", p.points}, {"level", p.level}});
    }
    return json_response(200, {{"badges", std::move(list)}, {"levels", std::move(levels)}});
  });

  // Check-in challenges.
  app.route(Door::Api, "POST", "/api/v1/communities/{slug}/challenges", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    engage::ChallengeInput input{in.str("title").value_or(""), in.str("description").value_or(""),
                                 in.str("starts_on").value_or(""), in.integer("days").value_or(0)};
    check(in);
    auto challenge = take(s.challenges.create(ctx.user->id, ctx.request.param("slug"), input));
    return json_response(201, {{"challenge", challenge_json(challenge, false)}});
  });

  app.route(Door::Api, "GET", "/api/v1/communities/{slug}/challenges", Auth::Optional, [&s](Context& ctx) {
    boost::json::array list;
    for (const auto& c : take(s.challenges.list(ctx.user_id(), ctx.request.param("slug")))) {
      list.push_back(challenge_json(c, false));
    }
    return json_response(200, {{"challenges", std::move(list)}});
  });

  app.route(Door::Api, "GET", "/api/v1/challenges/{id}", Auth::Optional, [&s](Context& ctx) {
    auto challenge = take(s.challenges.get(ctx.user_id(), id_param(ctx.request)));
    return json_response(200, {{"challenge", challenge_json(challenge, true)}});
  });

  app.route(Door::Api, "POST", "/api/v1/challenges/{id}/checkin", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    const auto note = in.str("note").value_or("");
    check(in);
    auto checkin = take(s.challenges.check_in(ctx.user->id, id_param(ctx.request), note));
    boost::json::array badges;
    for (const auto& b : checkin.new_badges) {
      badges.emplace_back(b);
    }
    return json_response(201, {{"checkin", boost::json::object{{"id", checkin.id},
                                                               {"day", checkin.day},
                                                               {"points", checkin.points},
                                                               {"current_streak", checkin.current_streak},
                                                               {"new_badges", std::move(badges)}}}});
  });

  // Pages.
  app.route(Door::Page, "GET", "/me/points", Auth::Required, [&s](Context& ctx) {
    auto statement = take(s.engagement.statement(ctx.user->id, std::nullopt, 200));
    Data data;
    data.set("balance", std::to_string(statement.balance));
    std::vector<Data> entries;
    for (const auto& e : statement.entries) {
      Data d;
      d.set("delta", (e.delta > 0 ? "+" : "") + std::to_string(e.delta));
      d.set("positive", e.delta > 0);
      d.set("reason", s.i18n.t(ctx.lang, "points.reason." + e.reason));
      d.set("community_slug", e.community_slug);
      d.set("when", relative_time(ctx, s, e.created_at));
      d.set("when_iso", format_rfc3339(e.created_at));
      entries.push_back(d);
    }
    data.set("entries", list_of(entries));
    data.set("has_entries", !entries.empty());
    add_profile_engagement(ctx, s, ctx.user->id, true, data);
    return render_page(ctx, s, kTemplatePoints, data, PageMeta{s.i18n.t(ctx.lang, "points.title"), "", 200});
  });

  app.route(Door::Page, "GET", "/c/{slug}/leaderboard", Auth::Optional,
            [&s](Context& ctx) { return leaderboard_page(ctx, s, ctx.request.param("slug"), std::nullopt); });

  app.route(Door::Page, "POST", "/c/{slug}/point-rules", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    const auto& slug = ctx.request.param("slug");
    std::vector<engage::Rule> rules;
    for (auto act : engage::kActs) {
      const std::string name(engage::act_name(act));
      if (form.has(name + "_points")) {
        const auto points = whole_number(form.get(name + "_points")).value_or(0);
        const auto cap = whole_number(form.get(name + "_daily_cap")).value_or(0);
        rules.push_back(engage::Rule{act, points, cap});
      }
    }
    auto saved = s.engagement.set_rules(ctx.user->id, slug, rules);
    if (!saved) {
      if (saved.error().kind != ErrorKind::Invalid) {
        throw std::move(saved).error();
      }
      return leaderboard_page(ctx, s, slug, saved.error());
    }
    return redirect("/c/" + slug + "/leaderboard");
  });

  app.route(Door::Page, "GET", "/c/{slug}/challenges", Auth::Optional, [&s](Context& ctx) {
    Data values;
    values.set("starts_on", format_rfc3339(s.clock.now_ms()).substr(0, 10));
    values.set("days", "7");
    return challenges_page(ctx, s, ctx.request.param("slug"), std::nullopt, values);
  });

  app.route(Door::Page, "POST", "/c/{slug}/challenges", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    engage::ChallengeInput input{form.get("title"), form.get("description"), text::trim(form.get("starts_on")),
                                 whole_number(form.get("days")).value_or(0)};
    auto challenge = s.challenges.create(ctx.user->id, ctx.request.param("slug"), input);
    if (!challenge) {
      if (challenge.error().kind != ErrorKind::Invalid) {
        throw std::move(challenge).error();
      }
      Data values;
      for (const auto* key : {"title", "description", "starts_on", "days"}) {
        values.set(key, form.get(key));
      }
      return challenges_page(ctx, s, ctx.request.param("slug"), challenge.error(), values);
    }
    return redirect("/challenges/" + std::to_string(challenge->id));
  });

  app.route(Door::Page, "GET", "/challenges/{id}", Auth::Optional,
            [&s](Context& ctx) { return challenge_page(ctx, s, id_param(ctx.request), std::nullopt, ""); });

  app.route(Door::Page, "POST", "/challenges/{id}/checkin", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    const auto id = id_param(ctx.request);
    auto checked = s.challenges.check_in(ctx.user->id, id, form.get("note"));
    if (!checked) {
      if (checked.error().kind != ErrorKind::Invalid && checked.error().kind != ErrorKind::Conflict) {
        throw std::move(checked).error();
      }
      return challenge_page(ctx, s, id, checked.error(), form.get("note"));
    }
    return redirect("/challenges/" + std::to_string(id));
  });
}

}  // namespace gh::web

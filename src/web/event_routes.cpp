// Event doors: a community's events (API, page, .ics feed), an event's page and API with
// registration, cancel, tickets with QR codes, and the organisers' pages (edit, ticket types,
// sponsors, attendees with CSV, check-in with a live count, points). The rules live in events/;
// the venue and online link come out of events::Events already cut for the viewer.
#include <algorithm>
#include <charconv>

#include "core/text.hpp"
#include "events/ics.hpp"
#include "events/qr.hpp"
#include "events/zones.hpp"
#include "web/errors.hpp"
#include "web/json.hpp"
#include "web/page_views.hpp"
#include "web/pages.hpp"
#include "web/routes.hpp"

namespace gh::web {
namespace {

constexpr std::string_view kTemplateEventList = "events/list.html";
constexpr std::string_view kTemplateEvent = "events/show.html";
constexpr std::string_view kTemplateEventEdit = "events/edit.html";
constexpr std::string_view kTemplateAttendees = "events/attendees.html";
constexpr std::string_view kTemplateCheckin = "events/checkin.html";
constexpr std::string_view kTemplateTickets = "events/tickets.html";

using render::Data;

boost::json::object ticket_json(const events::Ticket& t) {
  return boost::json::object{
      {"id", t.id},
      {"event_id", t.event_id},
      {"code", t.code},
      {"status", t.status},
      {"ticket_type", boost::json::object{{"id", t.ticket_type_id}, {"name", t.ticket_type_name}}},
      {"price", money_json(t.price)},
      {"hold_until", optional_time(t.hold_until)},
      {"checked_in_at", optional_time(t.checked_in_at)},
      {"checked_in_by", t.checked_in_by.empty() ? boost::json::value(nullptr) : boost::json::value(t.checked_in_by)},
      {"created_at", format_rfc3339(t.created_at)},
      {"qr_url", "/tickets/" + t.code + "/qr.svg"},
  };
}

boost::json::object event_json(const events::Event& e) {
  boost::json::array types;
  for (const auto& t : e.ticket_types) {
    boost::json::array member_prices;
    for (const auto& p : t.member_prices) {
      member_prices.push_back(boost::json::object{{"tier_id", p.tier_id}, {"amount_minor", p.amount_minor}});
    }
    types.push_back(boost::json::object{
        {"id", t.id}, {"name", t.name}, {"price", money_json(t.price)}, {"member_prices", std::move(member_prices)}});
  }
  boost::json::array sponsors;
  for (const auto& s : e.sponsors) {
    sponsors.push_back(boost::json::object{
        {"id", s.id}, {"name", s.name}, {"url", s.url}, {"logo_url", s.logo_url}, {"tier_label", s.tier_label}});
  }
  boost::json::object o{
      {"id", e.id},
      {"community", boost::json::object{{"slug", e.community_slug}, {"name", e.community_name}}},
      {"title", e.title},
      {"description_md", e.description_md},
      {"description_html", e.description_html},
      {"starts_at", format_rfc3339(e.starts_at)},
      {"ends_at", format_rfc3339(e.ends_at)},
      {"timezone", e.timezone},
      {"starts_at_local", events::format_local_input(e.timezone, e.starts_at)},
      {"ends_at_local", events::format_local_input(e.timezone, e.ends_at)},
      {"capacity", e.capacity},
      {"seats_left", e.seats_left()},
      {"confirmed", e.confirmed},
      {"waitlisted", e.waitlisted},
      {"online", e.online},
      {"has_venue", e.has_venue},
      {"location_visible", e.location_visible},
      {"sales_start", optional_time(e.sales_start)},
      {"sales_end", optional_time(e.sales_end)},
      {"status", e.status},
      {"recording_url", e.recording_url},
      {"url", "/events/" + std::to_string(e.id)},
      {"can_manage", e.can_manage},
      {"ticket_types", std::move(types)},
      {"sponsors", std::move(sponsors)},
      {"viewer_ticket", e.viewer_ticket ? boost::json::value(ticket_json(*e.viewer_ticket)) : nullptr},
  };
  // Only present for those who may see them (events::location_visible).
  if (e.location_visible) {
    o["venue"] = e.venue;
    o["online_url"] = e.online_url;
  }
  if (e.can_manage) {
    o["checked_in"] = e.checked_in;
    o["held"] = e.held;
  }
  return o;
}

// An RFC 3339 field of a JSON body: absent -> nullopt; present but malformed -> 400.
std::optional<Millis> time_field(JsonInput& in, std::string_view key) {
  auto text_value = in.str(key);
  if (!text_value) {
    return std::nullopt;
  }
  auto t = parse_rfc3339(*text_value);
  if (!t) {
    throw invalid(std::string(key) == "starts_at" || std::string(key) == "ends_at" ? "events.invalid_times"
                                                                                   : "events.invalid_sales_window",
                  std::string(key) + " is an RFC 3339 time.", std::string(key));
  }
  return t;
}

events::EventInput event_input_json(JsonInput& in) {
  events::EventInput input;
  input.title = in.str("title").value_or("");
  input.description_md = in.str("description_md").value_or(in.str("description").value_or(""));
  input.starts_at = time_field(in, "starts_at");
  input.ends_at = time_field(in, "ends_at");
  input.timezone = in.str("timezone").value_or("");
  input.capacity = in.integer("capacity").value_or(0);
  input.venue = in.str("venue").value_or("");
  input.online_url = in.str("online_url").value_or("");
  input.sales_start = time_field(in, "sales_start");
  input.sales_end = time_field(in, "sales_end");
  input.recording_url = in.str("recording_url").value_or("");
  return input;
}

// A datetime-local field read in `zone` (the form's own zone field).
std::optional<Millis> local_field(const Form& form, std::string_view key, const std::string& zone) {
  auto local = events::parse_local_input(text::trim(form.get(key)));
  if (!local) {
    return std::nullopt;
  }
  return events::valid_zone(zone) ? events::local_to_utc(zone, *local) : *local;
}

events::EventInput event_input_form(const Form& form) {
  events::EventInput input;
  input.title = form.get("title");
  input.description_md = form.get("description_md");
  input.timezone = text::trim(form.get("timezone"));
  input.starts_at = local_field(form, "starts_at", input.timezone);
  input.ends_at = local_field(form, "ends_at", input.timezone);
  input.capacity = whole_number(form.get("capacity")).value_or(-1);
  input.venue = form.get("venue");
  input.online_url = form.get("online_url");
  input.sales_start = local_field(form, "sales_start", input.timezone);
  input.sales_end = local_field(form, "sales_end", input.timezone);
  input.recording_url = form.get("recording_url");
  return input;
}

Data form_values(const Form& form) {
  Data values;
  for (const auto* key : {"title", "description_md", "timezone", "starts_at", "ends_at", "capacity", "venue",
                          "online_url", "sales_start", "sales_end", "recording_url"}) {
    values.set(key, form.get(key));
  }
  return values;
}

Data ticket_data(const Context& ctx, const Services& s, const events::Ticket& t) {
  Data d;
  d.set("id", std::to_string(t.id));
  d.set("event_id", std::to_string(t.event_id));
  d.set("code", t.code);
  d.set("display_code",
        t.code.size() == 12 ? t.code.substr(0, 4) + "-" + t.code.substr(4, 4) + "-" + t.code.substr(8) : t.code);
  d.set("status", t.status);
  d.set("status_label", s.i18n.t(ctx.lang, "events.status." + t.status));
  d.set("confirmed", t.status == "confirmed");
  d.set("pending", t.status == "pending");
  d.set("waitlisted", t.status == "waitlisted");
  d.set("ticket_type", t.ticket_type_name);
  d.set("price", t.price.amount_minor() == 0 ? s.i18n.t(ctx.lang, "events.free") : t.price.format());
  d.set("username", t.username);
  d.set("display_name", t.display_name.empty() ? t.username : t.display_name);
  d.set("checked_in", t.checked_in_at.has_value());
  d.set("checked_in_at", t.checked_in_at ? events::format_local(t.event_timezone, *t.checked_in_at) : "");
  d.set("checked_in_by", t.checked_in_by);
  d.set("hold_until", t.hold_until ? events::format_local(t.event_timezone, *t.hold_until) : "");
  d.set("event_title", t.event_title);
  d.set("event_when", events::format_local(t.event_timezone, t.event_starts_at) + " (" + t.event_timezone + ")");
  return d;
}

Data event_data(const Context& ctx, const Services& s, const events::Event& e) {
  Data d;
  d.set("id", std::to_string(e.id));
  d.set("title", e.title);
  d.set("description_html", e.description_html);
  d.set("community_slug", e.community_slug);
  d.set("community_name", e.community_name);
  d.set("starts_local", events::format_local(e.timezone, e.starts_at));
  d.set("ends_local", events::format_local(e.timezone, e.ends_at));
  d.set("timezone", e.timezone);
  d.set("offset", events::format_offset(events::utc_offset_seconds(e.timezone, e.starts_at)));
  d.set("starts_iso", format_rfc3339(e.starts_at));
  d.set("capacity", std::to_string(e.capacity));
  d.set("seats_left", std::to_string(e.seats_left()));
  d.set("confirmed", std::to_string(e.confirmed));
  d.set("waitlisted", std::to_string(e.waitlisted));
  d.set("checked_in", std::to_string(e.checked_in));
  d.set("online", e.online);
  d.set("has_venue", e.has_venue);
  d.set("location_visible", e.location_visible);
  d.set("venue", e.venue);
  d.set("online_url", e.online_url);
  d.set("canceled", e.status == "canceled");
  d.set("recording_url", e.recording_url);
  d.set("has_recording", !e.recording_url.empty());
  d.set("can_manage", e.can_manage);
  (void)ctx;
  (void)s;
  return d;
}

std::string calendar_host(const Context& ctx, const Services& s) {
  auto base = public_base(ctx, s);
  const auto scheme = base.find("://");
  return scheme == std::string::npos ? base : base.substr(scheme + 3);
}

events::CalendarEntry calendar_entry(const Context& ctx, const Services& s, const events::Event& e) {
  events::CalendarEntry entry;
  entry.uid = "event-" + std::to_string(e.id) + "@" + calendar_host(ctx, s);
  entry.title = e.title;
  entry.description = e.description_md;
  // Empty unless the viewer may see it: the event was loaded for them (events::location_visible).
  entry.location = e.venue.empty() ? e.online_url : (e.online_url.empty() ? e.venue : e.venue + " / " + e.online_url);
  entry.url = public_base(ctx, s) + "/events/" + std::to_string(e.id);
  entry.starts_at = e.starts_at;
  entry.ends_at = e.ends_at;
  entry.updated_at = e.updated_at;
  entry.canceled = e.status == "canceled";
  return entry;
}

http::Response calendar_response(std::string body, std::string filename) {
  auto response = http::Response::text(200, std::move(body), "text/calendar; charset=utf-8");
  response.headers.set("Content-Disposition", "inline; filename=\"" + filename + "\"");
  return response;
}

// CSV field: quoted when needed; a leading = + - @ is defused for spreadsheets.
std::string csv_field(std::string value) {
  if (!value.empty() && (value[0] == '=' || value[0] == '+' || value[0] == '-' || value[0] == '@')) {
    value.insert(value.begin(), '\'');
  }
  if (value.find_first_of(",\"\r\n") == std::string::npos) {
    return value;
  }
  std::string out = "\"";
  for (char c : value) {
    out += c == '"' ? std::string("\"\"") : std::string(1, c);
  }
  return out + "\"";
}

http::Response event_list_page(Context& ctx, Services& s, const std::string& slug, std::optional<Error> error,
                               Data values) {
  auto community = s.communities.find(slug);
  if (!community) {
    throw not_found("community.not_found", "No such community.");
  }
  auto list = take(s.events.list(ctx.user_id(), slug, false));
  Data data;
  data.set("community", community_data(*community));
  std::vector<Data> items;
  for (const auto& e : list) {
    items.push_back(event_data(ctx, s, e));
  }
  data.set("events", list_of(items));
  data.set("has_events", !items.empty());
  data.set("can_create", s.communities.role_of(ctx.user_id(), community->id) >= access::Role::Creator);
  data.set("values", values);
  if (error) {
    data.set("errors", form_errors(ctx, s, *error));
  }
  return render_page(
      ctx, s, kTemplateEventList, data,
      PageMeta{s.i18n.t(ctx.lang, "events.title") + " · " + community->name, "", error ? status_of(error->kind) : 200});
}

http::Response event_page(Context& ctx, Services& s, int64_t id, std::optional<Error> error) {
  auto e = take(s.events.get(ctx.user_id(), id));
  Data data = event_data(ctx, s, e);
  std::vector<Data> types;
  for (const auto& t : e.ticket_types) {
    Data d;
    d.set("id", std::to_string(t.id));
    d.set("name", t.name);
    d.set("price", t.price.amount_minor() == 0 ? s.i18n.t(ctx.lang, "events.free") : t.price.format());
    d.set("first", types.empty());
    d.set("has_member_prices", !t.member_prices.empty());
    types.push_back(d);
  }
  data.set("ticket_types", list_of(types));
  data.set("card", s.checkouts.stripe_enabled());
  data.set("has_paid_types", std::any_of(e.ticket_types.begin(), e.ticket_types.end(),
                                         [](const auto& t) { return t.price.amount_minor() > 0; }));
  std::vector<Data> sponsors;
  for (const auto& sp : e.sponsors) {
    Data d;
    d.set("name", sp.name);
    d.set("url", sp.url);
    d.set("logo_url", sp.logo_url);
    d.set("tier_label", sp.tier_label);
    sponsors.push_back(d);
  }
  data.set("sponsors", list_of(sponsors));
  data.set("has_sponsors", !sponsors.empty());
  data.set("signed_out", !ctx.user);
  const bool live =
      e.viewer_ticket && (e.viewer_ticket->status == "confirmed" || e.viewer_ticket->status == "pending" ||
                          e.viewer_ticket->status == "waitlisted");
  if (e.viewer_ticket) {
    auto t = ticket_data(ctx, s, *e.viewer_ticket);
    t.set("live", live);
    t.set("cancelable", live && !e.viewer_ticket->checked_in_at &&
                            !(e.viewer_ticket->status == "confirmed" && e.viewer_ticket->payment_id));
    t.set("refund_instead", e.viewer_ticket->status == "confirmed" && e.viewer_ticket->payment_id.has_value());
    if (e.viewer_ticket->status == "confirmed") {
      t.set("qr_svg", events::qr_svg(e.viewer_ticket->code));
    }
    data.set("ticket", t);
  }
  data.set("has_ticket", live);
  data.set("can_register", ctx.user && !live && e.status == "published");
  if (error) {
    data.set("errors", form_errors(ctx, s, *error));
  }
  return render_page(ctx, s, kTemplateEvent, data, PageMeta{e.title, "", error ? status_of(error->kind) : 200});
}

// After the event, its recording becomes a video lesson of one of the community's courses. The
// event's organiser asks; learn decides whether they may add lessons to that course (its
// instructors and moderators), and whether the recording's link is an embed it accepts.
Result<learn::Lesson> recording_to_lesson(Services& s, UserId actor, int64_t event_id, int64_t course_id) {
  auto e = s.events.get(actor, event_id);
  if (!e) {
    return std::move(e).error();
  }
  if (!e->can_manage) {
    return forbidden("events.forbidden", "Only the event's organisers may do this.");
  }
  if (e->recording_url.empty()) {
    return conflict("events.no_recording", "Give the event a recording link first.");
  }
  auto course = s.courses.get(actor, course_id);
  if (!course || course->community_id != e->community) {
    return invalid("events.course_not_found", "Choose a course of this community.", "course_id");
  }
  learn::LessonInput lesson;
  lesson.title = e->title;
  lesson.kind = "video";
  lesson.body_md = e->description_md;
  lesson.video_url = e->recording_url;
  return s.courses.add_lesson(actor, course_id, lesson);
}

http::Response event_edit_page(Context& ctx, Services& s, int64_t id, std::optional<Error> error,
                               std::optional<Data> values, std::string_view form_name) {
  auto e = take(s.events.get(ctx.user_id(), id));
  if (!e.can_manage) {
    throw forbidden("events.forbidden", "Only the event's organisers may do this.");
  }
  Data data = event_data(ctx, s, e);
  if (values) {
    data.set("values", *values);
  } else {
    Data v;
    v.set("title", e.title);
    v.set("description_md", e.description_md);
    v.set("timezone", e.timezone);
    v.set("starts_at", events::format_local_input(e.timezone, e.starts_at));
    v.set("ends_at", events::format_local_input(e.timezone, e.ends_at));
    v.set("capacity", std::to_string(e.capacity));
    v.set("venue", e.venue);
    v.set("online_url", e.online_url);
    v.set("sales_start", e.sales_start ? events::format_local_input(e.timezone, *e.sales_start) : "");
    v.set("sales_end", e.sales_end ? events::format_local_input(e.timezone, *e.sales_end) : "");
    v.set("recording_url", e.recording_url);
    data.set("values", v);
  }
  data.set("published", e.status == "published");
  std::vector<Data> types;
  for (const auto& t : e.ticket_types) {
    Data d;
    d.set("name", t.name);
    d.set("price", t.price.amount_minor() == 0 ? s.i18n.t(ctx.lang, "events.free") : t.price.format());
    std::string members;
    for (const auto& p : t.member_prices) {
      members += (members.empty() ? "" : ", ") + std::string("#") + std::to_string(p.tier_id) + ": " +
                 Money::create(p.amount_minor, t.price.currency())->format();
    }
    d.set("member_prices", members);
    types.push_back(d);
  }
  data.set("ticket_types", list_of(types));
  std::vector<Data> tiers;
  if (auto list = s.tiers.list(e.community_slug, false)) {
    for (const auto& tier : *list) {
      Data d;
      d.set("id", std::to_string(tier.id));
      d.set("name", tier.name);
      tiers.push_back(d);
    }
  }
  data.set("tiers", list_of(tiers));
  data.set("has_tiers", !tiers.empty());
  std::vector<Data> sponsors;
  for (const auto& sp : e.sponsors) {
    Data d;
    d.set("id", std::to_string(sp.id));
    d.set("event_id", std::to_string(e.id));
    d.set("name", sp.name);
    d.set("tier_label", sp.tier_label);
    sponsors.push_back(d);
  }
  data.set("sponsors", list_of(sponsors));
  // The courses this organiser may add the recording to.
  std::vector<Data> courses;
  if (auto list = s.courses.list(ctx.user_id(), e.community_slug)) {
    for (const auto& c : *list) {
      if (c.viewer_staff) {
        Data d;
        d.set("id", std::to_string(c.id));
        d.set("title", c.title);
        courses.push_back(d);
      }
    }
  }
  data.set("recording_courses", list_of(courses));
  data.set("can_make_lesson", !courses.empty() && !e.recording_url.empty());
  if (error) {
    data.set(std::string(form_name) + "_errors", form_errors(ctx, s, *error));
  }
  return render_page(
      ctx, s, kTemplateEventEdit, data,
      PageMeta{s.i18n.t(ctx.lang, "events.edit") + " · " + e.title, "", error ? status_of(error->kind) : 200});
}

http::Response checkin_page(Context& ctx, Services& s, int64_t id, Data result, int status) {
  auto e = take(s.events.get(ctx.user_id(), id));
  if (!e.can_manage) {
    throw forbidden("events.forbidden", "Only the event's organisers may do this.");
  }
  Data data = event_data(ctx, s, e);
  data.set("result", result);
  return render_page(ctx, s, kTemplateCheckin, data,
                     PageMeta{s.i18n.t(ctx.lang, "events.checkin") + " · " + e.title, "", status});
}

// The member prices of a page form: one field per tier, "tier_<id>", as a decimal amount.
std::vector<events::TierPrice> member_prices_form(const Form& form, Services& s, const std::string& slug,
                                                  const std::string& currency) {
  std::vector<events::TierPrice> out;
  auto tiers = s.tiers.list(slug, false);
  if (!tiers) {
    return out;
  }
  for (const auto& tier : *tiers) {
    const auto value = text::trim(form.get("tier_" + std::to_string(tier.id)));
    if (value.empty()) {
      continue;
    }
    auto amount = Money::parse_decimal(value, currency);
    if (!amount) {
      throw invalid("events.invalid_member_price", "Member prices are amounts such as 19.90.", "member_prices");
    }
    out.push_back(events::TierPrice{tier.id, amount->amount_minor()});
  }
  return out;
}

}  // namespace

void register_event_routes(WebApp& app) {
  auto& s = app.services();

  // API.
  app.route(Door::Api, "POST", "/api/v1/communities/{slug}/events", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    auto input = event_input_json(in);
    check(in);
    auto event = take(s.events.create(ctx.user->id, ctx.request.param("slug"), input));
    return json_response(201, {{"event", event_json(event)}});
  });

  app.route(Door::Api, "GET", "/api/v1/communities/{slug}/events", Auth::Optional, [&s](Context& ctx) {
    const bool upcoming = ctx.request.query_param("upcoming").value_or("") == "1";
    boost::json::array list;
    for (const auto& e : take(s.events.list(ctx.user_id(), ctx.request.param("slug"), upcoming))) {
      list.push_back(event_json(e));
    }
    return json_response(200, {{"events", std::move(list)}});
  });

  app.route(Door::Api, "GET", "/api/v1/events/{id}", Auth::Optional, [&s](Context& ctx) {
    return json_response(200, {{"event", event_json(take(s.events.get(ctx.user_id(), id_param(ctx.request))))}});
  });

  app.route(Door::Api, "PATCH", "/api/v1/events/{id}", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    events::EventPatch patch;
    patch.title = in.str("title");
    patch.description_md = in.str("description_md");
    patch.starts_at = time_field(in, "starts_at");
    patch.ends_at = time_field(in, "ends_at");
    patch.timezone = in.str("timezone");
    patch.capacity = in.integer("capacity");
    patch.venue = in.str("venue");
    patch.online_url = in.str("online_url");
    if (in.has("sales_start")) {
      patch.sales_start = in.is_null("sales_start") ? std::optional<Millis>() : time_field(in, "sales_start");
    }
    if (in.has("sales_end")) {
      patch.sales_end = in.is_null("sales_end") ? std::optional<Millis>() : time_field(in, "sales_end");
    }
    patch.recording_url = in.str("recording_url");
    patch.status = in.str("status");
    check(in);
    auto event = take(s.events.update(ctx.user->id, id_param(ctx.request), patch));
    return json_response(200, {{"event", event_json(event)}});
  });

  app.route(Door::Api, "POST", "/api/v1/events/{id}/register", Auth::Required, [&s](Context& ctx) {
    std::optional<int64_t> type;
    std::string provider = "manual";
    if (!ctx.request.body.empty()) {
      auto in = json_body(ctx);
      type = in.integer("ticket_type_id");
      provider = in.str("provider").value_or("manual");
      check(in);
    }
    auto registration =
        take(s.events.register_for(ctx.user->id, id_param(ctx.request), type, provider, public_base(ctx, s)));
    boost::json::object body{{"ticket", ticket_json(registration.ticket)}};
    if (registration.checkout) {
      body["checkout"] = checkout_json(*registration.checkout);
    }
    return json_response(201, body);
  });

  app.route(Door::Api, "DELETE", "/api/v1/events/{id}/registration", Auth::Required, [&s](Context& ctx) {
    auto ticket = take(s.events.cancel(ctx.user->id, id_param(ctx.request)));
    return json_response(200, {{"ticket", ticket_json(ticket)}});
  });

  app.route(Door::Api, "POST", "/api/v1/events/{id}/checkin", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    const auto code = in.str("code").value_or("");
    check(in);
    auto result = take(s.events.check_in(ctx.user->id, id_param(ctx.request), code));
    boost::json::object checkin{{"checked_in_at", optional_time(result.ticket.checked_in_at)},
                                {"checked_in_by", result.ticket.checked_in_by},
                                {"attendee", boost::json::object{{"username", result.ticket.username},
                                                                 {"display_name", result.ticket.display_name}}},
                                {"ticket_type", result.ticket.ticket_type_name},
                                {"checked_in", result.checked_in},
                                {"confirmed", result.confirmed}};
    if (result.already) {
      return json_response(
          409,
          {{"error", boost::json::object{{"code", "events.already_checked_in"},
                                         {"message", "Already checked in by " + result.ticket.checked_in_by + " at " +
                                                         format_rfc3339(*result.ticket.checked_in_at) + "."},
                                         {"fields", boost::json::object{}}}},
           {"checkin", std::move(checkin)}});
    }
    return json_response(200, {{"checkin", std::move(checkin)}});
  });

  app.route(Door::Api, "GET", "/api/v1/events/{id}/ics", Auth::Optional, [&s](Context& ctx) {
    auto e = take(s.events.get(ctx.user_id(), id_param(ctx.request)));
    return calendar_response(events::ics_calendar({calendar_entry(ctx, s, e)}, "", s.clock.now_ms()),
                             "event-" + std::to_string(e.id) + ".ics");
  });

  app.route(Door::Api, "GET", "/api/v1/events/{id}/attendees", Auth::Required, [&s](Context& ctx) {
    boost::json::array list;
    for (const auto& t : take(s.events.attendees(ctx.user->id, id_param(ctx.request)))) {
      auto o = ticket_json(t);
      o["user"] = boost::json::object{{"username", t.username}, {"display_name", t.display_name}};
      list.push_back(std::move(o));
    }
    return json_response(200, {{"attendees", std::move(list)}});
  });

  app.route(Door::Api, "POST", "/api/v1/events/{id}/ticket-types", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    events::TicketTypeInput input;
    input.name = in.str("name").value_or("");
    auto price = in.money("price");
    const auto tier_ids = in.int_list("member_tier_ids").value_or(std::vector<int64_t>{});
    const auto tier_amounts = in.int_list("member_amounts_minor").value_or(std::vector<int64_t>{});
    check(in);
    if (!price) {
      throw invalid("money.invalid_amount", "price is {\"amount_minor\", \"currency\"}.", "price");
    }
    if (tier_ids.size() != tier_amounts.size()) {
      throw invalid("events.invalid_member_price", "member_tier_ids and member_amounts_minor pair up.",
                    "member_prices");
    }
    input.price = *price;
    for (size_t i = 0; i < tier_ids.size(); ++i) {
      input.member_prices.push_back(events::TierPrice{tier_ids[i], tier_amounts[i]});
    }
    auto type = take(s.events.add_ticket_type(ctx.user->id, id_param(ctx.request), input));
    boost::json::array member_prices;
    for (const auto& p : type.member_prices) {
      member_prices.push_back(boost::json::object{{"tier_id", p.tier_id}, {"amount_minor", p.amount_minor}});
    }
    return json_response(201, {{"ticket_type", boost::json::object{{"id", type.id},
                                                                   {"name", type.name},
                                                                   {"price", money_json(type.price)},
                                                                   {"member_prices", std::move(member_prices)}}}});
  });

  app.route(Door::Api, "POST", "/api/v1/events/{id}/sponsors", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    events::SponsorInput input{in.str("name").value_or(""), in.str("url").value_or(""), in.str("logo_url").value_or(""),
                               in.str("tier_label").value_or("")};
    check(in);
    auto sponsor = take(s.events.add_sponsor(ctx.user->id, id_param(ctx.request), input));
    return json_response(201, {{"sponsor", boost::json::object{{"id", sponsor.id},
                                                               {"name", sponsor.name},
                                                               {"url", sponsor.url},
                                                               {"logo_url", sponsor.logo_url},
                                                               {"tier_label", sponsor.tier_label}}}});
  });

  app.route(Door::Api, "DELETE", "/api/v1/events/{id}/sponsors/{sponsor_id}", Auth::Required, [&s](Context& ctx) {
    const auto sponsor_id = std::atoll(std::string(ctx.request.param("sponsor_id")).c_str());
    take(s.events.remove_sponsor(ctx.user->id, id_param(ctx.request), sponsor_id));
    return json_response(200, {{"removed", true}});
  });

  app.route(Door::Api, "POST", "/api/v1/events/{id}/points", Auth::Required, [&s](Context& ctx) {
    auto result = take(s.events.grant_points(ctx.user->id, id_param(ctx.request)));
    return json_response(200,
                         {{"attendees", result.attendees}, {"awarded", result.awarded}, {"points", result.points}});
  });

  app.route(Door::Api, "POST", "/api/v1/events/{id}/recording-lesson", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    const auto course_id = in.integer("course_id");
    check(in);
    if (!course_id) {
      throw invalid("events.course_not_found", "Choose a course of this community.", "course_id");
    }
    auto lesson = take(recording_to_lesson(s, ctx.user->id, id_param(ctx.request), *course_id));
    return json_response(201, {{"lesson",
                                {{"id", lesson.id},
                                 {"course_id", lesson.course_id},
                                 {"title", lesson.title},
                                 {"kind", lesson.kind},
                                 {"url", "/lessons/" + std::to_string(lesson.id)}}}});
  });

  app.route(Door::Api, "GET", "/api/v1/me/tickets", Auth::Required, [&s](Context& ctx) {
    boost::json::array list;
    for (const auto& t : s.events.tickets_of(ctx.user->id)) {
      auto o = ticket_json(t);
      o["event"] = boost::json::object{{"id", t.event_id},
                                       {"title", t.event_title},
                                       {"starts_at", format_rfc3339(t.event_starts_at)},
                                       {"timezone", t.event_timezone}};
      list.push_back(std::move(o));
    }
    return json_response(200, {{"tickets", std::move(list)}});
  });

  // The community's subscribable calendar: events anyone may see, never a location.
  app.route(Door::Page, "GET", "/c/{slug}/events.ics", Auth::Optional, [&s](Context& ctx) {
    const auto& slug = ctx.request.param("slug");
    auto community = s.communities.find(slug);
    if (!community || !community->is_public) {
      throw not_found("community.not_found", "No such community.");
    }
    std::vector<events::CalendarEntry> entries;
    for (const auto& e : take(s.events.list(std::nullopt, slug, false))) {
      auto entry = calendar_entry(ctx, s, e);
      entry.location.clear();
      entries.push_back(std::move(entry));
    }
    return calendar_response(events::ics_calendar(entries, community->name, s.clock.now_ms()), slug + "-events.ics");
  });

  // Pages.
  app.route(Door::Page, "GET", "/c/{slug}/events", Auth::Optional, [&s](Context& ctx) {
    Data values;
    values.set("timezone", "Asia/Shanghai");
    values.set("capacity", "50");
    return event_list_page(ctx, s, ctx.request.param("slug"), std::nullopt, values);
  });

  app.route(Door::Page, "POST", "/c/{slug}/events", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    auto event = s.events.create(ctx.user->id, ctx.request.param("slug"), event_input_form(form));
    if (!event) {
      if (event.error().kind != ErrorKind::Invalid) {
        throw std::move(event).error();
      }
      return event_list_page(ctx, s, ctx.request.param("slug"), event.error(), form_values(form));
    }
    return redirect("/events/" + std::to_string(event->id));
  });

  app.route(Door::Page, "GET", "/events/{id}", Auth::Optional,
            [&s](Context& ctx) { return event_page(ctx, s, id_param(ctx.request), std::nullopt); });

  app.route(Door::Page, "POST", "/events/{id}/register", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    const auto id = id_param(ctx.request);
    std::optional<int64_t> type;
    if (auto t = whole_number(form.get("ticket_type_id")).value_or(-1); t > 0) {
      type = t;
    }
    const std::string provider = form.get("provider") == "stripe" ? "stripe" : "manual";  // Paid types only.
    auto registration = s.events.register_for(ctx.user->id, id, type, provider, public_base(ctx, s));
    if (!registration) {
      if (registration.error().kind != ErrorKind::Conflict && registration.error().kind != ErrorKind::Invalid) {
        throw std::move(registration).error();
      }
      return event_page(ctx, s, id, registration.error());
    }
    if (registration->checkout) {
      return redirect("/checkout/" + registration->checkout->public_id);
    }
    return redirect("/events/" + std::to_string(id));
  });

  app.route(Door::Page, "POST", "/events/{id}/cancel", Auth::Required, [&s](Context& ctx) {
    const auto id = id_param(ctx.request);
    auto canceled = s.events.cancel(ctx.user->id, id);
    if (!canceled) {
      if (canceled.error().kind != ErrorKind::Conflict) {
        throw std::move(canceled).error();
      }
      return event_page(ctx, s, id, canceled.error());
    }
    return redirect("/events/" + std::to_string(id));
  });

  app.route(Door::Page, "POST", "/events/{id}/recording-lesson", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    const auto id = id_param(ctx.request);
    auto lesson = recording_to_lesson(s, ctx.user->id, id, whole_number(form.get("course_id")).value_or(0));
    if (!lesson) {
      if (lesson.error().kind == ErrorKind::NotFound) {
        throw std::move(lesson).error();
      }
      return event_edit_page(ctx, s, id, lesson.error(), std::nullopt, "recording");
    }
    return redirect("/lessons/" + std::to_string(lesson->id));
  });

  app.route(Door::Page, "GET", "/events/{id}/edit", Auth::Required, [&s](Context& ctx) {
    return event_edit_page(ctx, s, id_param(ctx.request), std::nullopt, std::nullopt, "");
  });

  app.route(Door::Page, "POST", "/events/{id}/edit", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    const auto id = id_param(ctx.request);
    const auto input = event_input_form(form);
    events::EventPatch patch;
    patch.title = input.title;
    patch.description_md = input.description_md;
    patch.timezone = input.timezone;
    if (!input.starts_at || !input.ends_at) {
      // A blank field is an error, not "unchanged".
      return event_edit_page(
          ctx, s, id,
          invalid("events.invalid_times", "Give a start and an end.", input.starts_at ? "ends_at" : "starts_at"),
          form_values(form), "event");
    }
    patch.starts_at = input.starts_at;
    patch.ends_at = input.ends_at;
    patch.capacity = input.capacity;
    patch.venue = input.venue;
    patch.online_url = input.online_url;
    patch.sales_start = input.sales_start;
    patch.sales_end = input.sales_end;
    patch.recording_url = input.recording_url;
    patch.status = form.get("status") == "canceled" ? "canceled" : "published";
    auto updated = s.events.update(ctx.user->id, id, patch);
    if (!updated) {
      if (updated.error().kind != ErrorKind::Invalid && updated.error().kind != ErrorKind::Conflict) {
        throw std::move(updated).error();
      }
      return event_edit_page(ctx, s, id, updated.error(), form_values(form), "event");
    }
    return redirect("/events/" + std::to_string(id));
  });

  app.route(Door::Page, "POST", "/events/{id}/ticket-types", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    const auto id = id_param(ctx.request);
    auto e = take(s.events.get(ctx.user->id, id));
    const std::string currency = e.ticket_types.empty() ? "CNY" : e.ticket_types[0].price.currency();
    events::TicketTypeInput input;
    input.name = form.get("name");
    auto price =
        Money::parse_decimal(text::trim(form.get("price")).empty() ? "0" : text::trim(form.get("price")), currency);
    if (!price) {
      return event_edit_page(ctx, s, id, std::move(price).error().with_field("price"), std::nullopt, "type");
    }
    input.price = *price;
    try {
      input.member_prices = member_prices_form(form, s, e.community_slug, currency);
    } catch (const Error& error) {
      return event_edit_page(ctx, s, id, error, std::nullopt, "type");
    }
    auto type = s.events.add_ticket_type(ctx.user->id, id, input);
    if (!type) {
      if (type.error().kind != ErrorKind::Invalid && type.error().kind != ErrorKind::Conflict) {
        throw std::move(type).error();
      }
      return event_edit_page(ctx, s, id, type.error(), std::nullopt, "type");
    }
    return redirect("/events/" + std::to_string(id) + "/edit");
  });

  app.route(Door::Page, "POST", "/events/{id}/sponsors", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    const auto id = id_param(ctx.request);
    auto sponsor = s.events.add_sponsor(
        ctx.user->id, id, {form.get("name"), form.get("url"), form.get("logo_url"), form.get("tier_label")});
    if (!sponsor) {
      if (sponsor.error().kind != ErrorKind::Invalid && sponsor.error().kind != ErrorKind::Conflict) {
        throw std::move(sponsor).error();
      }
      return event_edit_page(ctx, s, id, sponsor.error(), std::nullopt, "sponsor");
    }
    return redirect("/events/" + std::to_string(id) + "/edit");
  });

  app.route(Door::Page, "POST", "/events/{id}/sponsors/{sponsor_id}/delete", Auth::Required, [&s](Context& ctx) {
    const auto id = id_param(ctx.request);
    take(s.events.remove_sponsor(ctx.user->id, id, std::atoll(std::string(ctx.request.param("sponsor_id")).c_str())));
    return redirect("/events/" + std::to_string(id) + "/edit");
  });

  app.route(Door::Page, "GET", "/events/{id}/attendees", Auth::Required, [&s](Context& ctx) {
    const auto id = id_param(ctx.request);
    auto e = take(s.events.get(ctx.user->id, id));
    auto list = take(s.events.attendees(ctx.user->id, id));
    Data data = event_data(ctx, s, e);
    std::vector<Data> rows;
    for (const auto& t : list) {
      rows.push_back(ticket_data(ctx, s, t));
    }
    data.set("attendees", list_of(rows));
    data.set("has_attendees", !rows.empty());
    if (auto granted = ctx.request.query_param("granted")) {
      data.set("granted", *granted);
    }
    return render_page(ctx, s, kTemplateAttendees, data,
                       PageMeta{s.i18n.t(ctx.lang, "events.attendees") + " · " + e.title, "", 200});
  });

  app.route(Door::Page, "GET", "/events/{id}/attendees.csv", Auth::Required, [&s](Context& ctx) {
    const auto id = id_param(ctx.request);
    std::string csv = "username,display_name,status,ticket_type,price,code,checked_in_at,checked_in_by\r\n";
    for (const auto& t : take(s.events.attendees(ctx.user->id, id))) {
      csv += csv_field(t.username) + "," + csv_field(t.display_name) + "," + csv_field(t.status) + "," +
             csv_field(t.ticket_type_name) + "," + csv_field(t.price.format()) + "," + csv_field(t.code) + "," +
             (t.checked_in_at ? format_rfc3339(*t.checked_in_at) : "") + "," + csv_field(t.checked_in_by) + "\r\n";
    }
    auto response = http::Response::text(200, std::move(csv), "text/csv; charset=utf-8");
    response.headers.set("Content-Disposition",
                         "attachment; filename=\"event-" + std::to_string(id) + "-attendees.csv\"");
    return response;
  });

  app.route(Door::Page, "POST", "/events/{id}/points", Auth::Required, [&s](Context& ctx) {
    const auto id = id_param(ctx.request);
    auto result = take(s.events.grant_points(ctx.user->id, id));
    return redirect("/events/" + std::to_string(id) + "/attendees?granted=" + std::to_string(result.awarded));
  });

  app.route(Door::Page, "GET", "/events/{id}/checkin", Auth::Required,
            [&s](Context& ctx) { return checkin_page(ctx, s, id_param(ctx.request), Data{}, 200); });

  app.route(Door::Page, "POST", "/events/{id}/checkin", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    const auto id = id_param(ctx.request);
    auto result = s.events.check_in(ctx.user->id, id, form.get("code"));
    Data r;
    if (!result) {
      if (result.error().kind == ErrorKind::Forbidden) {
        throw std::move(result).error();
      }
      r.set("error", error_message(ctx, s, result.error()));
      return checkin_page(ctx, s, id, r, status_of(result.error().kind));
    }
    r.set("name", result->ticket.display_name.empty() ? result->ticket.username : result->ticket.display_name);
    r.set("ticket_type", result->ticket.ticket_type_name);
    if (result->already) {
      r.set("already", true);
      r.set("by", result->ticket.checked_in_by);
      r.set("at", events::format_local(result->ticket.event_timezone, *result->ticket.checked_in_at));
      return checkin_page(ctx, s, id, r, 409);
    }
    r.set("ok", true);
    return checkin_page(ctx, s, id, r, 200);
  });

  app.route(Door::Page, "GET", "/me/tickets", Auth::Required, [&s](Context& ctx) {
    Data data;
    std::vector<Data> rows;
    for (const auto& t : s.events.tickets_of(ctx.user->id)) {
      auto d = ticket_data(ctx, s, t);
      if (t.status == "confirmed") {
        d.set("qr_svg", events::qr_svg(t.code));
      }
      rows.push_back(d);
    }
    data.set("tickets", list_of(rows));
    data.set("has_tickets", !rows.empty());
    return render_page(ctx, s, kTemplateTickets, data, PageMeta{s.i18n.t(ctx.lang, "events.my_tickets"), "", 200});
  });

  // A ticket's QR code, for its holder and the event's organisers.
  app.route(Door::Page, "GET", "/tickets/{code}/qr.svg", Auth::Required, [&s](Context& ctx) {
    auto ticket = take(s.events.ticket_by_code(ctx.user->id, ctx.request.param("code")));
    auto response = http::Response::text(200, events::qr_svg(ticket.code), "image/svg+xml");
    response.headers.set("Cache-Control", "private, no-store");
    return response;
  });
}

}  // namespace gh::web

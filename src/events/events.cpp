#include "events/events.hpp"

#include <algorithm>

#include "access/entitlements.hpp"
#include "access/sanctions.hpp"
#include "billing/codes.hpp"
#include "core/text.hpp"
#include "engage/points.hpp"
#include "events/zones.hpp"
#include "notify/notifications.hpp"
#include "render/markdown.hpp"

namespace gh::events {
namespace {

constexpr int64_t kMaxCapacity = 100'000;
constexpr size_t kMaxTitleChars = 200;
constexpr size_t kMaxDescriptionChars = 20'000;
constexpr size_t kMaxVenueChars = 500;
constexpr size_t kMaxUrlChars = 1'000;
constexpr Millis kMaxDuration = 31LL * 24 * 3600 * 1000;
constexpr size_t kMaxTicketTypes = 20;
constexpr size_t kMaxSponsors = 50;

// Notification kinds (translated as notify.kind.<kind>).
constexpr std::string_view kSeatConfirmed = "event_seat";      // Promoted from the waitlist, free.
constexpr std::string_view kSeatToPay = "event_seat_pay";      // Promoted, to pay within the hold.
constexpr std::string_view kEventCanceled = "event_canceled";  // To every holder of a live ticket.

constexpr std::string_view kEventColumns =
    "SELECT e.id, e.community_id, c.slug, c.name, c.is_public, e.created_by, e.title, e.description_md, "
    "e.description_html, e.starts_at, e.ends_at, e.timezone, e.venue, e.online_url, e.capacity, e.sales_start, "
    "e.sales_end, e.status, e.recording_url, e.created_at, e.updated_at, "
    "(SELECT COUNT(*) FROM event_tickets t WHERE t.event_id = e.id AND t.status = 'confirmed'), "
    "(SELECT COUNT(*) FROM event_tickets t WHERE t.event_id = e.id AND t.status = 'pending'), "
    "(SELECT COUNT(*) FROM event_tickets t WHERE t.event_id = e.id AND t.status = 'waitlisted'), "
    "(SELECT COUNT(*) FROM event_tickets t WHERE t.event_id = e.id AND t.status = 'confirmed' "
    "AND t.checked_in_at IS NOT NULL) "
    "FROM events e JOIN communities c ON c.id = e.community_id ";

constexpr std::string_view kTicketColumns =
    "SELECT t.id, t.event_id, t.ticket_type_id, tt.name, t.user_id, u.username, u.display_name, t.code, t.status, "
    "t.price_minor, t.currency, t.hold_until, t.payment_id, t.checked_in_at, cu.username, t.created_at, e.title, "
    "e.starts_at, e.timezone "
    "FROM event_tickets t JOIN event_ticket_types tt ON tt.id = t.ticket_type_id JOIN users u ON u.id = t.user_id "
    "JOIN events e ON e.id = t.event_id LEFT JOIN users cu ON cu.id = t.checked_in_by ";

Money money_of(int64_t minor, const std::string& currency) {
  auto money = Money::create(minor, currency);
  return money ? *money : Money::zero(currency);
}

Event event_from(const db::Row& r) {
  Event e;
  e.id = r.i64(0);
  e.community = CommunityId(r.i64(1));
  e.community_slug = r.text(2);
  e.community_name = r.text(3);
  e.created_by = UserId(r.i64(5));
  e.title = r.text(6);
  e.description_md = r.text(7);
  e.description_html = r.text(8);
  e.starts_at = r.i64(9);
  e.ends_at = r.i64(10);
  e.timezone = r.text(11);
  e.venue = r.text(12);
  e.online_url = r.text(13);
  e.online = !e.online_url.empty();
  e.has_venue = !e.venue.empty();
  e.capacity = r.i64(14);
  e.sales_start = r.opt_i64(15);
  e.sales_end = r.opt_i64(16);
  e.status = r.text(17);
  e.recording_url = r.text(18);
  e.created_at = r.i64(19);
  e.updated_at = r.i64(20);
  e.confirmed = r.i64(21);
  e.held = r.i64(22);
  e.waitlisted = r.i64(23);
  e.checked_in = r.i64(24);
  return e;
}

Ticket ticket_from(const db::Row& r) {
  Ticket t;
  t.id = r.i64(0);
  t.event_id = r.i64(1);
  t.ticket_type_id = r.i64(2);
  t.ticket_type_name = r.text(3);
  t.user = UserId(r.i64(4));
  t.username = r.text(5);
  t.display_name = r.text(6);
  t.code = r.text(7);
  t.status = r.text(8);
  t.price = money_of(r.i64(9), r.text(10));
  t.hold_until = r.opt_i64(11);
  t.payment_id = r.opt_i64(12);
  t.checked_in_at = r.opt_i64(13);
  t.checked_in_by = r.text(14);
  t.created_at = r.i64(15);
  t.event_title = r.text(16);
  t.event_starts_at = r.i64(17);
  t.event_timezone = r.text(18);
  return t;
}

// Hides what the viewer may not see: the one place a loaded event loses its location.
void apply_location_rule(Event& e) {
  const std::string status = e.viewer_ticket ? e.viewer_ticket->status : std::string();
  e.location_visible = location_visible(e.can_manage, status);
  if (!e.location_visible) {
    e.venue.clear();
    e.online_url.clear();
  }
}

bool valid_url(std::string_view url) {
  if (url.size() > kMaxUrlChars) {
    return false;
  }
  const bool scheme = url.starts_with("https://") || url.starts_with("http://");
  if (!scheme || url.size() <= 8) {
    return false;
  }
  return std::none_of(url.begin(), url.end(), [](char c) {
    return static_cast<unsigned char>(c) <= 0x20 || c == '"' || c == '<' || c == '>' || c == '\\' || c == 0x7f;
  });
}

// Checks a complete input (after a patch is applied).
Status validate(EventInput& in) {
  in.title = text::trim(in.title);
  in.venue = text::trim(in.venue);
  in.online_url = text::trim(in.online_url);
  in.recording_url = text::trim(in.recording_url);
  in.timezone = text::trim(in.timezone);
  if (in.title.empty() || text::utf8_length(in.title) > kMaxTitleChars || !text::is_valid_utf8(in.title)) {
    return invalid("events.invalid_title", "The title needs 1 to 200 characters.", "title");
  }
  if (text::utf8_length(in.description_md) > kMaxDescriptionChars || !text::is_valid_utf8(in.description_md)) {
    return invalid("events.invalid_description", "The description is at most 20,000 characters.", "description_md");
  }
  if (!in.starts_at) {
    return invalid("events.invalid_times", "starts_at is an RFC 3339 time.", "starts_at");
  }
  if (!in.ends_at || *in.ends_at <= *in.starts_at || *in.ends_at - *in.starts_at > kMaxDuration) {
    return invalid("events.invalid_times", "ends_at is after starts_at, at most 31 days later.", "ends_at");
  }
  if (!valid_zone(in.timezone)) {
    return invalid("events.invalid_timezone", "timezone is an IANA zone name such as Asia/Shanghai.", "timezone");
  }
  if (in.capacity < 1 || in.capacity > kMaxCapacity) {
    return invalid("events.invalid_capacity", "capacity is 1 to 100,000.", "capacity");
  }
  if (text::utf8_length(in.venue) > kMaxVenueChars || !text::is_valid_utf8(in.venue)) {
    return invalid("events.invalid_venue", "The venue is at most 500 characters.", "venue");
  }
  if (!in.online_url.empty() && !valid_url(in.online_url)) {
    return invalid("events.invalid_url", "The online link is an http(s) URL.", "online_url");
  }
  if (in.venue.empty() && in.online_url.empty()) {
    return invalid("events.location_required", "Give a venue or an online link.", "venue");
  }
  if (!in.recording_url.empty() && !valid_url(in.recording_url)) {
    return invalid("events.invalid_url", "The recording link is an http(s) URL.", "recording_url");
  }
  if (in.sales_start && in.sales_end && *in.sales_end <= *in.sales_start) {
    return invalid("events.invalid_sales_window", "sales_end is after sales_start.", "sales_end");
  }
  if (in.sales_end && *in.sales_end > *in.ends_at) {
    return invalid("events.invalid_sales_window", "Sales end at the latest when the event ends.", "sales_end");
  }
  return {};
}

int64_t seats_taken(db::Tx& tx, int64_t event_id) {
  return tx
      .scalar_i64("SELECT COUNT(*) FROM event_tickets WHERE event_id = $1 AND status IN ('confirmed', 'pending')",
                  {event_id})
      .value_or(0);
}

std::string new_code() {
  return billing::random_code();
}

// "ABCD-EFGH-JKLM", "abcd efgh jklm" -> "ABCDEFGHJKLM".
std::string normalize_code(std::string_view input) {
  std::string out;
  for (char c : input) {
    if (c == '-' || c == ' ') {
      continue;
    }
    out += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  }
  return out;
}

std::vector<TicketType> load_ticket_types(db::Tx& tx, int64_t event_id) {
  std::vector<TicketType> types;
  for (auto r : tx.exec("SELECT id, event_id, name, price_minor, currency FROM event_ticket_types WHERE event_id = $1 "
                        "ORDER BY id",
                        {event_id})) {
    types.push_back(TicketType{r.i64(0), r.i64(1), r.text(2), money_of(r.i64(3), r.text(4)), {}});
  }
  // Member prices of all types in one query.
  for (auto r : tx.exec("SELECT p.ticket_type_id, p.tier_id, p.price_minor FROM event_ticket_prices p "
                        "JOIN event_ticket_types tt ON tt.id = p.ticket_type_id WHERE tt.event_id = $1 "
                        "ORDER BY p.ticket_type_id, p.tier_id",
                        {event_id})) {
    for (auto& t : types) {
      if (t.id == r.i64(0)) {
        t.member_prices.push_back(TierPrice{r.i64(1), r.i64(2)});
      }
    }
  }
  return types;
}

std::optional<Ticket> live_ticket_of(db::Tx& tx, int64_t event_id, UserId user) {
  auto row = tx.one(std::string(kTicketColumns) +
                        "WHERE t.event_id = $1 AND t.user_id = $2 AND t.status IN ('pending', 'confirmed', "
                        "'waitlisted')",
                    {event_id, user.value});
  return row ? std::optional<Ticket>(ticket_from(row->row())) : std::nullopt;
}

}  // namespace

std::string checkin_topic(int64_t event_id) {
  return "event:" + std::to_string(event_id);
}

bool location_visible(bool organiser, std::string_view viewer_ticket_status) {
  return organiser || viewer_ticket_status == "confirmed";
}

bool can_see_event(bool community_public, access::Role role) {
  return community_public || role >= access::Role::Member;
}

bool can_manage(access::Role role, std::optional<UserId> viewer, UserId created_by) {
  if (role >= access::Role::Admin) {
    return true;
  }
  return role >= access::Role::Creator && viewer && *viewer == created_by;
}

void Events::lock_event(db::Tx& tx, int64_t event_id) {
  tx.exec("UPDATE events SET updated_at = updated_at WHERE id = $1", {event_id});
}

std::optional<Ticket> Events::load_ticket(db::Tx& tx, int64_t ticket_id) {
  auto row = tx.one(std::string(kTicketColumns) + "WHERE t.id = $1", {ticket_id});
  return row ? std::optional<Ticket>(ticket_from(row->row())) : std::nullopt;
}

void Events::settle_seats(db::Tx& tx, int64_t event_id, Millis now, int64_t hold_minutes) {
  tx.exec(
      "UPDATE event_tickets SET status = 'expired', updated_at = $2 WHERE event_id = $1 AND status = 'pending' "
      "AND hold_until < $2",
      {event_id, now});
  auto event = tx.one("SELECT capacity, status, title, community_id FROM events WHERE id = $1", {event_id});
  if (!event || event->row().text(1) != "published") {
    return;
  }
  const int64_t free_seats = event->row().i64(0) - seats_taken(tx, event_id);
  if (free_seats <= 0) {
    return;
  }
  const std::string title = event->row().text(2);
  const CommunityId community(event->row().i64(3));
  auto next = tx.exec(
      "SELECT id, user_id, price_minor FROM event_tickets WHERE event_id = $1 AND status = 'waitlisted' "
      "ORDER BY waitlisted_at, id LIMIT $2",
      {event_id, free_seats});
  for (auto r : next) {
    const int64_t ticket_id = r.i64(0);
    const bool free = r.i64(2) == 0;
    if (free) {
      tx.exec("UPDATE event_tickets SET status = 'confirmed', confirmed_at = $2, updated_at = $2 WHERE id = $1",
              {ticket_id, now});
    } else {
      tx.exec("UPDATE event_tickets SET status = 'pending', hold_until = $2, updated_at = $3 WHERE id = $1",
              {ticket_id, now + hold_minutes * 60'000, now});
    }
    notify::NewNotification n;
    n.user = UserId(r.i64(1));
    n.kind = std::string(free ? kSeatConfirmed : kSeatToPay);
    n.community = community;
    n.target_type = "event_ticket";
    n.target_id = ticket_id;
    n.title = title;
    n.text = free ? "A seat became free: your ticket is confirmed."
                  : "A seat became free: pay within " + std::to_string(hold_minutes) + " minutes to keep it.";
    n.link = "/events/" + std::to_string(event_id);
    notify::add(tx, n, now);
  }
}

Money Events::price_for(db::Tx& tx, const TicketType& type, UserId user, CommunityId community, Millis now) {
  int64_t best = type.price.amount_minor();
  if (!type.member_prices.empty()) {
    const auto entitlements = access::entitlements_of(tx, user, community, now);
    for (const auto& p : type.member_prices) {
      if (entitlements.tiers.contains(p.tier_id)) {
        best = std::min(best, p.amount_minor);
      }
    }
  }
  return money_of(best, type.price.currency());
}

Result<Event> Events::load_for(db::Tx& tx, std::optional<UserId> viewer, int64_t event_id, bool details) {
  auto row = tx.one(std::string(kEventColumns) + "WHERE e.id = $1", {event_id});
  if (!row) {
    return not_found("events.not_found", "No such event.");
  }
  auto event = event_from(row->row());
  const auto role = access::role_in(tx, viewer, event.community);
  if (!can_see_event(row->row().boolean(4), role)) {
    return not_found("events.not_found", "No such event.");
  }
  event.can_manage = can_manage(role, viewer, event.created_by);
  if (viewer) {
    auto ticket = live_ticket_of(tx, event_id, *viewer);
    if (!ticket) {
      auto latest = tx.one(std::string(kTicketColumns) + "WHERE t.event_id = $1 AND t.user_id = $2 ORDER BY t.id DESC",
                           {event_id, viewer->value});
      if (latest) {
        ticket = ticket_from(latest->row());
      }
    }
    event.viewer_ticket = std::move(ticket);
  }
  apply_location_rule(event);
  if (details) {
    event.ticket_types = load_ticket_types(tx, event_id);
    for (auto r :
         tx.exec("SELECT id, name, url, logo_url, tier_label FROM event_sponsors WHERE event_id = $1 ORDER BY id",
                 {event_id})) {
      event.sponsors.push_back(Sponsor{r.i64(0), r.text(1), r.text(2), r.text(3), r.text(4)});
    }
  }
  return event;
}

Result<Event> Events::require_organiser(db::Tx& tx, UserId actor, int64_t event_id) {
  auto event = load_for(tx, actor, event_id, false);
  if (!event) {
    return event;
  }
  if (!event->can_manage) {
    return forbidden("events.forbidden", "Only the event's organisers may do this.");
  }
  return event;
}

Result<Event> Events::create(UserId actor, std::string_view community_slug, const EventInput& input) {
  EventInput in = input;
  const Millis now = clock_.now_ms();
  auto id = db_.write([&](db::Tx& tx) -> Result<int64_t> {
    auto community = communities_.find(tx, community_slug);
    if (!community) {
      return not_found("community.not_found", "No such community.");
    }
    if (access::role_in(tx, actor, community->id) < access::Role::Creator) {
      return forbidden("events.forbidden", "Creators, admins and owners create events.");
    }
    if (auto ok = validate(in); !ok) {
      return ok.error();
    }
    const auto html = render::markdown_to_html(in.description_md);
    const int64_t event_id = *tx.scalar_i64(
        "INSERT INTO events (community_id, created_by, title, description_md, description_html, starts_at, ends_at, "
        "timezone, venue, online_url, capacity, sales_start, sales_end, recording_url, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id",
        {community->id.value, actor.value, in.title, in.description_md, html, *in.starts_at, *in.ends_at, in.timezone,
         in.venue, in.online_url, in.capacity, in.sales_start, in.sales_end, in.recording_url, now});
    tx.exec(
        "INSERT INTO event_ticket_types (event_id, name, price_minor, currency, created_at) "
        "VALUES ($1, 'General admission', 0, $2, $3)",
        {event_id, community->currency, now});
    return event_id;
  });
  if (!id) {
    return id.error();
  }
  return get(actor, *id);
}

void Events::cancel_tickets(db::Tx& tx, int64_t event_id, CommunityId community, const std::string& title, Millis now) {
  // Everyone holding a live ticket hears of it, in the cancelation's transaction.
  for (auto r : tx.exec("SELECT id, user_id, status, payment_id FROM event_tickets WHERE event_id = $1 AND "
                        "status IN ('pending', 'confirmed', 'waitlisted') ORDER BY id",
                        {event_id})) {
    const bool paid = !r.is_null(3) && r.text(2) == "confirmed";
    notify::NewNotification n;
    n.user = UserId(r.i64(1));
    n.kind = std::string(kEventCanceled);
    n.community = community;
    n.target_type = "event_canceled";
    n.target_id = r.i64(0);
    n.title = title;
    n.text = paid ? "The event was canceled: your ticket will be refunded." : "The event was canceled.";
    n.link = "/events/" + std::to_string(event_id);
    notify::add(tx, n, now);
  }
  // Unpaid tickets end now; paid ones stay confirmed until payments_to_refund() has them refunded
  // (a provider call, outside this transaction). A hold paid later is confirmed and refunded too.
  tx.exec(
      "UPDATE event_tickets SET status = 'canceled', canceled_at = $2, hold_until = NULL, updated_at = $2 "
      "WHERE event_id = $1 AND (status IN ('pending', 'waitlisted') OR (status = 'confirmed' AND payment_id IS NULL))",
      {event_id, now});
}

std::vector<int64_t> Events::payments_to_refund() {
  return db_.read([&](db::Tx& tx) {
    std::vector<int64_t> out;
    for (auto r : tx.exec("SELECT t.payment_id FROM event_tickets t JOIN events e ON e.id = t.event_id "
                          "WHERE e.status = 'canceled' AND t.status = 'confirmed' AND t.payment_id IS NOT NULL "
                          "AND t.checked_in_at IS NULL ORDER BY t.id LIMIT 100")) {
      out.push_back(r.i64(0));
    }
    return out;
  });
}

Result<Event> Events::update(UserId actor, int64_t event_id, const EventPatch& patch) {
  const Millis now = clock_.now_ms();
  auto done = db_.write([&](db::Tx& tx) -> Status {
    auto current = tx.one(
        "SELECT title, description_md, starts_at, ends_at, timezone, capacity, venue, online_url, sales_start, "
        "sales_end, recording_url, status FROM events WHERE id = $1",
        {event_id});
    auto event = require_organiser(tx, actor, event_id);
    if (!event || !current) {
      return event ? not_found("events.not_found", "No such event.") : event.error();
    }
    const auto r = current->row();
    EventInput in{r.text(0), r.text(1), r.i64(2),     r.i64(3),     r.text(4), r.i64(5),
                  r.text(6), r.text(7), r.opt_i64(8), r.opt_i64(9), r.text(10)};
    std::string status = r.text(11);
    if (patch.title)
      in.title = *patch.title;
    if (patch.description_md)
      in.description_md = *patch.description_md;
    if (patch.starts_at)
      in.starts_at = patch.starts_at;
    if (patch.ends_at)
      in.ends_at = patch.ends_at;
    if (patch.timezone)
      in.timezone = *patch.timezone;
    if (patch.capacity)
      in.capacity = *patch.capacity;
    if (patch.venue)
      in.venue = *patch.venue;
    if (patch.online_url)
      in.online_url = *patch.online_url;
    if (patch.sales_start)
      in.sales_start = *patch.sales_start;
    if (patch.sales_end)
      in.sales_end = *patch.sales_end;
    if (patch.recording_url)
      in.recording_url = *patch.recording_url;
    if (patch.status) {
      if (*patch.status != "published" && *patch.status != "canceled") {
        return invalid("events.invalid_status", "status is published or canceled.", "status");
      }
      status = *patch.status;
    }
    if (auto ok = validate(in); !ok) {
      return ok;
    }
    lock_event(tx, event_id);
    if (in.capacity < seats_taken(tx, event_id)) {
      return conflict("events.capacity_below_taken", "More seats are taken than that capacity.", "capacity");
    }
    tx.exec(
        "UPDATE events SET title = $2, description_md = $3, description_html = $4, starts_at = $5, ends_at = $6, "
        "timezone = $7, capacity = $8, venue = $9, online_url = $10, sales_start = $11, sales_end = $12, "
        "recording_url = $13, status = $14, updated_at = $15 WHERE id = $1",
        {event_id, in.title, in.description_md, render::markdown_to_html(in.description_md), *in.starts_at, *in.ends_at,
         in.timezone, in.capacity, in.venue, in.online_url, in.sales_start, in.sales_end, in.recording_url, status,
         now});
    if (r.text(11) == "published" && status == "canceled") {
      cancel_tickets(tx, event_id, event->community, in.title, now);
    } else {
      settle_seats(tx, event_id, now, options_.hold_minutes);
    }
    return {};
  });
  if (!done) {
    return done.error();
  }
  return get(actor, event_id);
}

Result<Event> Events::get(std::optional<UserId> viewer, int64_t event_id) {
  return db_.read([&](db::Tx& tx) { return load_for(tx, viewer, event_id, true); });
}

Result<std::vector<Event>> Events::list(std::optional<UserId> viewer, std::string_view community_slug,
                                        bool upcoming_only) {
  const Millis now = clock_.now_ms();
  return db_.read([&](db::Tx& tx) -> Result<std::vector<Event>> {
    auto community = communities_.find(tx, community_slug);
    if (!community) {
      return not_found("community.not_found", "No such community.");
    }
    const auto role = access::role_in(tx, viewer, community->id);
    if (!can_see_event(community->is_public, role)) {
      return not_found("community.not_found", "No such community.");
    }
    std::vector<Event> out;
    for (auto r : tx.exec(std::string(kEventColumns) +
                              "WHERE e.community_id = $1 AND ($2 = 0 OR e.ends_at >= $3) ORDER BY e.starts_at, e.id "
                              "LIMIT 200",
                          {community->id.value, upcoming_only ? 1 : 0, now})) {
      auto e = event_from(r);
      e.can_manage = can_manage(role, viewer, e.created_by);
      // Lists never carry a location: the event page (one event, one viewer) decides.
      e.location_visible = false;
      e.venue.clear();
      e.online_url.clear();
      out.push_back(std::move(e));
    }
    return out;
  });
}

Result<Registration> Events::register_for(UserId user, int64_t event_id, std::optional<int64_t> ticket_type_id,
                                          const std::string& provider, const std::string& return_url_base) {
  const Millis now = clock_.now_ms();
  auto ticket = db_.write([&](db::Tx& tx) -> Result<Ticket> {
    auto event = load_for(tx, user, event_id, false);
    if (!event) {
      return event.error();
    }
    if (event->status != "published") {
      return conflict("events.canceled", "This event was canceled.");
    }
    // A member banned from the community is not let in at its door either.
    if (access::is_banned(tx, user, event->community)) {
      return forbidden("moderation.banned", "You are banned from this community.");
    }
    if (event->sales_start && now < *event->sales_start) {
      return conflict("events.sales_not_started", "Registration has not opened yet.");
    }
    if (now >= event->sales_end.value_or(event->ends_at)) {
      return conflict("events.sales_ended", "Registration has closed.");
    }
    const auto types = load_ticket_types(tx, event_id);
    const TicketType* type = nullptr;
    for (const auto& t : types) {
      if (ticket_type_id ? t.id == *ticket_type_id : t.price.amount_minor() == 0) {
        type = &t;
        break;
      }
    }
    if (!type) {
      return not_found("events.ticket_type_not_found", "No such ticket type for this event.");
    }
    lock_event(tx, event_id);
    settle_seats(tx, event_id, now, options_.hold_minutes);
    if (live_ticket_of(tx, event_id, user)) {
      return conflict("events.already_registered", "You are already registered for this event.");
    }
    // The capacity as it is under the lock (an organiser may have just changed it).
    const int64_t capacity = *tx.scalar_i64("SELECT capacity FROM events WHERE id = $1", {event_id});
    const Money price = price_for(tx, *type, user, event->community, now);
    const bool seat = seats_taken(tx, event_id) < capacity;
    const std::string status = !seat ? "waitlisted" : price.amount_minor() == 0 ? "confirmed" : "pending";
    const std::optional<Millis> hold =
        status == "pending" ? std::optional<Millis>(now + options_.hold_minutes * 60'000) : std::nullopt;
    const int64_t id = *tx.scalar_i64(
        "INSERT INTO event_tickets (event_id, ticket_type_id, user_id, code, status, price_minor, currency, "
        "hold_until, waitlisted_at, confirmed_at, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
        {event_id, type->id, user.value, new_code(), status, price.amount_minor(), price.currency(), hold,
         status == "waitlisted" ? std::optional<Millis>(now) : std::nullopt,
         status == "confirmed" ? std::optional<Millis>(now) : std::nullopt, now});
    return *load_ticket(tx, id);
  });
  if (!ticket) {
    return ticket.error();
  }
  Registration registration{*ticket, std::nullopt};
  if (ticket->status == "pending") {
    billing::CheckoutInput input;
    input.provider = provider.empty() ? "manual" : provider;
    input.item_kind = "ticket";
    input.item_id = ticket->id;
    input.return_url_base = return_url_base;
    auto checkout = checkouts_.start(user, input);
    if (!checkout) {
      // No checkout, no hold: give the seat back at once.
      db_.write([&](db::Tx& tx) {
        lock_event(tx, event_id);
        tx.exec(
            "UPDATE event_tickets SET status = 'canceled', canceled_at = $2, updated_at = $2 WHERE id = $1 "
            "AND status = 'pending'",
            {ticket->id, clock_.now_ms()});
        settle_seats(tx, event_id, clock_.now_ms(), options_.hold_minutes);
      });
      return checkout.error();
    }
    registration.checkout = *checkout;
  }
  return registration;
}

Result<Ticket> Events::cancel(UserId user, int64_t event_id) {
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<Ticket> {
    auto event = load_for(tx, user, event_id, false);
    if (!event) {
      return event.error();
    }
    lock_event(tx, event_id);
    auto ticket = live_ticket_of(tx, event_id, user);
    if (!ticket) {
      return not_found("events.not_registered", "You have no registration for this event.");
    }
    if (ticket->checked_in_at) {
      return conflict("events.already_checked_in", "A ticket used at the door cannot be canceled.");
    }
    if (ticket->status == "confirmed" && ticket->payment_id) {
      return conflict("events.refund_instead", "A paid ticket is canceled by refunding its payment.");
    }
    tx.exec("UPDATE event_tickets SET status = 'canceled', canceled_at = $2, updated_at = $2 WHERE id = $1",
            {ticket->id, now});
    settle_seats(tx, event_id, now, options_.hold_minutes);
    return *load_ticket(tx, ticket->id);
  });
}

Result<CheckinResult> Events::check_in(UserId actor, int64_t event_id, std::string_view code) {
  const Millis now = clock_.now_ms();
  const std::string canonical = normalize_code(code);
  return db_.write([&](db::Tx& tx) -> Result<CheckinResult> {
    auto event = require_organiser(tx, actor, event_id);
    if (!event) {
      return event.error();
    }
    if (canonical.empty()) {
      return invalid("events.code_required", "Type or scan the ticket's code.", "code");
    }
    auto row = tx.one("SELECT id, status FROM event_tickets WHERE code = $1 AND event_id = $2", {canonical, event_id});
    if (!row) {
      return not_found("events.ticket_not_found", "No ticket of this event has that code.");
    }
    const int64_t ticket_id = row->row().i64(0);
    if (row->row().text(1) != "confirmed") {
      return conflict("events.ticket_not_confirmed", "This ticket is not confirmed (" + row->row().text(1) + ").");
    }
    const auto marked = tx.exec(
        "UPDATE event_tickets SET checked_in_at = $2, checked_in_by = $3, updated_at = $2 WHERE id = $1 "
        "AND checked_in_at IS NULL AND status = 'confirmed'",
        {ticket_id, now, actor.value});
    CheckinResult result;
    result.already = marked.affected == 0;
    result.ticket = *load_ticket(tx, ticket_id);
    result.checked_in = *tx.scalar_i64(
        "SELECT COUNT(*) FROM event_tickets WHERE event_id = $1 AND status = 'confirmed' AND checked_in_at IS NOT NULL",
        {event_id});
    result.confirmed =
        *tx.scalar_i64("SELECT COUNT(*) FROM event_tickets WHERE event_id = $1 AND status = 'confirmed'", {event_id});
    if (!result.already) {
      // Numbers only: no name leaves through the live channel.
      tx.notify(checkin_topic(event_id), "{\"type\":\"checkin\",\"event_id\":" + std::to_string(event_id) +
                                             ",\"checked_in\":" + std::to_string(result.checked_in) +
                                             ",\"confirmed\":" + std::to_string(result.confirmed) + "}");
    }
    return result;
  });
}

Result<std::vector<Ticket>> Events::attendees(UserId actor, int64_t event_id) {
  return db_.read([&](db::Tx& tx) -> Result<std::vector<Ticket>> {
    auto event = require_organiser(tx, actor, event_id);
    if (!event) {
      return event.error();
    }
    std::vector<Ticket> out;
    for (auto r : tx.exec(std::string(kTicketColumns) +
                              "WHERE t.event_id = $1 ORDER BY CASE t.status WHEN 'confirmed' THEN 0 WHEN 'pending' "
                              "THEN 1 WHEN 'waitlisted' THEN 2 ELSE 3 END, t.id",
                          {event_id})) {
      out.push_back(ticket_from(r));
    }
    return out;
  });
}

Result<PointsResult> Events::grant_points(UserId actor, int64_t event_id) {
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<PointsResult> {
    auto event = require_organiser(tx, actor, event_id);
    if (!event) {
      return event.error();
    }
    if (now < event->starts_at) {
      return conflict("events.not_started", "Points go to attendees once the event has started.");
    }
    PointsResult result;
    for (auto r : tx.exec("SELECT id, user_id FROM event_tickets WHERE event_id = $1 AND status = 'confirmed' "
                          "AND checked_in_at IS NOT NULL ORDER BY id",
                          {event_id})) {
      ++result.attendees;
      const int64_t paid =
          engage::award(tx, engage::AwardInput{UserId(r.i64(1)), event->community, engage::Act::EventAttended,
                                               "event_ticket", r.i64(0), UserId(), now});
      if (paid > 0) {
        ++result.awarded;
        result.points += paid;
      }
    }
    return result;
  });
}

Result<TicketType> Events::add_ticket_type(UserId actor, int64_t event_id, const TicketTypeInput& input) {
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<TicketType> {
    auto event = require_organiser(tx, actor, event_id);
    if (!event) {
      return event.error();
    }
    const std::string name = text::trim(input.name);
    if (name.empty() || text::utf8_length(name) > 100 || !text::is_valid_utf8(name)) {
      return invalid("events.invalid_ticket_name", "A ticket type needs a name of 1 to 100 characters.", "name");
    }
    auto community = communities_.find_by_id(tx, event->community);
    if (input.price.currency() != community->currency) {
      return invalid("events.invalid_currency", "Ticket prices are in the community's currency.", "price");
    }
    if (input.price.amount_minor() < 0) {
      return invalid("money.invalid_amount", "Prices are not negative.", "price");
    }
    for (const auto& p : input.member_prices) {
      if (p.amount_minor < 0 || p.amount_minor > input.price.amount_minor()) {
        return invalid("events.invalid_member_price", "A member price is between 0 and the list price.",
                       "member_prices");
      }
      if (!tx.one("SELECT 1 FROM tiers WHERE id = $1 AND community_id = $2", {p.tier_id, event->community.value})) {
        return invalid("events.invalid_member_price", "Member prices name tiers of this community.", "member_prices");
      }
    }
    if (*tx.scalar_i64("SELECT COUNT(*) FROM event_ticket_types WHERE event_id = $1", {event_id}) >=
        static_cast<int64_t>(kMaxTicketTypes)) {
      return conflict("events.too_many_ticket_types", "An event has at most 20 ticket types.");
    }
    const int64_t id = *tx.scalar_i64(
        "INSERT INTO event_ticket_types (event_id, name, price_minor, currency, created_at) VALUES ($1, $2, $3, $4, "
        "$5) "
        "RETURNING id",
        {event_id, name, input.price.amount_minor(), input.price.currency(), now});
    for (const auto& p : input.member_prices) {
      tx.exec(
          "INSERT INTO event_ticket_prices (ticket_type_id, tier_id, price_minor) VALUES ($1, $2, $3) "
          "ON CONFLICT (ticket_type_id, tier_id) DO UPDATE SET price_minor = excluded.price_minor",
          {id, p.tier_id, p.amount_minor});
    }
    for (auto& t : load_ticket_types(tx, event_id)) {
      if (t.id == id) {
        return t;
      }
    }
    return Error{ErrorKind::Internal, "events.internal", "The ticket type vanished.", {}, 0};
  });
}

Result<Sponsor> Events::add_sponsor(UserId actor, int64_t event_id, const SponsorInput& input) {
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<Sponsor> {
    auto event = require_organiser(tx, actor, event_id);
    if (!event) {
      return event.error();
    }
    Sponsor s{0, text::trim(input.name), text::trim(input.url), text::trim(input.logo_url),
              text::trim(input.tier_label)};
    if (s.name.empty() || text::utf8_length(s.name) > 100 || !text::is_valid_utf8(s.name)) {
      return invalid("events.invalid_sponsor_name", "A sponsor needs a name of 1 to 100 characters.", "name");
    }
    if (!s.url.empty() && !valid_url(s.url)) {
      return invalid("events.invalid_url", "The sponsor's link is an http(s) URL.", "url");
    }
    if (!s.logo_url.empty() && !s.logo_url.starts_with("https://")) {
      return invalid("events.invalid_url", "The logo is an https URL.", "logo_url");
    }
    if (!s.logo_url.empty() && !valid_url(s.logo_url)) {
      return invalid("events.invalid_url", "The logo is an https URL.", "logo_url");
    }
    if (text::utf8_length(s.tier_label) > 50 || !text::is_valid_utf8(s.tier_label)) {
      return invalid("events.invalid_sponsor_tier", "The tier label is at most 50 characters.", "tier_label");
    }
    if (*tx.scalar_i64("SELECT COUNT(*) FROM event_sponsors WHERE event_id = $1", {event_id}) >=
        static_cast<int64_t>(kMaxSponsors)) {
      return conflict("events.too_many_sponsors", "An event shows at most 50 sponsors.");
    }
    s.id = *tx.scalar_i64(
        "INSERT INTO event_sponsors (event_id, name, url, logo_url, tier_label, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        {event_id, s.name, s.url, s.logo_url, s.tier_label, now});
    return s;
  });
}

Status Events::remove_sponsor(UserId actor, int64_t event_id, int64_t sponsor_id) {
  return db_.write([&](db::Tx& tx) -> Status {
    auto event = require_organiser(tx, actor, event_id);
    if (!event) {
      return event.error();
    }
    if (tx.exec("DELETE FROM event_sponsors WHERE id = $1 AND event_id = $2", {sponsor_id, event_id}).affected == 0) {
      return not_found("events.sponsor_not_found", "No such sponsor.");
    }
    return {};
  });
}

std::vector<Ticket> Events::tickets_of(UserId user) {
  return db_.read([&](db::Tx& tx) {
    std::vector<Ticket> out;
    for (auto r :
         tx.exec(std::string(kTicketColumns) + "WHERE t.user_id = $1 ORDER BY t.id DESC LIMIT 200", {user.value})) {
      out.push_back(ticket_from(r));
    }
    return out;
  });
}

Result<Ticket> Events::ticket_by_code(UserId viewer, std::string_view code) {
  const std::string canonical = normalize_code(code);
  return db_.read([&](db::Tx& tx) -> Result<Ticket> {
    auto row = tx.one(std::string(kTicketColumns) + "WHERE t.code = $1", {canonical});
    if (!row) {
      return not_found("events.ticket_not_found", "No such ticket.");
    }
    auto ticket = ticket_from(row->row());
    if (ticket.user != viewer) {
      auto event = load_for(tx, viewer, ticket.event_id, false);
      if (!event || !event->can_manage) {
        return not_found("events.ticket_not_found", "No such ticket.");
      }
    }
    return ticket;
  });
}

int64_t Events::release_expired_holds(Millis now) {
  auto due = db_.read([&](db::Tx& tx) {
    std::vector<int64_t> ids;
    for (auto r : tx.exec("SELECT DISTINCT event_id FROM event_tickets WHERE status = 'pending' AND hold_until < $1 "
                          "LIMIT 100",
                          {now})) {
      ids.push_back(r.i64(0));
    }
    return ids;
  });
  int64_t released = 0;
  for (int64_t event_id : due) {
    released += db_.write([&](db::Tx& tx) {
      lock_event(tx, event_id);
      const int64_t before = *tx.scalar_i64(
          "SELECT COUNT(*) FROM event_tickets WHERE event_id = $1 AND status = 'pending' AND hold_until < $2",
          {event_id, now});
      settle_seats(tx, event_id, now, options_.hold_minutes);
      return before;
    });
  }
  return released;
}

}  // namespace gh::events

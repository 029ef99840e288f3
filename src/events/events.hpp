// gh::events: events of a community, their tickets, waitlist, check-in, points and sponsors.
//
// An event has a capacity; the seats taken are its confirmed tickets plus the pending ones
// (a paid seat held for `hold_minutes` while its buyer pays). Registration confirms a free
// ticket at once, holds a seat for a paid one and starts its checkout (billing::Checkouts,
// product kind "ticket", see ticket_product.hpp), or puts the member on the waitlist when the
// event is full. Every change of seats runs in one write transaction that first locks the
// event row (`UPDATE events ... WHERE id`: a row lock on PostgreSQL; SQLite serialises
// writers), releases lapsed holds and then promotes waitlisted members into free seats, so
// that concurrent registrations never give more tickets than seats.
//
// Who sees what is decided by the functions below (location_visible, can_see_event,
// can_manage); every door reads events through this service, which strips the venue and the
// online link for viewers who may not see them. Thread-safe (state lives in the database).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "access/access.hpp"
#include "billing/checkout.hpp"
#include "community/community.hpp"
#include "core/clock.hpp"
#include "core/money.hpp"
#include "core/result.hpp"
#include "db/db.hpp"

namespace gh::events {

// The live topic of an event's check-ins ({"type":"checkin",...}); organisers only.
std::string checkin_topic(int64_t event_id);

// THE location rule: the venue and the online link are for organisers and holders of a
// confirmed ticket, nobody else, at every door (page, API, .ics, e-mail).
bool location_visible(bool organiser, std::string_view viewer_ticket_status);
// Events of public communities are visible to anyone; of private ones, to members.
bool can_see_event(bool community_public, access::Role role);
// Organisers: the community's admins and owner, and the creator (or higher) who created it.
// Creating an event needs the creator role.
bool can_manage(access::Role role, std::optional<UserId> viewer, UserId created_by);

struct TierPrice {
  int64_t tier_id = 0;
  int64_t amount_minor = 0;
};

struct TicketType {
  int64_t id = 0;
  int64_t event_id = 0;
  std::string name;
  Money price = Money::zero("CNY");
  std::vector<TierPrice> member_prices;
};

struct Sponsor {
  int64_t id = 0;
  std::string name;
  std::string url;
  std::string logo_url;
  std::string tier_label;
};

struct Ticket {
  int64_t id = 0;
  int64_t event_id = 0;
  int64_t ticket_type_id = 0;
  std::string ticket_type_name;
  UserId user;
  std::string username;
  std::string display_name;
  std::string code;
  std::string status;  // pending | confirmed | waitlisted | canceled | expired | refunded
  Money price = Money::zero("CNY");
  std::optional<Millis> hold_until;
  std::optional<int64_t> payment_id;
  std::optional<Millis> checked_in_at;
  std::string checked_in_by;  // Username.
  Millis created_at = 0;
  // For "my tickets": the event's title and start.
  std::string event_title;
  Millis event_starts_at = 0;
  std::string event_timezone;
};

struct Event {
  int64_t id = 0;
  CommunityId community;
  std::string community_slug;
  std::string community_name;
  UserId created_by;
  std::string title;
  std::string description_md;
  std::string description_html;
  Millis starts_at = 0;
  Millis ends_at = 0;
  std::string timezone;
  // Empty unless location_visible for the viewer the event was loaded for.
  std::string venue;
  std::string online_url;
  bool online = false;  // Whether it has an online link (shown to all; the link is not).
  bool has_venue = false;
  bool location_visible = false;
  int64_t capacity = 0;
  std::optional<Millis> sales_start;
  std::optional<Millis> sales_end;
  std::string status;  // published | canceled
  std::string recording_url;
  Millis created_at = 0;
  Millis updated_at = 0;
  int64_t confirmed = 0;  // Tickets confirmed.
  int64_t held = 0;       // Seats held by pending paid tickets.
  int64_t waitlisted = 0;
  int64_t checked_in = 0;
  bool can_manage = false;              // The viewer organises it.
  std::optional<Ticket> viewer_ticket;  // The viewer's live (or latest) ticket.
  std::vector<TicketType> ticket_types;
  std::vector<Sponsor> sponsors;

  int64_t seats_left() const { return std::max<int64_t>(0, capacity - confirmed - held); }
};

struct EventInput {
  std::string title;
  std::string description_md;
  std::optional<Millis> starts_at;
  std::optional<Millis> ends_at;
  std::string timezone;
  int64_t capacity = 0;
  std::string venue;
  std::string online_url;
  std::optional<Millis> sales_start;
  std::optional<Millis> sales_end;
  std::string recording_url;
};

// A partial update (API PATCH); the page sends every field.
struct EventPatch {
  std::optional<std::string> title;
  std::optional<std::string> description_md;
  std::optional<Millis> starts_at;
  std::optional<Millis> ends_at;
  std::optional<std::string> timezone;
  std::optional<int64_t> capacity;
  std::optional<std::string> venue;
  std::optional<std::string> online_url;
  std::optional<std::optional<Millis>> sales_start;
  std::optional<std::optional<Millis>> sales_end;
  std::optional<std::string> recording_url;
  std::optional<std::string> status;  // "published" | "canceled"
};

struct TicketTypeInput {
  std::string name;
  Money price = Money::zero("CNY");
  std::vector<TierPrice> member_prices;
};

struct SponsorInput {
  std::string name;
  std::string url;
  std::string logo_url;
  std::string tier_label;
};

struct Registration {
  Ticket ticket;
  std::optional<billing::Checkout> checkout;  // A paid ticket's checkout, to pay within the hold.
};

struct CheckinResult {
  Ticket ticket;
  bool already = false;  // Checked in before: `ticket` says by whom and when.
  int64_t checked_in = 0;
  int64_t confirmed = 0;
};

struct PointsResult {
  int64_t attendees = 0;  // Checked-in attendees considered.
  int64_t awarded = 0;    // Members who received points now.
  int64_t points = 0;     // Points paid now.
};

struct EventsOptions {
  int64_t hold_minutes = 30;  // How long a paid seat waits for its payment.
};

class Events {
 public:
  Events(db::Database& db, const Clock& clock, community::Communities& communities, billing::Checkouts& checkouts,
         EventsOptions options = {})
      : db_(db), clock_(clock), communities_(communities), checkouts_(checkouts), options_(options) {}

  // Creators and up. A free ticket type "General admission" in the community's currency is
  // created with it. Errors: community.not_found, events.forbidden, events.invalid_title,
  // events.invalid_times, events.invalid_timezone, events.invalid_capacity, events.invalid_url,
  // events.invalid_sales_window, events.location_required.
  Result<Event> create(UserId actor, std::string_view community_slug, const EventInput& input);
  // Organisers. Lowering the capacity below the seats taken is refused (events.capacity_below_taken);
  // raising it promotes the waitlist.
  Result<Event> update(UserId actor, int64_t event_id, const EventPatch& patch);
  // The event as `viewer` may see it, with ticket types, sponsors, counts and their ticket.
  Result<Event> get(std::optional<UserId> viewer, int64_t event_id);
  // Upcoming (ends_at >= now) or all events of a community, by start; location never included.
  Result<std::vector<Event>> list(std::optional<UserId> viewer, std::string_view community_slug, bool upcoming_only);

  // Registers `user` for a ticket type (nullopt: the event's first free type). See the header.
  // `provider` and `return_url_base` are for a paid ticket's checkout. Errors: events.not_found,
  // events.canceled, events.sales_not_started, events.sales_ended, events.ticket_type_not_found,
  // events.already_registered (Conflict), and checkout errors.
  Result<Registration> register_for(UserId user, int64_t event_id, std::optional<int64_t> ticket_type_id,
                                    const std::string& provider, const std::string& return_url_base);
  // Cancels the member's live ticket (confirmed free, pending or waitlisted) and promotes the
  // next waitlisted member. A paid confirmed ticket is refunded instead (events.refund_instead);
  // a checked-in one cannot be canceled. Errors: events.not_registered.
  Result<Ticket> cancel(UserId user, int64_t event_id);

  // Organisers mark a confirmed ticket attended, once. A second check-in answers already=true
  // with who checked it in and when. Errors: events.ticket_not_found, events.ticket_not_confirmed.
  Result<CheckinResult> check_in(UserId actor, int64_t event_id, std::string_view code);
  // Organisers: every ticket of the event with its holder, by status then registration.
  Result<std::vector<Ticket>> attendees(UserId actor, int64_t event_id);
  // Organisers, after the event has started: points (engage, act event_attended) for each
  // checked-in attendee; idempotent per ticket.
  Result<PointsResult> grant_points(UserId actor, int64_t event_id);

  Result<TicketType> add_ticket_type(UserId actor, int64_t event_id, const TicketTypeInput& input);
  Result<Sponsor> add_sponsor(UserId actor, int64_t event_id, const SponsorInput& input);
  Status remove_sponsor(UserId actor, int64_t event_id, int64_t sponsor_id);

  // The member's tickets, newest first.
  std::vector<Ticket> tickets_of(UserId user);
  // One ticket by its code, for its holder or an organiser (the QR image door).
  Result<Ticket> ticket_by_code(UserId viewer, std::string_view code);

  // Releases lapsed holds (pending tickets past hold_until) and promotes the waitlists; run by
  // the maintenance loop. Returns the holds released.
  int64_t release_expired_holds(Millis now);
  // Payments of confirmed paid tickets of canceled events (not used at the door): the maintenance
  // loop refunds them (billing::Refunds::refund_claimed); a refunded ticket leaves this list.
  std::vector<int64_t> payments_to_refund();

  // The price `user` pays for a ticket type now: the lowest of the list price and the member
  // prices of the tiers they hold a live entitlement to.
  static Money price_for(db::Tx& tx, const TicketType& type, UserId user, CommunityId community, Millis now);
  // Seat bookkeeping inside the caller's transaction (also used by the ticket product):
  // locks the event row, releases its lapsed holds and promotes its waitlist.
  static void lock_event(db::Tx& tx, int64_t event_id);
  static void settle_seats(db::Tx& tx, int64_t event_id, Millis now, int64_t hold_minutes);
  static std::optional<Ticket> load_ticket(db::Tx& tx, int64_t ticket_id);

 private:
  // The event was just canceled: tells every live ticket's holder, ends the unpaid tickets.
  static void cancel_tickets(db::Tx& tx, int64_t event_id, CommunityId community, const std::string& title, Millis now);
  Result<Event> load_for(db::Tx& tx, std::optional<UserId> viewer, int64_t event_id, bool details);
  Result<Event> require_organiser(db::Tx& tx, UserId actor, int64_t event_id);

  db::Database& db_;
  const Clock& clock_;
  community::Communities& communities_;
  billing::Checkouts& checkouts_;
  EventsOptions options_;
};

}  // namespace gh::events

#include "events/ticket_product.hpp"

namespace gh::events {

Result<billing::Quote> TicketProduct::quote(db::Tx& tx, UserId buyer, int64_t item_id, Millis now) const {
  auto ticket = Events::load_ticket(tx, item_id);
  if (!ticket || ticket->user != buyer) {
    return not_found("events.ticket_not_found", "No such ticket.");
  }
  Events::lock_event(tx, ticket->event_id);
  const Millis hold = now + options_.hold_minutes * 60'000;
  if (ticket->status == "confirmed") {
    return conflict("events.already_paid", "This ticket is already confirmed.");
  }
  if (ticket->status == "expired") {
    // The hold lapsed: take a seat again if one is free and no other live ticket exists.
    auto event = tx.one("SELECT capacity FROM events WHERE id = $1", {ticket->event_id});
    const int64_t taken =
        *tx.scalar_i64("SELECT COUNT(*) FROM event_tickets WHERE event_id = $1 AND status IN ('confirmed', 'pending')",
                       {ticket->event_id});
    const bool other_live = tx.one(
                                  "SELECT 1 FROM event_tickets WHERE event_id = $1 AND user_id = $2 AND "
                                  "status IN ('pending', 'confirmed', 'waitlisted')",
                                  {ticket->event_id, buyer.value})
                                .has_value();
    if (other_live || taken >= event->row().i64(0)) {
      return conflict("events.sold_out", "Your hold lapsed and the seats are gone; join the waitlist again.");
    }
    tx.exec("UPDATE event_tickets SET status = 'pending', hold_until = $2, updated_at = $3 WHERE id = $1",
            {ticket->id, hold, now});
  } else if (ticket->status == "pending") {
    // A lapsed but not yet released hold still counts as taken: renewing it overbooks nothing.
    tx.exec("UPDATE event_tickets SET hold_until = $2, updated_at = $3 WHERE id = $1", {ticket->id, hold, now});
  } else {
    return conflict("events.ticket_not_payable", "This ticket cannot be paid (" + ticket->status + ").");
  }
  auto community = tx.one("SELECT community_id FROM events WHERE id = $1", {ticket->event_id});
  billing::Quote quote;
  quote.community = CommunityId(community->row().i64(0));
  quote.price = ticket->price;
  quote.name = ticket->event_title + " · " + ticket->ticket_type_name;
  quote.url = "/events/" + std::to_string(ticket->event_id);
  quote.coupons = false;
  return quote;
}

Status TicketProduct::fulfil(db::Tx& tx, const billing::Checkout& checkout, int64_t payment_id, Millis now) const {
  auto ticket = Events::load_ticket(tx, checkout.item_id.value_or(0));
  if (!ticket) {
    return not_found("events.ticket_not_found", "No such ticket.");
  }
  Events::lock_event(tx, ticket->event_id);
  if (ticket->status == "confirmed") {
    // Paid twice (two checkouts of one ticket): the ticket stands; the second payment stays
    // refundable by the owners (refunded() ignores a payment that is not the ticket's).
    return {};
  }
  // The paid ticket replaces any other live one of the same member (a waitlist entry made after
  // its hold lapsed), so that the one-live-ticket rule holds.
  const bool replaced = tx.exec(
                              "UPDATE event_tickets SET status = 'canceled', canceled_at = $3, updated_at = $3 "
                              "WHERE event_id = $1 AND user_id = $2 AND id <> $4 AND "
                              "status IN ('pending', 'confirmed', 'waitlisted')",
                              {ticket->event_id, ticket->user.value, now, ticket->id})
                            .affected > 0;
  tx.exec(
      "UPDATE event_tickets SET status = 'confirmed', payment_id = $2, confirmed_at = $3, hold_until = NULL, "
      "updated_at = $3 WHERE id = $1",
      {ticket->id, payment_id, now});
  if (replaced) {
    Events::settle_seats(tx, ticket->event_id, now, options_.hold_minutes);
  }
  return {};
}

Status TicketProduct::begin_refund(db::Tx& tx, const billing::Payment& payment, Millis /*now*/) const {
  auto row = tx.one("SELECT checked_in_at FROM event_tickets WHERE payment_id = $1", {payment.id});
  if (row && !row->row().is_null(0)) {
    return conflict("events.already_checked_in", "A ticket used at the door is not refunded.");
  }
  return {};
}

void TicketProduct::refunded(db::Tx& tx, const billing::Payment& payment, Millis now) const {
  auto row = tx.one("SELECT id, event_id FROM event_tickets WHERE payment_id = $1", {payment.id});
  if (!row) {
    return;  // A second payment of an already paid ticket: nothing to take back.
  }
  const int64_t event_id = row->row().i64(1);
  Events::lock_event(tx, event_id);
  tx.exec("UPDATE event_tickets SET status = 'refunded', canceled_at = $2, updated_at = $2 WHERE id = $1",
          {row->row().i64(0), now});
  Events::settle_seats(tx, event_id, now, options_.hold_minutes);
}

}  // namespace gh::events

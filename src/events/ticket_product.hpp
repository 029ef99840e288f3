// gh::events::TicketProduct: paid tickets sold through billing's one checkout (kind "ticket",
// item id = the ticket's id).
//
// Events::register_for inserts a `pending` ticket holding a seat, then starts the checkout;
// quote() prices it (the price fixed at registration: list or member price) and renews the
// hold for the checkout; fulfil() confirms it. A payment that arrives after its hold lapsed is
// HONOURED: the ticket is confirmed even when that puts the event one seat over capacity (the
// money is taken; an automatic refund would need a provider call inside a transaction). A
// refund frees the seat and promotes the waitlist in the refund's transaction; a ticket used at
// the door is not refunded. Stateless; thread-safe.
#pragma once

#include "billing/products.hpp"
#include "events/events.hpp"

namespace gh::events {

class TicketProduct final : public billing::Product {
 public:
  explicit TicketProduct(EventsOptions options = {}) : options_(options) {}

  // Errors: events.ticket_not_found (not the buyer's), events.already_paid,
  // events.ticket_not_payable (canceled, refunded, waitlisted), events.sold_out (a lapsed hold
  // whose seat is gone).
  Result<billing::Quote> quote(db::Tx& tx, UserId buyer, int64_t item_id, Millis now) const override;
  Status fulfil(db::Tx& tx, const billing::Checkout& checkout, int64_t payment_id, Millis now) const override;
  // Errors: events.already_checked_in.
  Status begin_refund(db::Tx& tx, const billing::Payment& payment, Millis now) const override;
  void refunded(db::Tx& tx, const billing::Payment& payment, Millis now) const override;

 private:
  EventsOptions options_;
};

}  // namespace gh::events

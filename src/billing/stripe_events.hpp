// gh::billing Stripe webhooks: verify, then apply each event once.
//
// handle() checks the Stripe-Signature over the raw body (stripe.hpp) before it parses a byte
// of JSON, then in ONE transaction records the event id in provider_events (ON CONFLICT DO
// NOTHING: a duplicate delivery, concurrent or not, changes nothing) and applies its effect.
// A failure rolls back both, so Stripe's retry finds the event unprocessed.
//
//   checkout.session.completed (and .async_payment_succeeded), payment_status "paid":
//       Checkouts::complete(); "unpaid" waits for the async event.
//   checkout.session.expired: a pending checkout becomes expired.
//   invoice.paid: billing_reason subscription_create is the session's own money: it completes
//       the same checkout (whichever of the two events comes first books; the checkout claim
//       and the payment's unique provider id stop the other). Any other reason is a renewal:
//       the membership's period extends from its current end, a renewal payment and its
//       ledger booking are recorded.
//   invoice.payment_failed: membership past_due (access stays until the period end).
//   customer.subscription.deleted: membership canceled (access stays until the period end;
//       later invoices renew nothing).
//   charge.refunded (full): booked like our refund (Refunds::book).
// Unknown event types and events about objects we do not know are answered 200 (logged).
// Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "billing/checkout.hpp"
#include "billing/refunds.hpp"

namespace gh::billing {

class StripeEvents {
 public:
  StripeEvents(db::Database& db, const Clock& clock, Checkouts& checkouts, Refunds& refunds, std::string webhook_secret)
      : db_(db), clock_(clock), checkouts_(checkouts), refunds_(refunds), secret_(std::move(webhook_secret)) {}

  // Errors: billing.webhooks_unavailable (no secret configured), the signature errors of
  // verify_stripe_signature, billing.webhook_malformed (Invalid), and whatever applying the
  // event returned (its transaction rolled back).
  Status handle(std::string_view payload, std::string_view signature_header);

 private:
  db::Database& db_;
  const Clock& clock_;
  Checkouts& checkouts_;
  Refunds& refunds_;
  std::string secret_;
};

}  // namespace gh::billing

// gh::billing refunds: giving a payment's money back and taking back what it bought.
//
// refund() checks who may (owners and admins of the community: any payment; the buyer: their
// own, within the refund window), asks the provider first (Stripe: POST /v1/refunds, and for a
// subscription DELETE /v1/subscriptions/{id}; manual payments have no provider call), then
// books the refund in ONE transaction with book(): the payment is claimed with
// `UPDATE ... WHERE status = 'succeeded'` (double clicks, concurrent calls and Stripe's own
// charge.refunded event refund once), its ledger transaction is reversed exactly (fee
// included, see src/ledger/README.md: a full refund is a reversal), the membership becomes
// refunded and its entitlement is revoked, or a purchased post's entitlement is revoked.
// Access ends at once. Only full refunds. Thread-safe.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "billing/checkout.hpp"
#include "billing/stripe.hpp"

namespace gh::billing {

struct RefundOptions {
  int64_t window_hours = 72;  // How long a buyer may refund their own payment.
  const StripeClient* stripe = nullptr;
  const Catalog* catalog = nullptr;  // Products take back what a refunded payment bought.
};

class Refunds {
 public:
  Refunds(db::Database& db, const Clock& clock, RefundOptions options) : db_(db), clock_(clock), options_(options) {}

  // Errors: billing.payment_not_found (NotFound; also for payments the actor may not see),
  // billing.refund_window_closed (Forbidden: the buyer, after the window),
  // billing.refund_not_possible (Conflict: a Stripe payment whose charge we never learned),
  // billing.provider_unavailable, billing.provider_error, and a product's refusal
  // (Product::refundable, e.g. a question already answered). Refunding a refunded payment
  // returns it unchanged.
  Result<Payment> refund(UserId actor, std::string_view payment_public_id);

  // Refunds a payment whose product has already claimed its item for refunding (an unanswered
  // paid question past its deadline): no permission or window check, the provider first, then
  // book() as for a refund made at the provider. Errors: those of the provider call; a failed
  // call leaves the payment succeeded, for the caller to retry.
  Result<Payment> refund_claimed(int64_t payment_id);

  // Books a full refund of `payment_id` inside `tx` (see the header comment). `actor` is
  // nullopt for refunds made at the provider. Idempotent: an already refunded payment is
  // returned as it is.
  Result<Payment> book(db::Tx& tx, int64_t payment_id, std::optional<UserId> actor);

  // Stops a renewing membership (a Stripe subscription) from charging again: Stripe is told
  // first (cancel_at_period_end), then the membership becomes canceled. Access stays until the
  // period end, which Stripe's customer.subscription.deleted confirms later. The member or the
  // community's owners and admins. Errors: billing.membership_not_found (NotFound),
  // billing.not_renewing (Conflict: nothing would charge again), billing.provider_error.
  // Canceling a canceled membership returns it unchanged.
  Result<Membership> cancel(UserId actor, int64_t membership_id);

  // Ends a subscription at Stripe now (DELETE /v1/subscriptions/{id}), so that a refunded member
  // is not charged again. Errors: billing.provider_unavailable, billing.provider_error.
  Status stop_subscription(const std::string& subscription_id) const;

  // Whether the buyer may still refund this payment themselves.
  bool buyer_may_refund(const Payment& payment) const;
  // May `actor` refund payments of `community` (owners and admins)?
  static bool manages(db::Tx& tx, UserId actor, CommunityId community);
  int64_t window_hours() const { return options_.window_hours; }

 private:
  struct Plan;
  static Plan plan_for(db::Tx& tx, const Payment& payment);
  Result<Payment> carry_out(const Plan& plan, std::optional<UserId> actor);
  const Product* product_of(const Payment& payment) const;

  db::Database& db_;
  const Clock& clock_;
  RefundOptions options_;
};

}  // namespace gh::billing

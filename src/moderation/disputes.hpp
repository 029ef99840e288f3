// gh::moderation disputes: a member contests one of their payments (billing's payments, found
// by public id "py_..."), in a thread with the community's owners and admins, until one of them
// records a resolution: refunded (through billing::Refunds, the one way money goes back) or
// rejected with a reason.
//
// Only the payer opens a dispute, on a payment not yet refunded; one open dispute per payment
// (a partial unique index decides between parallel attempts). Resolving claims the dispute
// with a conditional update first, so two owners resolving at once record one resolution; a
// refund the provider refuses puts the dispute back to open. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "billing/refunds.hpp"
#include "core/clock.hpp"
#include "core/money.hpp"
#include "core/result.hpp"
#include "db/db.hpp"
#include "moderation/feedback.hpp"

namespace gh::moderation {

struct Dispute {
  int64_t id = 0;
  std::string payment_id;  // The payment's public id (py_...).
  CommunityId community;
  std::string community_slug;
  content::Author member;
  Money amount = Money::zero("CNY");
  std::string payment_status;  // succeeded | refunded
  std::string reason;
  std::string status;  // open | refunded | rejected
  std::string resolution;
  std::optional<content::Author> resolved_by;
  Millis created_at = 0;
  std::optional<Millis> resolved_at;
  std::vector<Message> messages;  // Loaded by get() and the writes.
  bool viewer_can_resolve = false;
};

enum class DisputeOutcome { Refund, Reject };

class Disputes {
 public:
  Disputes(db::Database& db, const Clock& clock, billing::Refunds& refunds)
      : db_(db), clock_(clock), refunds_(refunds) {}

  // The payer only. Errors: billing.payment_not_found (NotFound, also for others' payments),
  // disputes.payment_refunded, disputes.already_open (Conflict), disputes.invalid_body.
  Result<Dispute> open(UserId user, std::string_view payment_public_id, std::string_view reason);
  // The payer and the community's owners and admins: the disputes of one payment, newest first.
  Result<std::vector<Dispute>> for_payment(UserId viewer, std::string_view payment_public_id);
  // Owners and admins: the community's disputes, open first, newest first.
  Result<std::vector<Dispute>> for_community(UserId viewer, std::string_view community_slug);
  Result<Dispute> get(UserId viewer, int64_t id);
  // Either side, while open. disputes.resolved (Conflict) afterwards.
  Result<Dispute> reply(UserId viewer, int64_t id, std::string_view body);
  // Owners and admins. A rejection needs a reason. disputes.resolved (Conflict) when already
  // resolved; the refund's own errors (billing.provider_error...) leave the dispute open.
  Result<Dispute> resolve(UserId actor, int64_t id, DisputeOutcome outcome, std::string_view reason);

 private:
  Result<Dispute> load(db::Tx& tx, UserId viewer, int64_t id);
  std::vector<Dispute> load_list(db::Tx& tx, UserId viewer, std::string_view where, int64_t key);

  db::Database& db_;
  const Clock& clock_;
  billing::Refunds& refunds_;
};

}  // namespace gh::moderation

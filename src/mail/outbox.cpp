#include "mail/outbox.hpp"

#include <algorithm>

namespace gh::mail {

std::optional<int64_t> enqueue(db::Tx& tx, const OutgoingMail& mail, Millis now) {
  const std::optional<int64_t> user = mail.user ? std::optional<int64_t>(mail.user->value) : std::nullopt;
  return tx.scalar_i64(
      "INSERT INTO mail_outbox (idem_key, user_id, kind, to_addr, from_addr, subject, message, next_attempt_at, "
      "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT DO NOTHING RETURNING id",
      {mail.idem_key, user, mail.kind, mail.to, mail.from, mail.subject, mail.message, now});
}

Millis backoff_ms(int attempts, const RetryPolicy& policy) {
  Millis wait = policy.base_ms;
  for (int i = 1; i < attempts && wait < policy.cap_ms; ++i) {
    wait *= 2;
  }
  return std::min(wait, policy.cap_ms);
}

std::vector<ClaimedMail> claim(db::Tx& tx, std::string_view owner, Millis now, int limit, const RetryPolicy& policy) {
  // The due condition is written twice on purpose: the subquery picks candidates, and the outer
  // WHERE is re-checked by PostgreSQL on the latest row version after waiting for a concurrent
  // claimer, so a row leased by another process in the meantime is skipped, not taken twice.
  const auto rows = tx.exec(
      "UPDATE mail_outbox SET lease_until = $2, lease_owner = $3, attempts = attempts + 1 "
      "WHERE id IN (SELECT id FROM mail_outbox WHERE status = 'queued' AND next_attempt_at <= $1 "
      "AND (lease_until IS NULL OR lease_until <= $1) ORDER BY next_attempt_at, id LIMIT $4) "
      "AND status = 'queued' AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1) "
      "RETURNING id, to_addr, from_addr, message, attempts",
      {now, now + policy.lease_ms, owner, limit});
  std::vector<ClaimedMail> out;
  for (const auto& row : rows) {
    out.push_back(ClaimedMail{row.i64(0), row.text(1), row.text(2), row.text(3), static_cast<int>(row.i64(4))});
  }
  std::sort(out.begin(), out.end(), [](const ClaimedMail& a, const ClaimedMail& b) { return a.id < b.id; });
  return out;
}

void record_outcome(db::Tx& tx, const ClaimedMail& mail, std::string_view owner, const SendOutcome& outcome, Millis now,
                    const RetryPolicy& policy) {
  if (outcome.sent()) {
    tx.exec(
        "UPDATE mail_outbox SET status = 'sent', sent_at = $3, lease_until = NULL, lease_owner = NULL, "
        "last_error = '' WHERE id = $1 AND lease_owner = $2",
        {mail.id, owner, now});
    return;
  }
  const bool give_up = outcome.status == SendOutcome::Status::Permanent || mail.attempts >= policy.max_attempts;
  tx.exec(
      "UPDATE mail_outbox SET status = $3, next_attempt_at = $4, lease_until = NULL, lease_owner = NULL, "
      "last_error = $5 WHERE id = $1 AND lease_owner = $2",
      {mail.id, owner, give_up ? "failed" : "queued", now + backoff_ms(mail.attempts, policy), outcome.detail});
}

}  // namespace gh::mail

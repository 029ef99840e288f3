// The durable outbox: every e-mail is a row, written in the transaction of its cause (so a
// message exists only if that cause committed) and sent later by the worker.
//
// Claiming is one conditional UPDATE that sets a lease (lease_until, lease_owner) on due rows
// and returns them; on PostgreSQL a row another process claimed in the meantime fails the
// re-checked condition, on SQLite writers are serialised, so each row has one sender at a
// time. A worker that dies leaves its lease to run out, and the row becomes due again:
// delivery is at least once. All functions run inside the caller's transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "db/db.hpp"
#include "mail/smtp.hpp"

namespace gh::mail {

struct OutgoingMail {
  std::optional<UserId> user;
  std::string kind;  // "digest", "replies"..., or "transactional".
  std::string to;    // Bare address, for RCPT TO.
  std::string from;  // Bare address, for MAIL FROM.
  std::string subject;
  std::string message;                  // The whole RFC 5322 message.
  std::optional<std::string> idem_key;  // A second enqueue with the same key is a no-op.
};

// Inserts the message, due at `now`. Returns its id, or nullopt when `idem_key` was used before.
std::optional<int64_t> enqueue(db::Tx& tx, const OutgoingMail& mail, Millis now);

struct RetryPolicy {
  int max_attempts = 8;
  Millis base_ms = 60'000;          // Wait after the first failure...
  Millis cap_ms = 6 * 3600 * 1000;  // ...doubling each time, never above this.
  Millis lease_ms = 5 * 60 * 1000;  // Longer than any SMTP conversation.
};

// The wait after the `attempts`-th failed attempt (1-based): base * 2^(attempts-1), capped.
Millis backoff_ms(int attempts, const RetryPolicy& policy);

struct ClaimedMail {
  int64_t id = 0;
  std::string to;
  std::string from;
  std::string message;
  int attempts = 0;  // Including this one.
};

// Leases up to `limit` due messages to `owner` until now + lease_ms and counts the attempt.
std::vector<ClaimedMail> claim(db::Tx& tx, std::string_view owner, Millis now, int limit, const RetryPolicy& policy);

// Records the outcome of an attempt by `owner`. Does nothing when the lease was lost (another
// worker took the row after the lease ran out). A temporary failure is retried after
// backoff_ms(attempts) until max_attempts; then, or for a permanent failure, the row is failed.
void record_outcome(db::Tx& tx, const ClaimedMail& mail, std::string_view owner, const SendOutcome& outcome, Millis now,
                    const RetryPolicy& policy);

}  // namespace gh::mail

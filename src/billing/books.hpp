// gh::billing books: what a community's owners and admins see of its money (balance, the
// ledger's transactions, a CSV export, daily revenue for a chart), and the cross-check between
// the ledger and the billing tables that `guildhall ledger check` runs beside ledger::check().
//
// Reads only; everything is computed from the ledger and the payments, never stored twice.
// Access: community owners and admins (access::Action::ManageBilling). Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/money.hpp"
#include "core/result.hpp"
#include "db/db.hpp"
#include "ledger/ledger.hpp"

namespace gh::billing {

// One currency of a community's books.
struct CurrencySummary {
  std::string currency;
  int64_t gross_minor = 0;     // Payments received (succeeded or later refunded).
  int64_t fees_minor = 0;      // The platform's fee on them.
  int64_t refunded_minor = 0;  // Payments refunded.
  int64_t net_minor = 0;       // Net booked revenue (ledger::net_revenue): what the community earned.
  int64_t payments = 0;        // Count of payments.
  int64_t refunds = 0;         // Count of refunded payments.
};

struct BooksSummary {
  CommunityId community;
  std::string community_slug;
  std::string community_name;
  std::vector<CurrencySummary> currencies;       // The community's own currency first.
  std::vector<ledger::AccountBalance> accounts;  // Every account its transactions touch.
};

struct DayRevenue {
  Millis day_start = 0;  // 00:00 UTC of the day.
  int64_t net_minor = 0;
};

class Books {
 public:
  Books(db::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Errors (all): community.not_found; community.not_allowed (Forbidden) for anyone below admin.
  Result<BooksSummary> summary(UserId actor, std::string_view community_slug);
  // Newest first, keyset by id. Errors also: ledger.invalid_cursor.
  Result<ledger::TransactionPage> transactions(UserId actor, std::string_view community_slug,
                                               std::optional<std::string> cursor, int limit);
  // RFC 4180 CSV, one line per entry (see ledger::export_csv).
  Result<std::string> csv(UserId actor, std::string_view community_slug);
  // Net revenue per UTC day in `currency` for the last `days` days (today included), oldest
  // first, days without bookings included as zero. `days` is clamped to 1..366.
  Result<std::vector<DayRevenue>> daily(UserId actor, std::string_view community_slug, std::string_view currency,
                                        int days);

 private:
  Result<CommunityId> authorize(db::Tx& tx, UserId actor, std::string_view community_slug);

  db::Database& db_;
  const Clock& clock_;
};

// The billing side of the books, recomputed from the rows (what ledger::check cannot know):
// every payment has its ledger booking (same community, the amount on a clearing account, the
// fee on platform:fees); a refunded payment's bookings net to zero on the clearing account; a
// succeeded one's do not; each provider's clearing balance equals its payments not refunded;
// no refunded membership or purchase still gives access (an unrevoked entitlement).
// Problems are grouped, a few examples each; ok is false on any.
ledger::CheckReport check_books(db::Tx& tx);

}  // namespace gh::billing

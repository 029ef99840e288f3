#include "billing/books.hpp"

#include <algorithm>
#include <map>

#include "access/access.hpp"

namespace gh::billing {
namespace {

constexpr Millis kDay = 24LL * 60 * 60 * 1000;
constexpr size_t kExamples = 5;  // Examples reported per kind of problem.

// Adds one problem line per row of `sql` (its first column names the payment or account).
void report_rows(db::Tx& tx, ledger::CheckReport& report, const std::string& sql, std::string_view what) {
  size_t n = 0;
  for (auto r : tx.exec(sql)) {
    if (n++ == kExamples) {
      report.problems.push_back(std::string(what) + ": and more");
      break;
    }
    report.problems.push_back(std::string(what) + ": " + r.text(0));
  }
  if (n > 0) {
    report.ok = false;
  }
}

}  // namespace

Result<CommunityId> Books::authorize(db::Tx& tx, UserId actor, std::string_view community_slug) {
  auto row = tx.one("SELECT id FROM communities WHERE slug = $1", {std::string(community_slug)});
  if (!row) {
    return not_found("community.not_found", "No such community.");
  }
  const CommunityId community(row->row().i64(0));
  const auto role = access::role_in(tx, actor, community);
  if (!access::allows(role, access::Action::ManageBilling)) {
    // Members learn that the books are closed to them; others do not learn the community exists
    // beyond what its public page shows.
    return forbidden("community.not_allowed", "Only owners and admins see the books.");
  }
  return community;
}

Result<BooksSummary> Books::summary(UserId actor, std::string_view community_slug) {
  return db_.read([&](db::Tx& tx) -> Result<BooksSummary> {
    auto community = authorize(tx, actor, community_slug);
    if (!community) {
      return std::move(community).error();
    }
    BooksSummary out;
    out.community = *community;
    auto info = tx.one("SELECT slug, name, currency FROM communities WHERE id = $1", {community->value});
    out.community_slug = info->row().text(0);
    out.community_name = info->row().text(1);
    const std::string own_currency = info->row().text(2);

    std::map<std::string, CurrencySummary> by_currency;
    by_currency[own_currency].currency = own_currency;
    for (auto r : tx.exec("SELECT currency, COALESCE(SUM(amount_minor), 0), COALESCE(SUM(fee_minor), 0), COUNT(*), "
                          "COALESCE(SUM(CASE WHEN status = 'refunded' THEN amount_minor ELSE 0 END), 0), "
                          "COALESCE(SUM(CASE WHEN status = 'refunded' THEN 1 ELSE 0 END), 0) "
                          "FROM payments WHERE community_id = $1 GROUP BY currency",
                          {community->value})) {
      auto& c = by_currency[r.text(0)];
      c.currency = r.text(0);
      c.gross_minor = r.i64(1);
      c.fees_minor = r.i64(2);
      c.payments = r.i64(3);
      c.refunded_minor = r.i64(4);
      c.refunds = r.i64(5);
    }
    out.accounts = ledger::balances_for_community(tx, *community);
    for (const auto& a : out.accounts) {
      by_currency[a.currency].currency = a.currency;
    }
    for (auto& [currency, c] : by_currency) {
      c.net_minor = ledger::net_revenue(tx, *community, currency);
      if (currency == own_currency) {
        out.currencies.insert(out.currencies.begin(), c);
      } else {
        out.currencies.push_back(c);
      }
    }
    return out;
  });
}

Result<ledger::TransactionPage> Books::transactions(UserId actor, std::string_view community_slug,
                                                    std::optional<std::string> cursor, int limit) {
  return db_.read([&](db::Tx& tx) -> Result<ledger::TransactionPage> {
    auto community = authorize(tx, actor, community_slug);
    if (!community) {
      return std::move(community).error();
    }
    ledger::TransactionFilter filter;
    filter.community = *community;
    filter.cursor = std::move(cursor);
    filter.limit = limit;
    return ledger::transactions(tx, filter);
  });
}

Result<std::string> Books::csv(UserId actor, std::string_view community_slug) {
  return db_.read([&](db::Tx& tx) -> Result<std::string> {
    auto community = authorize(tx, actor, community_slug);
    if (!community) {
      return std::move(community).error();
    }
    return ledger::export_csv(tx, *community);
  });
}

Result<std::vector<DayRevenue>> Books::daily(UserId actor, std::string_view community_slug, std::string_view currency,
                                             int days) {
  days = std::clamp(days, 1, 366);
  const Millis today = clock_.now_ms() / kDay * kDay;
  const Millis from = today - static_cast<Millis>(days - 1) * kDay;
  return db_.read([&](db::Tx& tx) -> Result<std::vector<DayRevenue>> {
    auto community = authorize(tx, actor, community_slug);
    if (!community) {
      return std::move(community).error();
    }
    std::vector<DayRevenue> out(static_cast<size_t>(days));
    for (size_t i = 0; i < out.size(); ++i) {
      out[i].day_start = from + static_cast<Millis>(i) * kDay;
    }
    // Net revenue is minus the entries on the community's revenue-kind accounts (revenue and the
    // contra-revenue refunds), as ledger::net_revenue computes it, bucketed by day in SQL.
    for (auto r :
         tx.exec("SELECT d, SUM(amount) FROM (SELECT (e.created_at - $3) / $4 AS d, e.amount_minor AS amount "
                 "FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id "
                 "WHERE a.community_id = $1 AND a.kind = 'revenue' AND a.currency = $2 AND e.created_at >= $3) s "
                 "GROUP BY d",
                 {community->value, std::string(currency), from, kDay})) {
      const int64_t index = r.i64(0);
      if (index >= 0 && index < days) {
        out[static_cast<size_t>(index)].net_minor = -r.i64(1);
      }
    }
    return out;
  });
}

ledger::CheckReport check_books(db::Tx& tx) {
  ledger::CheckReport report;
  // Every payment is booked, for its own community (a zero payment, e.g. a 100% coupon, moves no
  // money and books nothing).
  report_rows(tx, report,
              "SELECT y.public_id FROM payments y LEFT JOIN ledger_transactions t ON t.id = y.ledger_transaction_id "
              "WHERE y.amount_minor <> 0 AND (t.id IS NULL OR t.community_id IS NULL OR t.community_id <> "
              "y.community_id) ORDER BY y.id",
              "payment without its ledger booking");
  // The booking puts the amount on the provider's clearing account...
  report_rows(tx, report,
              "SELECT y.public_id FROM payments y "
              "LEFT JOIN ledger_accounts a ON a.code = 'processor:' || y.provider AND a.currency = y.currency "
              "LEFT JOIN ledger_entries e ON e.transaction_id = y.ledger_transaction_id AND e.account_id = a.id "
              "WHERE y.ledger_transaction_id IS NOT NULL "
              "GROUP BY y.id, y.public_id, y.amount_minor HAVING COALESCE(SUM(e.amount_minor), 0) <> y.amount_minor "
              "ORDER BY y.id",
              "payment booked with another amount than it received");
  // ...and the fee on the platform's account.
  report_rows(tx, report,
              "SELECT y.public_id FROM payments y "
              "LEFT JOIN ledger_accounts a ON a.code = 'platform:fees' AND a.currency = y.currency "
              "LEFT JOIN ledger_entries e ON e.transaction_id = y.ledger_transaction_id AND e.account_id = a.id "
              "WHERE y.ledger_transaction_id IS NOT NULL "
              "GROUP BY y.id, y.public_id, y.fee_minor HAVING COALESCE(SUM(e.amount_minor), 0) <> -y.fee_minor "
              "ORDER BY y.id",
              "payment booked with another fee than it records");
  // What happened to each payment afterwards (refunds carry the payment's id as reference):
  // a refunded payment nets to zero on the clearing account, a succeeded one to its amount.
  report_rows(tx, report,
              "SELECT y.public_id FROM payments y "
              "JOIN ledger_transactions t ON t.reference = y.public_id "
              "JOIN ledger_entries e ON e.transaction_id = t.id "
              "JOIN ledger_accounts a ON a.id = e.account_id AND a.code = 'processor:' || y.provider "
              "GROUP BY y.id, y.public_id, y.status, y.amount_minor "
              "HAVING (y.status = 'refunded' AND SUM(e.amount_minor) <> 0) OR "
              "(y.status = 'succeeded' AND SUM(e.amount_minor) <> y.amount_minor) ORDER BY y.id",
              "payment whose status disagrees with its bookings");
  // Each clearing account holds exactly the payments not refunded.
  for (auto r : tx.exec("SELECT a.code, a.currency, "
                        "(SELECT COALESCE(SUM(e.amount_minor), 0) FROM ledger_entries e WHERE e.account_id = a.id), "
                        "(SELECT COALESCE(SUM(y.amount_minor), 0) FROM payments y WHERE 'processor:' || y.provider = "
                        "a.code AND y.currency = a.currency AND y.status = 'succeeded') "
                        "FROM ledger_accounts a WHERE a.code LIKE 'processor:%' ORDER BY a.code, a.currency")) {
    if (r.i64(2) != r.i64(3)) {
      report.ok = false;
      report.problems.push_back("clearing account " + r.text(0) + " " + r.text(1) + " holds " +
                                std::to_string(r.i64(2)) + " but its payments not refunded sum to " +
                                std::to_string(r.i64(3)));
    }
  }
  // A refund takes access away: no live entitlement may come from a refunded membership or
  // purchase.
  report_rows(tx, report,
              "SELECT 'membership ' || CAST(m.id AS TEXT) FROM entitlements n JOIN memberships m ON n.source = "
              "'membership' AND m.id = n.source_id WHERE m.status = 'refunded' AND n.revoked_at IS NULL ORDER BY m.id",
              "refunded membership still gives access");
  report_rows(tx, report,
              "SELECT y.public_id FROM entitlements n JOIN payments y ON n.source = 'purchase' AND y.id = n.source_id "
              "WHERE y.status = 'refunded' AND n.revoked_at IS NULL ORDER BY y.id",
              "refunded purchase still gives access");
  // A membership sold through a provider was paid for.
  report_rows(tx, report,
              "SELECT 'membership ' || CAST(m.id AS TEXT) FROM memberships m WHERE m.provider IN ('manual', 'stripe') "
              "AND NOT EXISTS (SELECT 1 FROM payments y WHERE y.membership_id = m.id) ORDER BY m.id",
              "membership sold without a payment");
  return report;
}

}  // namespace gh::billing

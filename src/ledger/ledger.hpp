// gh::ledger: balanced double-entry bookkeeping of every money movement (payments, platform
// fees, creator shares, refunds, renewals, manual confirmations, payouts...).
//
// Everything runs inside the caller's db::Tx, the same transaction that changes the payment or
// membership, so a booking commits or rolls back with its cause. Rows are only inserted, never
// changed: a correction is a new transaction. post() validates everything before its first
// write and uses no statement that can fail on a duplicate, so an error leaves the caller's
// transaction usable. Sign convention: amount_minor > 0 is a debit, < 0 a credit; a
// transaction's entries sum to zero per currency. Free functions; thread-safe (state lives in
// the database).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/result.hpp"
#include "db/db.hpp"

namespace gh::ledger {

using AccountId = Id<struct AccountTag>;
using TransactionId = Id<struct TransactionTag>;
using EntryId = Id<struct EntryTag>;

enum class AccountKind { Asset, Liability, Revenue, Expense, Equity };
std::string_view to_string(AccountKind kind);
std::optional<AccountKind> parse_account_kind(std::string_view text);

// What an account is. Accounts are unique on (code, currency).
struct AccountSpec {
  std::string code;
  std::string currency;
  AccountKind kind = AccountKind::Asset;
  std::optional<CommunityId> community;  // The community whose books the account belongs to.
  std::optional<UserId> user;            // The person an account is owed to, e.g. a creator.
};

struct Account {
  AccountId id;
  std::string code;
  std::string currency;
  AccountKind kind = AccountKind::Asset;
  std::optional<CommunityId> community;
  std::optional<UserId> user;
  Millis created_at = 0;
};

// The chart of accounts: specs built here so that nobody types a code or a kind by hand.
// Money received by a payment processor and not yet paid out to us: "processor:stripe" (asset).
AccountSpec processor_clearing(std::string_view provider, std::string_view currency);
// Payments confirmed by hand (bank transfer, cash): "processor:manual" (asset).
AccountSpec manual_clearing(std::string_view currency);
// What a community earns, after the platform fee: "community:12:revenue" (revenue).
AccountSpec community_revenue(CommunityId community, std::string_view currency);
// Refunds of a community's sales: "community:12:refunds" (contra-revenue: kind revenue,
// normally a debit balance, so net revenue is the sum of both accounts).
AccountSpec refunds_issued(CommunityId community, std::string_view currency);
// The platform's fee on sales: "platform:fees" (revenue).
AccountSpec platform_fees(std::string_view currency);
// What the platform owes a creator until paid out: "creator:34:payable" (liability).
AccountSpec creator_payable(UserId creator, std::string_view currency);
// Money paid for something not yet delivered, held until it is (a paid question waits for its
// answer, then moves to the expert) or refunded: "community:12:held" (liability).
AccountSpec community_held(CommunityId community, std::string_view currency);

// Finds the account with the spec's code and currency, or creates it (created_at from `clock`).
// Safe when two transactions ensure the same account at once. Errors:
// ledger.invalid_account_code, money.unknown_currency (Invalid); ledger.unknown_community,
// ledger.unknown_user (NotFound); ledger.account_mismatch (Conflict) when the account exists with
// another kind, community or user.
Result<AccountId> ensure_account(db::Tx& tx, const AccountSpec& spec, const Clock& clock);
std::optional<Account> find_account(db::Tx& tx, std::string_view code, std::string_view currency);
std::optional<Account> find_account(db::Tx& tx, AccountId id);

struct Line {
  AccountId account;
  int64_t amount_minor = 0;  // > 0 debit, < 0 credit.
};

struct TransactionSpec {
  std::string idempotency_key;  // Unique forever, e.g. "stripe:evt_123" or "renewal:77:2026-11".
  std::string kind;             // Lowercase word: payment, refund, renewal, payout, reversal...
  std::string memo;
  std::optional<CommunityId> community;  // Required when a line touches a community's account.
  std::string reference;                 // The cause, e.g. "order:991" (free text, for people).
  std::string currency;                  // When set, every line's account must be in it.
  std::vector<Line> lines;
  // Set only by a full reversal: the lines must negate that transaction's exactly. Partial
  // corrections are ordinary transactions (see README.md).
  std::optional<TransactionId> reverses;
};

struct Posted {
  TransactionId id;
  bool already_posted = false;  // The key was booked before; nothing was written now.
};

inline constexpr size_t kMaxLines = 1000;

// Books `spec` inside `tx`. A key booked before with the same lines, kind, community and
// reversal target returns that transaction with already_posted (memo and reference of the
// replay are ignored). Errors, all returned before the first write:
//   Invalid:  ledger.invalid_key, ledger.invalid_kind, ledger.invalid_text, ledger.too_few_lines,
//             ledger.too_many_lines, ledger.zero_amount, ledger.amount_out_of_range,
//             money.unknown_currency, ledger.currency_mismatch, ledger.community_mismatch,
//             ledger.amount_overflow, ledger.unbalanced, ledger.not_a_reversal
//   NotFound: ledger.unknown_account, ledger.unknown_community, ledger.unknown_transaction
//   Conflict: ledger.key_reused, ledger.already_reversed
// Also keeps communities.income_minor (the directory's net booked revenue) in step.
Result<Posted> post(db::Tx& tx, const TransactionSpec& spec, const Clock& clock);

// Books the exact negation of `original` (kind "reversal", same community and reference,
// reverses_id set). A transaction is reversed at most once: a second reversal under another key
// is ledger.already_reversed (Conflict); the same key again is an idempotent replay.
Result<Posted> reverse(db::Tx& tx, TransactionId original, std::string idempotency_key, std::string memo,
                       const Clock& clock);

// Queries ----------------------------------------------------------------------------------

// Sum of the account's entries: positive means a debit balance.
int64_t balance(db::Tx& tx, AccountId account);

struct AccountBalance {
  AccountId account;
  std::string code;
  std::string currency;
  AccountKind kind = AccountKind::Asset;
  int64_t balance_minor = 0;  // Debit positive.
};
// The community's books: every account touched by the community's transactions, with the sum
// of those transactions' entries on it, by code and currency. Sums to zero per currency.
std::vector<AccountBalance> balances_for_community(db::Tx& tx, CommunityId community);

struct EntryView {
  EntryId id;
  AccountId account;
  std::string account_code;
  std::string currency;
  int64_t amount_minor = 0;
};

struct TransactionView {
  TransactionId id;
  std::string idempotency_key;
  std::string kind;
  std::string memo;
  std::optional<CommunityId> community;
  std::string reference;
  std::optional<TransactionId> reverses;
  Millis created_at = 0;
  std::vector<EntryView> entries;  // In booking order.
};

struct TransactionFilter {
  std::optional<CommunityId> community;
  std::optional<AccountId> account;  // Transactions with at least one entry on it.
  std::optional<std::string> cursor;
  int limit = 50;  // Clamped to 1..100.
};

struct TransactionPage {
  std::vector<TransactionView> transactions;  // Newest (highest id) first.
  std::optional<std::string> next_cursor;
};

// Keyset-paginated by id, descending. Errors: ledger.invalid_cursor (Invalid).
Result<TransactionPage> transactions(db::Tx& tx, const TransactionFilter& filter);
std::optional<TransactionView> find_transaction(db::Tx& tx, TransactionId id);

// The community's transactions as CSV (RFC 4180, CRLF, header row), one line per entry in
// booking order: transaction_id, created_at (RFC 3339), kind, memo, account, currency, debit,
// credit. Amounts are decimals in the currency's unit ("95.00"); the other side is empty.
// Text cells starting with = + - @ get a leading ' so spreadsheets do not run them.
std::string export_csv(db::Tx& tx, CommunityId community);

// What the community earned in `currency`, after the platform fee and net of refunds: minus the
// sum of the entries on the community's revenue-kind accounts (community:N:revenue and the
// contra-revenue community:N:refunds). communities.income_minor holds this value for the
// community's own currency.
int64_t net_revenue(db::Tx& tx, CommunityId community, std::string_view currency);

struct CheckReport {
  bool ok = true;
  std::vector<std::string> problems;  // At most a few per kind of problem, for people.
};
// Recomputes the invariants from the rows: each transaction balances per currency and has at
// least two entries; each entry's currency is its account's; each reversal negates its original
// exactly; the totals per currency are zero; communities.income_minor equals net revenue.
// A few grouped queries, no per-row loops.
CheckReport check(db::Tx& tx);

}  // namespace gh::ledger

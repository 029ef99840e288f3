#include "ledger/ledger.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include "core/cursor.hpp"
#include "core/money.hpp"
#include "core/text.hpp"

namespace gh::ledger {
namespace {

constexpr size_t kMaxKeyBytes = 200;
constexpr size_t kMaxKindBytes = 40;
constexpr size_t kMaxCodeBytes = 120;
constexpr size_t kMaxMemoBytes = 2000;
constexpr size_t kMaxReferenceBytes = 200;
constexpr int kMaxProblemsPerCheck = 20;

constexpr std::string_view kAccountColumns = "id, code, currency, kind, community_id, user_id, created_at";
constexpr std::string_view kTransactionColumns =
    "t.id, t.idempotency_key, t.kind, t.memo, t.community_id, t.reference, t.reverses_id, t.created_at";

bool is_code_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ':' || c == '_' || c == '-' || c == '.';
}

bool is_kind_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
}

Status validate_code(std::string_view code) {
  if (code.empty() || code.size() > kMaxCodeBytes || !std::all_of(code.begin(), code.end(), is_code_char)) {
    return invalid("ledger.invalid_account_code", "Account codes are 1 to 120 of a-z 0-9 : _ - .", "code");
  }
  return {};
}

Status validate_text(std::string_view value, size_t max_bytes, const char* field) {
  if (value.size() > max_bytes || !text::is_valid_utf8(value)) {
    return invalid("ledger.invalid_text", std::string(field) + " is too long or not UTF-8.", field);
  }
  return {};
}

// Pure checks that need no database: everything that can be said from the spec alone.
Status validate_spec(const TransactionSpec& spec) {
  const auto& key = spec.idempotency_key;
  if (key.empty() || key.size() > kMaxKeyBytes || !text::is_valid_utf8(key)) {
    return invalid("ledger.invalid_key", "Idempotency keys are 1 to 200 bytes of UTF-8.", "idempotency_key");
  }
  const auto& kind = spec.kind;
  if (kind.empty() || kind.size() > kMaxKindBytes || !std::all_of(kind.begin(), kind.end(), is_kind_char)) {
    return invalid("ledger.invalid_kind", "Kinds are 1 to 40 of a-z 0-9 _ .", "kind");
  }
  if (auto ok = validate_text(spec.memo, kMaxMemoBytes, "memo"); !ok) {
    return ok;
  }
  if (auto ok = validate_text(spec.reference, kMaxReferenceBytes, "reference"); !ok) {
    return ok;
  }
  if (!spec.currency.empty() && !Money::is_known_currency(spec.currency)) {
    return invalid("money.unknown_currency", "Unknown currency.", "currency");
  }
  if (spec.lines.size() < 2) {
    return invalid("ledger.too_few_lines", "A transaction has at least two lines.", "lines");
  }
  if (spec.lines.size() > kMaxLines) {
    return invalid("ledger.too_many_lines", "A transaction has at most 1000 lines.", "lines");
  }
  for (const auto& line : spec.lines) {
    if (line.amount_minor == 0) {
      return invalid("ledger.zero_amount", "Lines have non-zero amounts.", "lines");
    }
    // INT64_MIN has no negation, so it could never be reversed.
    if (line.amount_minor == std::numeric_limits<int64_t>::min()) {
      return invalid("ledger.amount_out_of_range", "The amount is out of range.", "lines");
    }
  }
  return {};
}

std::optional<CommunityId> opt_community(const db::Row& r, size_t i) {
  auto v = r.opt_i64(i);
  return v ? std::optional(CommunityId(*v)) : std::nullopt;
}

Account account_from_row(const db::Row& r) {
  auto user = r.opt_i64(5);
  return Account{AccountId(r.i64(0)),
                 r.text(1),
                 r.text(2),
                 parse_account_kind(r.text(3)).value_or(AccountKind::Asset),
                 opt_community(r, 4),
                 user ? std::optional(UserId(*user)) : std::nullopt,
                 r.i64(6)};
}

TransactionView transaction_from_row(const db::Row& r) {
  auto reverses = r.opt_i64(6);
  return TransactionView{TransactionId(r.i64(0)),
                         r.text(1),
                         r.text(2),
                         r.text(3),
                         opt_community(r, 4),
                         r.text(5),
                         reverses ? std::optional(TransactionId(*reverses)) : std::nullopt,
                         r.i64(7),
                         {}};
}

// "$first, $first+1, ..." for `count` parameters.
std::string placeholders(size_t first, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    out += (i > 0 ? ", $" : "$") + std::to_string(first + i);
  }
  return out;
}

using LineKey = std::pair<int64_t, int64_t>;  // (account id, amount).

std::vector<LineKey> sorted_lines(const std::vector<Line>& lines) {
  std::vector<LineKey> out;
  out.reserve(lines.size());
  for (const auto& line : lines) {
    out.emplace_back(line.account.value, line.amount_minor);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The stored entries of a transaction as (account, amount), sorted; `negate` flips the signs.
std::vector<LineKey> stored_lines(db::Tx& tx, TransactionId id, bool negate) {
  std::vector<LineKey> out;
  for (auto row :
       tx.exec("SELECT account_id, amount_minor FROM ledger_entries WHERE transaction_id = $1", {id.value})) {
    const int64_t amount = row.i64(1);
    // INT64_MIN (never booked by post()) is kept as is: it cannot match a negation anyway.
    out.emplace_back(row.i64(0), negate && amount != std::numeric_limits<int64_t>::min() ? -amount : amount);
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct StoredTransaction {
  TransactionId id;
  std::string kind;
  std::optional<CommunityId> community;
  std::optional<TransactionId> reverses;
};

std::optional<StoredTransaction> find_by_key(db::Tx& tx, const std::string& key) {
  auto row =
      tx.one("SELECT id, kind, community_id, reverses_id FROM ledger_transactions WHERE idempotency_key = $1", {key});
  if (!row) {
    return std::nullopt;
  }
  const auto r = row->row();
  auto reverses = r.opt_i64(3);
  return StoredTransaction{TransactionId(r.i64(0)), r.text(1), opt_community(r, 2),
                           reverses ? std::optional(TransactionId(*reverses)) : std::nullopt};
}

// A replay of a booked key: the same booking again is answered with it, anything else is a
// conflict (the key was reused for a different movement).
Result<Posted> replay(db::Tx& tx, const StoredTransaction& stored, const TransactionSpec& spec) {
  if (stored.kind != spec.kind || stored.community != spec.community || stored.reverses != spec.reverses ||
      stored_lines(tx, stored.id, false) != sorted_lines(spec.lines)) {
    return conflict("ledger.key_reused", "This idempotency key was used for a different transaction.",
                    "idempotency_key");
  }
  return Posted{stored.id, true};
}

std::optional<TransactionId> find_reversal_of(db::Tx& tx, TransactionId original) {
  auto id = tx.scalar_i64("SELECT id FROM ledger_transactions WHERE reverses_id = $1", {original.value});
  return id ? std::optional(TransactionId(*id)) : std::nullopt;
}

Error already_reversed(TransactionId original) {
  return conflict("ledger.already_reversed", "Transaction " + std::to_string(original.value) + " is already reversed.");
}

// The accounts a spec names, by id; NotFound when one does not exist.
Result<std::unordered_map<int64_t, Account>> load_accounts(db::Tx& tx, const std::vector<Line>& lines) {
  std::set<int64_t> ids;
  for (const auto& line : lines) {
    ids.insert(line.account.value);
  }
  std::vector<db::Param> params(ids.begin(), ids.end());
  const auto rows = tx.exec("SELECT " + std::string(kAccountColumns) + " FROM ledger_accounts WHERE id IN (" +
                                placeholders(1, params.size()) + ")",
                            params);
  std::unordered_map<int64_t, Account> accounts;
  for (auto row : rows) {
    auto account = account_from_row(row);
    accounts.emplace(account.id.value, std::move(account));
  }
  if (accounts.size() != ids.size()) {
    return not_found("ledger.unknown_account", "A line names an account that does not exist.");
  }
  return accounts;
}

// "1234" minor units in a currency with 2 digits -> "12.34"; the magnitude only.
std::string decimal(int64_t amount_minor, std::string_view currency) {
  const uint64_t magnitude =
      amount_minor < 0 ? 0 - static_cast<uint64_t>(amount_minor) : static_cast<uint64_t>(amount_minor);
  const int digits = Money::minor_digits(currency);
  std::string text = std::to_string(magnitude);
  if (digits == 0) {
    return text;
  }
  if (text.size() <= static_cast<size_t>(digits)) {
    text.insert(0, static_cast<size_t>(digits) + 1 - text.size(), '0');
  }
  text.insert(text.size() - static_cast<size_t>(digits), ".");
  return text;
}

// One CSV cell (RFC 4180): quoted when it holds a comma, quote, CR or LF, quotes doubled.
// Text that a spreadsheet would read as a formula gets a leading apostrophe (OWASP advice).
std::string csv_cell(std::string_view value, bool is_text) {
  std::string cell;
  if (is_text && !value.empty() &&
      (value[0] == '=' || value[0] == '+' || value[0] == '-' || value[0] == '@' || value[0] == '\t' ||
       value[0] == '\r')) {
    cell += '\'';
  }
  cell += value;
  if (cell.find_first_of(",\"\r\n") == std::string::npos) {
    return cell;
  }
  std::string quoted = "\"";
  for (char c : cell) {
    quoted += c;
    if (c == '"') {
      quoted += '"';
    }
  }
  quoted += '"';
  return quoted;
}

// Runs one check query; each row becomes a problem via `describe`. At most
// kMaxProblemsPerCheck rows are reported, with a note when there are more.
template <class Describe>
void collect(db::Tx& tx, CheckReport& report, const std::string& sql, Describe describe) {
  const auto rows = tx.exec(sql + " LIMIT " + std::to_string(kMaxProblemsPerCheck + 1));
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i == static_cast<size_t>(kMaxProblemsPerCheck)) {
      report.problems.push_back("(more of the above not shown)");
      break;
    }
    report.problems.push_back(describe(rows[i]));
  }
}

}  // namespace

std::string_view to_string(AccountKind kind) {
  switch (kind) {
    case AccountKind::Asset: return "asset";
    case AccountKind::Liability: return "liability";
    case AccountKind::Revenue: return "revenue";
    case AccountKind::Expense: return "expense";
    case AccountKind::Equity: return "equity";
  }
  return "asset";
}

std::optional<AccountKind> parse_account_kind(std::string_view text) {
  for (auto kind :
       {AccountKind::Asset, AccountKind::Liability, AccountKind::Revenue, AccountKind::Expense, AccountKind::Equity}) {
    if (to_string(kind) == text) {
      return kind;
    }
  }
  return std::nullopt;
}

// Chart of accounts ----------------------------------------------------------------------------

AccountSpec processor_clearing(std::string_view provider, std::string_view currency) {
  return {"processor:" + std::string(provider), std::string(currency), AccountKind::Asset, std::nullopt, std::nullopt};
}

AccountSpec manual_clearing(std::string_view currency) {
  return processor_clearing("manual", currency);
}

AccountSpec community_revenue(CommunityId community, std::string_view currency) {
  return {"community:" + std::to_string(community.value) + ":revenue", std::string(currency), AccountKind::Revenue,
          community, std::nullopt};
}

AccountSpec refunds_issued(CommunityId community, std::string_view currency) {
  return {"community:" + std::to_string(community.value) + ":refunds", std::string(currency), AccountKind::Revenue,
          community, std::nullopt};
}

AccountSpec platform_fees(std::string_view currency) {
  return {"platform:fees", std::string(currency), AccountKind::Revenue, std::nullopt, std::nullopt};
}

AccountSpec creator_payable(UserId creator, std::string_view currency) {
  return {"creator:" + std::to_string(creator.value) + ":payable", std::string(currency), AccountKind::Liability,
          std::nullopt, creator};
}

AccountSpec community_held(CommunityId community, std::string_view currency) {
  return {"community:" + std::to_string(community.value) + ":held", std::string(currency), AccountKind::Liability,
          community, std::nullopt};
}

// Accounts ---------------------------------------------------------------------------------------

std::optional<Account> find_account(db::Tx& tx, std::string_view code, std::string_view currency) {
  auto row =
      tx.one("SELECT " + std::string(kAccountColumns) + " FROM ledger_accounts WHERE code = $1 AND currency = $2",
             {code, currency});
  if (!row) {
    return std::nullopt;
  }
  return account_from_row(row->row());
}

std::optional<Account> find_account(db::Tx& tx, AccountId id) {
  auto row = tx.one("SELECT " + std::string(kAccountColumns) + " FROM ledger_accounts WHERE id = $1", {id.value});
  if (!row) {
    return std::nullopt;
  }
  return account_from_row(row->row());
}

Result<AccountId> ensure_account(db::Tx& tx, const AccountSpec& spec, const Clock& clock) {
  if (auto ok = validate_code(spec.code); !ok) {
    return ok.error();
  }
  if (!Money::is_known_currency(spec.currency)) {
    return invalid("money.unknown_currency", "Unknown currency.", "currency");
  }
  auto existing = find_account(tx, spec.code, spec.currency);
  if (!existing) {
    // Checked first: a foreign key violation would end the caller's transaction.
    if (spec.community && !tx.one("SELECT 1 FROM communities WHERE id = $1", {spec.community->value})) {
      return not_found("ledger.unknown_community", "No such community.");
    }
    if (spec.user && !tx.one("SELECT 1 FROM users WHERE id = $1", {spec.user->value})) {
      return not_found("ledger.unknown_user", "No such user.");
    }
    // Two transactions may create the same account at once: the loser inserts nothing and
    // then reads the winner's row (PostgreSQL waits for the winner to commit).
    auto id = tx.scalar_i64(
        "INSERT INTO ledger_accounts (code, currency, kind, community_id, user_id, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code, currency) DO NOTHING RETURNING id",
        {spec.code, spec.currency, to_string(spec.kind),
         spec.community ? std::optional(spec.community->value) : std::nullopt,
         spec.user ? std::optional(spec.user->value) : std::nullopt, clock.now_ms()});
    if (id) {
      return AccountId(*id);
    }
    existing = find_account(tx, spec.code, spec.currency);
    if (!existing) {
      return Error{ErrorKind::Internal, "ledger.account_vanished", "The account could not be created.", {}, 0};
    }
  }
  if (existing->kind != spec.kind || existing->community != spec.community || existing->user != spec.user) {
    return conflict("ledger.account_mismatch", "Account " + spec.code + " exists with another kind, community or user.",
                    "code");
  }
  return existing->id;
}

// Posting ----------------------------------------------------------------------------------------

Result<Posted> post(db::Tx& tx, const TransactionSpec& spec, const Clock& clock) {
  // 1. The spec alone.
  if (auto ok = validate_spec(spec); !ok) {
    return ok.error();
  }

  // 2. Against the accounts it names (reads only, so a refusal leaves `tx` usable).
  auto accounts = load_accounts(tx, spec.lines);
  if (!accounts) {
    return accounts.error();
  }
  std::map<std::string, int64_t> sums;  // Per currency.
  for (const auto& line : spec.lines) {
    const Account& account = accounts->at(line.account.value);
    if (!spec.currency.empty() && account.currency != spec.currency) {
      return invalid("ledger.currency_mismatch",
                     "Account " + account.code + " is in " + account.currency + ", not " + spec.currency + ".",
                     "lines");
    }
    if (account.community && account.community != spec.community) {
      return invalid("ledger.community_mismatch",
                     "Account " + account.code + " belongs to another community than the transaction.", "community");
    }
    int64_t& sum = sums[account.currency];
    if (__builtin_add_overflow(sum, line.amount_minor, &sum)) {
      return invalid("ledger.amount_overflow", "The amounts overflow a 64-bit sum.", "lines");
    }
  }
  for (const auto& [currency, sum] : sums) {
    if (sum != 0) {
      return invalid("ledger.unbalanced",
                     "Debits and credits differ by " + std::to_string(sum) + " minor units of " + currency + ".",
                     "lines");
    }
  }

  // 3. The community, whose income_minor follows its revenue accounts in its own currency and
  // whose community_income rows follow them in every currency.
  int64_t income_delta = 0;
  std::map<std::string, int64_t> income_by_currency;
  if (spec.community) {
    auto currency = tx.one("SELECT currency FROM communities WHERE id = $1", {spec.community->value});
    if (!currency) {
      return not_found("ledger.unknown_community", "No such community.");
    }
    const std::string community_currency = currency->row().text(0);
    for (const auto& line : spec.lines) {
      const Account& account = accounts->at(line.account.value);
      if (!account.community || account.kind != AccountKind::Revenue) {
        continue;
      }
      int64_t& by_currency = income_by_currency[account.currency];
      if (__builtin_sub_overflow(by_currency, line.amount_minor, &by_currency) ||
          (account.currency == community_currency &&
           __builtin_sub_overflow(income_delta, line.amount_minor, &income_delta))) {
        return invalid("ledger.amount_overflow", "The amounts overflow a 64-bit sum.", "lines");
      }
    }
  }

  // 4. A reversal must be the exact negation of an existing transaction.
  if (spec.reverses) {
    auto original = find_transaction(tx, *spec.reverses);
    if (!original) {
      return not_found("ledger.unknown_transaction", "No such transaction to reverse.");
    }
    if (original->community != spec.community) {
      return invalid("ledger.community_mismatch", "A reversal belongs to the community of its original.", "community");
    }
    if (stored_lines(tx, *spec.reverses, true) != sorted_lines(spec.lines)) {
      return invalid("ledger.not_a_reversal", "A reversal negates every entry of its original exactly.", "lines");
    }
  }

  // 5. Idempotency: a key seen before books nothing.
  if (auto stored = find_by_key(tx, spec.idempotency_key)) {
    return replay(tx, *stored, spec);
  }
  if (spec.reverses && find_reversal_of(tx, *spec.reverses)) {
    return already_reversed(*spec.reverses);
  }

  // 6. Write. ON CONFLICT covers both unique keys (idempotency key, reverses_id) for a
  // concurrent twin that committed after our reads: it inserts nothing instead of failing,
  // which would end the caller's transaction.
  const Millis now = clock.now_ms();
  auto id = tx.scalar_i64(
      "INSERT INTO ledger_transactions (idempotency_key, kind, memo, community_id, reference, reverses_id, created_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id",
      {spec.idempotency_key, spec.kind, spec.memo, spec.community ? std::optional(spec.community->value) : std::nullopt,
       spec.reference, spec.reverses ? std::optional(spec.reverses->value) : std::nullopt, now});
  if (!id) {
    if (auto stored = find_by_key(tx, spec.idempotency_key)) {
      return replay(tx, *stored, spec);
    }
    if (spec.reverses && find_reversal_of(tx, *spec.reverses)) {
      return already_reversed(*spec.reverses);
    }
    return Error{ErrorKind::Internal, "ledger.insert_skipped", "The transaction could not be booked.", {}, 0};
  }

  std::vector<db::Param> params{*id, now};
  std::string sql =
      "INSERT INTO ledger_entries (transaction_id, account_id, amount_minor, currency, created_at) VALUES ";
  for (size_t i = 0; i < spec.lines.size(); ++i) {
    const auto& line = spec.lines[i];
    const size_t first = params.size() + 1;
    sql += (i > 0 ? ", ($1, $" : "($1, $") + std::to_string(first) + ", $" + std::to_string(first + 1) + ", $" +
           std::to_string(first + 2) + ", $2)";
    params.emplace_back(line.account.value);
    params.emplace_back(line.amount_minor);
    params.emplace_back(accounts->at(line.account.value).currency);
  }
  tx.exec(sql, params);

  if (income_delta != 0) {
    tx.exec("UPDATE communities SET income_minor = income_minor + $1 WHERE id = $2",
            {income_delta, spec.community->value});
  }
  for (const auto& [currency, delta] : income_by_currency) {
    if (delta != 0) {
      tx.exec(
          "INSERT INTO community_income (community_id, currency, net_minor) VALUES ($1, $2, $3) "
          "ON CONFLICT (community_id, currency) DO UPDATE SET net_minor = community_income.net_minor + $3",
          {spec.community->value, currency, delta});
    }
  }
  return Posted{TransactionId(*id), false};
}

Result<Posted> reverse(db::Tx& tx, TransactionId original, std::string idempotency_key, std::string memo,
                       const Clock& clock) {
  auto stored = find_transaction(tx, original);
  if (!stored) {
    return not_found("ledger.unknown_transaction", "No such transaction to reverse.");
  }
  TransactionSpec spec;
  spec.idempotency_key = std::move(idempotency_key);
  spec.kind = "reversal";
  spec.memo = std::move(memo);
  spec.community = stored->community;
  spec.reference = stored->reference;
  spec.reverses = original;
  for (const auto& entry : stored->entries) {
    if (entry.amount_minor == std::numeric_limits<int64_t>::min()) {
      return invalid("ledger.amount_out_of_range", "The amount is out of range.");
    }
    spec.lines.push_back(Line{entry.account, -entry.amount_minor});
  }
  return post(tx, spec, clock);
}

// Queries ------------------------------------------------------------------------------------------

int64_t balance(db::Tx& tx, AccountId account) {
  return tx
      .scalar_i64("SELECT COALESCE(SUM(amount_minor), 0) FROM ledger_entries WHERE account_id = $1", {account.value})
      .value_or(0);
}

std::vector<AccountBalance> balances_for_community(db::Tx& tx, CommunityId community) {
  std::vector<AccountBalance> out;
  const auto rows = tx.exec(
      "SELECT a.id, a.code, a.currency, a.kind, SUM(e.amount_minor) FROM ledger_transactions t "
      "JOIN ledger_entries e ON e.transaction_id = t.id JOIN ledger_accounts a ON a.id = e.account_id "
      "WHERE t.community_id = $1 GROUP BY a.id, a.code, a.currency, a.kind ORDER BY a.code, a.currency",
      {community.value});
  for (auto r : rows) {
    out.push_back(AccountBalance{AccountId(r.i64(0)), r.text(1), r.text(2),
                                 parse_account_kind(r.text(3)).value_or(AccountKind::Asset), r.i64(4)});
  }
  return out;
}

std::optional<TransactionView> find_transaction(db::Tx& tx, TransactionId id) {
  auto row =
      tx.one("SELECT " + std::string(kTransactionColumns) + " FROM ledger_transactions t WHERE t.id = $1", {id.value});
  if (!row) {
    return std::nullopt;
  }
  auto view = transaction_from_row(row->row());
  for (auto r : tx.exec("SELECT e.id, e.account_id, a.code, e.currency, e.amount_minor FROM ledger_entries e "
                        "JOIN ledger_accounts a ON a.id = e.account_id WHERE e.transaction_id = $1 ORDER BY e.id",
                        {id.value})) {
    view.entries.push_back(EntryView{EntryId(r.i64(0)), AccountId(r.i64(1)), r.text(2), r.text(3), r.i64(4)});
  }
  return view;
}

Result<TransactionPage> transactions(db::Tx& tx, const TransactionFilter& filter) {
  const int limit = std::clamp(filter.limit, 1, 100);
  int64_t before = std::numeric_limits<int64_t>::max();
  if (filter.cursor) {
    auto keys = cursor::decode(*filter.cursor, 1);
    if (!keys) {
      return invalid("ledger.invalid_cursor", "Malformed cursor.", "cursor");
    }
    before = (*keys)[0];
  }
  // $1: ids below this; $2: one more than a page, to know whether another follows.
  std::vector<db::Param> params{before, limit + 1};
  std::string sql = "SELECT " + std::string(kTransactionColumns) + " FROM ledger_transactions t WHERE t.id < $1";
  if (filter.account) {
    // The account's transaction ids straight from the (account_id, transaction_id) index,
    // newest first, stopping after a page: a busy account does not scan its whole history.
    params.emplace_back(filter.account->value);
    std::string ids = "SELECT DISTINCT e.transaction_id FROM ledger_entries e ";
    std::string where = "WHERE e.account_id = $3 AND e.transaction_id < $1";
    if (filter.community) {
      params.emplace_back(filter.community->value);
      ids += "JOIN ledger_transactions c ON c.id = e.transaction_id ";
      where += " AND c.community_id = $4";
    }
    sql += " AND t.id IN (" + ids + where + " ORDER BY e.transaction_id DESC LIMIT $2)";
  } else if (filter.community) {
    params.emplace_back(filter.community->value);
    sql += " AND t.community_id = $3";
  }
  sql += " ORDER BY t.id DESC LIMIT $2";

  TransactionPage page;
  const auto rows = tx.exec(sql, params);
  for (auto r : rows) {
    page.transactions.push_back(transaction_from_row(r));
  }
  if (page.transactions.size() > static_cast<size_t>(limit)) {
    page.transactions.pop_back();
    page.next_cursor = cursor::encode({page.transactions.back().id.value});
  }
  if (page.transactions.empty()) {
    return page;
  }

  std::unordered_map<int64_t, size_t> index;
  std::vector<db::Param> ids;
  for (size_t i = 0; i < page.transactions.size(); ++i) {
    index.emplace(page.transactions[i].id.value, i);
    ids.emplace_back(page.transactions[i].id.value);
  }
  const auto entries = tx.exec(
      "SELECT e.transaction_id, e.id, e.account_id, a.code, e.currency, e.amount_minor FROM ledger_entries e "
      "JOIN ledger_accounts a ON a.id = e.account_id WHERE e.transaction_id IN (" +
          placeholders(1, ids.size()) + ") ORDER BY e.transaction_id, e.id",
      ids);
  for (auto r : entries) {
    page.transactions[index.at(r.i64(0))].entries.push_back(
        EntryView{EntryId(r.i64(1)), AccountId(r.i64(2)), r.text(3), r.text(4), r.i64(5)});
  }
  return page;
}

std::string export_csv(db::Tx& tx, CommunityId community) {
  std::string out = "transaction_id,created_at,kind,memo,account,currency,debit,credit\r\n";
  const auto rows = tx.exec(
      "SELECT t.id, t.created_at, t.kind, t.memo, a.code, e.currency, e.amount_minor FROM ledger_transactions t "
      "JOIN ledger_entries e ON e.transaction_id = t.id JOIN ledger_accounts a ON a.id = e.account_id "
      "WHERE t.community_id = $1 ORDER BY t.id, e.id",
      {community.value});
  for (auto r : rows) {
    const int64_t amount = r.i64(6);
    const std::string currency = r.text(5);
    const std::string value = decimal(amount, currency);
    out += std::to_string(r.i64(0));
    out += ',' + format_rfc3339(r.i64(1));
    out += ',' + csv_cell(r.text(2), true);
    out += ',' + csv_cell(r.text(3), true);
    out += ',' + csv_cell(r.text(4), true);
    out += ',' + csv_cell(currency, true);
    out += ',' + (amount > 0 ? value : std::string());
    out += ',' + (amount < 0 ? value : std::string());
    out += "\r\n";
  }
  return out;
}

int64_t net_revenue(db::Tx& tx, CommunityId community, std::string_view currency) {
  const int64_t sum = tx.scalar_i64(
                            "SELECT COALESCE(SUM(e.amount_minor), 0) FROM ledger_accounts a JOIN ledger_entries e ON "
                            "e.account_id = a.id "
                            "WHERE a.community_id = $1 AND a.kind = 'revenue' AND a.currency = $2",
                            {community.value, currency})
                          .value_or(0);
  int64_t net = 0;
  GH_CHECK(!__builtin_sub_overflow(int64_t{0}, sum, &net), "ledger: net revenue overflows int64");
  return net;
}

// Check ------------------------------------------------------------------------------------------

CheckReport check(db::Tx& tx) {
  CheckReport report;
  collect(tx, report,
          "SELECT transaction_id, currency, SUM(amount_minor) FROM ledger_entries GROUP BY transaction_id, currency "
          "HAVING SUM(amount_minor) <> 0 ORDER BY transaction_id, currency",
          [](const db::Row& r) {
            return "transaction " + r.text(0) + " is unbalanced in " + r.text(1) + " by " + r.text(2) + " minor units";
          });
  collect(
      tx, report,
      "SELECT t.id, COUNT(e.id) FROM ledger_transactions t LEFT JOIN ledger_entries e ON e.transaction_id = t.id "
      "GROUP BY t.id HAVING COUNT(e.id) < 2 ORDER BY t.id",
      [](const db::Row& r) { return "transaction " + r.text(0) + " has " + r.text(1) + " entries (fewer than 2)"; });
  collect(tx, report,
          "SELECT e.id, e.transaction_id, e.currency, a.code, a.currency FROM ledger_entries e "
          "JOIN ledger_accounts a ON a.id = e.account_id WHERE e.currency <> a.currency ORDER BY e.id",
          [](const db::Row& r) {
            return "entry " + r.text(0) + " of transaction " + r.text(1) + " is in " + r.text(2) + " but account " +
                   r.text(3) + " is in " + r.text(4);
          });
  // A reversal's entries, and its original's negated, as one multiset per reversal: every
  // (account, amount) must occur equally often on both sides.
  collect(tx, report,
          "SELECT x.reversal_id, x.original_id, x.account_id, x.amount_minor, SUM(x.side) FROM ("
          "SELECT t.id AS reversal_id, t.reverses_id AS original_id, e.account_id AS account_id, "
          "e.amount_minor AS amount_minor, 1 AS side "
          "FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.id WHERE t.reverses_id IS NOT NULL "
          "UNION ALL "
          "SELECT t.id, t.reverses_id, e.account_id, -e.amount_minor, -1 "
          "FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.reverses_id "
          "WHERE t.reverses_id IS NOT NULL"
          ") x GROUP BY x.reversal_id, x.original_id, x.account_id, x.amount_minor HAVING SUM(x.side) <> 0 "
          "ORDER BY x.reversal_id, x.account_id, x.amount_minor",
          [](const db::Row& r) {
            return "transaction " + r.text(0) + " does not negate transaction " + r.text(1) + " exactly (account " +
                   r.text(2) + ", amount " + r.text(3) + ", count difference " + r.text(4) + ")";
          });
  collect(tx, report,
          "SELECT currency, SUM(amount_minor) FROM ledger_entries GROUP BY currency HAVING SUM(amount_minor) <> 0 "
          "ORDER BY currency",
          [](const db::Row& r) { return "all entries in " + r.text(0) + " sum to " + r.text(1) + ", not 0"; });
  collect(tx, report,
          "SELECT c.id, c.income_minor, COALESCE(r.net, 0) FROM communities c LEFT JOIN ("
          "SELECT a.community_id AS community_id, a.currency AS currency, -SUM(e.amount_minor) AS net "
          "FROM ledger_accounts a JOIN ledger_entries e ON e.account_id = a.id "
          "WHERE a.kind = 'revenue' AND a.community_id IS NOT NULL GROUP BY a.community_id, a.currency"
          ") r ON r.community_id = c.id AND r.currency = c.currency "
          "WHERE c.income_minor <> COALESCE(r.net, 0) ORDER BY c.id",
          [](const db::Row& r) {
            return "community " + r.text(0) + " shows income " + r.text(1) + " but its revenue accounts hold " +
                   r.text(2);
          });
  collect(tx, report,
          "SELECT COALESCE(r.community_id, i.community_id), COALESCE(r.currency, i.currency), "
          "COALESCE(i.net_minor, 0), COALESCE(r.net, 0) FROM ("
          "SELECT a.community_id AS community_id, a.currency AS currency, -SUM(e.amount_minor) AS net "
          "FROM ledger_accounts a JOIN ledger_entries e ON e.account_id = a.id "
          "WHERE a.kind = 'revenue' AND a.community_id IS NOT NULL GROUP BY a.community_id, a.currency"
          ") r FULL OUTER JOIN community_income i ON i.community_id = r.community_id AND i.currency = r.currency "
          "WHERE COALESCE(i.net_minor, 0) <> COALESCE(r.net, 0) ORDER BY 1, 2",
          [](const db::Row& r) {
            return "community " + r.text(0) + " shows income " + r.text(2) + " " + r.text(1) +
                   " but its revenue accounts hold " + r.text(3);
          });
  report.ok = report.problems.empty();
  return report;
}

}  // namespace gh::ledger

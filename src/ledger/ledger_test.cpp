#include "ledger/ledger.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include "community/community.hpp"
#include "identity/identity.hpp"
#include "testing/test_database.hpp"

namespace gh::ledger {
namespace {

class LedgerTest : public ::testing::Test {
 protected:
  testing::TestDatabase database;
  ManualClock clock{1'800'000'000'000};  // 2027-01-15T08:00:00Z
  identity::Identity identity{database.db(), clock, identity::Options{}};
  community::Communities communities{database.db(), clock, community::Options{"CNY"}};
  UserId owner;
  CommunityId cpp, rust;
  AccountId stripe, revenue, fees, refunds;

  void SetUp() override {
    owner = user("owner");
    auto created = communities.create(owner, {"cpp", "C++", "", "", "CNY", true});
    ASSERT_TRUE(created);
    cpp = created->id;
    created = communities.create(owner, {"rust", "Rust", "", "", "CNY", true});
    ASSERT_TRUE(created);
    rust = created->id;
    stripe = account(processor_clearing("stripe", "CNY"));
    revenue = account(community_revenue(cpp, "CNY"));
    fees = account(platform_fees("CNY"));
    refunds = account(refunds_issued(cpp, "CNY"));
  }

  UserId user(const std::string& name) {
    return database.db().write([&](db::Tx& tx) {
      return identity.insert_user(tx, {name + "@example.com", name, "", ""}, "not-a-real-hash")->id;
    });
  }

  AccountId account(const AccountSpec& spec) {
    auto id = database.db().write([&](db::Tx& tx) { return ensure_account(tx, spec, clock); });
    EXPECT_TRUE(id) << (id ? "" : id.error().code);
    return id ? *id : AccountId();
  }

  // 100.00 CNY paid through Stripe: 95.00 for the community, 5.00 platform fee.
  TransactionSpec payment(const std::string& key, int64_t amount = 10000, int64_t fee = 500) {
    return TransactionSpec{key,
                           "payment",
                           "Pro tier",
                           cpp,
                           "order:1",
                           "CNY",
                           {{stripe, amount}, {revenue, -(amount - fee)}, {fees, -fee}},
                           std::nullopt};
  }

  Result<Posted> book(const TransactionSpec& spec) {
    return database.db().write([&](db::Tx& tx) { return post(tx, spec, clock); });
  }

  template <class F>
  auto read(F&& fn) {
    return database.db().read(std::forward<F>(fn));
  }

  int64_t count(const std::string& table) {
    return read([&](db::Tx& tx) { return *tx.scalar_i64("SELECT COUNT(*) FROM " + table); });
  }
  int64_t balance_of(AccountId id) {
    return read([&](db::Tx& tx) { return balance(tx, id); });
  }
  int64_t income() { return communities.find("cpp")->income_minor; }
  CheckReport checked() {
    return read([&](db::Tx& tx) { return check(tx); });
  }
};

std::string joined(const std::vector<std::string>& problems) {
  std::string out;
  for (const auto& p : problems) {
    out += p + "\n";
  }
  return out;
}

TEST_F(LedgerTest, ChartOfAccountsBuildsCodesAndKinds) {
  EXPECT_EQ(processor_clearing("stripe", "CNY").code, "processor:stripe");
  EXPECT_EQ(manual_clearing("CNY").code, "processor:manual");
  EXPECT_EQ(community_revenue(CommunityId(12), "CNY").code, "community:12:revenue");
  EXPECT_EQ(refunds_issued(CommunityId(12), "CNY").code, "community:12:refunds");
  EXPECT_EQ(refunds_issued(CommunityId(12), "CNY").kind, AccountKind::Revenue);
  EXPECT_EQ(platform_fees("CNY").code, "platform:fees");
  EXPECT_EQ(creator_payable(UserId(34), "CNY").code, "creator:34:payable");
  EXPECT_EQ(creator_payable(UserId(34), "CNY").kind, AccountKind::Liability);
  EXPECT_EQ(parse_account_kind("equity"), AccountKind::Equity);
  EXPECT_EQ(parse_account_kind("Equity"), std::nullopt);
}

TEST_F(LedgerTest, EnsureAccountFindsOrCreatesOnce) {
  EXPECT_EQ(account(processor_clearing("stripe", "CNY")), stripe);
  EXPECT_NE(account(processor_clearing("stripe", "USD")), stripe);
  database.db().write([&](db::Tx& tx) {
    auto stored = find_account(tx, "community:" + std::to_string(cpp.value) + ":revenue", "CNY");
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->id, revenue);
    EXPECT_EQ(stored->community, cpp);
    EXPECT_EQ(stored->kind, AccountKind::Revenue);

    AccountSpec wrong_kind = platform_fees("CNY");
    wrong_kind.kind = AccountKind::Asset;
    EXPECT_EQ(ensure_account(tx, wrong_kind, clock).error().code, "ledger.account_mismatch");
    EXPECT_EQ(ensure_account(tx, processor_clearing("Stripe Inc", "CNY"), clock).error().code,
              "ledger.invalid_account_code");
    EXPECT_EQ(ensure_account(tx, processor_clearing("stripe", "XXX"), clock).error().code, "money.unknown_currency");
    EXPECT_EQ(ensure_account(tx, community_revenue(CommunityId(999), "CNY"), clock).error().code,
              "ledger.unknown_community");
    EXPECT_EQ(ensure_account(tx, creator_payable(UserId(999), "CNY"), clock).error().code, "ledger.unknown_user");
    // None of the refusals spent the transaction.
    EXPECT_TRUE(ensure_account(tx, creator_payable(owner, "CNY"), clock));
  });
}

TEST_F(LedgerTest, PaymentWithPlatformFeeBalances) {
  auto posted = book(payment("stripe:evt_1"));
  ASSERT_TRUE(posted) << posted.error().code;
  EXPECT_FALSE(posted->already_posted);

  EXPECT_EQ(balance_of(stripe), 10000);
  EXPECT_EQ(balance_of(revenue), -9500);
  EXPECT_EQ(balance_of(fees), -500);
  EXPECT_EQ(income(), 9500);
  read([&](db::Tx& tx) {
    EXPECT_EQ(net_revenue(tx, cpp, "CNY"), 9500);
    EXPECT_EQ(net_revenue(tx, cpp, "USD"), 0);
    const auto books = balances_for_community(tx, cpp);
    ASSERT_EQ(books.size(), 3u);
    int64_t total = 0;
    for (const auto& b : books) {
      total += b.balance_minor;
      EXPECT_EQ(b.currency, "CNY");
    }
    EXPECT_EQ(total, 0);
    EXPECT_EQ(books[0].code, "community:" + std::to_string(cpp.value) + ":revenue");
    EXPECT_EQ(books[0].balance_minor, -9500);
    EXPECT_EQ(books[1].code, "platform:fees");
    EXPECT_EQ(books[2].code, "processor:stripe");
    EXPECT_EQ(books[2].kind, AccountKind::Asset);
    EXPECT_TRUE(balances_for_community(tx, rust).empty());

    const auto view = find_transaction(tx, posted->id);
    ASSERT_TRUE(view);
    EXPECT_EQ(view->kind, "payment");
    EXPECT_EQ(view->reference, "order:1");
    EXPECT_EQ(view->created_at, clock.now_ms());
    ASSERT_EQ(view->entries.size(), 3u);
    EXPECT_EQ(view->entries[0].account_code, "processor:stripe");
    EXPECT_EQ(view->entries[0].amount_minor, 10000);
  });
  const auto report = checked();
  EXPECT_TRUE(report.ok) << joined(report.problems);
}

TEST_F(LedgerTest, InvalidTransactionsAreRefusedAndWriteNothing) {
  const AccountId usd = account(processor_clearing("stripe", "USD"));
  const AccountId rust_revenue = account(community_revenue(rust, "CNY"));
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  struct Case {
    const char* name;
    std::vector<Line> lines;
    std::string key = "k";
    std::string kind = "payment";
    std::string code;
    ErrorKind error_kind = ErrorKind::Invalid;
  };
  const std::vector<Case> cases = {
      {"unbalanced", {{stripe, 10000}, {revenue, -9000}}, "k", "payment", "ledger.unbalanced"},
      {"zero", {{stripe, 0}, {revenue, 0}}, "k", "payment", "ledger.zero_amount"},
      {"one line", {{stripe, 10000}}, "k", "payment", "ledger.too_few_lines"},
      {"no lines", {}, "k", "payment", "ledger.too_few_lines"},
      {"currency mismatch", {{usd, 10000}, {revenue, -10000}}, "k", "payment", "ledger.currency_mismatch"},
      {"unknown account",
       {{stripe, 1}, {AccountId(9999), -1}},
       "k",
       "payment",
       "ledger.unknown_account",
       ErrorKind::NotFound},
      {"other community's account", {{stripe, 1}, {rust_revenue, -1}}, "k", "payment", "ledger.community_mismatch"},
      {"overflow",
       {{stripe, kMax}, {stripe, kMax}, {revenue, -kMax}, {revenue, -kMax}},
       "k",
       "payment",
       "ledger.amount_overflow"},
      {"int64 min",
       {{stripe, std::numeric_limits<int64_t>::min()}, {revenue, 1}},
       "k",
       "payment",
       "ledger.amount_out_of_range"},
      {"empty key", {{stripe, 1}, {revenue, -1}}, "", "payment", "ledger.invalid_key"},
      {"key not UTF-8", {{stripe, 1}, {revenue, -1}}, "k\xff", "payment", "ledger.invalid_key"},
      {"bad kind", {{stripe, 1}, {revenue, -1}}, "k", "Payment!", "ledger.invalid_kind"},
  };
  database.db().write([&](db::Tx& tx) {
    for (const auto& c : cases) {
      TransactionSpec spec{c.key, c.kind, "", cpp, "", "CNY", c.lines, std::nullopt};
      auto posted = post(tx, spec, clock);
      ASSERT_FALSE(posted) << c.name;
      EXPECT_EQ(posted.error().code, c.code) << c.name;
      EXPECT_EQ(posted.error().kind, c.error_kind) << c.name;
    }
    // Validation runs before any write and no statement failed: the caller's transaction goes on.
    EXPECT_TRUE(post(tx, payment("good"), clock));
  });
  EXPECT_EQ(count("ledger_transactions"), 1);
  EXPECT_EQ(count("ledger_entries"), 3);
  EXPECT_EQ(income(), 9500);
}

TEST_F(LedgerTest, SameKeyTwiceBooksOnce) {
  auto first = book(payment("stripe:evt_1"));
  auto second = book(payment("stripe:evt_1"));
  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  EXPECT_FALSE(first->already_posted);
  EXPECT_TRUE(second->already_posted);
  EXPECT_EQ(first->id, second->id);
  EXPECT_EQ(count("ledger_transactions"), 1);
  EXPECT_EQ(balance_of(stripe), 10000);
  EXPECT_EQ(income(), 9500);
}

TEST_F(LedgerTest, SameKeyWithDifferentLinesIsAConflict) {
  ASSERT_TRUE(book(payment("stripe:evt_1")));
  auto other_amount = book(payment("stripe:evt_1", 20000, 1000));
  ASSERT_FALSE(other_amount);
  EXPECT_EQ(other_amount.error().kind, ErrorKind::Conflict);
  EXPECT_EQ(other_amount.error().code, "ledger.key_reused");
  auto other_kind = payment("stripe:evt_1");
  other_kind.kind = "renewal";
  EXPECT_EQ(book(other_kind).error().code, "ledger.key_reused");
  // The same lines in another order are the same transaction.
  auto reordered = payment("stripe:evt_1");
  std::reverse(reordered.lines.begin(), reordered.lines.end());
  EXPECT_TRUE(book(reordered)->already_posted);
  EXPECT_EQ(count("ledger_transactions"), 1);
}

TEST_F(LedgerTest, RefundReversesPayment) {
  auto paid = book(payment("stripe:evt_1"));
  ASSERT_TRUE(paid);
  clock.advance_ms(60'000);
  auto refunded = database.db().write(
      [&](db::Tx& tx) { return reverse(tx, paid->id, "stripe:evt_2", "Refund requested by buyer", clock); });
  ASSERT_TRUE(refunded) << refunded.error().code;
  EXPECT_FALSE(refunded->already_posted);

  EXPECT_EQ(balance_of(stripe), 0);
  EXPECT_EQ(balance_of(revenue), 0);
  EXPECT_EQ(balance_of(fees), 0);
  EXPECT_EQ(income(), 0);
  read([&](db::Tx& tx) {
    EXPECT_EQ(net_revenue(tx, cpp, "CNY"), 0);
    const auto view = find_transaction(tx, refunded->id);
    ASSERT_TRUE(view);
    EXPECT_EQ(view->kind, "reversal");
    EXPECT_EQ(view->reverses, paid->id);
    EXPECT_EQ(view->community, cpp);
    EXPECT_EQ(view->reference, "order:1");
    ASSERT_EQ(view->entries.size(), 3u);
    EXPECT_EQ(view->entries[0].amount_minor, -10000);
  });
  auto report = checked();
  EXPECT_TRUE(report.ok) << joined(report.problems);

  // The same key again is a replay; another key is a second reversal and refused.
  auto replayed =
      database.db().write([&](db::Tx& tx) { return reverse(tx, paid->id, "stripe:evt_2", "again", clock); });
  ASSERT_TRUE(replayed);
  EXPECT_TRUE(replayed->already_posted);
  EXPECT_EQ(replayed->id, refunded->id);
  auto twice = database.db().write([&](db::Tx& tx) { return reverse(tx, paid->id, "stripe:evt_3", "", clock); });
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().kind, ErrorKind::Conflict);
  EXPECT_EQ(twice.error().code, "ledger.already_reversed");
  auto missing = database.db().write([&](db::Tx& tx) { return reverse(tx, TransactionId(999), "x", "", clock); });
  EXPECT_EQ(missing.error().code, "ledger.unknown_transaction");
  EXPECT_EQ(count("ledger_transactions"), 2);
}

TEST_F(LedgerTest, PartialRefundIsBookedOnTheRefundsAccount) {
  auto paid = book(payment("stripe:evt_1"));
  ASSERT_TRUE(paid);
  // 30.00 back to the buyer, all of it from the community's share.
  TransactionSpec refund{
      "stripe:evt_2", "refund", "Partial refund", cpp, "order:1", "CNY", {{refunds, 3000}, {stripe, -3000}},
      std::nullopt};
  ASSERT_TRUE(book(refund));
  EXPECT_EQ(balance_of(revenue), -9500);
  EXPECT_EQ(balance_of(refunds), 3000);
  EXPECT_EQ(income(), 6500);
  read([&](db::Tx& tx) { EXPECT_EQ(net_revenue(tx, cpp, "CNY"), 6500); });

  // A spec that claims to reverse the payment must negate all of it.
  TransactionSpec fake{"stripe:evt_3", "reversal", "", cpp, "", "CNY", {{revenue, 3000}, {stripe, -3000}}, paid->id};
  EXPECT_EQ(book(fake).error().code, "ledger.not_a_reversal");
  auto report = checked();
  EXPECT_TRUE(report.ok) << joined(report.problems);
}

TEST_F(LedgerTest, MultiCurrencyTransactionsBalancePerCurrency) {
  const AccountId stripe_usd = account(processor_clearing("stripe", "USD"));
  const AccountId revenue_usd = account(community_revenue(cpp, "USD"));
  // Totals are zero overall but not per currency: refused.
  TransactionSpec mixed{"k1", "payment", "", cpp, "", "", {{stripe_usd, 1000}, {revenue, -1000}}, std::nullopt};
  EXPECT_EQ(book(mixed).error().code, "ledger.unbalanced");

  TransactionSpec both{"k2",
                       "payment",
                       "",
                       cpp,
                       "",
                       "",
                       {{stripe_usd, 1000}, {revenue_usd, -1000}, {stripe, 7000}, {revenue, -7000}},
                       std::nullopt};
  auto posted = book(both);
  ASSERT_TRUE(posted) << posted.error().code;
  EXPECT_EQ(balance_of(stripe_usd), 1000);
  EXPECT_EQ(balance_of(stripe), 7000);
  read([&](db::Tx& tx) {
    EXPECT_EQ(net_revenue(tx, cpp, "USD"), 1000);
    EXPECT_EQ(net_revenue(tx, cpp, "CNY"), 7000);
    const auto view = find_transaction(tx, posted->id);
    ASSERT_TRUE(view);
    EXPECT_EQ(view->entries[0].currency, "USD");
    EXPECT_EQ(view->entries[2].currency, "CNY");
  });
  EXPECT_EQ(income(), 7000);  // The community's own currency only.
  auto reversed = database.db().write([&](db::Tx& tx) { return reverse(tx, posted->id, "k3", "", clock); });
  ASSERT_TRUE(reversed) << reversed.error().code;
  EXPECT_EQ(balance_of(stripe_usd), 0);
  auto report = checked();
  EXPECT_TRUE(report.ok) << joined(report.problems);
}

TEST_F(LedgerTest, CsvExportQuotesText) {
  auto spec = payment("stripe:evt_1");
  spec.memo = "Tier \"Pro\", 年费\nrenewed";
  ASSERT_TRUE(book(spec));
  clock.advance_ms(1500);
  auto formula = payment("stripe:evt_2", 12345, 45);
  formula.memo = "=HYPERLINK(\"http://x\")";
  ASSERT_TRUE(book(formula));
  // Another community's rows stay out.
  const AccountId rust_revenue = account(community_revenue(rust, "CNY"));
  ASSERT_TRUE(book({"k", "payment", "", rust, "", "CNY", {{stripe, 1}, {rust_revenue, -1}}, std::nullopt}));

  const std::string code = "community:" + std::to_string(cpp.value) + ":revenue";
  const std::string expected =
      "transaction_id,created_at,kind,memo,account,currency,debit,credit\r\n"
      "1,2027-01-15T08:00:00Z,payment,\"Tier \"\"Pro\"\", 年费\nrenewed\",processor:stripe,CNY,100.00,\r\n"
      "1,2027-01-15T08:00:00Z,payment,\"Tier \"\"Pro\"\", 年费\nrenewed\"," +
      code +
      ",CNY,,95.00\r\n"
      "1,2027-01-15T08:00:00Z,payment,\"Tier \"\"Pro\"\", 年费\nrenewed\",platform:fees,CNY,,5.00\r\n"
      "2,2027-01-15T08:00:01.500Z,payment,\"'=HYPERLINK(\"\"http://x\"\")\",processor:stripe,CNY,123.45,\r\n"
      "2,2027-01-15T08:00:01.500Z,payment,\"'=HYPERLINK(\"\"http://x\"\")\"," +
      code +
      ",CNY,,123.00\r\n"
      "2,2027-01-15T08:00:01.500Z,payment,\"'=HYPERLINK(\"\"http://x\"\")\",platform:fees,CNY,,0.45\r\n";
  EXPECT_EQ(read([&](db::Tx& tx) { return export_csv(tx, cpp); }), expected);
}

TEST_F(LedgerTest, TransactionsArePagedNewestFirst) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(book(payment("p" + std::to_string(i), 1000 * (i + 1), 100)));
  }
  const AccountId rust_revenue = account(community_revenue(rust, "CNY"));
  ASSERT_TRUE(book({"r", "payment", "", rust, "", "CNY", {{stripe, 1}, {rust_revenue, -1}}, std::nullopt}));

  read([&](db::Tx& tx) {
    std::vector<int64_t> seen;
    std::optional<std::string> cursor;
    do {
      auto page = transactions(tx, {cpp, std::nullopt, cursor, 2});
      ASSERT_TRUE(page);
      for (const auto& t : page->transactions) {
        seen.push_back(t.id.value);
        EXPECT_EQ(t.entries.size(), 3u);
        EXPECT_EQ(t.community, cpp);
      }
      cursor = page->next_cursor;
    } while (cursor);
    EXPECT_EQ(seen, (std::vector<int64_t>{5, 4, 3, 2, 1}));

    auto by_account = transactions(tx, {std::nullopt, stripe, std::nullopt, 3});
    ASSERT_TRUE(by_account);
    ASSERT_EQ(by_account->transactions.size(), 3u);
    EXPECT_EQ(by_account->transactions[0].id.value, 6);
    EXPECT_EQ(by_account->transactions[0].entries.size(), 2u);
    ASSERT_TRUE(by_account->next_cursor);
    auto rest = transactions(tx, {std::nullopt, stripe, by_account->next_cursor, 3});
    ASSERT_TRUE(rest);
    ASSERT_EQ(rest->transactions.size(), 3u);
    EXPECT_EQ(rest->transactions[2].id.value, 1);
    EXPECT_FALSE(rest->next_cursor);

    auto both = transactions(tx, {rust, stripe, std::nullopt, 10});
    ASSERT_TRUE(both);
    ASSERT_EQ(both->transactions.size(), 1u);
    EXPECT_EQ(both->transactions[0].id.value, 6);
    EXPECT_TRUE(transactions(tx, {std::nullopt, revenue, std::nullopt, 10})->transactions.size() == 5);

    EXPECT_EQ(transactions(tx, {std::nullopt, std::nullopt, "x1", 10}).error().code, "ledger.invalid_cursor");
  });
}

TEST_F(LedgerTest, CheckReportsCorruptedRows) {
  auto paid = book(payment("stripe:evt_1"));
  ASSERT_TRUE(paid);
  auto reversed = database.db().write([&](db::Tx& tx) { return reverse(tx, paid->id, "stripe:evt_2", "", clock); });
  ASSERT_TRUE(reversed);
  ASSERT_TRUE(checked().ok);

  const AccountId usd = account(processor_clearing("stripe", "USD"));
  database.db().write([&](db::Tx& tx) {
    // An extra debit on the payment: unbalanced, totals off, and the reversal no longer matches.
    tx.exec(
        "INSERT INTO ledger_entries (transaction_id, account_id, amount_minor, currency, created_at) "
        "VALUES ($1, $2, 1, 'CNY', 0)",
        {paid->id.value, stripe.value});
    // A transaction with one entry, in a currency that is not its account's.
    auto lone = tx.scalar_i64(
        "INSERT INTO ledger_transactions (idempotency_key, kind, created_at) VALUES ('lone', 'payment', 0) "
        "RETURNING id");
    tx.exec(
        "INSERT INTO ledger_entries (transaction_id, account_id, amount_minor, currency, created_at) "
        "VALUES ($1, $2, 7, 'CNY', 0)",
        {*lone, usd.value});
    tx.exec("UPDATE communities SET income_minor = 42 WHERE id = $1", {rust.value});
  });

  const auto report = checked();
  EXPECT_FALSE(report.ok);
  const std::string text = joined(report.problems);
  const std::string paid_id = std::to_string(paid->id.value);
  EXPECT_NE(text.find("transaction " + paid_id + " is unbalanced in CNY by 1 minor units"), std::string::npos) << text;
  EXPECT_NE(text.find("has 1 entries (fewer than 2)"), std::string::npos) << text;
  EXPECT_NE(text.find("is in CNY but account processor:stripe is in USD"), std::string::npos) << text;
  EXPECT_NE(text.find("does not negate transaction " + paid_id + " exactly"), std::string::npos) << text;
  EXPECT_NE(text.find("all entries in CNY sum to 8, not 0"), std::string::npos) << text;
  EXPECT_NE(text.find("community " + std::to_string(rust.value) + " shows income 42"), std::string::npos) << text;
}

TEST_F(LedgerTest, IncomeIsKeptPerCurrencyAndChecked) {
  ASSERT_TRUE(book(payment("stripe:evt_1")));
  const AccountId usd_clearing = account(processor_clearing("stripe", "USD"));
  const AccountId usd_revenue = account(community_revenue(cpp, "USD"));
  ASSERT_TRUE(book(TransactionSpec{
      "stripe:evt_2", "payment", "", cpp, "", "USD", {{usd_clearing, 2000}, {usd_revenue, -2000}}, std::nullopt}));
  auto incomes = [&] {
    return read([&](db::Tx& tx) {
      std::map<std::string, int64_t> out;
      for (auto r : tx.exec("SELECT currency, net_minor FROM community_income WHERE community_id = $1", {cpp.value})) {
        out[r.text(0)] = r.i64(1);
      }
      return out;
    });
  };
  EXPECT_EQ(incomes(), (std::map<std::string, int64_t>{{"CNY", 9500}, {"USD", 2000}}));
  EXPECT_EQ(income(), 9500) << "the directory's sort key stays in the community's own currency";
  auto cpp_community = *communities.find("cpp");
  communities.load_incomes(cpp_community);
  ASSERT_EQ(cpp_community.incomes.size(), 2u);
  EXPECT_EQ(cpp_community.incomes[0], Money::create(9500, "CNY").value());
  EXPECT_EQ(cpp_community.incomes[1], Money::create(2000, "USD").value());
  ASSERT_TRUE(checked().ok) << joined(checked().problems);

  database.db().write([&](db::Tx& tx) {
    tx.exec("UPDATE community_income SET net_minor = 1 WHERE currency = 'USD'");
    tx.exec("INSERT INTO community_income (community_id, currency, net_minor) VALUES ($1, 'EUR', 5)", {rust.value});
  });
  const std::string text = joined(checked().problems);
  EXPECT_NE(
      text.find("community " + std::to_string(cpp.value) + " shows income 1 USD but its revenue accounts hold 2000"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find("community " + std::to_string(rust.value) + " shows income 5 EUR but its revenue accounts hold 0"),
      std::string::npos)
      << text;
}

TEST_F(LedgerTest, CheckReportsATamperedAmount) {
  auto paid = book(payment("stripe:evt_1"));
  ASSERT_TRUE(paid);
  ASSERT_TRUE(database.db().write([&](db::Tx& tx) { return reverse(tx, paid->id, "stripe:evt_2", "", clock); }));
  // What append-only rules out, done by hand: a reversal entry edited in place.
  database.db().write([&](db::Tx& tx) {
    tx.exec("UPDATE ledger_entries SET amount_minor = 400 WHERE account_id = $1 AND amount_minor = 500", {fees.value});
  });
  const auto report = checked();
  EXPECT_FALSE(report.ok);
  EXPECT_NE(joined(report.problems).find("does not negate"), std::string::npos) << joined(report.problems);
}

// The database cannot enforce append-only with one SQL text for both backends (a trigger is
// written differently in each), so the code holds it: no statement in ledger/ changes or
// removes a ledger row. check() catches what was changed by hand.
TEST_F(LedgerTest, LedgerSourcesNeverChangeOrDeleteLedgerRows) {
  const auto folder = std::filesystem::path(GH_LEDGER_SOURCE_DIR);
  const std::regex forbidden(R"((UPDATE|DELETE\s+FROM|REPLACE\s+INTO|INSERT\s+OR\s+REPLACE)\s+ledger_)",
                             std::regex::icase);
  int scanned = 0;
  for (const auto& file : std::filesystem::directory_iterator(folder)) {
    const auto name = file.path().filename().string();
    if ((file.path().extension() != ".cpp" && file.path().extension() != ".hpp") ||
        name.find("_test.") != std::string::npos) {
      continue;
    }
    std::ifstream in(file.path());
    std::stringstream content;
    content << in.rdbuf();
    const std::string source = content.str();
    EXPECT_FALSE(std::regex_search(source, forbidden)) << name;
    if (name == "ledger.cpp") {
      EXPECT_NE(source.find("INSERT INTO ledger_entries"), std::string::npos);
    }
    ++scanned;
  }
  EXPECT_GE(scanned, 2);
}

TEST_F(LedgerTest, ConcurrentPostsWithSharedKeysBookEachOnce) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 50;
  std::atomic<int> fresh{0}, replays{0}, failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        // Threads 2k and 2k+1 use the same keys.
        const auto spec = payment("pay:" + std::to_string(t / 2) + ":" + std::to_string(i), 1000 + i, 50);
        try {
          auto posted = database.db().write([&](db::Tx& tx) -> Result<Posted> {
            auto id = ensure_account(tx, community_revenue(cpp, "CNY"), clock);
            if (!id) {
              return id.error();
            }
            return post(tx, spec, clock);
          });
          if (!posted) {
            ++failures;
          } else if (posted->already_posted) {
            ++replays;
          } else {
            ++fresh;
          }
        } catch (const std::exception& e) {
          ++failures;
          ADD_FAILURE() << e.what();
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(fresh.load(), kThreads / 2 * kPerThread);
  EXPECT_EQ(replays.load(), kThreads / 2 * kPerThread);
  EXPECT_EQ(count("ledger_transactions"), kThreads / 2 * kPerThread);
  EXPECT_EQ(count("ledger_entries"), 3 * kThreads / 2 * kPerThread);
  int64_t expected_total = 0;
  for (int i = 0; i < kPerThread; ++i) {
    expected_total += 1000 + i;
  }
  expected_total *= kThreads / 2;
  const int64_t expected_fees = 50LL * kThreads / 2 * kPerThread;
  EXPECT_EQ(balance_of(stripe), expected_total);
  EXPECT_EQ(balance_of(fees), -expected_fees);
  EXPECT_EQ(balance_of(revenue), -(expected_total - expected_fees));
  EXPECT_EQ(income(), expected_total - expected_fees);
  const auto report = checked();
  EXPECT_TRUE(report.ok) << joined(report.problems);
}

}  // namespace
}  // namespace gh::ledger

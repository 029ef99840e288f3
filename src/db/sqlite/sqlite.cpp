#include "db/sqlite/sqlite.hpp"

#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <climits>
#include <semaphore>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/text.hpp"
#include "db/pool.hpp"

namespace gh::db::sqlite {
namespace {

// Dynamic SQL (IN lists of varying length) could grow a cache without end: past this many
// statements a connection starts its cache afresh.
constexpr size_t kMaxCachedStatements = 512;
constexpr size_t kMaxIdleConnections = 16;
constexpr size_t kMaxSqlInMessage = 200;

using WriteGate = std::binary_semaphore;

ErrorKind kind_of(int extended_code, bool preparing) {
  switch (extended_code) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY: return ErrorKind::UniqueViolation;
    case SQLITE_CONSTRAINT_FOREIGNKEY: return ErrorKind::ForeignKeyViolation;
    case SQLITE_CONSTRAINT_CHECK: return ErrorKind::CheckViolation;
    default: break;
  }
  switch (extended_code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return ErrorKind::Busy;
    case SQLITE_ERROR:
      // SQLITE_ERROR while preparing is a syntax error or an unknown table or column, which
      // PostgreSQL reports in SQLSTATE class 42 too.
      return preparing ? ErrorKind::Syntax : ErrorKind::Other;
    default: return ErrorKind::Other;
  }
}

std::string shorten(std::string_view sql) {
  if (sql.size() <= kMaxSqlInMessage) {
    return std::string(sql);
  }
  return std::string(sql.substr(0, kMaxSqlInMessage)) + "...";
}

[[noreturn]] void fail(sqlite3* db, std::string_view sql, bool preparing) {
  int code = sqlite3_extended_errcode(db);
  throw Error(kind_of(code, preparing), std::string("sqlite: ") + sqlite3_errmsg(db) + " [" + shorten(sql) + "]");
}

// "$12" -> 12; anything else -> 0.
size_t dollar_index(const char* name) {
  if (name == nullptr || name[0] != '$' || name[1] == '\0') {
    return 0;
  }
  std::string_view digits(name + 1);
  size_t index = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
  if (ec != std::errc() || end != digits.data() + digits.size()) {
    return 0;
  }
  return index;
}

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

class SqliteConnection final : public Connection {
 public:
  SqliteConnection(sqlite3* db, std::shared_ptr<WriteGate> write_gate, std::chrono::milliseconds busy_timeout)
      : db_(db), write_gate_(std::move(write_gate)), busy_timeout_(busy_timeout) {}
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;
  ~SqliteConnection() override {
    clear_statements();
    sqlite3_close_v2(db_);  // Rolls back a transaction still open.
    leave_gate();
  }

  Rows exec(std::string_view sql, const std::vector<Param>& params) override;
  void exec_script(std::string_view sql) override;
  void begin(bool write) override;
  void commit() override;
  void rollback() override;
  bool healthy() const override { return sqlite3_get_autocommit(db_) != 0; }

 private:
  struct Statement {
    sqlite3_stmt* stmt = nullptr;
    // value_of[j - 1]: the 1-based index of the Param bound to SQL parameter j (0: not "$n").
    std::vector<size_t> value_of;
  };

  Statement& statement(std::string_view sql);
  void bind(const Statement& statement, const std::vector<Param>& params, std::string_view sql);
  void clear_statements();
  void run(std::string_view sql) { exec(sql, kNoParams); }
  void leave_gate() {
    if (holds_gate_) {
      holds_gate_ = false;
      write_gate_->release();
    }
  }

  static inline const std::vector<Param> kNoParams;

  sqlite3* db_;
  std::shared_ptr<WriteGate> write_gate_;  // Null for in-memory databases (one connection).
  std::chrono::milliseconds busy_timeout_;
  bool holds_gate_ = false;
  std::unordered_map<std::string, Statement, StringHash, std::equal_to<>> statements_;
};

void SqliteConnection::clear_statements() {
  for (auto& [sql, statement] : statements_) {
    sqlite3_finalize(statement.stmt);
  }
  statements_.clear();
}

SqliteConnection::Statement& SqliteConnection::statement(std::string_view sql) {
  if (auto it = statements_.find(sql); it != statements_.end()) {
    return it->second;
  }
  if (statements_.size() >= kMaxCachedStatements) {
    clear_statements();
  }
  if (sql.size() > INT_MAX) {
    throw Error(ErrorKind::Other, "sqlite: statement too long");
  }
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, &tail) !=
      SQLITE_OK) {
    fail(db_, sql, true);
  }
  if (stmt == nullptr) {
    throw Error(ErrorKind::Syntax, "sqlite: empty statement");
  }
  // Anything but blanks and comments after the first statement is a mistake: exec() runs one.
  std::string_view rest(tail, static_cast<size_t>(sql.data() + sql.size() - tail));
  if (!rest.empty()) {
    sqlite3_stmt* extra = nullptr;
    int rc = sqlite3_prepare_v2(db_, rest.data(), static_cast<int>(rest.size()), &extra, nullptr);
    sqlite3_finalize(extra);
    if (rc != SQLITE_OK || extra != nullptr) {
      sqlite3_finalize(stmt);
      throw Error(ErrorKind::Syntax,
                  "sqlite: exec() runs one statement (exec_script runs several) [" + shorten(sql) + "]");
    }
  }
  Statement statement{stmt, {}};
  int count = sqlite3_bind_parameter_count(stmt);
  for (int j = 1; j <= count; ++j) {
    statement.value_of.push_back(dollar_index(sqlite3_bind_parameter_name(stmt, j)));
  }
  return statements_.emplace(std::string(sql), std::move(statement)).first->second;
}

void SqliteConnection::bind(const Statement& statement, const std::vector<Param>& params, std::string_view sql) {
  sqlite3_stmt* stmt = statement.stmt;
  for (size_t j = 1; j <= statement.value_of.size(); ++j) {
    const int position = static_cast<int>(j);
    const size_t k = statement.value_of[j - 1];
    if (k == 0) {
      const char* name = sqlite3_bind_parameter_name(stmt, position);
      throw Error(ErrorKind::Syntax, std::string("sqlite: parameter ") + (name ? name : "?") +
                                         " is not of the form $n [" + shorten(sql) + "]");
    }
    if (k > params.size()) {
      throw Error(ErrorKind::Other, "sqlite: parameter $" + std::to_string(k) + " has no value [" + shorten(sql) + "]");
    }
    const Value& value = params[k - 1].value();
    int rc = SQLITE_OK;
    if (std::holds_alternative<Null>(value)) {
      rc = sqlite3_bind_null(stmt, position);
    } else if (const auto* i = std::get_if<int64_t>(&value)) {
      rc = sqlite3_bind_int64(stmt, position, *i);
    } else if (const auto* d = std::get_if<double>(&value)) {
      rc = sqlite3_bind_double(stmt, position, *d);
    } else {
      // Params outlive the step and bindings are cleared after it: SQLITE_STATIC is safe.
      const std::string& s = std::get<std::string>(value);
      if (text::is_valid_utf8(s)) {
        rc = sqlite3_bind_text64(stmt, position, s.data(), s.size(), SQLITE_STATIC, SQLITE_UTF8);
      } else {
        // Bytes that are not text ({{blob}} columns) travel as a BLOB.
        rc = sqlite3_bind_blob64(stmt, position, s.data(), s.size(), SQLITE_STATIC);
      }
    }
    if (rc != SQLITE_OK) {
      fail(db_, sql, false);
    }
  }
}

Rows SqliteConnection::exec(std::string_view sql, const std::vector<Param>& params) {
  Statement& prepared = statement(sql);
  sqlite3_stmt* stmt = prepared.stmt;
  struct ResetOnExit {
    sqlite3_stmt* stmt;
    ~ResetOnExit() {
      sqlite3_reset(stmt);
      sqlite3_clear_bindings(stmt);
    }
  } reset_on_exit{stmt};
  bind(prepared, params, sql);

  Rows rows;
  const int column_count = sqlite3_column_count(stmt);
  rows.columns.reserve(static_cast<size_t>(column_count));
  for (int c = 0; c < column_count; ++c) {
    const char* name = sqlite3_column_name(stmt, c);
    rows.columns.emplace_back(name ? name : "");
  }
  const sqlite3_int64 total_before = sqlite3_total_changes64(db_);
  while (true) {
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) {
      break;
    }
    if (rc != SQLITE_ROW) {
      fail(db_, sql, false);
    }
    std::vector<Value>& row = rows.data.emplace_back();
    row.reserve(static_cast<size_t>(column_count));
    for (int c = 0; c < column_count; ++c) {
      switch (sqlite3_column_type(stmt, c)) {
        case SQLITE_INTEGER: row.emplace_back(static_cast<int64_t>(sqlite3_column_int64(stmt, c))); break;
        case SQLITE_FLOAT: row.emplace_back(sqlite3_column_double(stmt, c)); break;
        case SQLITE_TEXT: {
          const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
          const int bytes = sqlite3_column_bytes(stmt, c);
          row.emplace_back(text ? std::string(text, static_cast<size_t>(bytes)) : std::string());
          break;
        }
        case SQLITE_BLOB: {
          const auto* blob = static_cast<const char*>(sqlite3_column_blob(stmt, c));
          const int bytes = sqlite3_column_bytes(stmt, c);
          row.emplace_back(blob ? std::string(blob, static_cast<size_t>(bytes)) : std::string());
          break;
        }
        default: row.emplace_back(Null{}); break;
      }
    }
  }
  if (sqlite3_stmt_readonly(stmt)) {
    rows.affected = static_cast<int64_t>(rows.data.size());
  } else if (sqlite3_total_changes64(db_) != total_before) {
    // sqlite3_changes64 keeps the count of the last INSERT/UPDATE/DELETE, so DDL (which
    // changes nothing) must not read it.
    rows.affected = sqlite3_changes64(db_);
  }
  return rows;
}

void SqliteConnection::exec_script(std::string_view sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string text = message ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    throw Error(kind_of(sqlite3_extended_errcode(db_), true), "sqlite: " + text);
  }
}

void SqliteConnection::begin(bool write) {
  if (sqlite3_get_autocommit(db_) == 0) {
    rollback();  // Defensive: a transaction left open by a failure elsewhere.
  }
  if (write && write_gate_) {
    if (!write_gate_->try_acquire_for(busy_timeout_)) {
      throw Error(ErrorKind::Busy, "sqlite: another write transaction held the database too long");
    }
    holds_gate_ = true;
  }
  try {
    run(write ? "BEGIN IMMEDIATE" : "BEGIN");
  } catch (...) {
    leave_gate();
    throw;
  }
}

void SqliteConnection::commit() {
  run("COMMIT");
  leave_gate();
}

void SqliteConnection::rollback() {
  try {
    // SQLite ends the transaction itself after some errors (disk full, I/O).
    if (sqlite3_get_autocommit(db_) == 0) {
      run("ROLLBACK");
    }
  } catch (...) {
    leave_gate();
    throw;
  }
  leave_gate();
}

class SqliteDatabase final : public PooledDatabase {
 public:
  SqliteDatabase(const Options& options, std::string_view path)
      : PooledDatabase(Backend::Sqlite, limits(options, path == ":memory:")),
        memory_(path == ":memory:"),
        busy_timeout_(options.busy_timeout_ms) {
    if (memory_) {
      // A named shared-cache memory database that every connection of this object opens. The
      // anchor connection keeps it alive while the pool closes and reopens its connection.
      static std::atomic<uint64_t> counter{0};
      path_ = "file:gh-memory-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) +
              "?mode=memory&cache=shared";
      anchor_.reset(open_handle());
    } else {
      path_ = std::string(path);
      write_gate_ = std::make_shared<WriteGate>(1);
    }
    warm_up();
  }
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;
  ~SqliteDatabase() override = default;

 protected:
  std::unique_ptr<Connection> connect() override {
    sqlite3* db = open_handle();
    try {
      return std::make_unique<SqliteConnection>(db, write_gate_, busy_timeout_);
    } catch (...) {
      sqlite3_close_v2(db);
      throw;
    }
  }

 private:
  static PoolLimits limits(const Options& options, bool memory) {
    PoolLimits limits;
    limits.wait = std::chrono::milliseconds(options.busy_timeout_ms);
    if (memory) {
      // Transactions take turns on one connection: a shared cache would answer
      // SQLITE_LOCKED at once instead of waiting.
      limits.max_open = 1;
      limits.max_idle = 1;
    } else {
      limits.max_idle = kMaxIdleConnections;
    }
    return limits;
  }

  sqlite3* open_handle() {
    sqlite3* db = nullptr;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (memory_) {
      flags |= SQLITE_OPEN_URI;
    }
    int rc = sqlite3_open_v2(path_.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
      std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
      sqlite3_close_v2(db);
      throw Error(ErrorKind::ConnectionLost, "sqlite: cannot open " + path_ + ": " + message);
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, static_cast<int>(busy_timeout_.count()));
    std::string pragmas = "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;";
    if (!memory_) {
      pragmas += " PRAGMA journal_mode=WAL;";
    }
    char* message = nullptr;
    rc = sqlite3_exec(db, pragmas.c_str(), nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
      std::string text = message ? message : sqlite3_errstr(rc);
      sqlite3_free(message);
      ErrorKind kind = kind_of(sqlite3_extended_errcode(db), false);
      sqlite3_close_v2(db);
      throw Error(kind, "sqlite: cannot set up " + path_ + ": " + text);
    }
    return db;
  }

  bool memory_;
  std::chrono::milliseconds busy_timeout_;
  std::string path_;
  std::shared_ptr<WriteGate> write_gate_;
  struct CloseHandle {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  std::unique_ptr<sqlite3, CloseHandle> anchor_;
};

}  // namespace

std::unique_ptr<Database> open(const Options& options, std::string_view path) {
  if (path.empty()) {
    throw Error(ErrorKind::Other, "sqlite: empty path in the database URL");
  }
  return std::make_unique<SqliteDatabase>(options, path);
}

}  // namespace gh::db::sqlite

// gh::db: one SQL code path for SQLite and PostgreSQL.
//
// SQL is written once, PostgreSQL-style, with $1..$n placeholders; the SQLite backend binds
// them by name, so order and repeats work on both. Values are int64, double, text or NULL
// (booleans are 0/1 integers, times are Unix milliseconds in BIGINT columns).
//
// Lifecycle: app/ opens one Database at boot and passes it by reference. A Database is
// thread-safe; it hands each transaction a pooled connection of its own. A Tx belongs to the
// thread that opened it. Unexpected failures (lost connection, disk full, constraint
// violations nobody expected) throw db::Error; the HTTP session or the job worker catches it.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gh::db {

enum class Backend { Sqlite, Postgres };

struct Null {
  friend bool operator==(Null, Null) = default;
};
using Value = std::variant<Null, int64_t, double, std::string>;

// A parameter, built implicitly from the usual C++ types.
class Param {
 public:
  Param(std::nullptr_t) : value_(Null{}) {}                   // NOLINT
  Param(Null) : value_(Null{}) {}                             // NOLINT
  Param(int v) : value_(static_cast<int64_t>(v)) {}           // NOLINT
  Param(long v) : value_(static_cast<int64_t>(v)) {}          // NOLINT
  Param(long long v) : value_(static_cast<int64_t>(v)) {}     // NOLINT
  Param(unsigned v) : value_(static_cast<int64_t>(v)) {}      // NOLINT
  Param(bool v) : value_(static_cast<int64_t>(v ? 1 : 0)) {}  // NOLINT
  Param(double v) : value_(v) {}                              // NOLINT
  Param(const char* v) : value_(std::string(v)) {}            // NOLINT
  Param(std::string v) : value_(std::move(v)) {}              // NOLINT
  Param(std::string_view v) : value_(std::string(v)) {}       // NOLINT
  template <class T>
  Param(const std::optional<T>& v) : value_(Null{}) {  // NOLINT
    if (v) {
      value_ = Param(*v).value_;
    }
  }
  const Value& value() const { return value_; }

 private:
  Value value_;
};

enum class ErrorKind {
  UniqueViolation,
  ForeignKeyViolation,
  CheckViolation,
  Busy,  // SQLite busy/locked or PostgreSQL serialization failure: retryable.
  ConnectionLost,
  Syntax,
  Other,
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

// One row of a result. Column access by index; type conversions are lenient (an integer
// column read as text gives its decimal form) so both backends read the same.
class Row {
 public:
  explicit Row(const std::vector<Value>* values) : values_(values) {}
  size_t size() const { return values_->size(); }
  bool is_null(size_t i) const;
  int64_t i64(size_t i) const;  // NULL -> 0.
  double f64(size_t i) const;
  std::string text(size_t i) const;  // NULL -> "".
  bool boolean(size_t i) const { return i64(i) != 0; }
  std::optional<int64_t> opt_i64(size_t i) const;
  std::optional<std::string> opt_text(size_t i) const;
  const Value& value(size_t i) const { return values_->at(i); }

 private:
  const std::vector<Value>* values_;
};

// A fully read result: rows in memory, the count of rows an UPDATE/DELETE/INSERT touched.
class Rows {
 public:
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> data;
  int64_t affected = 0;

  size_t size() const { return data.size(); }
  bool empty() const { return data.empty(); }
  Row operator[](size_t i) const { return Row(&data.at(i)); }
  std::optional<Row> first() const { return data.empty() ? std::nullopt : std::optional<Row>(Row(&data.front())); }

  struct Iterator {
    const std::vector<std::vector<Value>>* data;
    size_t index;
    Row operator*() const { return Row(&(*data)[index]); }
    Iterator& operator++() {
      ++index;
      return *this;
    }
    bool operator!=(const Iterator& o) const { return index != o.index; }
  };
  Iterator begin() const { return {&data, 0}; }
  Iterator end() const { return {&data, data.size()}; }
};

// A backend connection. Not thread-safe; used by one Tx at a time.
class Connection {
 public:
  virtual ~Connection() = default;
  // Runs one statement (prepared statements are cached per connection by SQL text).
  virtual Rows exec(std::string_view sql, const std::vector<Param>& params) = 0;
  // Runs a script of several statements without parameters (migrations).
  virtual void exec_script(std::string_view sql) = 0;
  virtual void begin(bool write) = 0;
  virtual void commit() = 0;
  virtual void rollback() = 0;
  virtual bool healthy() const = 0;
};

enum class Mode { Read, Write };

// A transaction. RAII: rolls back in its destructor unless commit() ran. Functions that take
// `Tx&` run inside their caller's transaction (Gitea's WithTx): there is no nesting.
// After a statement threw db::Error the transaction is spent on both backends (PostgreSQL
// aborts it anyway): further exec() and commit() throw; let it roll back. To tolerate a
// duplicate, write INSERT ... ON CONFLICT DO NOTHING and look at `affected` instead.
class Tx {
 public:
  Tx(const Tx&) = delete;
  Tx& operator=(const Tx&) = delete;
  ~Tx();

  Rows exec(std::string_view sql, std::initializer_list<Param> params = {});
  Rows exec(std::string_view sql, const std::vector<Param>& params);
  // The first row, or nullopt. The Rows are kept alive inside the returned object.
  struct OneRow {
    Rows rows;
    Row row() const { return rows[0]; }
  };
  std::optional<OneRow> one(std::string_view sql, std::initializer_list<Param> params = {});
  // Shorthand for a single integer (COUNT, RETURNING id...); nullopt when no row (or NULL).
  std::optional<int64_t> scalar_i64(std::string_view sql, std::initializer_list<Param> params = {});
  // Runs several statements without parameters (migrations, test fixtures).
  void exec_script(std::string_view sql);

  // Queues a message on `channel` that is delivered only if this transaction commits, after the
  // commit (PostgreSQL's NOTIFY semantics): live delivery never announces what a rollback undid.
  // Delivered on the committing thread to the Database's notify listener, in queue order.
  void notify(std::string channel, std::string payload);

  void commit();
  Backend backend() const { return backend_; }
  Mode mode() const { return mode_; }

 private:
  friend class Database;
  Tx(Connection& connection, Backend backend, Mode mode, std::function<void(bool healthy)> release);
  Connection* connection_;
  Backend backend_;
  Mode mode_;
  bool done_ = false;
  bool failed_ = false;  // A statement threw: only rollback is left.
  std::function<void(bool)> release_;
  const std::function<void(std::string_view, std::string_view)>* notify_listener_ = nullptr;
  const std::string* broadcast_channel_ = nullptr;          // Set: Tx::notify goes through pg_notify.
  std::vector<std::pair<std::string, std::string>> notes_;  // Tx::notify, until commit.
};

struct Options {
  std::string url;    // "sqlite:PATH", "sqlite::memory:" or "postgresql://..."
  int pool_size = 8;  // PostgreSQL connections; SQLite keeps one per concurrent user.
  int busy_timeout_ms = 5000;
};

class Database {
 public:
  // Opens (and for SQLite creates) the database. Throws db::Error when it cannot.
  static std::unique_ptr<Database> open(const Options& options);
  virtual ~Database() = default;

  virtual Backend backend() const = 0;

  // Runs `fn(tx)` in a transaction and commits when it returns normally; a throw rolls back.
  // For Mode::Write on SQLite the transaction starts with BEGIN IMMEDIATE. When `fn` returns
  // a value it is passed through. A Busy error before any work is retried a few times.
  template <class F>
  auto transact(Mode mode, F&& fn) -> decltype(fn(std::declval<Tx&>()));
  template <class F>
  auto write(F&& fn) {
    return transact(Mode::Write, std::forward<F>(fn));
  }
  template <class F>
  auto read(F&& fn) {
    return transact(Mode::Read, std::forward<F>(fn));
  }

  // Opens a transaction the caller drives (commit() or destruction).
  virtual std::unique_ptr<Tx> begin(Mode mode) = 0;

  // Receives the messages of Tx::notify after their transaction commits (app/ hands them to
  // the live-delivery hub). The listener must be quick and must not throw.
  // REQUIRES: no transaction runs concurrently with this call (it is read without a lock):
  // set it at boot.
  using NotifyListener = std::function<void(std::string_view channel, std::string_view payload)>;
  void set_notify_listener(NotifyListener listener) { notify_listener_ = std::move(listener); }

  // Makes Tx::notify reach the listeners of every process using this database (several app
  // nodes), not only this one. PostgreSQL: Tx::notify runs pg_notify in the transaction (so the
  // server delivers at commit, as before) on a channel named after the current schema, and a
  // dedicated LISTEN connection (a thread, reconnecting with backoff) hands what arrives to the
  // notify listener, this process's own messages included. A message too large for NOTIFY
  // (kMaxBroadcastBytes) stays in this process. Messages sent while the LISTEN connection is
  // down are lost (live delivery is best effort; the rows are the record). SQLite: returns
  // false and nothing changes (one process by construction).
  // REQUIRES: set_notify_listener() was called; no transaction runs concurrently.
  // Throws db::Error when the LISTEN connection cannot be opened.
  virtual bool broadcast_notifications() { return false; }
  static constexpr size_t kMaxBroadcastBytes = 7900;  // PostgreSQL's limit is 8000.

 protected:
  std::unique_ptr<Tx> make_tx(Connection& c, Backend b, Mode m, std::function<void(bool)> release);

  NotifyListener notify_listener_;
  std::string broadcast_channel_;  // Non-empty once broadcasting.
};

template <class F>
auto Database::transact(Mode mode, F&& fn) -> decltype(fn(std::declval<Tx&>())) {
  auto tx = begin(mode);
  if constexpr (std::is_void_v<decltype(fn(*tx))>) {
    fn(*tx);
    tx->commit();
  } else {
    auto result = fn(*tx);
    // A Result whose error is set must not commit half a write: callers return errors before
    // writing, or the error rolls back. `commit_if_ok` is decided here once.
    if constexpr (requires { result.has_value(); }) {
      if (!result.has_value()) {
        return result;  // The Tx destructor rolls back.
      }
    }
    tx->commit();
    return result;
  }
}

// Migration files: "0001_init.sql"... applied in name order, each once, recorded in the
// table schema_migrations. Dialect placeholders in the SQL are replaced per backend:
//   {{id}}      -> an auto-increment BIGINT primary key
//   {{blob}}    -> BLOB / BYTEA
// Returns the names applied now (empty when up to date).
struct Migration {
  std::string name;
  std::string sql;
};
std::vector<std::string> migrate(Database& db, const std::vector<Migration>& migrations);
// `sql` with the dialect placeholders above replaced for `backend`.
std::string apply_dialect(std::string_view sql, Backend backend);
// Applied migration names, in order.
std::vector<std::string> applied_migrations(Database& db);

}  // namespace gh::db

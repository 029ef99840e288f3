#include "db/postgres/postgres.hpp"

#include <libpq-fe.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "db/pool.hpp"

namespace gh::db::postgres {
namespace {

// Type OIDs from the server's catalog/pg_type.h, which is not a client header.
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kOidOid = 26;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kNumericOid = 1700;

constexpr size_t kMaxCachedStatements = 512;
constexpr size_t kMaxSqlInMessage = 200;

struct ClearResult {
  void operator()(PGresult* result) const { PQclear(result); }
};
using ResultPtr = std::unique_ptr<PGresult, ClearResult>;

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

std::string shorten(std::string_view sql) {
  if (sql.size() <= kMaxSqlInMessage) {
    return std::string(sql);
  }
  return std::string(sql.substr(0, kMaxSqlInMessage)) + "...";
}

std::string trim_end(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) {
    s.pop_back();
  }
  return s;
}

template <class T>
bool parse_whole(std::string_view text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// bytea in the "hex" output format: "\x0aff..." -> raw bytes.
Value decode_bytea(std::string_view text) {
  if (text.size() < 2 || text[0] != '\\' || text[1] != 'x' || text.size() % 2 != 0) {
    return std::string(text);
  }
  std::string bytes;
  bytes.reserve((text.size() - 2) / 2);
  for (size_t i = 2; i < text.size(); i += 2) {
    int high = hex_digit(text[i]);
    int low = hex_digit(text[i + 1]);
    if (high < 0 || low < 0) {
      return std::string(text);
    }
    bytes.push_back(static_cast<char>(high * 16 + low));
  }
  return bytes;
}

Value convert(Oid type, std::string_view text) {
  switch (type) {
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid:
    case kOidOid: {
      int64_t i = 0;
      if (parse_whole(text, i)) {
        return i;
      }
      break;
    }
    case kBoolOid: return static_cast<int64_t>(text == "t" ? 1 : 0);
    case kNumericOid: {
      // SUM(bigint) is numeric: keep whole numbers exact as integers, like SQLite does.
      int64_t i = 0;
      if (parse_whole(text, i)) {
        return i;
      }
      [[fallthrough]];
    }
    case kFloat4Oid:
    case kFloat8Oid: {
      double d = 0;
      if (parse_whole(text, d)) {
        return d;
      }
      break;
    }
    case kByteaOid: return decode_bytea(text);
    default: break;
  }
  return std::string(text);
}

class PgConnection final : public Connection {
 public:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  ~PgConnection() override { PQfinish(conn_); }

  // Session settings every connection gets once.
  void set_up() {
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
    run("SET client_min_messages = warning; SET bytea_output = hex", PGRES_COMMAND_OK);
  }

  Rows exec(std::string_view sql, const std::vector<Param>& params) override;
  void exec_script(std::string_view sql) override { run(std::string(sql), PGRES_COMMAND_OK); }
  void begin(bool /*write*/) override { run("BEGIN", PGRES_COMMAND_OK); }
  void commit() override;
  void rollback() override;
  bool healthy() const override {
    return !broken_ && PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) == PQTRANS_IDLE;
  }

 private:
  struct Prepared {
    std::string name;
    std::vector<Oid> param_types;  // As the server inferred them.
  };

  Prepared& prepared(std::string_view sql);
  ResultPtr run(const std::string& sql, ExecStatusType expected);
  void check_connection();
  [[noreturn]] void fail(const PGresult* result, std::string_view sql);

  PGconn* conn_;
  bool broken_ = false;
  uint64_t statement_count_ = 0;
  std::unordered_map<std::string, Prepared, StringHash, std::equal_to<>> prepared_;
};

void PgConnection::check_connection() {
  if (broken_ || PQstatus(conn_) != CONNECTION_OK) {
    broken_ = true;
    throw Error(ErrorKind::ConnectionLost, "postgres: connection lost: " + trim_end(PQerrorMessage(conn_)));
  }
}

void PgConnection::fail(const PGresult* result, std::string_view sql) {
  std::string message = trim_end(result ? PQresultErrorMessage(result) : PQerrorMessage(conn_));
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string_view code = state ? state : "";
  ErrorKind kind = ErrorKind::Other;
  if (PQstatus(conn_) != CONNECTION_OK || code.starts_with("08") || code == "57P01" || code == "57P02" ||
      code == "57P03") {
    broken_ = true;
    kind = ErrorKind::ConnectionLost;
  } else if (code == "23505") {
    kind = ErrorKind::UniqueViolation;
  } else if (code == "23503") {
    kind = ErrorKind::ForeignKeyViolation;
  } else if (code == "23514") {
    kind = ErrorKind::CheckViolation;
  } else if (code == "40001" || code == "40P01" || code == "55P03") {
    kind = ErrorKind::Busy;
  } else if (code.starts_with("42")) {
    kind = ErrorKind::Syntax;
  }
  throw Error(
      kind, "postgres: " + message + (code.empty() ? "" : " (" + std::string(code) + ")") + " [" + shorten(sql) + "]");
}

ResultPtr PgConnection::run(const std::string& sql, ExecStatusType expected) {
  check_connection();
  ResultPtr result(PQexec(conn_, sql.c_str()));
  ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != expected && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) {
    fail(result.get(), sql);
  }
  return result;
}

PgConnection::Prepared& PgConnection::prepared(std::string_view sql) {
  if (auto it = prepared_.find(sql); it != prepared_.end()) {
    return it->second;
  }
  if (prepared_.size() >= kMaxCachedStatements) {
    prepared_.clear();
    try {
      run("DEALLOCATE ALL", PGRES_COMMAND_OK);
    } catch (const Error&) {
      // The names are never reused, so statements left on the server do no harm.
      check_connection();
    }
  }
  std::string name = std::to_string(++statement_count_);
  name.insert(0, 1, 's');  // Not "s" + ...: g++ 12 at -O3 warns falsely (-Wrestrict) on that.
  std::string text(sql);
  ResultPtr result(PQprepare(conn_, name.c_str(), text.c_str(), 0, nullptr));
  if (!result || PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    fail(result.get(), sql);
  }
  ResultPtr description(PQdescribePrepared(conn_, name.c_str()));
  if (!description || PQresultStatus(description.get()) != PGRES_COMMAND_OK) {
    fail(description.get(), sql);
  }
  Prepared entry{std::move(name), {}};
  const int count = PQnparams(description.get());
  for (int i = 0; i < count; ++i) {
    entry.param_types.push_back(PQparamtype(description.get(), i));
  }
  return prepared_.emplace(std::move(text), std::move(entry)).first->second;
}

Rows PgConnection::exec(std::string_view sql, const std::vector<Param>& params) {
  check_connection();
  const Prepared& statement = prepared(sql);
  const size_t count = statement.param_types.size();
  if (params.size() < count) {
    throw Error(ErrorKind::Other,
                "postgres: parameter $" + std::to_string(params.size() + 1) + " has no value [" + shorten(sql) + "]");
  }
  // Parameters the SQL does not use are left out, as SQLite ignores them.
  std::vector<std::string> numbers(count);
  std::vector<const char*> values(count, nullptr);
  std::vector<int> lengths(count, 0);
  std::vector<int> formats(count, 0);
  for (size_t i = 0; i < count; ++i) {
    const Value& value = params[i].value();
    if (const auto* integer = std::get_if<int64_t>(&value)) {
      numbers[i] = std::to_string(*integer);
      values[i] = numbers[i].c_str();
    } else if (const auto* real = std::get_if<double>(&value)) {
      char buffer[64];
      auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, *real);  // Shortest exact form.
      numbers[i].assign(buffer, ec == std::errc() ? end : buffer);
      values[i] = numbers[i].c_str();
    } else if (const auto* text = std::get_if<std::string>(&value)) {
      values[i] = text->c_str();
      if (statement.param_types[i] == kByteaOid) {
        lengths[i] = static_cast<int>(text->size());
        formats[i] = 1;  // Binary: raw bytes, no escaping.
      }
    }
  }
  ResultPtr result(PQexecPrepared(conn_, statement.name.c_str(), static_cast<int>(count), values.data(), lengths.data(),
                                  formats.data(), 0));
  ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    const char* state = result ? PQresultErrorField(result.get(), PG_DIAG_SQLSTATE) : nullptr;
    if (state != nullptr && std::string_view(state) == "0A000") {
      // "cached plan must not change result type" after DDL: prepare afresh next time.
      prepared_.erase(prepared_.find(sql));
    }
    fail(result.get(), sql);
  }

  Rows rows;
  const int columns = PQnfields(result.get());
  const int tuples = PQntuples(result.get());
  rows.columns.reserve(static_cast<size_t>(columns));
  std::vector<Oid> types;
  for (int c = 0; c < columns; ++c) {
    rows.columns.emplace_back(PQfname(result.get(), c));
    types.push_back(PQftype(result.get(), c));
  }
  rows.data.reserve(static_cast<size_t>(tuples));
  for (int r = 0; r < tuples; ++r) {
    std::vector<Value>& row = rows.data.emplace_back();
    row.reserve(static_cast<size_t>(columns));
    for (int c = 0; c < columns; ++c) {
      if (PQgetisnull(result.get(), r, c)) {
        row.emplace_back(Null{});
      } else {
        std::string_view text(PQgetvalue(result.get(), r, c), static_cast<size_t>(PQgetlength(result.get(), r, c)));
        row.push_back(convert(types[static_cast<size_t>(c)], text));
      }
    }
  }
  int64_t affected = 0;
  if (parse_whole(std::string_view(PQcmdTuples(result.get())), affected)) {
    rows.affected = affected;
  }
  return rows;
}

void PgConnection::commit() {
  ResultPtr result = run("COMMIT", PGRES_COMMAND_OK);
  // COMMIT of a transaction that failed earlier answers "ROLLBACK", not an error.
  if (std::string_view(PQcmdStatus(result.get())) != "COMMIT") {
    throw Error(ErrorKind::Other, "postgres: the transaction had failed and was rolled back");
  }
}

void PgConnection::rollback() {
  PGTransactionStatusType status = PQtransactionStatus(conn_);
  if (status == PQTRANS_IDLE) {
    return;
  }
  if (status == PQTRANS_UNKNOWN) {
    broken_ = true;
    return;
  }
  run("ROLLBACK", PGRES_COMMAND_OK);
}

// The receiving end of Database::broadcast_notifications: one connection outside the pool
// that LISTENs on the channel, on a thread of its own that waits on the socket (and an eventfd
// for shutdown), and hands each "topic\npayload" to `deliver`. Reconnects with backoff.
class ChannelListener {
 public:
  using Deliver = std::function<void(std::string_view extra)>;

  // Connects and LISTENs before returning (so nothing committed afterwards is missed); throws
  // db::Error when it cannot.
  ChannelListener(std::string url, std::string channel, Deliver deliver)
      : url_(std::move(url)),
        channel_(std::move(channel)),
        deliver_(std::move(deliver)),
        wake_(eventfd(0, EFD_CLOEXEC)) {
    if (wake_ < 0) {
      throw Error(ErrorKind::Other, "postgres: eventfd failed");
    }
    if (!connect_and_listen()) {
      const std::string message = conn_ ? trim_end(PQerrorMessage(conn_)) : "out of memory";
      close_connection();
      ::close(wake_);
      throw Error(ErrorKind::ConnectionLost, "postgres: cannot LISTEN: " + message);
    }
    thread_ = std::thread([this] { run(); });
  }

  ~ChannelListener() {
    stop_ = true;
    const uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(wake_, &one, sizeof one);
    thread_.join();
    close_connection();
    ::close(wake_);
  }

  ChannelListener(const ChannelListener&) = delete;
  ChannelListener& operator=(const ChannelListener&) = delete;

 private:
  bool connect_and_listen() {
    conn_ = PQconnectdb(url_.c_str());
    if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) {
      return false;
    }
    char* quoted = PQescapeIdentifier(conn_, channel_.data(), channel_.size());
    if (quoted == nullptr) {
      return false;
    }
    const std::string sql = std::string("LISTEN ") + quoted;
    PQfreemem(quoted);
    ResultPtr result(PQexec(conn_, sql.c_str()));
    return result && PQresultStatus(result.get()) == PGRES_COMMAND_OK;
  }

  void close_connection() {
    if (conn_ != nullptr) {
      PQfinish(conn_);
      conn_ = nullptr;
    }
  }

  // Waits for the socket, or `timeout_ms` (-1: no limit); false when told to stop.
  bool wait(int socket, int timeout_ms) {
    pollfd fds[2] = {{wake_, POLLIN, 0}, {socket, POLLIN, 0}};
    ::poll(fds, socket >= 0 ? 2 : 1, timeout_ms);
    return !stop_;
  }

  void run() {
    auto backoff = std::chrono::milliseconds(100);
    while (!stop_) {
      if (conn_ == nullptr) {
        if (!wait(-1, static_cast<int>(backoff.count()))) {
          return;
        }
        if (!connect_and_listen()) {
          close_connection();
          backoff = std::min(backoff * 2, std::chrono::milliseconds(10'000));
          continue;
        }
        backoff = std::chrono::milliseconds(100);
      }
      if (!wait(PQsocket(conn_), -1)) {
        return;
      }
      if (PQconsumeInput(conn_) == 0) {
        close_connection();  // The server went away: reconnect.
        continue;
      }
      while (PGnotify* note = PQnotifies(conn_)) {
        try {
          deliver_(note->extra);
        } catch (...) {
          // A listener must not throw; never let it end the thread.
        }
        PQfreemem(note);
      }
    }
  }

  const std::string url_;
  const std::string channel_;
  const Deliver deliver_;
  const int wake_;
  PGconn* conn_ = nullptr;  // Listener thread only (and construction/destruction).
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class PgDatabase final : public PooledDatabase {
 public:
  explicit PgDatabase(const Options& options) : PooledDatabase(Backend::Postgres, limits(options)), url_(options.url) {
    warm_up();
  }

  bool broadcast_notifications() override {
    if (listener_) {
      return true;
    }
    // Per schema: instances sharing a database in separate schemas (and parallel tests) do not
    // hear each other. Channel names are identifiers: at most 63 bytes.
    const auto schema = read([](Tx& tx) { return tx.one("SELECT current_schema()")->row().text(0); });
    std::string channel = ("gh_live_" + schema).substr(0, 63);
    listener_ = std::make_unique<ChannelListener>(url_, channel, [this](std::string_view extra) {
      const auto split = extra.find('\n');
      if (split != std::string_view::npos && notify_listener_) {
        notify_listener_(extra.substr(0, split), extra.substr(split + 1));
      }
    });
    broadcast_channel_ = std::move(channel);
    return true;
  }

 protected:
  std::unique_ptr<Connection> connect() override {
    PGconn* conn = PQconnectdb(url_.c_str());
    if (conn == nullptr) {
      throw Error(ErrorKind::ConnectionLost, "postgres: out of memory");
    }
    std::unique_ptr<PgConnection> connection;
    try {
      connection = std::make_unique<PgConnection>(conn);  // Owns conn from here on.
    } catch (...) {
      PQfinish(conn);
      throw;
    }
    if (PQstatus(conn) != CONNECTION_OK) {
      // libpq's message names host and port, never the password.
      throw Error(ErrorKind::ConnectionLost, "postgres: cannot connect: " + trim_end(PQerrorMessage(conn)));
    }
    connection->set_up();
    return connection;
  }

 private:
  static PoolLimits limits(const Options& options) {
    PoolLimits limits;
    limits.max_open = static_cast<size_t>(std::max(1, options.pool_size));
    limits.max_idle = limits.max_open;
    limits.wait = std::chrono::milliseconds(options.busy_timeout_ms);
    return limits;
  }

  std::string url_;
  std::unique_ptr<ChannelListener> listener_;  // Stopped first on destruction.
};

}  // namespace

std::unique_ptr<Database> open(const Options& options) {
  return std::make_unique<PgDatabase>(options);
}

}  // namespace gh::db::postgres

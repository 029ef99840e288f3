#include "db/db.hpp"

#include <charconv>
#include <cmath>

#include "core/check.hpp"
#include "db/postgres/postgres.hpp"
#include "db/sqlite/sqlite.hpp"

namespace gh::db {
namespace {

template <class T>
bool parse_whole(std::string_view text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

int64_t double_to_i64(double d) {
  // 2^63 is exactly representable; anything at or above it does not fit.
  if (!std::isfinite(d) || d < -9223372036854775808.0 || d >= 9223372036854775808.0) {
    throw Error(ErrorKind::Other, "db: value does not fit a 64-bit integer");
  }
  return static_cast<int64_t>(d);
}

std::string double_to_text(double d) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, d);
  return ec == std::errc() ? std::string(buffer, end) : std::string();
}

}  // namespace

// Row ----------------------------------------------------------------------------------------

bool Row::is_null(size_t i) const {
  return std::holds_alternative<Null>(value(i));
}

int64_t Row::i64(size_t i) const {
  const Value& v = value(i);
  if (const auto* integer = std::get_if<int64_t>(&v)) {
    return *integer;
  }
  if (const auto* real = std::get_if<double>(&v)) {
    return double_to_i64(*real);
  }
  if (const auto* text = std::get_if<std::string>(&v)) {
    int64_t integer = 0;
    if (parse_whole(std::string_view(*text), integer)) {
      return integer;
    }
    double real = 0;
    if (parse_whole(std::string_view(*text), real)) {
      return double_to_i64(real);
    }
    throw Error(ErrorKind::Other, "db: column " + std::to_string(i) + " is not a number");
  }
  return 0;
}

double Row::f64(size_t i) const {
  const Value& v = value(i);
  if (const auto* integer = std::get_if<int64_t>(&v)) {
    return static_cast<double>(*integer);
  }
  if (const auto* real = std::get_if<double>(&v)) {
    return *real;
  }
  if (const auto* text = std::get_if<std::string>(&v)) {
    double real = 0;
    if (parse_whole(std::string_view(*text), real)) {
      return real;
    }
    throw Error(ErrorKind::Other, "db: column " + std::to_string(i) + " is not a number");
  }
  return 0;
}

std::string Row::text(size_t i) const {
  const Value& v = value(i);
  if (const auto* integer = std::get_if<int64_t>(&v)) {
    return std::to_string(*integer);
  }
  if (const auto* real = std::get_if<double>(&v)) {
    return double_to_text(*real);
  }
  if (const auto* text = std::get_if<std::string>(&v)) {
    return *text;
  }
  return {};
}

std::optional<int64_t> Row::opt_i64(size_t i) const {
  if (is_null(i)) {
    return std::nullopt;
  }
  return i64(i);
}

std::optional<std::string> Row::opt_text(size_t i) const {
  if (is_null(i)) {
    return std::nullopt;
  }
  return text(i);
}

// Tx -----------------------------------------------------------------------------------------

Tx::Tx(Connection& connection, Backend backend, Mode mode, std::function<void(bool healthy)> release)
    : connection_(&connection), backend_(backend), mode_(mode), release_(std::move(release)) {}

Tx::~Tx() {
  if (!done_) {
    try {
      connection_->rollback();
    } catch (const Error&) {
      // The connection reports itself unhealthy and the pool drops it.
    }
  }
  release_(connection_->healthy());
}

Rows Tx::exec(std::string_view sql, std::initializer_list<Param> params) {
  return exec(sql, std::vector<Param>(params));
}

Rows Tx::exec(std::string_view sql, const std::vector<Param>& params) {
  GH_CHECK(!done_, "db::Tx used after commit()");
  if (failed_) {
    throw Error(ErrorKind::Other, "db: a statement of this transaction failed; it can only roll back");
  }
  try {
    return connection_->exec(sql, params);
  } catch (const Error&) {
    failed_ = true;
    throw;
  }
}

void Tx::exec_script(std::string_view sql) {
  GH_CHECK(!done_, "db::Tx used after commit()");
  if (failed_) {
    throw Error(ErrorKind::Other, "db: a statement of this transaction failed; it can only roll back");
  }
  try {
    connection_->exec_script(sql);
  } catch (const Error&) {
    failed_ = true;
    throw;
  }
}

std::optional<Tx::OneRow> Tx::one(std::string_view sql, std::initializer_list<Param> params) {
  Rows rows = exec(sql, params);
  if (rows.empty()) {
    return std::nullopt;
  }
  return OneRow{std::move(rows)};
}

std::optional<int64_t> Tx::scalar_i64(std::string_view sql, std::initializer_list<Param> params) {
  Rows rows = exec(sql, params);
  if (rows.empty() || rows.columns.empty()) {
    return std::nullopt;
  }
  return rows[0].opt_i64(0);
}

void Tx::commit() {
  GH_CHECK(!done_, "db::Tx committed twice");
  if (failed_) {
    throw Error(ErrorKind::Other, "db: a statement of this transaction failed; it cannot commit");
  }
  try {
    connection_->commit();
  } catch (const Error&) {
    failed_ = true;
    throw;
  }
  done_ = true;
  if (notify_listener_ && *notify_listener_) {
    for (const auto& [channel, payload] : notes_) {
      (*notify_listener_)(channel, payload);
    }
  }
  notes_.clear();
}

void Tx::notify(std::string channel, std::string payload) {
  GH_CHECK(!done_, "db::Tx used after commit()");
  if (broadcast_channel_ != nullptr && channel.size() + 1 + payload.size() <= Database::kMaxBroadcastBytes &&
      channel.find('\n') == std::string::npos) {
    // PostgreSQL queues it with the transaction and delivers it at commit, to every listener.
    exec("SELECT pg_notify($1, $2)", {*broadcast_channel_, channel + '\n' + payload});
    return;
  }
  notes_.emplace_back(std::move(channel), std::move(payload));
}

// Database -----------------------------------------------------------------------------------

std::unique_ptr<Database> Database::open(const Options& options) {
  std::string_view url = options.url;
  if (url.starts_with("sqlite:")) {
    return sqlite::open(options, url.substr(std::string_view("sqlite:").size()));
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return postgres::open(options);
  }
  throw Error(ErrorKind::Other, "db: the URL must start with sqlite: or postgresql://");
}

std::unique_ptr<Tx> Database::make_tx(Connection& c, Backend b, Mode m, std::function<void(bool)> release) {
  auto tx = std::unique_ptr<Tx>(new Tx(c, b, m, std::move(release)));
  tx->notify_listener_ = &notify_listener_;
  tx->broadcast_channel_ = broadcast_channel_.empty() ? nullptr : &broadcast_channel_;
  return tx;
}

}  // namespace gh::db

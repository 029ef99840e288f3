#include "identity/identity.hpp"

#include <sodium.h>

#include <array>
#include <stdexcept>

#include "core/text.hpp"

namespace gh::identity {
namespace {

constexpr std::string_view kUserColumns = "id, email, username, display_name, bio, created_at";

User user_from_row(const db::Row& row) {
  return User{UserId(row.i64(0)), row.text(1), row.text(2), row.text(3), row.text(4), row.i64(5)};
}

constexpr std::array kReservedUsernames = {"admin",  "api",      "root",   "system",  "guildhall", "login", "logout",
                                           "signup", "settings", "static", "healthz", "me",        "new",   "support"};

bool is_username_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

}  // namespace

std::string random_token() {
  std::array<unsigned char, 32> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  std::array<char, 64> out{};
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return out.data();
}

std::string token_hash(std::string_view token) {
  std::array<unsigned char, 32> digest{};
  crypto_generichash(digest.data(), digest.size(), reinterpret_cast<const unsigned char*>(token.data()), token.size(),
                     nullptr, 0);
  std::array<char, 65> hex{};
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  return hex.data();
}

Identity::Identity(db::Database& db, const Clock& clock, Options options) : db_(db), clock_(clock), options_(options) {
  if (sodium_init() < 0) {
    throw std::runtime_error("libsodium failed to initialise");
  }
  if (options_.pwhash_opslimit == 0) {
    options_.pwhash_opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
  }
  if (options_.pwhash_memlimit == 0) {
    options_.pwhash_memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
  }
}

Status Identity::validate_username(std::string_view username) {
  if (username.size() < 3 || username.size() > 32) {
    return invalid("identity.invalid_username", "Usernames have 3 to 32 characters.", "username");
  }
  for (char c : username) {
    if (!is_username_char(c)) {
      return invalid("identity.invalid_username", "Usernames use letters, digits, '_' and '-'.", "username");
    }
  }
  if (username.front() == '-' || username.front() == '_') {
    return invalid("identity.invalid_username", "Usernames start with a letter or digit.", "username");
  }
  const auto lower = text::to_lower_ascii(username);
  for (const auto* reserved : kReservedUsernames) {
    if (lower == reserved) {
      return invalid("identity.invalid_username", "This username is reserved.", "username");
    }
  }
  return {};
}

Status Identity::validate_email(std::string_view email) {
  const auto at = email.find('@');
  if (email.size() > 254 || at == std::string_view::npos || at == 0 || email.find('@', at + 1) != email.npos ||
      email.find('.', at) == email.npos || email.back() == '.' || !text::is_valid_utf8(email)) {
    return invalid("identity.invalid_email", "Enter a valid e-mail address.", "email");
  }
  for (char c : email) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '<' || c == '>' || c == '"' || c == ',' || c == ';') {
      return invalid("identity.invalid_email", "Enter a valid e-mail address.", "email");
    }
  }
  return {};
}

Status Identity::validate_password(std::string_view password) {
  if (password.size() < 8) {
    return invalid("identity.weak_password", "Passwords have at least 8 characters.", "password");
  }
  if (password.size() > 256 || !text::is_valid_utf8(password)) {
    return invalid("identity.invalid_password", "Passwords have at most 256 bytes of UTF-8.", "password");
  }
  return {};
}

std::string Identity::hash_password(std::string_view password) const {
  std::array<char, crypto_pwhash_STRBYTES> out{};
  if (crypto_pwhash_str_alg(out.data(), password.data(), password.size(), options_.pwhash_opslimit,
                            options_.pwhash_memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw std::runtime_error("argon2id hashing failed (out of memory)");
  }
  return out.data();
}

bool Identity::verify_password(std::string_view hash, std::string_view password) {
  const std::string terminated(hash);
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

Result<User> Identity::sign_up(const SignupInput& input) {
  if (auto ok = validate_email(input.email); !ok) {
    return ok.error();
  }
  if (auto ok = validate_username(input.username); !ok) {
    return ok.error();
  }
  if (auto ok = validate_password(input.password); !ok) {
    return ok.error();
  }
  // Hash outside the transaction: it takes tens of milliseconds.
  const auto hash = hash_password(input.password);
  return db_.write([&](db::Tx& tx) { return insert_user(tx, input, hash); });
}

Result<User> Identity::insert_user(db::Tx& tx, const SignupInput& input, const std::string& password_hash) {
  const auto email_lower = text::to_lower_ascii(input.email);
  const auto username_lower = text::to_lower_ascii(input.username);
  if (tx.one("SELECT 1 FROM users WHERE email_lower = $1", {email_lower})) {
    return conflict("identity.email_taken", "An account with this e-mail exists.", "email");
  }
  if (tx.one("SELECT 1 FROM users WHERE username_lower = $1", {username_lower})) {
    return conflict("identity.username_taken", "This username is taken.", "username");
  }
  auto display_name = text::trim(input.display_name);
  if (display_name.empty()) {
    display_name = input.username;
  }
  if (display_name.size() > 100 || !text::is_valid_utf8(display_name)) {
    return invalid("identity.invalid_display_name", "Display names have at most 100 bytes of UTF-8.", "display_name");
  }
  const Millis now = clock_.now_ms();
  auto id = tx.scalar_i64(
      "INSERT INTO users (email, email_lower, username, username_lower, display_name, password_hash, created_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
      {input.email, email_lower, input.username, username_lower, display_name, password_hash, now});
  return User{UserId(*id), input.email, input.username, display_name, "", now};
}

RecentFailures recent_failures(db::Tx& tx, std::string_view key, Millis since) {
  auto row = tx.one("SELECT COUNT(*), COALESCE(MIN(at), 0) FROM login_failures WHERE throttle_key = $1 AND at > $2",
                    {std::string(key), since});
  return row ? RecentFailures{row->row().i64(0), row->row().i64(1)} : RecentFailures{};
}

void record_failure(db::Tx& tx, std::string_view key, Millis now, Millis forget_before) {
  tx.exec("INSERT INTO login_failures (throttle_key, at) VALUES ($1, $2)", {std::string(key), now});
  tx.exec("DELETE FROM login_failures WHERE at < $1", {forget_before});
}

Status Identity::check_throttle(db::Tx& tx, const std::string& key, int limit, Millis now) {
  const Millis since = now - options_.failure_window_ms;
  auto row = tx.one("SELECT COUNT(*), MIN(at) FROM login_failures WHERE throttle_key = $1 AND at > $2", {key, since});
  if (row && row->row().i64(0) >= limit) {
    Error e{ErrorKind::RateLimited, "identity.too_many_attempts", "Too many failed logins; try again later.", {}, 0};
    const Millis oldest = row->row().i64(1);
    e.retry_after_seconds = static_cast<int>((oldest + options_.failure_window_ms - now) / 1000 + 1);
    return e;
  }
  return {};
}

Result<LoginResult> Identity::log_in(std::string_view login, std::string_view password, std::string_view ip,
                                     std::string_view user_agent) {
  const Millis now = clock_.now_ms();
  const auto login_lower = text::to_lower_ascii(text::trim(login));
  const std::string account_key = "account:" + login_lower;
  const std::string ip_key = "ip:" + std::string(ip);

  struct Candidate {
    User user;
    std::string hash;
  };
  auto candidate = db_.read([&](db::Tx& tx) -> Result<std::optional<Candidate>> {
    if (auto ok = check_throttle(tx, ip_key, options_.max_failures_per_ip, now); !ok) {
      return ok.error();
    }
    if (auto ok = check_throttle(tx, account_key, options_.max_failures_per_account, now); !ok) {
      return ok.error();
    }
    auto row = tx.one(std::string("SELECT ") + std::string(kUserColumns) +
                          ", password_hash FROM users WHERE email_lower = $1 OR username_lower = $1",
                      {login_lower});
    if (!row) {
      return std::optional<Candidate>();
    }
    return std::optional<Candidate>(Candidate{user_from_row(row->row()), row->row().text(6)});
  });
  if (!candidate) {
    return std::move(candidate).error();
  }
  const bool ok = candidate->has_value() && verify_password((*candidate)->hash, password);
  if (!ok) {
    db_.write([&](db::Tx& tx) {
      tx.exec("INSERT INTO login_failures (throttle_key, at) VALUES ($1, $3), ($2, $3)", {account_key, ip_key, now});
      tx.exec("DELETE FROM login_failures WHERE at < $1", {now - 4 * options_.failure_window_ms});
    });
    return Error{ErrorKind::Unauthenticated, "identity.bad_credentials", "Wrong login or password.", {}, 0};
  }
  auto& found = **candidate;
  if (crypto_pwhash_str_needs_rehash(found.hash.c_str(), options_.pwhash_opslimit, options_.pwhash_memlimit) != 0) {
    const auto rehash = hash_password(password);
    db_.write([&](db::Tx& tx) {
      tx.exec("UPDATE users SET password_hash = $1 WHERE id = $2", {rehash, found.user.id.value});
    });
  }
  return start_session(found.user, ip, user_agent);
}

LoginResult Identity::start_session(const User& user, std::string_view ip, std::string_view user_agent) {
  const Millis now = clock_.now_ms();
  LoginResult result{user, random_token(), random_token()};
  db_.write([&](db::Tx& tx) {
    tx.exec(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, last_seen_at, ip, user_agent) "
        "VALUES ($1, $2, $3, $4, $5, $4, $6, $7)",
        {token_hash(result.session_token), user.id.value, result.csrf_token, now, now + options_.session_ttl_ms,
         std::string(ip), text::utf8_truncate(text::is_valid_utf8(user_agent) ? user_agent : "", 200)});
  });
  return result;
}

void Identity::log_out(std::string_view session_token) {
  db_.write([&](db::Tx& tx) { tx.exec("DELETE FROM sessions WHERE token_hash = $1", {token_hash(session_token)}); });
}

std::optional<Session> Identity::find_session(std::string_view session_token) {
  if (session_token.empty() || session_token.size() > 100) {
    return std::nullopt;
  }
  const Millis now = clock_.now_ms();
  const auto hash = token_hash(session_token);
  auto found = db_.read([&](db::Tx& tx) -> std::optional<std::pair<Session, Millis>> {
    auto row = tx.one(
        "SELECT u.id, u.email, u.username, u.display_name, u.bio, u.created_at, s.csrf_token, s.expires_at, "
        "s.last_seen_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2",
        {hash, now});
    if (!row) {
      return std::nullopt;
    }
    const auto r = row->row();
    return std::make_pair(Session{user_from_row(r), r.text(6), r.i64(7)}, r.i64(8));
  });
  if (!found) {
    return std::nullopt;
  }
  // Sliding expiry, written at most once an hour per session so reads stay reads.
  if (now - found->second > 3600 * 1000) {
    db_.write([&](db::Tx& tx) {
      tx.exec("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE token_hash = $3",
              {now, now + options_.session_ttl_ms, hash});
    });
    found->first.expires_at = now + options_.session_ttl_ms;
  }
  return std::move(found->first);
}

std::string Identity::create_api_token(UserId user, std::string_view name) {
  auto token = "gh_" + random_token();
  db_.write([&](db::Tx& tx) {
    tx.exec("INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4)",
            {user.value, text::utf8_truncate(name, 100), token_hash(token), clock_.now_ms()});
  });
  return token;
}

std::optional<User> Identity::find_user_by_api_token(std::string_view token) {
  if (token.size() < 10 || token.size() > 100) {
    return std::nullopt;
  }
  return db_.read([&](db::Tx& tx) -> std::optional<User> {
    auto row = tx.one(
        "SELECT u.id, u.email, u.username, u.display_name, u.bio, u.created_at FROM api_tokens t "
        "JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
        {token_hash(token)});
    if (!row) {
      return std::nullopt;
    }
    return user_from_row(row->row());
  });
}

Status Identity::revoke_api_token(UserId user, int64_t token_id) {
  return db_.write([&](db::Tx& tx) -> Status {
    auto rows = tx.exec("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
                        {clock_.now_ms(), token_id, user.value});
    if (rows.affected == 0) {
      return not_found("identity.token_not_found", "No such token.");
    }
    return {};
  });
}

std::vector<ApiToken> Identity::api_tokens(UserId user) {
  return db_.read([&](db::Tx& tx) {
    std::vector<ApiToken> out;
    for (auto r : tx.exec("SELECT id, name, created_at FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL "
                          "ORDER BY id DESC LIMIT 100",
                          {user.value})) {
      out.push_back(ApiToken{r.i64(0), r.text(1), r.i64(2)});
    }
    return out;
  });
}

std::optional<User> Identity::find_user(UserId id) {
  return db_.read([&](db::Tx& tx) -> std::optional<User> {
    auto row = tx.one(std::string("SELECT ") + std::string(kUserColumns) + " FROM users WHERE id = $1", {id.value});
    if (!row) {
      return std::nullopt;
    }
    return user_from_row(row->row());
  });
}

std::optional<User> Identity::find_user_by_username(std::string_view username) {
  return db_.read([&](db::Tx& tx) -> std::optional<User> {
    auto row = tx.one(std::string("SELECT ") + std::string(kUserColumns) + " FROM users WHERE username_lower = $1",
                      {text::to_lower_ascii(username)});
    if (!row) {
      return std::nullopt;
    }
    return user_from_row(row->row());
  });
}

Result<User> Identity::update_profile(UserId id, std::string_view display_name, std::string_view bio) {
  const auto name = text::trim(display_name);
  if (name.empty() || name.size() > 100 || !text::is_valid_utf8(name)) {
    return invalid("identity.invalid_display_name", "Display names have 1 to 100 bytes of UTF-8.", "display_name");
  }
  if (bio.size() > 2000 || !text::is_valid_utf8(bio)) {
    return invalid("identity.invalid_bio", "Bios have at most 2000 bytes of UTF-8.", "bio");
  }
  db_.write([&](db::Tx& tx) {
    tx.exec("UPDATE users SET display_name = $1, bio = $2 WHERE id = $3", {name, std::string(bio), id.value});
  });
  auto user = find_user(id);
  if (!user) {
    return not_found("identity.user_not_found", "No such user.");
  }
  return *user;
}

}  // namespace gh::identity

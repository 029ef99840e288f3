// gh::identity: accounts, passwords (argon2id), login sessions, personal API tokens and login
// throttling. Knows nothing of HTTP: web/ turns cookies and headers into the calls below.
//
// Secrets (session tokens, API tokens) are random 256-bit values shown to the user once; only
// their BLAKE2b hashes are stored. The service is thread-safe (state lives in the database).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/result.hpp"
#include "db/db.hpp"

namespace gh::identity {

struct User {
  UserId id;
  std::string email;
  std::string username;
  std::string display_name;
  std::string bio;
  Millis created_at = 0;
};

struct ApiToken {
  int64_t id = 0;
  std::string name;
  Millis created_at = 0;
};

struct SignupInput {
  std::string email;
  std::string username;
  std::string password;
  std::string display_name;  // Optional; defaults to the username.
};

struct Options {
  Millis session_ttl_ms = 30LL * 24 * 3600 * 1000;
  // Throttling: at most this many failed logins per window, per account and per IP.
  int max_failures_per_account = 5;
  int max_failures_per_ip = 20;
  Millis failure_window_ms = 15 * 60 * 1000;
  // argon2id cost; INTERACTIVE by default. Tests may lower it (never below libsodium's MIN).
  unsigned long long pwhash_opslimit = 0;  // 0: crypto_pwhash_OPSLIMIT_INTERACTIVE.
  size_t pwhash_memlimit = 0;              // 0: crypto_pwhash_MEMLIMIT_INTERACTIVE.
};

// A login session as web/ needs it.
struct Session {
  User user;
  std::string csrf_token;
  Millis expires_at = 0;
};

struct LoginResult {
  User user;
  std::string session_token;  // For the cookie.
  std::string csrf_token;
};

class Identity {
 public:
  Identity(db::Database& db, const Clock& clock, Options options);

  // Creates an account. Errors: identity.invalid_email, identity.invalid_username,
  // identity.weak_password, identity.email_taken, identity.username_taken (Conflict).
  Result<User> sign_up(const SignupInput& input);
  // Creates the account row inside the caller's transaction with an already computed hash
  // (demo data uses one hash for many accounts).
  Result<User> insert_user(db::Tx& tx, const SignupInput& input, const std::string& password_hash);

  // `login` is an e-mail address or a username. Throttled per account and per `ip`
  // (RateLimited with retry_after_seconds). Errors: identity.bad_credentials (Unauthenticated).
  Result<LoginResult> log_in(std::string_view login, std::string_view password, std::string_view ip,
                             std::string_view user_agent);
  // Starts a session for a user who just proved who they are (sign-up).
  LoginResult start_session(const User& user, std::string_view ip, std::string_view user_agent);
  void log_out(std::string_view session_token);
  std::optional<Session> find_session(std::string_view session_token);

  // Returns the plaintext token, shown once.
  std::string create_api_token(UserId user, std::string_view name);
  std::optional<User> find_user_by_api_token(std::string_view token);
  Status revoke_api_token(UserId user, int64_t token_id);
  // The user's live tokens, newest first (names and dates only; secrets are never stored).
  std::vector<ApiToken> api_tokens(UserId user);

  std::optional<User> find_user(UserId id);
  std::optional<User> find_user_by_username(std::string_view username);
  Result<User> update_profile(UserId id, std::string_view display_name, std::string_view bio);

  std::string hash_password(std::string_view password) const;
  static bool verify_password(std::string_view hash, std::string_view password);

  // Validation shared with forms.
  static Status validate_username(std::string_view username);
  static Status validate_email(std::string_view email);
  static Status validate_password(std::string_view password);

 private:
  Status check_throttle(db::Tx& tx, const std::string& key, int limit, Millis now);

  db::Database& db_;
  const Clock& clock_;
  Options options_;
};

// Failed attempts at anything guessable (logins, redeem codes), counted per key ("redeem:user:7")
// in the login_failures table. The count of failures after `since`, and the oldest of them.
struct RecentFailures {
  int64_t count = 0;
  Millis oldest = 0;
};
RecentFailures recent_failures(db::Tx& tx, std::string_view key, Millis since);
// Records one failure at `now`; rows older than `forget_before` (of every key) are dropped.
void record_failure(db::Tx& tx, std::string_view key, Millis now, Millis forget_before);

// Random URL-safe token of 256 bits, and the stored form of a token.
std::string random_token();
std::string token_hash(std::string_view token);

}  // namespace gh::identity

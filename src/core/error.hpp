// Error: what went wrong in an expected way (bad input, not found, not allowed...).
//
// Services return Error values for outcomes a caller must handle; web/errors.cpp maps each
// kind to an HTTP status once. Programs branch on `kind` and `code`, never on `message`.
// Plain value type, safe to copy between threads.
#pragma once

#include <map>
#include <string>

namespace gh {

enum class ErrorKind {
  Invalid,          // 400: the input is malformed or breaks a rule.
  Unauthenticated,  // 401: sign in first.
  Forbidden,        // 403: signed in, but not allowed.
  NotFound,         // 404
  Conflict,         // 409: already exists, or the state changed under the caller.
  PaymentRequired,  // 402
  TooLarge,         // 413
  RateLimited,      // 429: see retry_after_seconds.
  Unavailable,      // 503
  BadGateway,       // 502: a provider we called (Stripe) failed or refused.
  Internal,         // 500: never carries internals in its message.
};

struct Error {
  ErrorKind kind = ErrorKind::Internal;
  std::string code;                           // Stable, dotted: "identity.username_taken".
  std::string message;                        // English, for humans and logs; pages translate `code` instead.
  std::map<std::string, std::string> fields;  // Field name -> code, for forms.
  int retry_after_seconds = 0;                // Only for RateLimited.

  Error with_field(std::string field) && {
    fields.emplace(std::move(field), code);
    return std::move(*this);
  }
};

inline Error invalid(std::string code, std::string message, std::string field = {}) {
  Error e{ErrorKind::Invalid, std::move(code), std::move(message), {}, 0};
  if (!field.empty()) {
    e.fields.emplace(std::move(field), e.code);
  }
  return e;
}
inline Error not_found(std::string code, std::string message) {
  return Error{ErrorKind::NotFound, std::move(code), std::move(message), {}, 0};
}
inline Error forbidden(std::string code, std::string message) {
  return Error{ErrorKind::Forbidden, std::move(code), std::move(message), {}, 0};
}
inline Error unauthenticated(std::string code = "auth.required", std::string message = "Sign in first.") {
  return Error{ErrorKind::Unauthenticated, std::move(code), std::move(message), {}, 0};
}
inline Error conflict(std::string code, std::string message, std::string field = {}) {
  Error e{ErrorKind::Conflict, std::move(code), std::move(message), {}, 0};
  if (!field.empty()) {
    e.fields.emplace(std::move(field), e.code);
  }
  return e;
}

}  // namespace gh

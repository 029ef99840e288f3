// gh::identity server secrets: named keys shared by every node of one database.
//
// A secret is 32 random bytes (hex in server_secrets), made on first use; of two nodes racing
// to make it, the first insert wins (ON CONFLICT DO NOTHING) and both then read that one.
// Used for signatures that must verify on any node (certificate ids, signed file URLs).
// Stateless functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "db/db.hpp"

namespace gh::identity {

// The secret named `name` (64 hex digits), created if missing. Needs a write transaction when
// the secret does not exist yet.
std::string server_secret(db::Tx& tx, std::string_view name);
// The same with its own transactions: a read, and a write only the first time.
std::string server_secret(db::Database& db, std::string_view name);

// HMAC-SHA256 of `message` keyed with `key`, as 64 lowercase hex digits.
std::string hmac_sha256_hex(std::string_view key, std::string_view message);
// Compares two strings in time independent of where they differ.
bool equal_constant_time(std::string_view a, std::string_view b);

}  // namespace gh::identity

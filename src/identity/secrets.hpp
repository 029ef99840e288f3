// gh::identity::server_secret: named random secrets kept in the database (server_secrets), so
// that every app node on one PostgreSQL database signs and verifies with the same key. Made on
// first use: 32 random bytes; a race between nodes is settled by the primary key (the loser
// reads the winner's value).
#pragma once

#include <string>
#include <string_view>

#include "db/db.hpp"

namespace gh::identity {

// The 32 raw bytes of the secret `name`. REQUIRES: `tx` may write (the first call inserts).
std::string server_secret(db::Tx& tx, std::string_view name);
// The same in a write transaction of its own.
std::string server_secret(db::Database& db, std::string_view name);

}  // namespace gh::identity

// The PostgreSQL backend of gh::db over libpq (internal: code outside db/ uses db.hpp only).
//
// A pool of at most Options::pool_size connections, opened lazily; a transaction that finds
// none free waits up to Options::busy_timeout_ms, then fails with ErrorKind::Busy. Each SQL
// text is prepared once per connection; parameters go as text with their types inferred by
// the server (bytea parameters go as raw bytes). NOTICEs are dropped.
#pragma once

#include <memory>

#include "db/db.hpp"

namespace gh::db::postgres {

// `options.url` is a libpq URI ("postgresql://user@host:port/db?options=...").
std::unique_ptr<Database> open(const Options& options);

}  // namespace gh::db::postgres

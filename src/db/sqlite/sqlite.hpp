// The SQLite backend of gh::db (internal: code outside db/ uses db.hpp only).
//
// Every connection runs in WAL mode (file databases) with foreign keys on, synchronous=NORMAL
// and the busy timeout from Options. Write transactions start with BEGIN IMMEDIATE, and the
// Database lets one of its own write transactions in at a time (a semaphore), so threads of
// one process queue promptly instead of polling SQLite's busy handler; other processes still
// meet the busy timeout. "$n" parameters are bound by name, so any order and repeats work.
#pragma once

#include <memory>
#include <string_view>

#include "db/db.hpp"

namespace gh::db::sqlite {

// `path` is a file name (created when missing) or ":memory:" (a private database that lives
// as long as the returned object; its transactions take turns on one connection).
std::unique_ptr<Database> open(const Options& options, std::string_view path);

}  // namespace gh::db::sqlite

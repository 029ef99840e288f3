// Test support (linked by tests only): a fresh, migrated database per test.
//
// SQLite by default (a temporary file, removed afterwards). When the environment variable
// GH_TEST_PG holds a postgresql:// URL, a new schema is created on that server instead, used
// through search_path, and dropped afterwards; tests running in parallel never share one.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "db/db.hpp"

namespace gh::testing {

class TestDatabase {
 public:
  TestDatabase();
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  db::Database& db() { return *db_; }
  const std::string& url() const { return url_; }

 private:
  std::unique_ptr<db::Database> db_;
  std::string url_;
  std::string sqlite_path_;
  std::string pg_admin_url_;
  std::string pg_schema_;
};

// The migrations compiled into the binary, in order.
std::vector<db::Migration> embedded_migrations();

}  // namespace gh::testing

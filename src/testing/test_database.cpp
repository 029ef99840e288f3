#include "testing/test_database.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "core/embedded.hpp"

namespace gh::testing {
namespace {

std::string unique_suffix() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  return std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" + std::to_string(rd() % 100000);
}

}  // namespace

std::vector<db::Migration> embedded_migrations() {
  std::vector<db::Migration> out;
  for (const auto& file : embedded::migrations()) {
    out.push_back(db::Migration{std::string(file.name), std::string(file.bytes)});
  }
  return out;
}

TestDatabase::TestDatabase() {
  const char* pg = std::getenv("GH_TEST_PG");
  if (pg && *pg) {
    pg_admin_url_ = pg;
    pg_schema_ = "t_" + unique_suffix();
    {
      auto admin = db::Database::open({pg_admin_url_, 1, 5000});
      admin->write([&](db::Tx& tx) { tx.exec("CREATE SCHEMA " + pg_schema_); });
    }
    url_ = pg_admin_url_ + (pg_admin_url_.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
           pg_schema_;
  } else {
    sqlite_path_ = (std::filesystem::temp_directory_path() / ("gh_test_" + unique_suffix() + ".db")).string();
    url_ = "sqlite:" + sqlite_path_;
  }
  db_ = db::Database::open({url_, 4, 5000});
  db::migrate(*db_, embedded_migrations());
}

TestDatabase::~TestDatabase() {
  db_.reset();
  if (!sqlite_path_.empty()) {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(sqlite_path_ + suffix, ec);
    }
  }
  if (!pg_schema_.empty()) {
    try {
      auto admin = db::Database::open({pg_admin_url_, 1, 5000});
      admin->write([&](db::Tx& tx) { tx.exec("DROP SCHEMA " + pg_schema_ + " CASCADE"); });
    } catch (...) {
      // A leftover schema in a throwaway test cluster is harmless.
    }
  }
}

}  // namespace gh::testing

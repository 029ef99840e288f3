// Runs every TEST_P against a fresh SQLite file and, when GH_TEST_PG holds a postgresql://
// URL, against a fresh schema of that PostgreSQL database (skipped otherwise).
#include "db/db.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <set>
#include <thread>

#include "core/result.hpp"

namespace gh::db {

// Names the backend in test output (GoogleTest finds it by argument-dependent lookup).
void PrintTo(Backend backend, std::ostream* out) {
  *out << (backend == Backend::Sqlite ? "Sqlite" : "Postgres");
}

namespace {

std::string unique_suffix() {
  static std::atomic<int> counter{0};
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return std::to_string(::getpid()) + "_" + std::to_string(++counter) + "_" +
         std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
}

template <class F>
std::optional<ErrorKind> failure_kind(F&& run) {
  try {
    run();
  } catch (const Error& e) {
    return e.kind();
  }
  return std::nullopt;
}

class DbTest : public testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::Postgres) {
      const char* base = std::getenv("GH_TEST_PG");
      if (base == nullptr || *base == '\0') {
        GTEST_SKIP() << "GH_TEST_PG is not set";
      }
      std::string base_url = base;
      schema_ = "gh_test_" + unique_suffix();
      admin_ = Database::open(Options{base_url, 1, 5000});
      admin_->write([&](Tx& tx) { tx.exec_script("CREATE SCHEMA " + schema_); });
      url_ = base_url + (base_url.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + schema_;
    } else {
      path_ = testing::TempDir() + "gh_db_test_" + unique_suffix() + ".sqlite";
      url_ = "sqlite:" + path_;
    }
    db_ = open_db();
  }

  void TearDown() override {
    db_.reset();
    if (admin_) {
      admin_->write([&](Tx& tx) { tx.exec_script("DROP SCHEMA " + schema_ + " CASCADE"); });
    }
    if (!path_.empty()) {
      for (const char* suffix : {"", "-wal", "-shm"}) {
        std::remove((path_ + suffix).c_str());
      }
    }
  }

  std::unique_ptr<Database> open_db(int busy_timeout_ms = 5000) {
    Options options;
    options.url = url_;
    options.busy_timeout_ms = busy_timeout_ms;
    return Database::open(options);
  }

  Database& db() { return *db_; }

  void create(std::string_view sql) {
    db_->write([&](Tx& tx) { tx.exec_script(apply_dialect(sql, tx.backend())); });
  }

  int64_t count(std::string_view table) {
    return db_->read([&](Tx& tx) { return *tx.scalar_i64("SELECT COUNT(*) FROM " + std::string(table)); });
  }

  std::string url_;
  std::string path_;
  std::string schema_;
  std::unique_ptr<Database> admin_;
  std::unique_ptr<Database> db_;
};

TEST_P(DbTest, BindsParamsByNameInAnyOrderAndRepeated) {
  create("CREATE TABLE t (a TEXT, b TEXT, c TEXT)");
  db().write([](Tx& tx) { EXPECT_EQ(tx.exec("INSERT INTO t (a, b, c) VALUES ($2, $1, $2)", {"x", "y"}).affected, 1); });
  db().read([](Tx& tx) {
    auto row = tx.one("SELECT a, b, c FROM t");
    ASSERT_TRUE(row);
    EXPECT_EQ(row->row().text(0), "y");
    EXPECT_EQ(row->row().text(1), "x");
    EXPECT_EQ(row->row().text(2), "y");

    auto selected = tx.one("SELECT $2, $1, $2", {"one", "two"});
    ASSERT_TRUE(selected);
    EXPECT_EQ(selected->row().text(0), "two");
    EXPECT_EQ(selected->row().text(1), "one");
    EXPECT_EQ(selected->row().text(2), "two");

    EXPECT_EQ(tx.scalar_i64("SELECT CAST($2 AS BIGINT) - CAST($1 AS BIGINT)", {5, 12}), 7);
  });
}

TEST_P(DbTest, IgnoresUnusedParamsAndRejectsMissingOnes) {
  db().read([](Tx& tx) {
    auto row = tx.one("SELECT $1", {"used", "unused"});
    ASSERT_TRUE(row);
    EXPECT_EQ(row->row().text(0), "used");
  });
  EXPECT_TRUE(failure_kind([&] { db().read([](Tx& tx) { tx.exec("SELECT $1, $2", {"only one"}); }); }));
}

TEST_P(DbTest, StoresNulls) {
  create("CREATE TABLE n (id BIGINT, a BIGINT, b TEXT)");
  db().write([](Tx& tx) {
    tx.exec("INSERT INTO n (id, a, b) VALUES ($1, $2, $3)", {1, nullptr, Null{}});
    tx.exec("INSERT INTO n (id, a, b) VALUES ($1, $2, $3)",
            {2, std::optional<int64_t>(), std::optional<std::string>()});
    tx.exec("INSERT INTO n (id, a, b) VALUES ($1, $2, $3)",
            {3, std::optional<int64_t>(7), std::optional<std::string>("seven")});
  });
  db().read([](Tx& tx) {
    Rows rows = tx.exec("SELECT a, b FROM n ORDER BY id");
    ASSERT_EQ(rows.size(), 3u);
    for (size_t i = 0; i < 2; ++i) {
      Row row = rows[i];
      EXPECT_TRUE(row.is_null(0));
      EXPECT_TRUE(row.is_null(1));
      EXPECT_EQ(row.i64(0), 0);
      EXPECT_EQ(row.text(1), "");
      EXPECT_EQ(row.opt_i64(0), std::nullopt);
      EXPECT_EQ(row.opt_text(1), std::nullopt);
    }
    EXPECT_EQ(rows[2].opt_i64(0), 7);
    EXPECT_EQ(rows[2].opt_text(1), "seven");
    EXPECT_EQ(tx.scalar_i64("SELECT MAX(a) FROM n WHERE id < 3"), std::nullopt);
  });
}

TEST_P(DbTest, RoundTripsTextExactly) {
  create("CREATE TABLE texts (id BIGINT PRIMARY KEY, v TEXT NOT NULL)");
  const std::vector<std::string> values = {
      "汉字テスト한국어 and emoji 🎉", "It's \"quoted\" with `backticks`", "'; DROP TABLE texts; --", "",
      "back\\slash \\x00 $1 ? :name", std::string(1 << 20, 'm') + "末",
  };
  db().write([&](Tx& tx) {
    for (size_t i = 0; i < values.size(); ++i) {
      tx.exec("INSERT INTO texts (id, v) VALUES ($1, $2)", {static_cast<int64_t>(i), values[i]});
    }
  });
  db().read([&](Tx& tx) {
    for (size_t i = 0; i < values.size(); ++i) {
      auto by_value = tx.scalar_i64("SELECT id FROM texts WHERE v = $1", {values[i]});
      EXPECT_EQ(by_value, static_cast<int64_t>(i));
      auto row = tx.one("SELECT v FROM texts WHERE id = $1", {static_cast<int64_t>(i)});
      ASSERT_TRUE(row);
      EXPECT_EQ(row->row().text(0), values[i]);
    }
  });
  EXPECT_EQ(count("texts"), static_cast<int64_t>(values.size()));
}

TEST_P(DbTest, RoundTripsInt64ExtremesAndDoubles) {
  create("CREATE TABLE nums (id BIGINT PRIMARY KEY, i BIGINT, d DOUBLE PRECISION)");
  const std::vector<int64_t> integers = {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), 0,
                                         -1, 9007199254740993};
  const std::vector<double> doubles = {0.1 + 0.2, 1e300, -2.5, 5e-324, 0.0};
  db().write([&](Tx& tx) {
    for (size_t i = 0; i < integers.size(); ++i) {
      tx.exec("INSERT INTO nums (id, i, d) VALUES ($1, $2, $3)", {static_cast<int64_t>(i), integers[i], doubles[i]});
    }
  });
  db().read([&](Tx& tx) {
    Rows rows = tx.exec("SELECT i, d FROM nums ORDER BY id");
    ASSERT_EQ(rows.size(), integers.size());
    for (size_t i = 0; i < integers.size(); ++i) {
      EXPECT_EQ(rows[i].i64(0), integers[i]);
      EXPECT_EQ(rows[i].f64(1), doubles[i]);
    }
    // Read back through a text parameter too.
    EXPECT_EQ(tx.scalar_i64("SELECT id FROM nums WHERE i = $1", {std::numeric_limits<int64_t>::min()}), 0);
  });
}

TEST_P(DbTest, ReturningGivesTheNewId) {
  create("CREATE TABLE items (id {{id}}, name TEXT NOT NULL)");
  db().write([](Tx& tx) {
    EXPECT_EQ(tx.scalar_i64("INSERT INTO items (name) VALUES ($1) RETURNING id", {"a"}), 1);
    EXPECT_EQ(tx.scalar_i64("INSERT INTO items (name) VALUES ($1) RETURNING id", {"b"}), 2);
    Rows rows = tx.exec("INSERT INTO items (name) VALUES ($1) RETURNING id, name", {"c"});
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows.columns, (std::vector<std::string>{"id", "name"}));
    EXPECT_EQ(rows[0].i64(0), 3);
    EXPECT_EQ(rows[0].text(1), "c");
    EXPECT_EQ(rows.affected, 1);
  });
}

TEST_P(DbTest, CountsAffectedRows) {
  create("CREATE TABLE keys (k TEXT PRIMARY KEY, v BIGINT NOT NULL)");
  db().write([](Tx& tx) {
    const char* insert = "INSERT INTO keys (k, v) VALUES ($1, $2) ON CONFLICT (k) DO NOTHING";
    EXPECT_EQ(tx.exec(insert, {"a", 1}).affected, 1);
    EXPECT_EQ(tx.exec(insert, {"a", 2}).affected, 0);
    EXPECT_EQ(tx.exec(insert, {"b", 3}).affected, 1);
    EXPECT_TRUE(
        tx.exec("INSERT INTO keys (k, v) VALUES ($1, 1) ON CONFLICT (k) DO NOTHING RETURNING k", {"a"}).empty());
    EXPECT_EQ(tx.exec("UPDATE keys SET v = v + 10").affected, 2);
    EXPECT_EQ(tx.exec("DELETE FROM keys WHERE k = $1", {"b"}).affected, 1);
    EXPECT_EQ(tx.exec("DELETE FROM keys WHERE k = $1", {"zzz"}).affected, 0);
    EXPECT_EQ(tx.exec("CREATE TABLE other (x BIGINT)").affected, 0);
  });
}

TEST_P(DbTest, ReportsErrorKinds) {
  create(
      "CREATE TABLE parents (id BIGINT PRIMARY KEY, name TEXT UNIQUE);"
      "CREATE TABLE children (id BIGINT PRIMARY KEY, parent_id BIGINT NOT NULL REFERENCES parents(id),"
      "  age BIGINT NOT NULL CHECK (age >= 0));");
  db().write([](Tx& tx) { tx.exec("INSERT INTO parents (id, name) VALUES (1, 'p')"); });
  auto run = [&](std::string_view sql) { return failure_kind([&] { db().write([&](Tx& tx) { tx.exec(sql); }); }); };
  EXPECT_EQ(run("INSERT INTO parents (id, name) VALUES (1, 'q')"), ErrorKind::UniqueViolation);
  EXPECT_EQ(run("INSERT INTO parents (id, name) VALUES (2, 'p')"), ErrorKind::UniqueViolation);
  EXPECT_EQ(run("INSERT INTO children (id, parent_id, age) VALUES (1, 99, 1)"), ErrorKind::ForeignKeyViolation);
  EXPECT_EQ(run("INSERT INTO children (id, parent_id, age) VALUES (1, 1, -1)"), ErrorKind::CheckViolation);
  EXPECT_EQ(run("SELEC 1"), ErrorKind::Syntax);
  EXPECT_EQ(run("SELECT nope FROM parents"), ErrorKind::Syntax);
  EXPECT_EQ(run("SELECT 1; SELECT 2"), ErrorKind::Syntax);
  EXPECT_EQ(count("children"), 0);
}

TEST_P(DbTest, RollsBackWhenNotCommitted) {
  create("CREATE TABLE t (v BIGINT)");
  {
    auto tx = db().begin(Mode::Write);
    tx->exec("INSERT INTO t (v) VALUES (1)");
    EXPECT_EQ(tx->scalar_i64("SELECT COUNT(*) FROM t"), 1);
  }
  EXPECT_EQ(count("t"), 0);
  {
    auto tx = db().begin(Mode::Write);
    tx->exec("INSERT INTO t (v) VALUES (1)");
    tx->commit();
  }
  EXPECT_EQ(count("t"), 1);
}

TEST_P(DbTest, RollsBackOnException) {
  create("CREATE TABLE t (v BIGINT)");
  EXPECT_THROW(db().write([](Tx& tx) {
    tx.exec("INSERT INTO t (v) VALUES (1)");
    throw std::runtime_error("boom");
  }),
               std::runtime_error);
  EXPECT_EQ(count("t"), 0);
}

TEST_P(DbTest, RollsBackWhenResultIsAnError) {
  create("CREATE TABLE t (v BIGINT)");
  gh::Result<int> failed = db().write([](Tx& tx) -> gh::Result<int> {
    tx.exec("INSERT INTO t (v) VALUES (1)");
    return gh::conflict("test.conflict", "Conflict.");
  });
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, "test.conflict");
  EXPECT_EQ(count("t"), 0);

  gh::Result<int> done = db().write([](Tx& tx) -> gh::Result<int> {
    tx.exec("INSERT INTO t (v) VALUES (1)");
    return 42;
  });
  ASSERT_TRUE(done);
  EXPECT_EQ(*done, 42);
  EXPECT_EQ(count("t"), 1);
}

TEST_P(DbTest, TransactionIsSpentAfterAFailedStatement) {
  create("CREATE TABLE t (v BIGINT PRIMARY KEY)");
  db().write([](Tx& tx) { tx.exec("INSERT INTO t (v) VALUES (1)"); });
  auto kind = failure_kind([&] {
    db().write([](Tx& tx) {
      tx.exec("INSERT INTO t (v) VALUES (2)");
      EXPECT_EQ(failure_kind([&] { tx.exec("INSERT INTO t (v) VALUES (1)"); }), ErrorKind::UniqueViolation);
      tx.exec("INSERT INTO t (v) VALUES (3)");  // Throws: the transaction failed.
    });
  });
  EXPECT_EQ(kind, ErrorKind::Other);
  EXPECT_EQ(count("t"), 1);
}

TEST_P(DbTest, ConvertsValuesLeniently) {
  create("CREATE TABLE t (v BIGINT)");
  db().write([](Tx& tx) {
    tx.exec("INSERT INTO t (v) VALUES ($1)", {9007199254740993});
    tx.exec("INSERT INTO t (v) VALUES ($1)", {0});
  });
  db().read([](Tx& tx) {
    auto row = tx.one("SELECT 42, '123', 2.5, NULL, 1 = 1, 1 = 0");
    ASSERT_TRUE(row);
    Row r = row->row();
    ASSERT_EQ(r.size(), 6u);
    EXPECT_EQ(r.text(0), "42");
    EXPECT_EQ(r.i64(1), 123);
    EXPECT_EQ(r.f64(2), 2.5);
    EXPECT_EQ(r.text(2), "2.5");
    EXPECT_EQ(r.i64(3), 0);
    EXPECT_EQ(r.text(3), "");
    EXPECT_TRUE(r.boolean(4));
    EXPECT_FALSE(r.boolean(5));
    EXPECT_EQ(r.value(4), Value(int64_t{1}));
    // PostgreSQL's SUM(bigint) is numeric: whole numbers stay exact.
    EXPECT_EQ(tx.scalar_i64("SELECT SUM(v) FROM t"), 9007199254740993);
    Rows rows = tx.exec("SELECT v FROM t ORDER BY v");
    std::vector<int64_t> seen;
    for (Row each : rows) {
      seen.push_back(each.i64(0));
    }
    EXPECT_EQ(seen, (std::vector<int64_t>{0, 9007199254740993}));
  });
}

TEST_P(DbTest, RoundTripsBlobs) {
  create("CREATE TABLE blobs (id BIGINT PRIMARY KEY, data {{blob}} NOT NULL)");
  const std::string bytes("\x00\x01\xff\x80zh\xe4\xb8\xad\\x'", 11);
  db().write([&](Tx& tx) { tx.exec("INSERT INTO blobs (id, data) VALUES ($1, $2)", {1, bytes}); });
  db().read([&](Tx& tx) {
    auto row = tx.one("SELECT data FROM blobs WHERE id = 1");
    ASSERT_TRUE(row);
    EXPECT_EQ(row->row().text(0), bytes);
    EXPECT_EQ(tx.scalar_i64("SELECT id FROM blobs WHERE data = $1", {bytes}), 1);
  });
}

std::vector<Migration> sample_migrations() {
  return {
      {"0002_posts",
       "CREATE TABLE posts (id {{id}}, user_id BIGINT NOT NULL REFERENCES users(id), body TEXT);"
       "CREATE INDEX posts_user ON posts(user_id);"},
      {"0001_users", "-- {{id}} is the primary key.\nCREATE TABLE users (id {{id}}, name TEXT NOT NULL);"},
      {"0003_avatars", "ALTER TABLE users ADD COLUMN avatar {{blob}};"},
  };
}

TEST_P(DbTest, AppliesMigrationsOnceAndRecordsThem) {
  EXPECT_TRUE(applied_migrations(db()).empty());
  auto migrations = sample_migrations();
  EXPECT_EQ(migrate(db(), migrations), (std::vector<std::string>{"0001_users", "0002_posts", "0003_avatars"}));
  EXPECT_EQ(applied_migrations(db()), (std::vector<std::string>{"0001_users", "0002_posts", "0003_avatars"}));
  EXPECT_TRUE(migrate(db(), migrations).empty());
  db().write([](Tx& tx) {
    auto id = tx.scalar_i64("INSERT INTO users (name, avatar) VALUES ($1, $2) RETURNING id", {"ann", nullptr});
    ASSERT_TRUE(id);
    tx.exec("INSERT INTO posts (user_id, body) VALUES ($1, $2)", {*id, "hi"});
  });
  migrations.push_back({"0004_tags", "CREATE TABLE tags (id {{id}}, name TEXT NOT NULL UNIQUE);"});
  EXPECT_EQ(migrate(db(), migrations), (std::vector<std::string>{"0004_tags"}));
  EXPECT_EQ(db().read([](Tx& tx) { return *tx.scalar_i64("SELECT COUNT(*) FROM schema_migrations"); }), 4);
  EXPECT_GT(db().read([](Tx& tx) { return *tx.scalar_i64("SELECT MIN(applied_at) FROM schema_migrations"); }),
            1700000000000);
}

TEST_P(DbTest, FailedMigrationLeavesNoTrace) {
  std::vector<Migration> migrations = {
      {"0001_ok", "CREATE TABLE ok (id {{id}});"},
      {"0002_bad", "CREATE TABLE half (id {{id}}); CREATE TABLE broken (;"},
  };
  EXPECT_EQ(failure_kind([&] { migrate(db(), migrations); }), ErrorKind::Syntax);
  EXPECT_EQ(applied_migrations(db()), (std::vector<std::string>{"0001_ok"}));
  EXPECT_EQ(failure_kind([&] { count("half"); }), ErrorKind::Syntax);
  migrations[1].sql = "CREATE TABLE half (id {{id}});";
  EXPECT_EQ(migrate(db(), migrations), (std::vector<std::string>{"0002_bad"}));
  EXPECT_EQ(count("half"), 0);
}

TEST_P(DbTest, ConcurrentMigrationsApplyEachOnce) {
  std::vector<Migration> migrations = sample_migrations();
  for (int i = 5; i < 10; ++i) {
    migrations.push_back({"000" + std::to_string(i) + "_t", "CREATE TABLE t" + std::to_string(i) + " (id {{id}});"});
  }
  constexpr int kProcesses = 3;
  std::vector<std::unique_ptr<Database>> databases;
  for (int i = 0; i < kProcesses; ++i) {
    databases.push_back(open_db());
  }
  std::vector<std::vector<std::string>> applied(kProcesses);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kProcesses; ++i) {
    threads.emplace_back([&, i] {
      try {
        applied[i] = migrate(*databases[i], migrations);
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
        ++failures;
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(failures.load(), 0);
  std::multiset<std::string> all;
  for (const auto& names : applied) {
    all.insert(names.begin(), names.end());
  }
  EXPECT_EQ(all.size(), migrations.size());
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), migrations.size());
  EXPECT_EQ(applied_migrations(db()).size(), migrations.size());
}

TEST_P(DbTest, ConcurrentWritersAllLand) {
  create("CREATE TABLE counter (id BIGINT PRIMARY KEY, n BIGINT NOT NULL); CREATE TABLE log (thread BIGINT, i BIGINT)");
  db().write([](Tx& tx) { tx.exec("INSERT INTO counter (id, n) VALUES (1, 0)"); });
  constexpr int kThreads = 8;
  constexpr int kIncrements = 100;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kIncrements; ++i) {
        try {
          db().write([&](Tx& tx) {
            tx.exec("UPDATE counter SET n = n + 1 WHERE id = 1");
            tx.exec("INSERT INTO log (thread, i) VALUES ($1, $2)", {t, i});
          });
          if (i % 10 == 0) {
            db().read([](Tx& tx) { tx.scalar_i64("SELECT n FROM counter WHERE id = 1"); });
          }
        } catch (const std::exception& e) {
          ADD_FAILURE() << e.what();
          ++failures;
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(db().read([](Tx& tx) { return *tx.scalar_i64("SELECT n FROM counter WHERE id = 1"); }),
            kThreads * kIncrements);
  EXPECT_EQ(count("log"), kThreads * kIncrements);
}

TEST_P(DbTest, BusyBeginIsRetriedThenReported) {
  if (GetParam() != Backend::Sqlite) {
    GTEST_SKIP() << "PostgreSQL's BEGIN does not wait for other writers";
  }
  create("CREATE TABLE t (v BIGINT)");
  // Two Database objects on one file behave like two processes.
  auto other = open_db(100);
  {
    auto holder = db().begin(Mode::Write);
    EXPECT_EQ(failure_kind([&] { other->write([](Tx& tx) { tx.exec("INSERT INTO t (v) VALUES (1)"); }); }),
              ErrorKind::Busy);
  }
  std::atomic<bool> holding{false};
  std::thread holder_thread([&] {
    auto holder = db().begin(Mode::Write);
    holding = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
  });
  while (!holding) {
    std::this_thread::yield();
  }
  // 100 ms of busy timeout is too short once, but BEGIN is tried again.
  other->write([](Tx& tx) { tx.exec("INSERT INTO t (v) VALUES (1)"); });
  holder_thread.join();
  EXPECT_EQ(count("t"), 1);
}

TEST_P(DbTest, DropsALostConnectionAndReconnects) {
  if (GetParam() != Backend::Postgres) {
    GTEST_SKIP() << "only a PostgreSQL connection can be lost";
  }
  create("CREATE TABLE t (v BIGINT)");
  {
    auto tx = db().begin(Mode::Write);
    auto pid = tx->scalar_i64("SELECT pg_backend_pid()");
    ASSERT_TRUE(pid);
    admin_->read([&](Tx& admin) { admin.exec("SELECT pg_terminate_backend(CAST($1 AS INTEGER), 5000)", {*pid}); });
    EXPECT_EQ(failure_kind([&] { tx->exec("INSERT INTO t (v) VALUES (1)"); }), ErrorKind::ConnectionLost);
  }
  db().write([](Tx& tx) { tx.exec("INSERT INTO t (v) VALUES (2)"); });
  EXPECT_EQ(count("t"), 1);
}

TEST_P(DbTest, WaitsForAPooledConnectionThenGivesUp) {
  if (GetParam() != Backend::Postgres) {
    GTEST_SKIP() << "SQLite opens a connection per concurrent transaction";
  }
  Options options;
  options.url = url_;
  options.pool_size = 1;
  options.busy_timeout_ms = 100;
  auto small = Database::open(options);
  {
    auto held = small->begin(Mode::Read);
    EXPECT_EQ(failure_kind([&] { small->begin(Mode::Read); }), ErrorKind::Busy);
  }
  std::atomic<bool> holding{false};
  std::thread holder([&] {
    auto held = small->begin(Mode::Read);
    holding = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  });
  while (!holding) {
    std::this_thread::yield();
  }
  EXPECT_EQ(small->read([](Tx& tx) { return *tx.scalar_i64("SELECT 1"); }), 1);
  holder.join();
}

// Tx::notify: delivered after the commit, never after a rollback; with broadcasting on
// PostgreSQL, also to another Database on the same schema (another app node).
TEST_P(DbTest, NotifyDeliversAfterCommitOnlyAndBroadcastsAcrossDatabases) {
  struct Inbox {
    std::mutex mutex;
    std::vector<std::string> got;  // "channel payload"
    std::vector<std::string> snapshot() {
      std::lock_guard lock(mutex);
      return got;
    }
  };
  auto listen = [](Database& database, Inbox& inbox) {
    database.set_notify_listener([&inbox](std::string_view channel, std::string_view payload) {
      std::lock_guard lock(inbox.mutex);
      inbox.got.push_back(std::string(channel) + " " + std::string(payload));
    });
  };
  auto eventually = [](auto condition) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!condition() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return condition();
  };
  Inbox here, there;
  listen(db(), here);
  auto other = open_db();
  listen(*other, there);
  const bool broadcast = db().broadcast_notifications();
  EXPECT_EQ(broadcast, GetParam() == Backend::Postgres);
  EXPECT_EQ(other->broadcast_notifications(), broadcast);

  db().write([&](Tx& tx) {
    tx.notify("user:1", "first");
    tx.notify("post:2", "second");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_TRUE(here.snapshot().empty()) << "nothing before the commit";
    EXPECT_TRUE(there.snapshot().empty());
  });
  const std::vector<std::string> both{"user:1 first", "post:2 second"};
  EXPECT_TRUE(eventually([&] { return here.snapshot() == both; }));
  if (broadcast) {
    EXPECT_TRUE(eventually([&] { return there.snapshot() == both; }));
  }

  EXPECT_THROW(db().write([&](Tx& tx) {
    tx.notify("user:1", "rolled back");
    throw std::runtime_error("the cause failed");
  }),
               std::runtime_error);
  // Too large for NOTIFY: this process only.
  const std::string big(Database::kMaxBroadcastBytes, 'x');
  db().write([&](Tx& tx) { tx.notify("user:1", big); });
  db().write([&](Tx& tx) { tx.notify("user:1", "last"); });
  EXPECT_TRUE(eventually([&] { return here.snapshot().size() == 4; }));
  EXPECT_EQ(here.snapshot().back(), "user:1 last");
  EXPECT_EQ(here.snapshot()[2], "user:1 " + big);
  if (broadcast) {
    EXPECT_TRUE(eventually([&] { return there.snapshot().size() == 3; }));
    EXPECT_EQ(there.snapshot().back(), "user:1 last");
  }
  for (const auto& got : here.snapshot()) {
    EXPECT_EQ(got.find("rolled back"), std::string::npos);
  }
  other.reset();  // Stops its listener thread while db() stays up.
}

INSTANTIATE_TEST_SUITE_P(Backends, DbTest, testing::Values(Backend::Sqlite, Backend::Postgres),
                         [](const testing::TestParamInfo<Backend>& param_info) {
                           return param_info.param == Backend::Sqlite ? "Sqlite" : "Postgres";
                         });

TEST(DbOpenTest, RejectsUnknownUrls) {
  EXPECT_THROW(Database::open(Options{"mysql://localhost/x"}), Error);
  EXPECT_THROW(Database::open(Options{"sqlite:"}), Error);
  EXPECT_THROW(Database::open(Options{"sqlite:/nonexistent-dir/x/y.db"}), Error);
}

TEST(DbOpenTest, MemoryDatabaseIsSharedByTransactionsAndThreads) {
  auto db = Database::open(Options{"sqlite::memory:"});
  EXPECT_EQ(db->backend(), Backend::Sqlite);
  db->write([](Tx& tx) { tx.exec_script("CREATE TABLE t (v BIGINT); INSERT INTO t (v) VALUES (1);"); });
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        db->write([](Tx& tx) { tx.exec("UPDATE t SET v = v + 1"); });
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(db->read([](Tx& tx) { return *tx.scalar_i64("SELECT v FROM t"); }), 201);
  // Another memory database is a different one.
  auto fresh = Database::open(Options{"sqlite::memory:"});
  EXPECT_TRUE(applied_migrations(*fresh).empty());
  EXPECT_EQ(failure_kind([&] { fresh->read([](Tx& tx) { tx.exec("SELECT v FROM t"); }); }), ErrorKind::Syntax);
}

}  // namespace
}  // namespace gh::db

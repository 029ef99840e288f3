// PooledDatabase: the connection pool both backends share (internal to db/).
//
// A backend derives from it and implements connect(). begin() takes an idle connection or
// opens a new one (up to `max_open`), waits up to `wait` for one to come back otherwise, runs
// BEGIN (retrying a Busy answer a few times: nothing has run yet) and wraps the connection in
// a Tx whose end gives it back. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "db/db.hpp"

namespace gh::db {

struct PoolLimits {
  size_t max_open = 0;  // 0: no limit.
  size_t max_idle = 16;
  std::chrono::milliseconds wait{5000};  // How long begin() waits for a connection when at max_open.
};

class PooledDatabase : public Database {
 public:
  Backend backend() const override { return backend_; }
  std::unique_ptr<Tx> begin(Mode mode) override;

 protected:
  PooledDatabase(Backend backend, PoolLimits limits) : backend_(backend), limits_(limits) {}
  // REQUIRES: every Tx of this Database has ended.
  ~PooledDatabase() override;

  // Opens a new connection; throws db::Error when it cannot.
  virtual std::unique_ptr<Connection> connect() = 0;
  // Opens one connection now and keeps it idle, so that Database::open fails early.
  void warm_up();

 private:
  std::unique_ptr<Connection> acquire();
  void release(Connection* connection, bool healthy);

  const Backend backend_;
  const PoolLimits limits_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Connection>> idle_;  // Guarded by mutex_.
  size_t open_ = 0;                                // Guarded by mutex_: idle plus in use.
  size_t in_use_ = 0;                              // Guarded by mutex_.
};

}  // namespace gh::db

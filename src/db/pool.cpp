#include "db/pool.hpp"

#include <thread>

#include "core/check.hpp"

namespace gh::db {
namespace {

// BEGIN answered Busy although the backend already waited its busy timeout: try a few more
// times, since no work of the caller has run yet.
constexpr int kBeginAttempts = 3;
constexpr std::chrono::milliseconds kBeginBackoff{20};

}  // namespace

PooledDatabase::~PooledDatabase() {
  std::lock_guard lock(mutex_);
  GH_CHECK(in_use_ == 0, "a db::Tx outlived its Database");
}

void PooledDatabase::warm_up() {
  std::unique_ptr<Connection> connection = acquire();
  bool healthy = connection->healthy();
  release(connection.release(), healthy);
}

std::unique_ptr<Connection> PooledDatabase::acquire() {
  std::unique_lock lock(mutex_);
  const auto deadline = std::chrono::steady_clock::now() + limits_.wait;
  while (true) {
    if (!idle_.empty()) {
      std::unique_ptr<Connection> connection = std::move(idle_.back());
      idle_.pop_back();
      ++in_use_;
      return connection;
    }
    if (limits_.max_open == 0 || open_ < limits_.max_open) {
      ++open_;
      ++in_use_;
      lock.unlock();
      try {
        return connect();
      } catch (...) {
        lock.lock();
        --open_;
        --in_use_;
        lock.unlock();
        returned_.notify_one();
        throw;
      }
    }
    if (returned_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() && open_ >= limits_.max_open) {
      throw Error(ErrorKind::Busy, "db: no free connection within " + std::to_string(limits_.wait.count()) + " ms");
    }
  }
}

void PooledDatabase::release(Connection* connection, bool healthy) {
  // Declared before the lock so that a dropped connection closes after the lock is released.
  std::unique_ptr<Connection> owned(connection);
  {
    std::lock_guard lock(mutex_);
    --in_use_;
    if (healthy && idle_.size() < limits_.max_idle) {
      idle_.push_back(std::move(owned));
    } else {
      --open_;
    }
  }
  returned_.notify_one();
}

std::unique_ptr<Tx> PooledDatabase::begin(Mode mode) {
  std::unique_ptr<Connection> connection = acquire();
  for (int attempt = 1;; ++attempt) {
    try {
      connection->begin(mode == Mode::Write);
      break;
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::Busy && attempt < kBeginAttempts) {
        std::this_thread::sleep_for(kBeginBackoff * attempt);
        continue;
      }
      bool healthy = connection->healthy();
      release(connection.release(), healthy);
      throw;
    } catch (...) {
      bool healthy = connection->healthy();
      release(connection.release(), healthy);
      throw;
    }
  }
  Connection* raw = connection.release();
  try {
    return make_tx(*raw, backend_, mode, [this, raw](bool healthy) { release(raw, healthy); });
  } catch (...) {
    release(raw, false);
    throw;
  }
}

}  // namespace gh::db

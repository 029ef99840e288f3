// Worker: the background thread that sends the outbox and enqueues due digests.
//
// Each round: enqueue due digests (when a DigestSource is wired), claim due messages with a
// lease, send each through the Transport outside any transaction, record the outcome. Rounds
// run every poll interval, and at once again while a round found a full batch. Several
// processes may run workers on one database (see outbox.hpp). start() and stop() are called
// by app/ from one thread; run_round() is for a caller that drives the worker itself.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "core/clock.hpp"
#include "db/db.hpp"
#include "mail/digest.hpp"
#include "mail/mailer.hpp"
#include "mail/outbox.hpp"
#include "mail/smtp.hpp"

namespace gh::mail {

struct WorkerOptions {
  Millis poll_ms = 5'000;
  int batch = 20;
  RetryPolicy retry;
};

struct RoundResult {
  int sent = 0;
  int retried = 0;
  int failed = 0;
  int claimed = 0;
  int digests = 0;
};

class Worker {
 public:
  // `digests` may be null (no digests). Everything passed must outlive the worker.
  Worker(db::Database& db, const Clock& clock, Transport& transport, Mailer& mailer, DigestSource* digests,
         WorkerOptions options);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // One round, on the calling thread. Unexpected errors (a lost database) propagate.
  RoundResult run_round();

  void start();
  // Wakes the thread and waits for the round under way (an SMTP call is bounded by its timeout).
  void stop();

  const std::string& owner() const { return owner_; }

 private:
  void loop();

  db::Database& db_;
  const Clock& clock_;
  Transport& transport_;
  Mailer& mailer_;
  DigestSource* digests_;
  WorkerOptions options_;
  std::string owner_;  // This worker's lease name, random per process start.
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // GUARDED_BY(mutex_)
  std::thread thread_;
};

}  // namespace gh::mail

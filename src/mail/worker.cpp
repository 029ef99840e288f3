#include "mail/worker.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "identity/identity.hpp"

namespace gh::mail {

Worker::Worker(db::Database& db, const Clock& clock, Transport& transport, Mailer& mailer, DigestSource* digests,
               WorkerOptions options)
    : db_(db),
      clock_(clock),
      transport_(transport),
      mailer_(mailer),
      digests_(digests),
      options_(options),
      owner_(identity::random_token().substr(0, 16)) {}

Worker::~Worker() {
  stop();
}

RoundResult Worker::run_round() {
  RoundResult result;
  if (digests_ != nullptr) {
    result.digests = mailer_.enqueue_due_digests(*digests_, clock_.now_ms()).enqueued;
  }
  const auto claimed =
      db_.write([&](db::Tx& tx) { return claim(tx, owner_, clock_.now_ms(), options_.batch, options_.retry); });
  result.claimed = static_cast<int>(claimed.size());
  for (const auto& mail : claimed) {
    // No transaction is open during the SMTP conversation.
    const auto outcome = transport_.send(mail.from, mail.to, mail.message);
    db_.write([&](db::Tx& tx) { record_outcome(tx, mail, owner_, outcome, clock_.now_ms(), options_.retry); });
    if (outcome.sent()) {
      ++result.sent;
    } else if (outcome.status == SendOutcome::Status::Temporary && mail.attempts < options_.retry.max_attempts) {
      ++result.retried;
      spdlog::warn("mail {} to {}: attempt {} failed, will retry: {}", mail.id, mail.to, mail.attempts, outcome.detail);
    } else {
      ++result.failed;
      spdlog::error("mail {} to {}: failed after {} attempt(s): {}", mail.id, mail.to, mail.attempts, outcome.detail);
    }
  }
  return result;
}

void Worker::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) {
    return;
  }
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void Worker::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void Worker::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    bool busy = false;
    try {
      const auto round = run_round();
      busy = round.claimed == options_.batch;
    } catch (const std::exception& e) {
      spdlog::warn("mail worker: {}", e.what());
    }
    lock.lock();
    if (!busy) {
      wake_.wait_for(lock, std::chrono::milliseconds(options_.poll_ms), [this] { return stopping_; });
    }
  }
}

}  // namespace gh::mail

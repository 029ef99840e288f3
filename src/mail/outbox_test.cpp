#include "mail/outbox.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "testing/test_database.hpp"

namespace gh::mail {
namespace {

class OutboxTest : public ::testing::Test {
 protected:
  int64_t add(const std::string& to, std::optional<std::string> key = std::nullopt, Millis now = 1000) {
    return db().write([&](db::Tx& tx) {
      return enqueue(tx, OutgoingMail{std::nullopt, "transactional", to, "noreply@x", "Hi", "raw", key}, now)
          .value_or(0);
    });
  }
  std::string status_of(int64_t id) {
    return db().read(
        [&](db::Tx& tx) { return tx.one("SELECT status FROM mail_outbox WHERE id = $1", {id})->row().text(0); });
  }
  db::Database& db() { return test_db.db(); }
  testing::TestDatabase test_db;
  RetryPolicy policy{3, 1000, 60'000, 10'000};
};

TEST_F(OutboxTest, IdempotencyKeyEnqueuesOnce) {
  EXPECT_GT(add("a@x", "digest:1:daily:5"), 0);
  EXPECT_EQ(add("a@x", "digest:1:daily:5"), 0);
  EXPECT_EQ(db().read([](db::Tx& tx) { return tx.scalar_i64("SELECT COUNT(*) FROM mail_outbox"); }), 1);
}

TEST_F(OutboxTest, TemporaryFailuresBackOffThenFail) {
  const auto id = add("a@x");
  Millis now = 1000;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto claimed = db().write([&](db::Tx& tx) { return claim(tx, "w1", now, 10, policy); });
    ASSERT_EQ(claimed.size(), 1u) << attempt;
    EXPECT_EQ(claimed[0].attempts, attempt);
    // Leased: nobody else gets it meanwhile.
    EXPECT_TRUE(db().write([&](db::Tx& tx) { return claim(tx, "w2", now, 10, policy); }).empty());
    db().write([&](db::Tx& tx) {
      record_outcome(tx, claimed[0], "w1", {SendOutcome::Status::Temporary, "451 try later"}, now, policy);
    });
    if (attempt < 3) {
      EXPECT_EQ(status_of(id), "queued");
      // Not due before its backoff.
      EXPECT_TRUE(
          db().write([&](db::Tx& tx) { return claim(tx, "w1", now + backoff_ms(attempt, policy) - 1, 10, policy); })
              .empty());
      now += backoff_ms(attempt, policy);
    }
  }
  EXPECT_EQ(status_of(id), "failed");
}

TEST_F(OutboxTest, PermanentFailureEndsAtOnceAndSuccessIsRecorded) {
  const auto bad = add("bad@x");
  const auto good = add("good@x");
  auto claimed = db().write([&](db::Tx& tx) { return claim(tx, "w1", 1000, 10, policy); });
  ASSERT_EQ(claimed.size(), 2u);
  db().write([&](db::Tx& tx) {
    record_outcome(tx, claimed[0], "w1", {SendOutcome::Status::Permanent, "550 no such user"}, 1000, policy);
    record_outcome(tx, claimed[1], "w1", {SendOutcome::Status::Sent, ""}, 1000, policy);
  });
  EXPECT_EQ(status_of(bad), "failed");
  EXPECT_EQ(status_of(good), "sent");
}

TEST_F(OutboxTest, ExpiredLeaseIsClaimedAgainAndTheOldOwnerCannotOverwrite) {
  const auto id = add("a@x");
  auto first = db().write([&](db::Tx& tx) { return claim(tx, "w1", 1000, 10, policy); });
  ASSERT_EQ(first.size(), 1u);
  auto second = db().write([&](db::Tx& tx) { return claim(tx, "w2", 1000 + policy.lease_ms, 10, policy); });
  ASSERT_EQ(second.size(), 1u);
  db().write([&](db::Tx& tx) {
    record_outcome(tx, first[0], "w1", {SendOutcome::Status::Permanent, "late"}, 20'000, policy);
  });
  EXPECT_EQ(status_of(id), "queued") << "the lost lease changes nothing";
  db().write([&](db::Tx& tx) { record_outcome(tx, second[0], "w2", {SendOutcome::Status::Sent, ""}, 20'000, policy); });
  EXPECT_EQ(status_of(id), "sent");
}

TEST_F(OutboxTest, ConcurrentWorkersNeverClaimTheSameMessage) {
  constexpr int kMessages = 60;
  for (int i = 0; i < kMessages; ++i) {
    add("user" + std::to_string(i) + "@x");
  }
  std::mutex mutex;
  std::multiset<int64_t> seen;
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  for (int w = 0; w < 6; ++w) {
    threads.emplace_back([&, w] {
      const std::string owner = "w" + std::to_string(w);
      for (;;) {
        std::vector<ClaimedMail> claimed;
        try {
          claimed = db().write([&](db::Tx& tx) { return claim(tx, owner, 5000, 4, policy); });
        } catch (const db::Error& e) {
          if (e.kind() == db::ErrorKind::Busy) {
            continue;
          }
          ++errors;
          return;
        }
        if (claimed.empty()) {
          return;
        }
        std::lock_guard lock(mutex);
        for (const auto& c : claimed) {
          seen.insert(c.id);
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(seen.size(), static_cast<size_t>(kMessages));
  EXPECT_EQ(std::set<int64_t>(seen.begin(), seen.end()).size(), static_cast<size_t>(kMessages))
      << "a message was claimed twice";
}

}  // namespace
}  // namespace gh::mail

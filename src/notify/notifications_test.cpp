// Runs on SQLite, and on PostgreSQL when GH_TEST_PG is set (testing::TestDatabase).
#include "notify/notifications.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "identity/identity.hpp"
#include "notify/hub.hpp"
#include "testing/test_database.hpp"

namespace gh::notify {
namespace {

class NotificationsTest : public ::testing::Test {
 protected:
  testing::TestDatabase database;
  ManualClock clock{1'800'000'000'000};
  identity::Identity identity{database.db(), clock, identity::Options{}};
  Notifications notifications{database.db(), clock};
  InProcessHub hub;
  UserId alice, bob;
  std::mutex mutex;
  std::vector<std::pair<std::string, std::string>> delivered;  // GUARDED_BY(mutex)

  void SetUp() override {
    alice = user("alice");
    bob = user("bob");
    database.db().set_notify_listener([this](std::string_view channel, std::string_view payload) {
      std::lock_guard lock(mutex);
      delivered.emplace_back(channel, payload);
    });
  }

  UserId user(const std::string& name) {
    return database.db().write([&](db::Tx& tx) {
      return identity.insert_user(tx, {name + "@example.com", name, "", ""}, "not-a-real-hash")->id;
    });
  }

  NewNotification reply(UserId to, int64_t comment) {
    return NewNotification{to,
                           std::string(kReplyToPost),
                           bob,
                           std::nullopt,
                           "comment",
                           comment,
                           "A post",
                           "Nice post",
                           "/p/1#comment-" + std::to_string(comment)};
  }
};

TEST_F(NotificationsTest, AddStoresOneRowPerTargetAndDeliversAfterCommit) {
  database.db().write([&](db::Tx& tx) {
    EXPECT_TRUE(add(tx, reply(alice, 7), clock.now_ms()));
    // The same recipient and target again (a mention in the same comment): nothing new.
    auto again = reply(alice, 7);
    again.kind = kMention;
    EXPECT_FALSE(add(tx, again, clock.now_ms()));
    std::lock_guard lock(mutex);
    EXPECT_TRUE(delivered.empty()) << "nothing is delivered before the commit";
  });
  std::lock_guard lock(mutex);
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0].first, "user:" + std::to_string(alice.value));
  EXPECT_NE(delivered[0].second.find("\"type\":\"notification\""), std::string::npos);
  EXPECT_NE(delivered[0].second.find("\"kind\":\"reply_post\""), std::string::npos);
  EXPECT_NE(delivered[0].second.find("\"username\":\"bob\""), std::string::npos);
  EXPECT_EQ(notifications.unread_count(alice), 1);
  EXPECT_EQ(notifications.unread_count(bob), 0);
}

TEST_F(NotificationsTest, RollbackDeliversNothing) {
  auto result = database.db().write([&](db::Tx& tx) -> Result<int> {
    add(tx, reply(alice, 7), clock.now_ms());
    return conflict("test.rollback", "The cause failed.");
  });
  EXPECT_FALSE(result);
  std::lock_guard lock(mutex);
  EXPECT_TRUE(delivered.empty());
  EXPECT_EQ(notifications.unread_count(alice), 0);
}

TEST_F(NotificationsTest, ListIsNewestFirstWithKeysetCursor) {
  database.db().write([&](db::Tx& tx) {
    for (int i = 1; i <= 5; ++i) {
      add(tx, reply(alice, i), clock.now_ms());
    }
  });
  auto first = notifications.list(alice, std::nullopt, 2);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->notifications.size(), 2u);
  EXPECT_EQ(first->notifications[0].target_id, 5);
  EXPECT_EQ(first->unread, 5);
  ASSERT_TRUE(first->next_cursor);
  auto second = notifications.list(alice, first->next_cursor, 2);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->notifications[0].target_id, 3);
  auto last = notifications.list(alice, second->next_cursor, 2);
  ASSERT_TRUE(last);
  EXPECT_EQ(last->notifications.size(), 1u);
  EXPECT_FALSE(last->next_cursor);
  EXPECT_EQ(notifications.list(alice, std::string("x"), 2).error().code, "pagination.invalid_cursor");
  EXPECT_EQ(notifications.list(alice, std::nullopt, 0).error().code, "pagination.invalid_limit");
  ASSERT_TRUE(first->notifications[0].actor);
  EXPECT_EQ(first->notifications[0].actor->username, "bob");
}

TEST_F(NotificationsTest, MarkReadTouchesOnlyTheUsersOwn) {
  database.db().write([&](db::Tx& tx) {
    add(tx, reply(alice, 1), clock.now_ms());
    add(tx, reply(alice, 2), clock.now_ms());
    add(tx, reply(bob, 3), clock.now_ms());
  });
  auto page = notifications.list(alice, std::nullopt, 10);
  const int64_t bobs = notifications.list(bob, std::nullopt, 10)->notifications[0].id;
  auto left = notifications.mark_read(alice, {page->notifications[0].id, bobs});
  ASSERT_TRUE(left);
  EXPECT_EQ(*left, 1);
  EXPECT_EQ(notifications.unread_count(bob), 1);
  EXPECT_EQ(notifications.mark_all_read(alice), 0);
  EXPECT_TRUE(notifications.list(alice, std::nullopt, 10)->notifications[0].read_at);
  EXPECT_EQ(notifications.mark_read(alice, std::vector<int64_t>(501, 1)).error().code, "notify.too_many_ids");
}

// Concurrent producers of the same target (two requests racing): exactly one row, no error.
TEST_F(NotificationsTest, ConcurrentAddsOfOneTargetMakeOneRow) {
  std::vector<std::thread> threads;
  std::atomic<int> added{0};
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] {
      database.db().write([&](db::Tx& tx) {
        if (add(tx, reply(alice, 42), clock.now_ms())) {
          added.fetch_add(1);
        }
      });
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(added.load(), 1);
  EXPECT_EQ(notifications.unread_count(alice), 1);
}

TEST_F(NotificationsTest, TextIsCut) {
  auto long_one = reply(alice, 9);
  long_one.text = std::string(1000, 'x');
  database.db().write([&](db::Tx& tx) { add(tx, long_one, clock.now_ms()); });
  EXPECT_EQ(notifications.list(alice, std::nullopt, 1)->notifications[0].text.size(), kMaxTextChars);
}

TEST(CommentMessageTest, HasTheApiShape) {
  const auto json = comment_message({5, 6, std::nullopt, "bob", "Bob", "hi", "<p>hi</p>", 0});
  EXPECT_NE(json.find("\"type\":\"comment\""), std::string::npos);
  EXPECT_NE(json.find("\"post_id\":6"), std::string::npos);
  EXPECT_NE(json.find("\"parent_id\":null"), std::string::npos);
}

}  // namespace
}  // namespace gh::notify

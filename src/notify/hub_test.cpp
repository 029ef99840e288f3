#include "notify/hub.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace gh::notify {
namespace {

TEST(HubTest, PublishReachesSubscribersOfTheTopicOnly) {
  InProcessHub hub;
  std::vector<std::string> a, b;
  auto sa = hub.subscribe("user:1", [&](const Message& m) { a.push_back(*m); });
  auto sb = hub.subscribe("user:2", [&](const Message& m) { b.push_back(*m); });
  hub.publish("user:1", "one");
  hub.publish("user:3", "nobody");
  EXPECT_EQ(a, std::vector<std::string>{"one"});
  EXPECT_TRUE(b.empty());
}

TEST(HubTest, SubscribersShareOneCopyOfTheMessage) {
  InProcessHub hub;
  Message first, second;
  auto s1 = hub.subscribe("post:1", [&](const Message& m) { first = m; });
  auto s2 = hub.subscribe("post:1", [&](const Message& m) { second = m; });
  hub.publish("post:1", "{}");
  ASSERT_TRUE(first);
  EXPECT_EQ(first.get(), second.get());
}

TEST(HubTest, ResetOrDestroyedSubscriptionReceivesNothing) {
  InProcessHub hub;
  int count = 0;
  {
    auto s = hub.subscribe("t", [&](const Message&) { ++count; });
    hub.publish("t", "1");
    auto moved = std::move(s);
    EXPECT_FALSE(s.active());  // NOLINT(bugprone-use-after-move): checking the moved-from state.
    hub.publish("t", "2");
    moved.reset();
    hub.publish("t", "3");
  }
  EXPECT_EQ(count, 2);
  EXPECT_EQ(hub.subscription_count(), 0u);
}

// The contract the WebSocket side relies on: once unsubscribe returns, the callback is not
// running and never runs again, even with publishers on other threads.
TEST(HubTest, UnsubscribeWaitsForDeliveriesInFlight) {
  InProcessHub hub;
  std::atomic<bool> stop{false};
  std::vector<std::thread> publishers;
  for (int i = 0; i < 4; ++i) {
    publishers.emplace_back([&] {
      while (!stop.load()) {
        hub.publish("hot", "x");
      }
    });
  }
  for (int round = 0; round < 500; ++round) {
    auto alive = std::make_unique<std::atomic<int>>(0);
    auto* counter = alive.get();
    auto subscription = hub.subscribe("hot", [counter](const Message&) { counter->fetch_add(1); });
    std::this_thread::yield();
    subscription.reset();
    alive.reset();  // A callback running after reset() would touch freed memory (ASan).
  }
  stop = true;
  for (auto& t : publishers) {
    t.join();
  }
  EXPECT_EQ(hub.subscription_count(), 0u);
}

TEST(HubTest, TopicNames) {
  EXPECT_EQ(user_topic(UserId(12)), "user:12");
  EXPECT_EQ(post_topic(PostId(34)), "post:34");
}

}  // namespace
}  // namespace gh::notify

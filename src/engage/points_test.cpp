#include "engage/points.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "community/community.hpp"
#include "engage/badges.hpp"
#include "identity/identity.hpp"
#include "testing/test_database.hpp"

namespace gh::engage {
namespace {

class PointsTest : public ::testing::Test {
 protected:
  testing::TestDatabase database;
  ManualClock clock{1'800'000'000'000};
  identity::Identity identity{database.db(), clock, identity::Options{}};
  community::Communities communities{database.db(), clock, community::Options{"CNY"}};
  UserId alice, bob, carol;
  CommunityId cpp;

  void SetUp() override {
    alice = user("alice");
    bob = user("bob");
    carol = user("carol");
    cpp = communities.create(alice, {"cpp", "C++", "", "", "", true})->id;
  }

  UserId user(const std::string& name) {
    return database.db().write([&](db::Tx& tx) {
      return identity.insert_user(tx, {name + "@example.com", name, "", ""}, "not-a-real-hash")->id;
    });
  }

  int64_t give(UserId to, Act act, std::string source_type, int64_t source_id, UserId actor = UserId()) {
    return database.db().write([&](db::Tx& tx) {
      return award(tx, AwardInput{to, cpp, act, std::move(source_type), source_id, actor, clock.now_ms()});
    });
  }
  int64_t balance(UserId who) {
    return database.db().read([&](db::Tx& tx) { return balance_of(tx, who, cpp); });
  }
  void expect_books_balance() {
    auto problems = database.db().read([](db::Tx& tx) { return check_balances(tx); });
    EXPECT_TRUE(problems.empty()) << problems.front();
  }
};

TEST_F(PointsTest, AnActPaysOnceAndTheBalanceIsTheSumOfEntries) {
  EXPECT_EQ(give(bob, Act::PostPublished, "post", 1), 5);
  EXPECT_EQ(give(bob, Act::PostPublished, "post", 1), 0);
  EXPECT_EQ(give(bob, Act::PostPublished, "post", 2), 5);
  EXPECT_EQ(balance(bob), 10);
  auto statement = database.db().read([&](db::Tx& tx) { return statement_of(tx, bob, cpp, 50); });
  EXPECT_EQ(statement.balance, 10);
  ASSERT_EQ(statement.entries.size(), 2u);
  EXPECT_EQ(statement.entries[0].reason, "post_published");
  EXPECT_EQ(statement.entries[0].source_id, 2);
  expect_books_balance();
}

TEST_F(PointsTest, NoPointsForSelfActions) {
  EXPECT_EQ(give(bob, Act::UpvoteReceived, "post", 1, bob), 0);
  EXPECT_EQ(balance(bob), 0);
}

TEST_F(PointsTest, DailyCapPaysUpToTheCapThenNothingUntilTheNextUtcDay) {
  database.db().write([&](db::Tx& tx) { EXPECT_TRUE(set_rule(tx, cpp, Rule{Act::PostPublished, 10, 25})); });
  EXPECT_EQ(give(bob, Act::PostPublished, "post", 1), 10);
  EXPECT_EQ(give(bob, Act::PostPublished, "post", 2), 10);
  EXPECT_EQ(give(bob, Act::PostPublished, "post", 3), 5);
  EXPECT_EQ(give(bob, Act::PostPublished, "post", 4), 0);
  clock.set_ms((utc_day(clock.now_ms()) + 1) * kDayMs);
  EXPECT_EQ(give(bob, Act::PostPublished, "post", 5), 10);
  EXPECT_EQ(balance(bob), 35);
}

TEST_F(PointsTest, RulesAreValidatedAndPerCommunity) {
  database.db().write([&](db::Tx& tx) {
    EXPECT_EQ(set_rule(tx, cpp, Rule{Act::CheckIn, -1, 5}).error().code, "points.invalid_points");
    EXPECT_EQ(set_rule(tx, cpp, Rule{Act::CheckIn, 1, -5}).error().code, "points.invalid_daily_cap");
    EXPECT_TRUE(set_rule(tx, cpp, Rule{Act::CheckIn, 0, 0}));
    EXPECT_EQ(rule_of(tx, cpp, Act::CheckIn).points, 0);
    EXPECT_EQ(rule_of(tx, cpp, Act::AnswerAccepted).points, default_rule(Act::AnswerAccepted).points);
  });
  EXPECT_EQ(give(bob, Act::CheckIn, "checkin", 1), 0);
}

TEST_F(PointsTest, UpvotesBetweenTheSameTwoMembersAreCappedPerDayAndForever) {
  int64_t paid = 0;
  for (int post = 1; post <= 8; ++post) {
    paid += give(bob, Act::UpvoteReceived, "post", post, carol) > 0 ? 1 : 0;
  }
  EXPECT_EQ(paid, kPairDailyCap);
  // Another member's upvotes still pay.
  EXPECT_EQ(give(bob, Act::UpvoteReceived, "post", 1, alice), 2);
  // Lifetime: over many days the pair pays kPairLifetimeCap times in all.
  for (int day = 1; day <= 12; ++day) {
    clock.advance_ms(kDayMs);
    for (int post = 0; post < 5; ++post) {
      paid += give(bob, Act::UpvoteReceived, "post", 100 * day + post, carol) > 0 ? 1 : 0;
    }
  }
  EXPECT_EQ(paid, kPairLifetimeCap);
  expect_books_balance();
}

TEST_F(PointsTest, UnvotingReversesAndRevotingMayPayAgainWithinTheCaps) {
  AwardInput vote{bob, cpp, Act::UpvoteReceived, "post", 7, carol, clock.now_ms()};
  database.db().write([&](db::Tx& tx) {
    EXPECT_EQ(award(tx, vote), 2);
    EXPECT_EQ(award(tx, vote), 0);
    EXPECT_EQ(reverse_award(tx, vote, "upvote_removed"), 2);
    EXPECT_EQ(reverse_award(tx, vote, "upvote_removed"), 0);
    EXPECT_EQ(award(tx, vote), 2);
  });
  EXPECT_EQ(balance(bob), 2);
  expect_books_balance();
}

TEST_F(PointsTest, ReversePointsForRemovedContentIsIdempotentAndSparesBounties) {
  give(bob, Act::PostPublished, "post", 9);
  give(bob, Act::UpvoteReceived, "post", 9, carol);
  give(bob, Act::UpvoteReceived, "post", 9, alice);
  give(bob, Act::PostPublished, "post", 10);
  database.db().write([&](db::Tx& tx) {
    post_transfer(tx, bob, cpp, 30, "bounty_paid", "post", 9, clock.now_ms());
    EXPECT_EQ(reverse_points_for(tx, "post", 9, "content_removed", clock.now_ms()), 3);
    EXPECT_EQ(reverse_points_for(tx, "post", 9, "content_removed", clock.now_ms()), 0);
  });
  EXPECT_EQ(balance(bob), 5 + 30);
  auto statement = database.db().read([&](db::Tx& tx) { return statement_of(tx, bob, cpp, 50); });
  EXPECT_EQ(statement.entries.front().reason, "content_removed");
  EXPECT_TRUE(statement.entries.front().reverses.has_value());
  expect_books_balance();
}

TEST_F(PointsTest, TransfersAreOncePerSource) {
  database.db().write([&](db::Tx& tx) {
    EXPECT_TRUE(post_transfer(tx, bob, cpp, -5, "bounty_hold", "post", 1, clock.now_ms()));
    EXPECT_FALSE(post_transfer(tx, bob, cpp, -5, "bounty_hold", "post", 1, clock.now_ms()));
  });
  EXPECT_EQ(balance(bob), -5);
}

TEST_F(PointsTest, ConcurrentAwardsRespectTheDailyCap) {
  database.db().write([&](db::Tx& tx) { EXPECT_TRUE(set_rule(tx, cpp, Rule{Act::PostPublished, 5, 20})); });
  std::atomic<int64_t> total{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 3; ++i) {
        total += give(bob, Act::PostPublished, "post", t * 10 + i);
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(total.load(), 20);
  EXPECT_EQ(balance(bob), 20);
  expect_books_balance();
}

TEST_F(PointsTest, LevelsFollowTheTable) {
  EXPECT_EQ(level_for(0), 1);
  EXPECT_EQ(level_for(49), 1);
  EXPECT_EQ(level_for(50), 2);
  EXPECT_EQ(level_for(200), 3);
  EXPECT_EQ(level_for(999), 4);
  EXPECT_EQ(level_for(1000), 5);
  EXPECT_EQ(level_for(-10), 1);
  EXPECT_EQ(level_for(1'000'000), 10);
}

TEST_F(PointsTest, LeaderboardsSumEarnedPointsInRollingWindows) {
  give(bob, Act::PostPublished, "post", 1);
  clock.advance_ms(10 * kDayMs);
  give(carol, Act::PostPublished, "post", 2);
  give(carol, Act::UpvoteReceived, "post", 2, bob);
  database.db().write([&](db::Tx& tx) {
    // A bounty hold is not a loss on the leaderboard; a bounty received is a gain.
    post_transfer(tx, bob, cpp, -3, "bounty_hold", "post", 3, clock.now_ms());
    post_transfer(tx, alice, cpp, 4, "bounty_paid", "post", 3, clock.now_ms());
  });
  auto week = database.db().read([&](db::Tx& tx) { return leaderboard(tx, cpp, Period::Week, clock.now_ms(), 50); });
  ASSERT_EQ(week.size(), 2u);
  EXPECT_EQ(week[0].username, "carol");
  EXPECT_EQ(week[0].points, 7);
  EXPECT_EQ(week[1].username, "alice");
  auto all = database.db().read([&](db::Tx& tx) { return leaderboard(tx, cpp, Period::All, clock.now_ms(), 50); });
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[1].username, "bob");
  EXPECT_EQ(all[1].points, 5);
  EXPECT_FALSE(parse_period("year"));
}

TEST_F(PointsTest, BadgesAreGrantedOncePerCommunity) {
  database.db().write([&](db::Tx& tx) {
    EXPECT_TRUE(grant_badge(tx, bob, cpp, "first_answer", clock.now_ms()));
    EXPECT_FALSE(grant_badge(tx, bob, cpp, "first_answer", clock.now_ms()));
  });
  auto badges = database.db().read([&](db::Tx& tx) { return badges_of(tx, bob, false); });
  ASSERT_EQ(badges.size(), 1u);
  EXPECT_EQ(badges[0].community_slug, "cpp");
}

}  // namespace
}  // namespace gh::engage

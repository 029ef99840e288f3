#include "engage/challenges.hpp"

#include <gtest/gtest.h>

#include "community/community.hpp"
#include "engage/badges.hpp"
#include "engage/points.hpp"
#include "identity/identity.hpp"
#include "testing/test_database.hpp"

namespace gh::engage {
namespace {

// 2027-01-15T10:00:00Z.
constexpr Millis kStart = 1'800'000'000'000 - 1'800'000'000'000 % kDayMs + 10 * 3'600'000;

class ChallengesTest : public ::testing::Test {
 protected:
  testing::TestDatabase database;
  ManualClock clock{kStart};
  identity::Identity identity{database.db(), clock, identity::Options{}};
  community::Communities communities{database.db(), clock, community::Options{"CNY"}};
  Challenges challenges{database.db(), clock};
  UserId owner, member, outsider;

  void SetUp() override {
    owner = user("owner");
    member = user("member");
    outsider = user("outsider");
    ASSERT_TRUE(communities.create(owner, {"cpp", "C++", "", "", "", true}));
    ASSERT_TRUE(communities.join(member, "cpp"));
  }

  UserId user(const std::string& name) {
    return database.db().write([&](db::Tx& tx) {
      return identity.insert_user(tx, {name + "@example.com", name, "", ""}, "not-a-real-hash")->id;
    });
  }

  std::string today() const { return format_rfc3339(clock.now_ms()).substr(0, 10); }
};

TEST(StreaksTest, CurrentStreakEndsTodayOrYesterday) {
  EXPECT_EQ(streaks_of({}, 10).current, 0);
  EXPECT_EQ(streaks_of({8, 9, 10}, 10).current, 3);
  EXPECT_EQ(streaks_of({8, 9}, 10).current, 2);
  EXPECT_EQ(streaks_of({7, 8}, 10).current, 0);
  const auto s = streaks_of({1, 2, 3, 4, 6, 7}, 7);
  EXPECT_EQ(s.current, 2);
  EXPECT_EQ(s.best, 4);
}

TEST_F(ChallengesTest, OnlyOwnersAndAdminsOpenChallengesAndInputIsChecked) {
  EXPECT_EQ(challenges.create(member, "cpp", {"Read", "", today(), 7}).error().code, "challenge.admins_only");
  EXPECT_EQ(challenges.create(owner, "cpp", {"", "", today(), 7}).error().fields.count("title"), 1u);
  EXPECT_EQ(challenges.create(owner, "cpp", {"Read", "", "tomorrow", 7}).error().code, "challenge.invalid_starts_on");
  EXPECT_EQ(challenges.create(owner, "cpp", {"Read", "", today(), 0}).error().code, "challenge.invalid_days");
  auto c = challenges.create(owner, "cpp", {"Read", "A page a day", today(), 7});
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->running);
  EXPECT_EQ(c->starts_on, today());
  EXPECT_EQ(challenges.list(std::nullopt, "cpp")->size(), 1u);
}

TEST_F(ChallengesTest, OneCheckInPerUtcDayBuildsStreaksPointsAndBadges) {
  auto c = challenges.create(owner, "cpp", {"Seven days", "", today(), 8});
  ASSERT_TRUE(c);
  EXPECT_EQ(challenges.check_in(outsider, c->id, "hi").error().code, "community.members_only");
  for (int day = 0; day < 7; ++day) {
    auto first = challenges.check_in(member, c->id, "day " + std::to_string(day));
    ASSERT_TRUE(first) << first.error().code;
    EXPECT_EQ(first->current_streak, day + 1);
    EXPECT_EQ(first->points, 2);
    EXPECT_EQ(first->new_badges.size(), day == 6 ? 1u : 0u);
    clock.advance_ms(kDayMs / 3);
    EXPECT_EQ(challenges.check_in(member, c->id, "again").error().code, "challenge.already_checked_in");
    EXPECT_EQ(challenges.check_in(member, c->id, "again").error().kind, ErrorKind::Conflict);
    clock.advance_ms(kDayMs - kDayMs / 3);
  }
  auto got = challenges.get(member, c->id);
  ASSERT_TRUE(got);
  ASSERT_EQ(got->participants.size(), 1u);
  EXPECT_EQ(got->participants[0].checkins, 7);
  EXPECT_EQ(got->participants[0].current_streak, 7);  // Yesterday was day 7; today is still open.
  EXPECT_FALSE(got->participants[0].completed);
  EXPECT_TRUE(got->viewer_can_check_in);
  ASSERT_TRUE(challenges.check_in(member, c->id, "last"));
  got = challenges.get(member, c->id);
  EXPECT_TRUE(got->participants[0].completed);
  EXPECT_FALSE(got->viewer_can_check_in);
  // A skipped day breaks the streak; the challenge has ended after its last day.
  clock.advance_ms(kDayMs);
  EXPECT_EQ(challenges.check_in(member, c->id, "late").error().code, "challenge.ended");
  auto badges = database.db().read([&](db::Tx& tx) { return badges_of(tx, member, false); });
  ASSERT_EQ(badges.size(), 1u);
  EXPECT_EQ(badges[0].badge, "streak_7");
  auto balance = database.db().read([&](db::Tx& tx) { return balance_of(tx, member, got->community_id); });
  EXPECT_EQ(balance, 16);
}

TEST_F(ChallengesTest, NotStartedYet) {
  auto c = challenges.create(owner, "cpp", {"Later", "", format_rfc3339(clock.now_ms() + 2 * kDayMs).substr(0, 10), 3});
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->running);
  EXPECT_EQ(challenges.check_in(member, c->id, "").error().code, "challenge.not_started");
}

}  // namespace
}  // namespace gh::engage

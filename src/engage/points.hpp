// gh::engage points: the points ledger of a community, its rules, levels and leaderboards.
//
// Points are earned per community for useful acts (a post published, an answer accepted, an
// upvote received, a daily check-in) and move between members for bounties. Every movement
// is an append-only entry in point_entries written in the caller's transaction; the balance
// row (point_balances) is updated beside it, so each balance is the sum of its entries
// (check_balances). Entries are idempotent per act and source: the same act never pays twice,
// and a reversal is a new entry naming the entry it reverses. Stateless functions over a
// db::Tx; thread-safe. Concurrent movements of one member are serialised by a row lock on the
// balance (lock_balance), which keeps caps exact on PostgreSQL too.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/result.hpp"
#include "db/db.hpp"

namespace gh::engage {

inline constexpr Millis kDayMs = 86'400'000;

// The UTC day number of a time (days since 1970-01-01).
inline int64_t utc_day(Millis t) {
  return t >= 0 ? t / kDayMs : (t - kDayMs + 1) / kDayMs;
}

// Acts that earn points. Their names are the entries' `reason`.
// LessonCompleted: learn/ awards it once per lesson and learner. EventAttended: granted by an
// event's organiser to its checked-in attendees (events/).
enum class Act { PostPublished, AnswerAccepted, UpvoteReceived, CheckIn, LessonCompleted, EventAttended };
inline constexpr std::array kActs = {Act::PostPublished, Act::AnswerAccepted,  Act::UpvoteReceived,
                                     Act::CheckIn,       Act::LessonCompleted, Act::EventAttended};
std::string_view act_name(Act act);
std::optional<Act> parse_act(std::string_view name);

// Points for an act and the most a member earns by it per UTC day.
struct Rule {
  Act act = Act::PostPublished;
  int64_t points = 0;
  int64_t daily_cap = 0;
};
Rule default_rule(Act act);
// The community's effective rule (its override, else the default).
Rule rule_of(db::Tx& tx, CommunityId community, Act act);
std::vector<Rule> rules_of(db::Tx& tx, CommunityId community);
// Validates (points 0..1,000, cap 0..100,000) and stores an override.
Status set_rule(db::Tx& tx, CommunityId community, const Rule& rule);

// Upvotes between the same two members pay at most this many times per UTC day, and this
// many times in all (per community), so that two friends cannot farm each other.
inline constexpr int64_t kPairDailyCap = 5;
inline constexpr int64_t kPairLifetimeCap = 50;

struct AwardInput {
  UserId user;  // Who earns.
  CommunityId community;
  Act act = Act::PostPublished;
  std::string source_type;  // "post", "comment", "checkin", "lesson".
  int64_t source_id = 0;
  UserId actor;  // Who caused it (the voter, the asker); invalid when the user acted alone.
  Millis now = 0;
};

// Pays the act's points, unless: the actor is the user (no points for self-actions); the rule
// pays nothing; an award for the same act, source and actor stands unreversed; the daily cap
// of the act is reached (the remainder up to the cap is paid); or, for upvotes, the pair caps
// are reached. Returns the points paid (0 for none).
int64_t award(db::Tx& tx, const AwardInput& input);

// Reverses the standing award of `act` for this source and actor (an un-vote, a moved
// acceptance) with an entry of reason `reason`. Returns the points taken back (0 for none).
int64_t reverse_award(db::Tx& tx, const AwardInput& input, std::string_view reason);

// For moderation (content removed): reverses every standing points award whose source is
// this content (its publication, its acceptance, the upvotes it received), each by a new
// entry of reason `reason`. Bounty transfers are not touched: they were paid by another
// member, not earned from the platform. Idempotent. Returns the number of entries reversed.
int64_t reverse_points_for(db::Tx& tx, std::string_view source_type, int64_t source_id, std::string_view reason,
                           Millis now);

// A transfer entry (bounty hold, payment, return): `delta` points, once per (user, reason,
// source). Returns false, writing nothing, when that entry already exists.
bool post_transfer(db::Tx& tx, UserId user, CommunityId community, int64_t delta, std::string_view reason,
                   std::string_view source_type, int64_t source_id, Millis now);

// Locks (creating it) the member's balance row and returns the balance: point movements of
// one member in one community then happen one at a time.
int64_t lock_balance(db::Tx& tx, UserId user, CommunityId community);
int64_t balance_of(db::Tx& tx, UserId user, CommunityId community);

struct Entry {
  int64_t id = 0;
  std::string community_slug;
  int64_t delta = 0;
  std::string reason;
  std::string source_type;
  int64_t source_id = 0;
  std::optional<int64_t> reverses;
  Millis created_at = 0;
};
struct Statement {
  int64_t balance = 0;
  std::vector<Entry> entries;  // Newest first.
};
// The member's balance (in one community, or summed over all) and latest entries.
Statement statement_of(db::Tx& tx, UserId user, std::optional<CommunityId> community, int limit);

// Problems found: balances that differ from the sum of their entries (empty when none).
std::vector<std::string> check_balances(db::Tx& tx);

// Levels: level n is reached at kLevelThresholds[n - 1] points (1 at 0, 2 at 50, ...).
inline constexpr std::array<int64_t, 10> kLevelThresholds = {0, 50, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000};
int level_for(int64_t points);

// Leaderboards sum earned points (acts and their reversals, bounties received), not bounty
// holds and returns. Week and month are rolling windows of 7 and 30 days ending now.
enum class Period { Week, Month, All };
std::optional<Period> parse_period(std::string_view text);
struct LeaderboardEntry {
  std::string username;
  std::string display_name;
  int64_t points = 0;
};
std::vector<LeaderboardEntry> leaderboard(db::Tx& tx, CommunityId community, Period period, Millis now, int limit);

}  // namespace gh::engage

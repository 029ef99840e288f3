// gh::engage challenges: check-in challenges (打卡). An owner or admin opens a run of N UTC
// days; members check in once per UTC day with a short note, which earns the check-in points
// and builds streaks (7 and 30 days earn badges). Thread-safe: state lives in the database; a
// second check-in the same day meets the unique key (challenge, member, day).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/result.hpp"
#include "db/db.hpp"

namespace gh::engage {

inline constexpr int64_t kMaxChallengeDays = 365;
inline constexpr size_t kMaxNoteChars = 500;

struct ChallengeInput {
  std::string title;
  std::string description;
  std::string starts_on;  // "YYYY-MM-DD" (UTC).
  int64_t days = 0;
};

struct Participant {
  std::string username;
  std::string display_name;
  int64_t checkins = 0;
  int64_t current_streak = 0;  // Days in a row ending today, or yesterday when not yet today.
  int64_t best_streak = 0;
  bool completed = false;  // Checked in on every day of the challenge.
  bool checked_in_today = false;
};

struct Challenge {
  int64_t id = 0;
  CommunityId community_id;
  std::string community_slug;
  std::string community_name;
  std::string title;
  std::string description;
  std::string starts_on;
  std::string ends_on;  // The last day.
  int64_t days = 0;
  bool running = false;  // Today is one of its days.
  bool ended = false;
  std::vector<Participant> participants;  // get() only: most check-ins first.
  // About the viewer:
  bool viewer_can_check_in = false;  // A member, the challenge runs, not yet today.
  bool viewer_checked_in_today = false;
};

struct CheckIn {
  int64_t id = 0;
  std::string day;  // "YYYY-MM-DD".
  int64_t points = 0;
  int64_t current_streak = 0;
  std::vector<std::string> new_badges;
};

struct Streaks {
  int64_t current = 0;
  int64_t best = 0;
};
// Streaks of sorted, distinct UTC day numbers as of `today`.
Streaks streaks_of(const std::vector<int64_t>& days, int64_t today);

class Challenges {
 public:
  Challenges(db::Database& db, const Clock& clock);

  // Owners and admins open challenges.
  Result<Challenge> create(UserId actor, std::string_view community_slug, const ChallengeInput& input);
  // The community's challenges, newest first (no participants).
  Result<std::vector<Challenge>> list(std::optional<UserId> viewer, std::string_view community_slug);
  // One challenge with its participants; NotFound for a private community's outsiders.
  Result<Challenge> get(std::optional<UserId> viewer, int64_t id);
  // Members check in once per UTC day while it runs (Conflict the second time).
  Result<CheckIn> check_in(UserId user, int64_t id, std::string_view note);

 private:
  db::Database& db_;
  const Clock& clock_;
};

}  // namespace gh::engage

// gh::engage::Engagement: the read and settings side of points and badges, for the doors
// (a member's statement, a community's leaderboard and point rules, a member's badges and
// levels). Earning happens inside the acts themselves (content/, challenges.cpp) through
// points.hpp. Thread-safe: state lives in the database.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "db/db.hpp"
#include "engage/badges.hpp"
#include "engage/points.hpp"

namespace gh::engage {

struct CommunityPoints {
  std::string community_slug;
  std::string community_name;
  int64_t points = 0;
  int level = 1;
};

class Engagement {
 public:
  Engagement(db::Database& db, const Clock& clock);

  // The member's balance and latest entries, in one community (by slug) or over all.
  Result<Statement> statement(UserId user, const std::optional<std::string>& community_slug, int limit);
  // The member's points and level per community (public communities only unless `include_private`).
  std::vector<CommunityPoints> points_by_community(UserId user, bool include_private);
  // Top members of a community over a period; NotFound for a private community's outsiders.
  Result<std::vector<LeaderboardEntry>> leaderboard(std::optional<UserId> viewer, std::string_view community_slug,
                                                    Period period, int limit);
  // The community's effective rules; owners and admins change them.
  Result<std::vector<Rule>> rules(std::optional<UserId> viewer, std::string_view community_slug);
  Result<std::vector<Rule>> set_rules(UserId actor, std::string_view community_slug, const std::vector<Rule>& rules);
  std::vector<Badge> badges(UserId user, bool include_private);

 private:
  db::Database& db_;
  const Clock& clock_;
};

}  // namespace gh::engage

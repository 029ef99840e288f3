// gh::engage badges: awarded by rules, each once per member and community (a member who is
// active in two communities earns "first answer" in each). Rules are checked where the act
// happens, in its transaction (content/qa.cpp for answers, challenges.cpp for streaks).
// Stateless functions over a db::Tx; thread-safe.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "db/db.hpp"

namespace gh::engage {

// The badges there are, in display order.
inline constexpr std::array<std::string_view, 6> kBadges = {"first_post",   "first_answer", "first_accepted",
                                                            "ten_accepted", "streak_7",     "streak_30"};

// Grants `badge` unless the member holds it already; true when newly granted (the moment to
// notify them).
bool grant_badge(db::Tx& tx, UserId user, CommunityId community, std::string_view badge, Millis now);

struct Badge {
  std::string badge;
  std::string community_slug;
  std::string community_name;
  Millis awarded_at = 0;
};
// A member's badges, in public communities only unless `include_private`.
std::vector<Badge> badges_of(db::Tx& tx, UserId user, bool include_private);

}  // namespace gh::engage

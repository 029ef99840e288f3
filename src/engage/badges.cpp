#include "engage/badges.hpp"

#include "notify/notifications.hpp"

namespace gh::engage {

bool grant_badge(db::Tx& tx, UserId user, CommunityId community, std::string_view badge, Millis now) {
  const bool granted = tx.exec(
                             "INSERT INTO badges (user_id, community_id, badge, awarded_at) VALUES ($1, $2, $3, $4) "
                             "ON CONFLICT DO NOTHING",
                             {user.value, community.value, badge, now})
                           .affected == 1;
  if (granted) {
    // The member hears of it with the act that earned it. The title is the badge's key: pages
    // translate it ("badge.<key>"). One notification per badge and community.
    auto username = tx.one("SELECT username FROM users WHERE id = $1", {user.value});
    notify::add(tx,
                {user, std::string(notify::kBadge), std::nullopt, community, "badge:" + std::string(badge),
                 community.value, std::string(badge), "", username ? "/u/" + username->row().text(0) : "/account"},
                now);
  }
  return granted;
}

std::vector<Badge> badges_of(db::Tx& tx, UserId user, bool include_private) {
  std::vector<Badge> out;
  for (auto r :
       tx.exec("SELECT b.badge, c.slug, c.name, b.awarded_at FROM badges b "
               "JOIN communities c ON c.id = b.community_id WHERE b.user_id = $1 AND ($2 = 1 OR c.is_public = 1) "
               "ORDER BY b.awarded_at, c.slug, b.badge",
               {user.value, include_private ? 1 : 0})) {
    out.push_back(Badge{r.text(0), r.text(1), r.text(2), r.i64(3)});
  }
  return out;
}

}  // namespace gh::engage

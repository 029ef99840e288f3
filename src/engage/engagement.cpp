#include "engage/engagement.hpp"

#include "access/access.hpp"

namespace gh::engage {
namespace {

// The community of `slug` as `viewer` may see it (private ones: members only).
Result<CommunityId> visible_community(db::Tx& tx, std::optional<UserId> viewer, std::string_view slug) {
  auto row = tx.one("SELECT id, is_public FROM communities WHERE slug = $1", {std::string(slug)});
  if (!row) {
    return not_found("community.not_found", "No such community.");
  }
  const CommunityId id(row->row().i64(0));
  if (!row->row().boolean(1) && access::role_in(tx, viewer, id) == access::Role::None) {
    return not_found("community.not_found", "No such community.");
  }
  return id;
}

}  // namespace

Engagement::Engagement(db::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

Result<Statement> Engagement::statement(UserId user, const std::optional<std::string>& community_slug, int limit) {
  return db_.read([&](db::Tx& tx) -> Result<Statement> {
    std::optional<CommunityId> community;
    if (community_slug) {
      auto id = visible_community(tx, user, *community_slug);
      if (!id) {
        return std::move(id).error();
      }
      community = *id;
    }
    return statement_of(tx, user, community, limit);
  });
}

std::vector<CommunityPoints> Engagement::points_by_community(UserId user, bool include_private) {
  return db_.read([&](db::Tx& tx) {
    std::vector<CommunityPoints> out;
    for (auto r : tx.exec("SELECT c.slug, c.name, b.balance FROM point_balances b JOIN communities c "
                          "ON c.id = b.community_id WHERE b.user_id = $1 AND ($2 = 1 OR c.is_public = 1) "
                          "ORDER BY b.balance DESC, c.slug",
                          {user.value, include_private ? 1 : 0})) {
      out.push_back(CommunityPoints{r.text(0), r.text(1), r.i64(2), level_for(r.i64(2))});
    }
    return out;
  });
}

Result<std::vector<LeaderboardEntry>> Engagement::leaderboard(std::optional<UserId> viewer,
                                                              std::string_view community_slug, Period period,
                                                              int limit) {
  const Millis now = clock_.now_ms();
  return db_.read([&](db::Tx& tx) -> Result<std::vector<LeaderboardEntry>> {
    auto id = visible_community(tx, viewer, community_slug);
    if (!id) {
      return std::move(id).error();
    }
    return engage::leaderboard(tx, *id, period, now, limit);
  });
}

Result<std::vector<Rule>> Engagement::rules(std::optional<UserId> viewer, std::string_view community_slug) {
  return db_.read([&](db::Tx& tx) -> Result<std::vector<Rule>> {
    auto id = visible_community(tx, viewer, community_slug);
    if (!id) {
      return std::move(id).error();
    }
    return rules_of(tx, *id);
  });
}

Result<std::vector<Rule>> Engagement::set_rules(UserId actor, std::string_view community_slug,
                                                const std::vector<Rule>& rules) {
  return db_.write([&](db::Tx& tx) -> Result<std::vector<Rule>> {
    auto id = visible_community(tx, actor, community_slug);
    if (!id) {
      return std::move(id).error();
    }
    if (!access::allows(access::role_in(tx, actor, *id), access::Action::EditCommunity)) {
      return forbidden("points.admins_only", "Only owners and admins change point rules.");
    }
    for (const auto& rule : rules) {
      if (auto ok = set_rule(tx, *id, rule); !ok) {
        return ok.error();
      }
    }
    return rules_of(tx, *id);
  });
}

std::vector<Badge> Engagement::badges(UserId user, bool include_private) {
  return db_.read([&](db::Tx& tx) { return badges_of(tx, user, include_private); });
}

}  // namespace gh::engage

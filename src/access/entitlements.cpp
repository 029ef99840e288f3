#include "access/entitlements.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace gh::access {
namespace {

constexpr std::array<std::pair<Visibility, std::string_view>, 4> kVisibilityNames = {{
    {Visibility::Public, "public"},
    {Visibility::Members, "members"},
    {Visibility::Paid, "paid"},
    {Visibility::Tiers, "tiers"},
}};

}  // namespace

std::string_view visibility_name(Visibility visibility) {
  for (const auto& [v, name] : kVisibilityNames) {
    if (v == visibility) {
      return name;
    }
  }
  return "public";
}

std::optional<Visibility> parse_visibility(std::string_view name) {
  for (const auto& [v, n] : kVisibilityNames) {
    if (n == name) {
      return v;
    }
  }
  return std::nullopt;
}

Entitlements entitlements_of(db::Tx& tx, UserId user, CommunityId community, Millis now) {
  Entitlements out;
  for (auto r : tx.exec("SELECT tier_id, post_id, paid FROM entitlements WHERE user_id = $1 AND community_id = $2 "
                        "AND starts_at <= $3 AND (ends_at IS NULL OR ends_at > $3) AND revoked_at IS NULL",
                        {user.value, community.value, now})) {
    if (!r.is_null(0)) {
      out.tiers.insert(r.i64(0));
      out.any_paid_tier = out.any_paid_tier || r.boolean(2);
    }
    if (!r.is_null(1)) {
      out.posts.insert(r.i64(1));
    }
  }
  return out;
}

bool can_read_full(const Gate& gate, std::optional<UserId> viewer, UserId author, Role role,
                   const Entitlements& entitlements, int64_t post_id) {
  if (gate.visibility == Visibility::Public && !gate.for_sale) {
    return true;
  }
  if (viewer && (*viewer == author || allows(role, Action::Moderate))) {
    return true;
  }
  if (entitlements.posts.count(post_id) != 0) {
    return true;
  }
  switch (gate.visibility) {
    case Visibility::Public: return false;  // For sale, not bought.
    case Visibility::Members: return role >= Role::Member;
    case Visibility::Paid: return entitlements.any_paid_tier;
    case Visibility::Tiers:
      return std::any_of(gate.tier_ids.begin(), gate.tier_ids.end(),
                         [&](int64_t tier) { return entitlements.tiers.count(tier) != 0; });
  }
  return false;
}

int64_t grant(db::Tx& tx, const Grant& g, Millis now) {
  return *tx.scalar_i64(
      "INSERT INTO entitlements (user_id, community_id, tier_id, post_id, paid, source, source_id, starts_at, ends_at, "
      "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
      {g.user.value, g.community.value, g.tier_id, g.post_id, g.paid, g.source, g.source_id, g.starts_at, g.ends_at,
       now});
}

void extend(db::Tx& tx, std::string_view source, int64_t source_id, std::optional<Millis> ends_at) {
  tx.exec("UPDATE entitlements SET ends_at = $1 WHERE source = $2 AND source_id = $3 AND revoked_at IS NULL",
          {ends_at, std::string(source), source_id});
}

void revoke(db::Tx& tx, std::string_view source, int64_t source_id, Millis at) {
  tx.exec("UPDATE entitlements SET revoked_at = $1 WHERE source = $2 AND source_id = $3 AND revoked_at IS NULL",
          {at, std::string(source), source_id});
}

}  // namespace gh::access

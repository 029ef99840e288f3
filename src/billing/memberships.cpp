#include "billing/memberships.hpp"

#include <algorithm>

#include "access/entitlements.hpp"

namespace gh::billing {

void lock_member(db::Tx& tx, UserId user) {
  tx.exec("UPDATE users SET locale = locale WHERE id = $1", {user.value});
}

LockedPeriod lock_period(db::Tx& tx, int64_t membership_id) {
  tx.exec("UPDATE memberships SET updated_at = updated_at WHERE id = $1", {membership_id});
  auto row = tx.one("SELECT status, current_period_end FROM memberships WHERE id = $1", {membership_id});
  return LockedPeriod{row->row().text(0), row->row().opt_i64(1)};
}

int64_t start_or_extend_membership(db::Tx& tx, const MembershipGrant& grant, Millis now) {
  lock_member(tx, grant.user);
  auto current = tx.one(
      "SELECT id, current_period_end FROM memberships WHERE user_id = $1 AND tier_id = $2 AND status = 'active' "
      "ORDER BY id DESC LIMIT 1",
      {grant.user.value, grant.tier.id});
  if (current && (current->row().is_null(1) || current->row().i64(1) > now)) {
    const int64_t id = current->row().i64(0);
    const auto locked = lock_period(tx, id);
    if (!locked.period_end) {
      return id;  // Lifetime already: nothing to add.
    }
    const auto end = period_end(grant.tier, std::max(*locked.period_end, now));
    tx.exec("UPDATE memberships SET current_period_end = $1, updated_at = $2 WHERE id = $3", {end, now, id});
    access::extend(tx, "membership", id, end);
    return id;
  }
  const int64_t id = *tx.scalar_i64(
      "INSERT INTO memberships (community_id, user_id, tier_id, status, current_period_start, current_period_end, "
      "provider, created_at, updated_at) VALUES ($1, $2, $3, 'active', $4, $5, $6, $4, $4) RETURNING id",
      {grant.community.value, grant.user.value, grant.tier.id, now, grant.ends_at, grant.provider});
  access::grant(tx,
                access::Grant{grant.user, grant.community, grant.tier.id, std::nullopt, !grant.tier.free(),
                              "membership", id, now, grant.ends_at},
                now);
  return id;
}

std::optional<Membership> load_membership(db::Tx& tx, int64_t membership_id, Millis now) {
  // One reading of a membership for every door: the member's list (with expiry and renewal).
  auto owner = tx.one("SELECT user_id FROM memberships WHERE id = $1", {membership_id});
  if (!owner) {
    return std::nullopt;
  }
  for (auto& m : Checkouts::memberships_of(tx, UserId(owner->row().i64(0)), now)) {
    if (m.id == membership_id) {
      return std::move(m);
    }
  }
  return std::nullopt;
}

}  // namespace gh::billing

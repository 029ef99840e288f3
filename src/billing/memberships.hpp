// gh::billing memberships granted without a checkout (trials, redeem codes): starting or
// extending a tier's membership and its entitlement inside the caller's transaction.
#pragma once

#include <optional>
#include <string>

#include "billing/checkout.hpp"
#include "billing/tiers.hpp"

namespace gh::billing {

struct MembershipGrant {
  UserId user;
  CommunityId community;
  Tier tier;
  std::string provider;           // memberships.provider: "trial", "code".
  std::optional<Millis> ends_at;  // Of a new membership; nullopt: no end.
};

// Starts a membership of `grant.tier` ending at `grant.ends_at`, or, when the user already has
// an active one of that tier, extends it by one period of the tier from its current end (the
// same rule as a paid renewal in Checkouts::complete; a lifetime membership stays lifetime).
// Grants or extends the entitlement. Returns the membership's id.
int64_t start_or_extend_membership(db::Tx& tx, const MembershipGrant& grant, Millis now);

// A membership's period as committed now, read under its row lock: a no-op UPDATE takes the
// lock first, so on PostgreSQL a concurrent extension commits before this read and is seen by
// it (READ COMMITTED reads a fresh snapshot per statement); SQLite has a single writer anyway.
// Every extension reads the end it extends from through this, so two renewals paid at the same
// moment add two periods, never one. period_end nullopt: lifetime.
// Serialises membership changes of one user (the row lock of their users row, taken by a no-op
// UPDATE): two first purchases of a tier completing at the same moment make one membership
// with two periods, not two memberships.
void lock_member(db::Tx& tx, UserId user);

struct LockedPeriod {
  std::string status;
  std::optional<Millis> period_end;
};
LockedPeriod lock_period(db::Tx& tx, int64_t membership_id);

// One membership as the API shows it (an active one past its end reads as expired).
std::optional<Membership> load_membership(db::Tx& tx, int64_t membership_id, Millis now);

}  // namespace gh::billing

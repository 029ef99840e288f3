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

// One membership as the API shows it (an active one past its end reads as expired).
std::optional<Membership> load_membership(db::Tx& tx, int64_t membership_id, Millis now);

}  // namespace gh::billing

// gh::billing tiers: what a community sells. A tier has a price in integer minor units with
// its own currency, a billing interval (month, year, fixed_term with term_days of access, or
// lifetime), an optional trial, and a description of its benefits.
//
// A tier's price and interval never change once created (members keep what they signed up
// for): to change a price, archive the tier and create another. Archived tiers keep their
// members and stop being sold. Owners and admins manage tiers. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/money.hpp"
#include "core/result.hpp"
#include "db/db.hpp"

namespace gh::billing {

struct Tier {
  int64_t id = 0;
  CommunityId community;
  std::string name;
  std::string description;
  Money price = Money::zero("CNY");
  std::string interval;  // month | year | fixed_term | lifetime
  std::optional<int64_t> term_days;
  int64_t trial_days = 0;
  bool archived = false;
  int64_t position = 0;
  Millis created_at = 0;

  bool free() const { return price.amount_minor() == 0; }
};

struct TierInput {
  std::string name;
  std::string description;
  std::optional<Money> price;
  std::string interval;
  std::optional<int64_t> term_days;
  int64_t trial_days = 0;
};

struct TierPatch {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<bool> archived;
  std::optional<int64_t> position;
};

class Tiers {
 public:
  Tiers(db::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Errors: billing.invalid_tier_name, billing.invalid_price, billing.invalid_interval,
  // billing.invalid_term, billing.invalid_trial, billing.free_tier_interval (Invalid);
  // community.not_allowed (Forbidden); community.not_found.
  Result<Tier> create(UserId actor, std::string_view community_slug, const TierInput& input);
  Result<Tier> update(UserId actor, int64_t tier_id, const TierPatch& patch);
  // Tiers on sale (and archived ones when `include_archived`), by position.
  Result<std::vector<Tier>> list(std::string_view community_slug, bool include_archived);
  std::optional<Tier> find(db::Tx& tx, int64_t tier_id);

  static Status validate(const TierInput& input);

 private:
  db::Database& db_;
  const Clock& clock_;
};

// The end of a paid period that starts at `start` (lifetime: nullopt). Months and years are
// calendar months and years in UTC, clamped to the month's last day (Jan 31 + 1 month = Feb 28).
std::optional<Millis> period_end(const Tier& tier, Millis start);

}  // namespace gh::billing

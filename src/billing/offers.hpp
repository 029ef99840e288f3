// gh::billing offers: coupons that lower a checkout's price, and free trials of a paid tier.
//
// Coupons belong to a community; owners and admins (access::Action::ManageBilling) create and
// archive them. Checkouts::start() prices a checkout with price_with_coupon() and records the
// coupon, the list price and the renewal price; Checkouts::complete() counts the redemption
// with claim_redemption() inside its transaction, so max_redemptions holds under concurrency.
//
// A trial starts a membership of a paid tier for trial_days without any payment or booking;
// each user gets one trial per tier, ever, and none after any membership of that tier.
// Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "billing/checkout.hpp"
#include "billing/tiers.hpp"

namespace gh::billing {

struct Coupon {
  int64_t id = 0;
  CommunityId community;
  std::string community_slug;
  std::string code;  // Upper-case.
  std::optional<int64_t> percent_off;
  std::optional<Money> amount_off;
  std::string duration;  // once | forever
  std::optional<int64_t> max_redemptions;
  int64_t redemptions = 0;
  std::optional<Millis> expires_at;
  std::vector<int64_t> tier_ids;  // Empty: every tier and post of the community.
  bool archived = false;
  Millis created_at = 0;
};

struct CouponInput {
  std::string code;
  std::optional<int64_t> percent_off;
  std::optional<Money> amount_off;
  std::string duration;
  std::optional<int64_t> max_redemptions;
  std::optional<Millis> expires_at;
  std::vector<int64_t> tier_ids;
};

// The price of a checkout after a coupon.
struct CouponPrice {
  int64_t coupon_id = 0;
  Money amount = Money::zero("CNY");                   // What this checkout charges (>= 0).
  std::optional<Money> renewal_amount = std::nullopt;  // Each later period (tiers only).
};

// The discounted amount: percent_off rounds the discount down to the minor unit; never below 0.
Money discounted(const Coupon& coupon, const Money& price);

// Finds `code` in `community` and prices `list_price` of the tier (or of a post when tier_id
// is nullopt) with it. `renews` says whether the item has later periods. Errors (Invalid,
// field "coupon"): billing.coupon_not_found (unknown or archived), billing.coupon_expired,
// billing.coupon_exhausted, billing.coupon_not_for_tier, billing.coupon_currency.
Result<CouponPrice> price_with_coupon(db::Tx& tx, CommunityId community, std::optional<int64_t> tier_id,
                                      const Money& list_price, bool renews, std::string_view code, Millis now);

// Counts one redemption unless max_redemptions is reached (a conditional UPDATE, so of two
// concurrent completions of the last redemption one wins). Errors: billing.coupon_exhausted.
Status claim_redemption(db::Tx& tx, int64_t coupon_id);

class Offers {
 public:
  Offers(db::Database& db, const Clock& clock, community::Communities& communities, Tiers& tiers)
      : db_(db), clock_(clock), communities_(communities), tiers_(tiers) {}

  // Errors: billing.invalid_coupon_code, billing.invalid_discount, billing.invalid_duration,
  // billing.invalid_max_redemptions, billing.invalid_expiry, billing.tier_not_found (Invalid);
  // billing.coupon_code_taken (Conflict); community.not_allowed; community.not_found.
  Result<Coupon> create_coupon(UserId actor, std::string_view community_slug, const CouponInput& input);
  // Every coupon of the community, archived ones included, newest first.
  Result<std::vector<Coupon>> coupons(UserId actor, std::string_view community_slug);
  Result<Coupon> set_coupon_archived(UserId actor, int64_t coupon_id, bool archived);

  // Starts a trial membership of `tier_id`. Errors: billing.tier_not_found, billing.free_tier,
  // billing.no_trial (Invalid), billing.trial_used (Conflict: a trial or any membership of
  // this tier before).
  Result<Membership> start_trial(UserId user, int64_t tier_id);
  // Tiers of `community` that `user` has had a membership of, so no trial (for the pricing page).
  std::vector<int64_t> trial_tiers_used(UserId user, CommunityId community);

 private:
  db::Database& db_;
  const Clock& clock_;
  community::Communities& communities_;
  Tiers& tiers_;
};

}  // namespace gh::billing

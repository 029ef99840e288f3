#include "billing/offers.hpp"

#include <algorithm>

#include "access/access.hpp"
#include "billing/memberships.hpp"
#include "core/text.hpp"

namespace gh::billing {
namespace {

constexpr std::string_view kCouponColumns =
    "o.id, o.community_id, c.slug, o.code, o.percent_off, o.amount_off_minor, o.amount_off_currency, o.duration, "
    "o.max_redemptions, o.redemptions, o.expires_at, o.archived_at, o.created_at";
constexpr std::string_view kCouponFrom = " FROM coupons o JOIN communities c ON c.id = o.community_id";

Coupon coupon_from_row(db::Tx& tx, const db::Row& r) {
  Coupon o;
  o.id = r.i64(0);
  o.community = CommunityId(r.i64(1));
  o.community_slug = r.text(2);
  o.code = r.text(3);
  o.percent_off = r.opt_i64(4);
  if (!r.is_null(5)) {
    o.amount_off = Money::create(r.i64(5), r.text(6)).value();
  }
  o.duration = r.text(7);
  o.max_redemptions = r.opt_i64(8);
  o.redemptions = r.i64(9);
  o.expires_at = r.opt_i64(10);
  o.archived = !r.is_null(11);
  o.created_at = r.i64(12);
  for (auto t : tx.exec("SELECT tier_id FROM coupon_tiers WHERE coupon_id = $1 ORDER BY tier_id", {o.id})) {
    o.tier_ids.push_back(t.i64(0));
  }
  return o;
}

std::optional<Coupon> find_coupon(db::Tx& tx, int64_t coupon_id) {
  auto row =
      tx.one(std::string("SELECT ") + std::string(kCouponColumns) + std::string(kCouponFrom) + " WHERE o.id = $1",
             {coupon_id});
  if (!row) {
    return std::nullopt;
  }
  return coupon_from_row(tx, row->row());
}

// Coupon codes as people type them: letters, digits, '-' and '_', compared upper-case.
std::optional<std::string> normalize_coupon_code(std::string_view code) {
  const std::string trimmed = text::trim(code);
  if (trimmed.size() < 3 || trimmed.size() > 32) {
    return std::nullopt;
  }
  std::string out;
  for (char c : trimmed) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) {
      return std::nullopt;
    }
    out.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  }
  return out;
}

Error coupon_error(std::string code, std::string message) {
  return invalid(std::move(code), std::move(message), "coupon");
}

Result<CommunityId> managed_community(db::Tx& tx, UserId actor, std::string_view slug, std::string_view what) {
  auto community = tx.one("SELECT id FROM communities WHERE slug = $1", {std::string(slug)});
  if (!community) {
    return not_found("community.not_found", "No such community.");
  }
  const CommunityId id(community->row().i64(0));
  if (!access::allows(access::role_in(tx, actor, id), access::Action::ManageBilling)) {
    return forbidden("community.not_allowed", "Only owners and admins manage " + std::string(what) + ".");
  }
  return id;
}

}  // namespace

Money discounted(const Coupon& coupon, const Money& price) {
  int64_t off = 0;
  if (coupon.percent_off) {
    off = price.amount_minor() * *coupon.percent_off / 100;
  } else if (coupon.amount_off) {
    off = coupon.amount_off->amount_minor();
  }
  return Money::create(std::max<int64_t>(0, price.amount_minor() - off), price.currency()).value();
}

Result<CouponPrice> price_with_coupon(db::Tx& tx, CommunityId community, std::optional<int64_t> tier_id,
                                      const Money& list_price, bool renews, std::string_view code, Millis now) {
  const auto normalized = normalize_coupon_code(code);
  std::optional<db::Tx::OneRow> row;
  if (normalized) {
    row = tx.one(std::string("SELECT ") + std::string(kCouponColumns) + std::string(kCouponFrom) +
                     " WHERE o.community_id = $1 AND o.code = $2",
                 {community.value, *normalized});
  }
  if (!row) {
    return coupon_error("billing.coupon_not_found", "No such coupon in this community.");
  }
  const Coupon coupon = coupon_from_row(tx, row->row());
  if (coupon.archived) {
    return coupon_error("billing.coupon_not_found", "No such coupon in this community.");
  }
  if (coupon.expires_at && *coupon.expires_at <= now) {
    return coupon_error("billing.coupon_expired", "This coupon has expired.");
  }
  if (coupon.max_redemptions && coupon.redemptions >= *coupon.max_redemptions) {
    return coupon_error("billing.coupon_exhausted", "This coupon has been used up.");
  }
  if (!coupon.tier_ids.empty() &&
      (!tier_id || std::find(coupon.tier_ids.begin(), coupon.tier_ids.end(), *tier_id) == coupon.tier_ids.end())) {
    return coupon_error("billing.coupon_not_for_tier", "This coupon does not apply to this item.");
  }
  if (coupon.amount_off && coupon.amount_off->currency() != list_price.currency()) {
    return coupon_error("billing.coupon_currency", "This coupon takes " + coupon.amount_off->currency() +
                                                       " off, but the price is in " + list_price.currency() + ".");
  }
  CouponPrice price;
  price.coupon_id = coupon.id;
  price.amount = discounted(coupon, list_price);
  if (renews) {
    price.renewal_amount = coupon.duration == "forever" ? price.amount : list_price;
  }
  return price;
}

Status claim_redemption(db::Tx& tx, int64_t coupon_id) {
  auto claimed = tx.exec(
      "UPDATE coupons SET redemptions = redemptions + 1 WHERE id = $1 AND (max_redemptions IS NULL OR redemptions < "
      "max_redemptions)",
      {coupon_id});
  if (claimed.affected != 1) {
    return coupon_error("billing.coupon_exhausted", "This coupon has been used up.");
  }
  return {};
}

Result<Coupon> Offers::create_coupon(UserId actor, std::string_view community_slug, const CouponInput& input) {
  const auto code = normalize_coupon_code(input.code);
  if (!code) {
    return invalid("billing.invalid_coupon_code", "Coupon codes have 3 to 32 letters, digits, '-' or '_'.", "code");
  }
  if (input.percent_off.has_value() == input.amount_off.has_value()) {
    return invalid("billing.invalid_discount", "Give either percent_off or amount_off.", "percent_off");
  }
  if (input.percent_off && (*input.percent_off < 1 || *input.percent_off > 100)) {
    return invalid("billing.invalid_discount", "percent_off is from 1 to 100.", "percent_off");
  }
  if (input.amount_off &&
      (input.amount_off->amount_minor() <= 0 || input.amount_off->amount_minor() > 100'000'000'00)) {
    return invalid("billing.invalid_discount", "amount_off is more than 0.", "amount_off");
  }
  if (input.duration != "once" && input.duration != "forever") {
    return invalid("billing.invalid_duration", "Durations are once (first period) or forever.", "duration");
  }
  if (input.max_redemptions && (*input.max_redemptions < 1 || *input.max_redemptions > 1'000'000'000)) {
    return invalid("billing.invalid_max_redemptions", "max_redemptions is at least 1.", "max_redemptions");
  }
  const Millis now = clock_.now_ms();
  if (input.expires_at && *input.expires_at <= now) {
    return invalid("billing.invalid_expiry", "The expiry must be in the future.", "expires_at");
  }
  return db_.write([&](db::Tx& tx) -> Result<Coupon> {
    auto community = managed_community(tx, actor, community_slug, "coupons");
    if (!community) {
      return std::move(community).error();
    }
    for (int64_t tier_id : input.tier_ids) {
      auto tier = tiers_.find(tx, tier_id);
      if (!tier || tier->community != *community) {
        return invalid("billing.tier_not_found", "No such tier in this community.", "tier_ids");
      }
    }
    auto id = tx.scalar_i64(
        "INSERT INTO coupons (community_id, code, percent_off, amount_off_minor, amount_off_currency, duration, "
        "max_redemptions, expires_at, created_by, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) ON CONFLICT DO NOTHING RETURNING id",
        {community->value, *code, input.percent_off,
         input.amount_off ? std::optional(input.amount_off->amount_minor()) : std::nullopt,
         input.amount_off ? std::optional(input.amount_off->currency()) : std::nullopt, input.duration,
         input.max_redemptions, input.expires_at, actor.value, now});
    if (!id) {
      return conflict("billing.coupon_code_taken", "This community already has a coupon with this code.", "code");
    }
    for (int64_t tier_id : input.tier_ids) {
      tx.exec("INSERT INTO coupon_tiers (coupon_id, tier_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", {*id, tier_id});
    }
    return *find_coupon(tx, *id);
  });
}

Result<std::vector<Coupon>> Offers::coupons(UserId actor, std::string_view community_slug) {
  return db_.read([&](db::Tx& tx) -> Result<std::vector<Coupon>> {
    auto community = managed_community(tx, actor, community_slug, "coupons");
    if (!community) {
      return std::move(community).error();
    }
    std::vector<Coupon> out;
    for (auto r : tx.exec(std::string("SELECT ") + std::string(kCouponColumns) + std::string(kCouponFrom) +
                              " WHERE o.community_id = $1 ORDER BY o.id DESC LIMIT 500",
                          {community->value})) {
      out.push_back(coupon_from_row(tx, r));
    }
    return out;
  });
}

Result<Coupon> Offers::set_coupon_archived(UserId actor, int64_t coupon_id, bool archived) {
  return db_.write([&](db::Tx& tx) -> Result<Coupon> {
    auto coupon = find_coupon(tx, coupon_id);
    if (!coupon) {
      return not_found("billing.coupon_not_found", "No such coupon.");
    }
    if (!access::allows(access::role_in(tx, actor, coupon->community), access::Action::ManageBilling)) {
      return not_found("billing.coupon_not_found", "No such coupon.");
    }
    const Millis now = clock_.now_ms();
    tx.exec("UPDATE coupons SET archived_at = $1, updated_at = $2 WHERE id = $3",
            {archived ? std::optional(now) : std::nullopt, now, coupon_id});
    return *find_coupon(tx, coupon_id);
  });
}

Result<Membership> Offers::start_trial(UserId user, int64_t tier_id) {
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<Membership> {
    auto tier = tiers_.find(tx, tier_id);
    const bool is_public =
        tier &&
        tx.scalar_i64("SELECT is_public FROM communities WHERE id = $1", {tier->community.value}).value_or(0) != 0;
    if (!tier || tier->archived || (!is_public && access::role_in(tx, user, tier->community) == access::Role::None)) {
      return not_found("billing.tier_not_found", "No such tier on sale.");
    }
    if (tier->free()) {
      return invalid("billing.free_tier", "This tier is free: join the community instead.", "tier_id");
    }
    if (tier->trial_days <= 0) {
      return invalid("billing.no_trial", "This tier has no trial.", "tier_id");
    }
    // Any membership of this tier before (a trial, a payment, a code) uses up the trial.
    if (tx.scalar_i64("SELECT COUNT(*) FROM memberships WHERE user_id = $1 AND tier_id = $2", {user.value, tier_id})
            .value_or(0) > 0) {
      return conflict("billing.trial_used", "You have already had this tier: a trial is for newcomers.");
    }
    communities_.ensure_member(tx, user, tier->community);
    const Millis end = now + tier->trial_days * 86'400'000;
    const int64_t membership =
        start_or_extend_membership(tx, MembershipGrant{user, tier->community, *tier, "trial", end}, now);
    // The key (user, tier) turns a concurrent second start into a refusal.
    auto recorded = tx.exec(
        "INSERT INTO tier_trials (user_id, tier_id, membership_id, started_at) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT DO NOTHING",
        {user.value, tier_id, membership, now});
    if (recorded.affected != 1) {
      return conflict("billing.trial_used", "You have already had this tier: a trial is for newcomers.");
    }
    return *load_membership(tx, membership, now);
  });
}

std::vector<int64_t> Offers::trial_tiers_used(UserId user, CommunityId community) {
  return db_.read([&](db::Tx& tx) {
    std::vector<int64_t> out;
    for (auto r : tx.exec("SELECT DISTINCT tier_id FROM memberships WHERE user_id = $1 AND community_id = $2",
                          {user.value, community.value})) {
      out.push_back(r.i64(0));
    }
    return out;
  });
}

}  // namespace gh::billing

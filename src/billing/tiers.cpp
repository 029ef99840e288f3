#include "billing/tiers.hpp"

#include "access/access.hpp"
#include "core/text.hpp"

namespace gh::billing {
namespace {

constexpr std::string_view kColumns =
    "id, community_id, name, description, price_minor, currency, billing_interval, term_days, trial_days, "
    "archived_at, position, created_at";

Tier from_row(const db::Row& r) {
  Tier t;
  t.id = r.i64(0);
  t.community = CommunityId(r.i64(1));
  t.name = r.text(2);
  t.description = r.text(3);
  t.price = Money::create(r.i64(4), r.text(5)).value();
  t.interval = r.text(6);
  t.term_days = r.opt_i64(7);
  t.trial_days = r.i64(8);
  t.archived = !r.is_null(9);
  t.position = r.i64(10);
  t.created_at = r.i64(11);
  return t;
}

Status validate_text(const std::optional<std::string>& name, const std::optional<std::string>& description) {
  if (name && (text::trim(*name).empty() || text::utf8_length(*name) > 60 || !text::is_valid_utf8(*name))) {
    return invalid("billing.invalid_tier_name", "Tier names have 1 to 60 characters.", "name");
  }
  if (description && (text::utf8_length(*description) > 2000 || !text::is_valid_utf8(*description))) {
    return invalid("billing.invalid_tier_description", "Descriptions have at most 2000 characters.", "description");
  }
  return {};
}

}  // namespace

Status Tiers::validate(const TierInput& input) {
  if (auto ok = validate_text(input.name, input.description); !ok) {
    return ok;
  }
  if (!input.price) {
    return invalid("billing.invalid_price", "A tier needs a price (0 for a free tier).", "price");
  }
  if (input.price->amount_minor() < 0 || input.price->amount_minor() > 100'000'000'00) {
    return invalid("billing.invalid_price", "Prices are between 0 and 100,000,000.", "price");
  }
  if (input.interval != "month" && input.interval != "year" && input.interval != "fixed_term" &&
      input.interval != "lifetime") {
    return invalid("billing.invalid_interval", "Intervals are month, year, fixed_term or lifetime.", "interval");
  }
  if (input.interval == "fixed_term") {
    if (!input.term_days || *input.term_days < 1 || *input.term_days > 3650) {
      return invalid("billing.invalid_term", "A fixed term has 1 to 3650 days.", "term_days");
    }
  } else if (input.term_days) {
    return invalid("billing.invalid_term", "term_days applies to fixed_term tiers only.", "term_days");
  }
  if (input.trial_days < 0 || input.trial_days > 365) {
    return invalid("billing.invalid_trial", "Trials have 0 to 365 days.", "trial_days");
  }
  if (input.price->amount_minor() == 0 && input.interval != "lifetime") {
    return invalid("billing.free_tier_interval", "A free tier is lifetime.", "interval");
  }
  if (input.price->amount_minor() == 0 && input.trial_days > 0) {
    return invalid("billing.invalid_trial", "A free tier needs no trial.", "trial_days");
  }
  return {};
}

Result<Tier> Tiers::create(UserId actor, std::string_view community_slug, const TierInput& input) {
  if (auto ok = validate(input); !ok) {
    return ok.error();
  }
  return db_.write([&](db::Tx& tx) -> Result<Tier> {
    auto community = tx.one("SELECT id FROM communities WHERE slug = $1", {std::string(community_slug)});
    if (!community) {
      return not_found("community.not_found", "No such community.");
    }
    const CommunityId id(community->row().i64(0));
    if (!access::allows(access::role_in(tx, actor, id), access::Action::ManageBilling)) {
      return forbidden("community.not_allowed", "Only owners and admins manage tiers.");
    }
    const Millis now = clock_.now_ms();
    const auto position =
        tx.scalar_i64("SELECT COALESCE(MAX(position), 0) + 1 FROM tiers WHERE community_id = $1", {id.value});
    auto tier_id = tx.scalar_i64(
        "INSERT INTO tiers (community_id, name, description, price_minor, currency, billing_interval, term_days, "
        "trial_days, position, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) "
        "RETURNING id",
        {id.value, text::trim(input.name), input.description, input.price->amount_minor(), input.price->currency(),
         input.interval, input.term_days, input.trial_days, position.value_or(1), now});
    return *find(tx, *tier_id);
  });
}

Result<Tier> Tiers::update(UserId actor, int64_t tier_id, const TierPatch& patch) {
  if (auto ok = validate_text(patch.name, patch.description); !ok) {
    return ok.error();
  }
  return db_.write([&](db::Tx& tx) -> Result<Tier> {
    auto tier = find(tx, tier_id);
    if (!tier) {
      return not_found("billing.tier_not_found", "No such tier.");
    }
    if (!access::allows(access::role_in(tx, actor, tier->community), access::Action::ManageBilling)) {
      return forbidden("community.not_allowed", "Only owners and admins manage tiers.");
    }
    const Millis now = clock_.now_ms();
    std::optional<Millis> archived_at;
    if (patch.archived) {
      archived_at = *patch.archived ? now : 0;
    }
    tx.exec(
        "UPDATE tiers SET name = COALESCE($1, name), description = COALESCE($2, description), "
        "archived_at = CASE WHEN CAST($3 AS BIGINT) IS NULL THEN archived_at WHEN CAST($3 AS BIGINT) = 0 THEN NULL "
        "ELSE CAST($3 AS BIGINT) END, "
        "position = COALESCE($4, position), updated_at = $5 WHERE id = $6",
        {patch.name ? std::optional(text::trim(*patch.name)) : std::nullopt, patch.description, archived_at,
         patch.position, now, tier_id});
    return *find(tx, tier_id);
  });
}

Result<std::vector<Tier>> Tiers::list(std::string_view community_slug, bool include_archived) {
  return db_.read([&](db::Tx& tx) -> Result<std::vector<Tier>> {
    auto community = tx.one("SELECT id FROM communities WHERE slug = $1", {std::string(community_slug)});
    if (!community) {
      return not_found("community.not_found", "No such community.");
    }
    std::vector<Tier> out;
    for (auto r : tx.exec(std::string("SELECT ") + std::string(kColumns) + " FROM tiers WHERE community_id = $1" +
                              (include_archived ? "" : " AND archived_at IS NULL") + " ORDER BY position, id",
                          {community->row().i64(0)})) {
      out.push_back(from_row(r));
    }
    return out;
  });
}

std::optional<Tier> Tiers::find(db::Tx& tx, int64_t tier_id) {
  auto row = tx.one(std::string("SELECT ") + std::string(kColumns) + " FROM tiers WHERE id = $1", {tier_id});
  if (!row) {
    return std::nullopt;
  }
  return from_row(row->row());
}

std::optional<Millis> period_end(const Tier& tier, Millis start) {
  if (tier.interval == "month") {
    return add_months_utc(start, 1);
  }
  if (tier.interval == "year") {
    return add_months_utc(start, 12);
  }
  if (tier.interval == "fixed_term") {
    return start + tier.term_days.value_or(0) * 86'400'000;
  }
  return std::nullopt;
}

}  // namespace gh::billing

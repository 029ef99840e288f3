#include "billing/codes.hpp"

#include "access/access.hpp"
#include "billing/memberships.hpp"
#include "core/text.hpp"
#include "identity/identity.hpp"

namespace gh::billing {
namespace {

// 32 symbols without 0/O and 1/I, so that a code read aloud or from paper is not mistyped.
// 32 is a power of two, so five random bits pick a symbol without bias; 12 symbols: 60 bits.
constexpr std::string_view kAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
constexpr size_t kCodeLength = 12;

int base64url_value(char c) {
  if (c >= 'A' && c <= 'Z') {
    return c - 'A';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 26;
  }
  if (c >= '0' && c <= '9') {
    return c - '0' + 52;
  }
  return c == '-' ? 62 : 63;
}

constexpr std::string_view kBatchColumns =
    "b.id, b.community_id, c.slug, b.tier_id, t.name, b.code_count, "
    "(SELECT COUNT(*) FROM redeem_codes r WHERE r.batch_id = b.id AND r.redeemed_at IS NOT NULL), b.note, "
    "b.expires_at, b.created_at";
constexpr std::string_view kBatchFrom =
    " FROM code_batches b JOIN communities c ON c.id = b.community_id JOIN tiers t ON t.id = b.tier_id";

CodeBatch batch_from_row(const db::Row& r) {
  CodeBatch b;
  b.id = r.i64(0);
  b.community = CommunityId(r.i64(1));
  b.community_slug = r.text(2);
  b.tier_id = r.i64(3);
  b.tier_name = r.text(4);
  b.count = r.i64(5);
  b.redeemed = r.i64(6);
  b.note = r.text(7);
  b.expires_at = r.opt_i64(8);
  b.created_at = r.i64(9);
  return b;
}

Result<CommunityId> managed_community(db::Tx& tx, UserId actor, std::string_view slug) {
  auto community = tx.one("SELECT id FROM communities WHERE slug = $1", {std::string(slug)});
  if (!community) {
    return not_found("community.not_found", "No such community.");
  }
  const CommunityId id(community->row().i64(0));
  if (!access::allows(access::role_in(tx, actor, id), access::Action::ManageBilling)) {
    return forbidden("community.not_allowed", "Only owners and admins manage codes.");
  }
  return id;
}

}  // namespace

std::optional<std::string> normalize_code(std::string_view input) {
  std::string out;
  for (char c : input) {
    if (c == '-' || c == ' ' || c == '\t') {
      continue;
    }
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    }
    if (kAlphabet.find(c) == std::string_view::npos || out.size() == kCodeLength) {
      return std::nullopt;
    }
    out.push_back(c);
  }
  if (out.size() != kCodeLength) {
    return std::nullopt;
  }
  return out;
}

std::string display_code(std::string_view canonical) {
  std::string out;
  for (size_t i = 0; i < canonical.size(); ++i) {
    if (i > 0 && i % 4 == 0) {
      out.push_back('-');
    }
    out.push_back(canonical[i]);
  }
  return out;
}

std::string random_code() {
  // random_token() is 256 random bits in base64url; each of its first 42 characters carries six
  // uniform bits, of which we keep five.
  const std::string token = identity::random_token();
  std::string code;
  for (size_t i = 0; i < kCodeLength; ++i) {
    code.push_back(kAlphabet[static_cast<size_t>(base64url_value(token[i]) & 31)]);
  }
  return code;
}

Result<NewBatch> Codes::generate(UserId actor, std::string_view community_slug, const BatchInput& input) {
  if (input.count < 1 || input.count > 1000) {
    return invalid("billing.invalid_code_count", "A batch has 1 to 1000 codes.", "count");
  }
  const Millis now = clock_.now_ms();
  if (input.expires_at && *input.expires_at <= now) {
    return invalid("billing.invalid_expiry", "The expiry must be in the future.", "expires_at");
  }
  const std::string note = text::trim(input.note);
  if (text::utf8_length(note) > 200 || !text::is_valid_utf8(note)) {
    return invalid("billing.invalid_note", "Notes have at most 200 characters.", "note");
  }
  return db_.write([&](db::Tx& tx) -> Result<NewBatch> {
    auto community = managed_community(tx, actor, community_slug);
    if (!community) {
      return std::move(community).error();
    }
    auto tier = tiers_.find(tx, input.tier_id);
    if (!tier || tier->community != *community) {
      return invalid("billing.tier_not_found", "No such tier in this community.", "tier_id");
    }
    if (tier->free()) {
      return invalid("billing.free_tier", "This tier is free: members join without a code.", "tier_id");
    }
    const int64_t batch_id = *tx.scalar_i64(
        "INSERT INTO code_batches (community_id, tier_id, code_count, note, expires_at, created_by, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        {community->value, tier->id, input.count, note, input.expires_at, actor.value, now});
    NewBatch out;
    while (static_cast<int64_t>(out.codes.size()) < input.count) {
      const std::string code = random_code();
      // 60 bits make a collision very unlikely; when one happens, draw again.
      auto inserted =
          tx.exec("INSERT INTO redeem_codes (batch_id, code) VALUES ($1, $2) ON CONFLICT DO NOTHING", {batch_id, code});
      if (inserted.affected == 1) {
        out.codes.push_back(display_code(code));
      }
    }
    out.batch = batch_from_row(
        tx.one(std::string("SELECT ") + std::string(kBatchColumns) + std::string(kBatchFrom) + " WHERE b.id = $1",
               {batch_id})
            ->row());
    return out;
  });
}

Result<std::vector<CodeBatch>> Codes::batches(UserId actor, std::string_view community_slug) {
  return db_.read([&](db::Tx& tx) -> Result<std::vector<CodeBatch>> {
    auto community = managed_community(tx, actor, community_slug);
    if (!community) {
      return std::move(community).error();
    }
    std::vector<CodeBatch> out;
    for (auto r : tx.exec(std::string("SELECT ") + std::string(kBatchColumns) + std::string(kBatchFrom) +
                              " WHERE b.community_id = $1 ORDER BY b.id DESC LIMIT 200",
                          {community->value})) {
      out.push_back(batch_from_row(r));
    }
    return out;
  });
}

Result<std::pair<CodeBatch, std::vector<RedeemCode>>> Codes::codes(UserId actor, int64_t batch_id) {
  const Millis now = clock_.now_ms();
  return db_.read([&](db::Tx& tx) -> Result<std::pair<CodeBatch, std::vector<RedeemCode>>> {
    auto row = tx.one(
        std::string("SELECT ") + std::string(kBatchColumns) + std::string(kBatchFrom) + " WHERE b.id = $1", {batch_id});
    if (!row) {
      return not_found("billing.batch_not_found", "No such batch of codes.");
    }
    auto batch = batch_from_row(row->row());
    if (!access::allows(access::role_in(tx, actor, batch.community), access::Action::ManageBilling)) {
      return not_found("billing.batch_not_found", "No such batch of codes.");
    }
    std::vector<RedeemCode> codes;
    for (auto r : tx.exec("SELECT r.code, u.username, r.redeemed_at FROM redeem_codes r "
                          "LEFT JOIN users u ON u.id = r.redeemed_by WHERE r.batch_id = $1 ORDER BY r.id",
                          {batch_id})) {
      RedeemCode c;
      c.code = display_code(r.text(0));
      c.redeemed_by = r.is_null(1) ? "" : r.text(1);
      c.redeemed_at = r.opt_i64(2);
      c.status = c.redeemed_at ? "redeemed" : batch.expires_at && *batch.expires_at <= now ? "expired" : "available";
      codes.push_back(std::move(c));
    }
    return std::pair{std::move(batch), std::move(codes)};
  });
}

Result<Membership> Codes::redeem(UserId user, std::string_view code) {
  const Millis now = clock_.now_ms();
  const std::string throttle_key = "redeem:user:" + std::to_string(user.value);
  auto failures = db_.read(
      [&](db::Tx& tx) { return identity::recent_failures(tx, throttle_key, now - options_.failure_window_ms); });
  if (failures.count >= options_.max_failed_redeems) {
    Error e{ErrorKind::RateLimited, "billing.too_many_attempts", "Too many wrong codes; try again later.", {}, 0};
    e.retry_after_seconds = static_cast<int>((failures.oldest + options_.failure_window_ms - now) / 1000 + 1);
    return e;
  }
  const auto canonical = normalize_code(code);
  auto result = db_.write([&](db::Tx& tx) -> Result<Membership> {
    std::optional<db::Tx::OneRow> row;
    if (canonical) {
      row = tx.one(
          "SELECT r.id, r.redeemed_at, b.expires_at, b.tier_id, r.voided_at FROM redeem_codes r "
          "JOIN code_batches b ON b.id = r.batch_id WHERE r.code = $1",
          {*canonical});
    }
    if (!row) {
      return Error{
          ErrorKind::NotFound, "billing.code_not_found", "No such code.", {{"code", "billing.code_not_found"}}, 0};
    }
    const int64_t code_id = row->row().i64(0);
    if (!row->row().is_null(1)) {
      return conflict("billing.code_used", "This code has already been used.", "code");
    }
    if (!row->row().is_null(4)) {
      return conflict("billing.code_void", "This gift was refunded: its code no longer works.", "code");
    }
    if (!row->row().is_null(2) && row->row().i64(2) <= now) {
      return conflict("billing.code_expired", "This code has expired.", "code");
    }
    // Claim the code: of concurrent redeems exactly one moves it out of "available"; on
    // PostgreSQL the others wait for this row and then match nothing.
    auto claimed = tx.exec(
        "UPDATE redeem_codes SET redeemed_by = $1, redeemed_at = $2 WHERE id = $3 AND redeemed_at IS NULL AND "
        "voided_at IS NULL",
        {user.value, now, code_id});
    if (claimed.affected != 1) {
      return conflict("billing.code_used", "This code has already been used.", "code");
    }
    // An archived tier still honours the codes issued for it.
    const auto tier = *tiers_.find(tx, row->row().i64(3));
    communities_.ensure_member(tx, user, tier.community);
    const int64_t membership =
        start_or_extend_membership(tx, MembershipGrant{user, tier.community, tier, "code", period_end(tier, now)}, now);
    tx.exec("UPDATE redeem_codes SET membership_id = $1 WHERE id = $2", {membership, code_id});
    return *load_membership(tx, membership, now);
  });
  if (!result) {
    db_.write(
        [&](db::Tx& tx) { identity::record_failure(tx, throttle_key, now, now - 4 * options_.failure_window_ms); });
  }
  return result;
}

std::vector<Gift> Codes::gifts_of(UserId buyer) {
  return db_.read([&](db::Tx& tx) {
    std::vector<Gift> out;
    for (auto r :
         tx.exec("SELECT r.code, r.redeemed_at, r.voided_at, c.slug, c.name, t.name, y.public_id, b.created_at "
                 "FROM code_batches b JOIN redeem_codes r ON r.batch_id = b.id "
                 "JOIN payments y ON y.id = b.payment_id JOIN communities c ON c.id = b.community_id "
                 "JOIN tiers t ON t.id = b.tier_id WHERE b.created_by = $1 AND b.payment_id IS NOT NULL "
                 "ORDER BY b.id DESC LIMIT 200",
                 {buyer.value})) {
      Gift g;
      g.code = display_code(r.text(0));
      g.status = !r.is_null(1) ? "redeemed" : !r.is_null(2) ? "void" : "available";
      g.community_slug = r.text(3);
      g.community_name = r.text(4);
      g.tier_name = r.text(5);
      g.payment_id = r.text(6);
      g.created_at = r.i64(7);
      out.push_back(std::move(g));
    }
    return out;
  });
}

}  // namespace gh::billing

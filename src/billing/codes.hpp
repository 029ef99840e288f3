// gh::billing codes: gift and redeem codes, generated in batches for one tier by a community's
// owners and admins ("conference giveaway", "sold at the bookshop"), and redeemed by members.
//
// A code is 12 random characters of an unambiguous alphabet (no 0/O/1/I), shown grouped as
// XXXX-XXXX-XXXX and read back case- and dash-insensitively. Redeeming grants (or extends) the
// tier's membership for one billing period (lifetime: no end), joins the community and grants
// access, all in one transaction; a conditional UPDATE makes each code redeemable once, however
// many requests race for it. Failed redeems are throttled per user (guessing). No money moves
// through us, so nothing is booked in the ledger. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "billing/checkout.hpp"
#include "billing/tiers.hpp"

namespace gh::billing {

struct CodeBatch {
  int64_t id = 0;
  CommunityId community;
  std::string community_slug;
  int64_t tier_id = 0;
  std::string tier_name;
  int64_t count = 0;
  int64_t redeemed = 0;
  std::string note;
  std::optional<Millis> expires_at;
  Millis created_at = 0;
};

struct BatchInput {
  int64_t tier_id = 0;
  int64_t count = 0;
  std::optional<Millis> expires_at;
  std::string note;
};

struct NewBatch {
  CodeBatch batch;
  std::vector<std::string> codes;  // Display form, XXXX-XXXX-XXXX.
};

struct RedeemCode {
  std::string code;         // Display form.
  std::string status;       // available | redeemed | expired
  std::string redeemed_by;  // Username, or "".
  std::optional<Millis> redeemed_at;
};

// A gift bought through a checkout (CheckoutInput::gift), as its buyer sees it.
struct Gift {
  std::string code;    // Display form.
  std::string status;  // available | redeemed | void (refunded)
  std::string community_slug;
  std::string community_name;
  std::string tier_name;
  std::string payment_id;  // The payment's public id.
  Millis created_at = 0;
};

struct CodesOptions {
  int max_failed_redeems = 10;  // Per user per window; then billing.too_many_attempts.
  Millis failure_window_ms = 3'600'000;
};

// The canonical form of a typed code (upper-case, no dashes or spaces), or nullopt when it
// cannot be one of ours.
std::optional<std::string> normalize_code(std::string_view input);
// XXXX-XXXX-XXXX from the canonical form.
std::string display_code(std::string_view canonical);
// A new random canonical code.
std::string random_code();

class Codes {
 public:
  Codes(db::Database& db, const Clock& clock, community::Communities& communities, Tiers& tiers,
        CodesOptions options = {})
      : db_(db), clock_(clock), communities_(communities), tiers_(tiers), options_(options) {}

  // Errors: billing.invalid_code_count (1..1000), billing.invalid_expiry, billing.invalid_note,
  // billing.tier_not_found, billing.free_tier (Invalid); community.not_allowed; community.not_found.
  Result<NewBatch> generate(UserId actor, std::string_view community_slug, const BatchInput& input);
  // Batches of a community, newest first, for its owners and admins.
  Result<std::vector<CodeBatch>> batches(UserId actor, std::string_view community_slug);
  // One batch and its codes (for the CSV export), for the community's owners and admins.
  // Errors: billing.batch_not_found.
  Result<std::pair<CodeBatch, std::vector<RedeemCode>>> codes(UserId actor, int64_t batch_id);

  // Errors: billing.code_not_found (NotFound), billing.code_used, billing.code_expired
  // (Conflict), billing.too_many_attempts (RateLimited, after max_failed_redeems failures).
  Result<Membership> redeem(UserId user, std::string_view code);

  // Gifts `buyer` bought, newest first.
  std::vector<Gift> gifts_of(UserId buyer);

 private:
  db::Database& db_;
  const Clock& clock_;
  community::Communities& communities_;
  Tiers& tiers_;
  CodesOptions options_;
};

}  // namespace gh::billing

// Paid access: post visibility, the viewer's entitlements, and the one decision of whether a
// viewer reads a post in full or only its preview (the part above the paywall marker).
//
// billing/ grants, extends and revokes entitlements in the same transaction that changes a
// membership or a payment; nothing else writes them, and nothing but this file decides what
// they allow. Stateless functions; thread-safe.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "access/access.hpp"

namespace gh::access {

enum class Visibility { Public, Members, Paid, Tiers };
std::string_view visibility_name(Visibility visibility);
std::optional<Visibility> parse_visibility(std::string_view name);

// What a post asks of its readers.
struct Gate {
  Visibility visibility = Visibility::Public;
  std::vector<int64_t> tier_ids;  // For Visibility::Tiers.
  bool for_sale = false;          // Has a pay-per-post price.

  bool gated() const { return visibility != Visibility::Public || for_sale; }
};

// A viewer's live entitlements in one community.
struct Entitlements {
  bool any_paid_tier = false;
  std::set<int64_t> tiers;
  std::set<int64_t> posts;
};

// Entitlements of `user` in `community` that are live at `now` (started, not ended, not revoked).
Entitlements entitlements_of(db::Tx& tx, UserId user, CommunityId community, Millis now);

// Whether the viewer reads the whole post. Public posts: everyone who may read the post at all.
// The author and moderators and up: always. A pay-per-post purchase: always. Members: any
// member, free included. Paid: a live entitlement to any paid tier. Tiers: to a listed tier.
bool can_read_full(const Gate& gate, std::optional<UserId> viewer, UserId author, Role role,
                   const Entitlements& entitlements, int64_t post_id);

// The one cut: the full body for those who may read it, else the preview.
inline const std::string& visible_body(bool full, const std::string& body, const std::string& preview) {
  return full ? body : preview;
}

struct Grant {
  UserId user;
  CommunityId community;
  std::optional<int64_t> tier_id;
  std::optional<int64_t> post_id;
  bool paid = false;
  std::string source;  // "membership", "purchase", "gift", "manual"...
  int64_t source_id = 0;
  Millis starts_at = 0;
  std::optional<Millis> ends_at;  // nullopt: no end (lifetime, purchases).
};

// Records an entitlement; returns its id.
int64_t grant(db::Tx& tx, const Grant& grant, Millis now);
// Moves the end of every live entitlement from (source, source_id) (renewals).
void extend(db::Tx& tx, std::string_view source, int64_t source_id, std::optional<Millis> ends_at);
// Ends every live entitlement from (source, source_id) at `at` (refunds, bans).
void revoke(db::Tx& tx, std::string_view source, int64_t source_id, Millis at);

}  // namespace gh::access

// gh::billing checkout: buying a tier or a post, and the payments that result.
//
// start() records an intent (a checkout) and tells the buyer where to go next. Every provider
// ends in complete(), which in ONE transaction marks the checkout completed, records the
// payment (unique per provider payment id, so a retried confirmation or webhook books nothing),
// starts or extends the membership, grants access (access::grant), and books the balanced
// ledger transaction with the platform fee. Thread-safe.
//
// Providers: "manual" (bank transfer, offline sale: an owner or admin confirms) now; "stripe"
// (Checkout Sessions and signed webhooks) next.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "billing/products.hpp"
#include "billing/stripe.hpp"
#include "billing/tiers.hpp"
#include "community/community.hpp"

namespace gh::billing {

struct CheckoutInput {
  std::optional<int64_t> tier_id;
  std::optional<int64_t> post_id;
  std::string provider;  // "manual" | "stripe"
  std::string coupon;    // A coupon code of the item's community, or "".
  bool gift = false;     // A tier bought for someone else: completing it makes a redeem code.
  // Where the buyer comes back after paying elsewhere (Stripe): "https://host", no slash.
  std::string return_url_base;
  // Or a product of a layer above billing (billing/products.hpp): its kind and id.
  std::string item_kind;
  std::optional<int64_t> item_id;
};

struct Checkout {
  int64_t id = 0;
  std::string public_id;  // "co_..."; what URLs and the API show.
  UserId user;
  CommunityId community;
  std::string community_slug;
  std::optional<int64_t> tier_id;
  std::optional<int64_t> post_id;
  std::string item_name;  // The tier's name, the post's title or the product's name.
  std::string item_kind;  // A product's kind ("question", "course", ...), or "".
  std::optional<int64_t> item_id;
  std::string item_url;  // Where a product's buyer goes once it is paid, or "".
  std::string provider;
  std::string status;  // pending | completed | canceled | expired
  Money amount = Money::zero("CNY");
  std::string redirect_url;
  Millis created_at = 0;
  std::optional<Millis> completed_at;
  std::string buyer_username;
  // Coupons (billing/offers.hpp): the price before the discount and of each later period
  // (nullopt for posts). Without a coupon both equal `amount`.
  std::optional<int64_t> coupon_id;
  std::string coupon_code;
  Money list_amount = Money::zero("CNY");
  std::optional<Money> renewal_amount;
  bool gift = false;
  std::string gift_code;  // Display form, once a gift checkout is completed (for its buyer).
};

struct Payment {
  int64_t id = 0;
  std::string public_id;
  UserId user;
  CommunityId community;
  std::string community_slug;
  std::string kind;  // initial | renewal | purchase
  Money amount = Money::zero("CNY");
  Money fee = Money::zero("CNY");
  std::string provider;
  std::string status;  // succeeded | refunded
  std::optional<int64_t> membership_id;
  std::optional<int64_t> post_id;
  std::string item_kind;  // A product's kind, or "".
  std::optional<int64_t> item_id;
  std::optional<int64_t> ledger_transaction_id;
  Millis created_at = 0;
};

struct Membership {
  int64_t id = 0;
  CommunityId community;
  std::string community_slug;
  std::string community_name;
  int64_t tier_id = 0;
  std::string tier_name;
  std::string status;  // pending | active | past_due | canceled | expired | refunded
  std::optional<Millis> current_period_end;
  Millis created_at = 0;
  bool renews = false;  // A provider subscription that will charge again (the member may cancel it).
};

struct CheckoutOptions {
  int64_t platform_fee_bps = 500;        // 5%: the platform's share of each payment, rounded down.
  const StripeClient* stripe = nullptr;  // Provider "stripe" is unavailable without a configured client.
  const Catalog* catalog = nullptr;      // Products sold besides tiers and posts.
};

class Checkouts {
 public:
  Checkouts(db::Database& db, const Clock& clock, community::Communities& communities, CheckoutOptions options)
      : db_(db), clock_(clock), communities_(communities), options_(options) {}

  // Errors: billing.item_required, billing.unknown_item (a product kind nobody sells),
  // billing.coupon_not_applicable, the product's own quote errors, billing.unknown_provider,
  // billing.provider_unavailable, billing.tier_not_found (archived tiers are not sold), billing.free_tier (join
  // instead), billing.not_for_sale, billing.already_owned, content.post_not_found, and the coupon errors of
  // price_with_coupon() (billing/offers.hpp). A coupon that brings the amount to zero completes the checkout at once,
  // whatever the provider: nothing to pay, nothing booked.
  Result<Checkout> start(UserId buyer, const CheckoutInput& input);
  // The buyer, or the community's owners and admins.
  Result<Checkout> find(UserId viewer, std::string_view public_id);
  // Manual provider: an owner or admin confirms that the money arrived. Confirming again (a
  // double click, concurrent or not) returns the same payment and books nothing.
  Result<Payment> confirm_manual(UserId actor, std::string_view public_id);
  // Pending checkouts of a community, for its owners and admins.
  Result<std::vector<Checkout>> pending(UserId actor, std::string_view community_slug);

  std::vector<Payment> payments_of(UserId user);
  std::vector<Membership> memberships_of(UserId user);
  // The same inside `tx`, with expiry read against `now`.
  static std::vector<Membership> memberships_of(db::Tx& tx, UserId user, Millis now);

  // Completes a pending checkout inside `tx` for every provider (see the header comment).
  // Idempotent on (provider, provider_payment_id): a repeat returns the recorded payment.
  // A checkout with a coupon counts one redemption here; when the coupon's max_redemptions
  // is already reached (another checkout completed first) it fails with
  // billing.coupon_exhausted and the checkout stays pending.
  Result<Payment> complete(db::Tx& tx, int64_t checkout_id, const std::string& provider_payment_id);

  int64_t fee_for(int64_t amount_minor) const { return amount_minor * options_.platform_fee_bps / 10'000; }

  // The buyer comes back from the provider without paying: a pending checkout becomes
  // canceled (a paid one is never touched). Returns the checkout as it now is.
  Result<Checkout> cancel(UserId viewer, std::string_view public_id);
  bool stripe_enabled() const { return options_.stripe != nullptr && options_.stripe->configured(); }

  static std::optional<Payment> payment_by_public_id(db::Tx& tx, std::string_view public_id);
  static std::optional<Payment> payment_by_id(db::Tx& tx, int64_t id);
  // The community's latest payments with their buyers' usernames, newest first.
  static std::vector<std::pair<Payment, std::string>> community_payments(db::Tx& tx, CommunityId community, int limit);
  std::optional<Checkout> load(db::Tx& tx, std::string_view public_id);

 private:
  // Stripe: opens a Checkout Session for a freshly started checkout (stripe_checkout.cpp).
  Result<Checkout> open_stripe_session(const Checkout& checkout, const std::string& return_url_base);

  db::Database& db_;
  const Clock& clock_;
  community::Communities& communities_;
  CheckoutOptions options_;
};

}  // namespace gh::billing

#include "billing/checkout.hpp"

#include <spdlog/spdlog.h>

#include "access/entitlements.hpp"
#include "access/sanctions.hpp"
#include "billing/codes.hpp"
#include "billing/memberships.hpp"
#include "billing/offers.hpp"
#include "identity/identity.hpp"
#include "ledger/ledger.hpp"
#include "notify/notifications.hpp"

namespace gh::billing {
namespace {

constexpr std::string_view kCheckoutColumns =
    "k.id, k.public_id, k.user_id, k.community_id, c.slug, k.tier_id, k.post_id, "
    "COALESCE(t.name, p.title, k.item_name), k.provider, k.status, k.amount_minor, k.currency, k.redirect_url, "
    "k.created_at, k.completed_at, u.username, k.coupon_id, COALESCE(o.code, ''), k.list_amount_minor, "
    "k.renewal_amount_minor, k.gift, "
    "(SELECT r.code FROM code_batches b JOIN redeem_codes r ON r.batch_id = b.id JOIN payments y ON y.id = "
    "b.payment_id WHERE y.checkout_id = k.id LIMIT 1), k.item_kind, k.item_id, k.item_url";
constexpr std::string_view kCheckoutFrom =
    " FROM checkouts k JOIN communities c ON c.id = k.community_id JOIN users u ON u.id = k.user_id "
    "LEFT JOIN tiers t ON t.id = k.tier_id LEFT JOIN posts p ON p.id = k.post_id "
    "LEFT JOIN coupons o ON o.id = k.coupon_id";

Checkout checkout_from_row(const db::Row& r) {
  Checkout k;
  k.id = r.i64(0);
  k.public_id = r.text(1);
  k.user = UserId(r.i64(2));
  k.community = CommunityId(r.i64(3));
  k.community_slug = r.text(4);
  k.tier_id = r.opt_i64(5);
  k.post_id = r.opt_i64(6);
  k.item_name = r.text(7);
  k.provider = r.text(8);
  k.status = r.text(9);
  k.amount = Money::create(r.i64(10), r.text(11)).value();
  k.redirect_url = r.text(12);
  k.created_at = r.i64(13);
  k.completed_at = r.opt_i64(14);
  k.buyer_username = r.text(15);
  k.coupon_id = r.opt_i64(16);
  k.coupon_code = r.text(17);
  k.list_amount = r.is_null(18) ? k.amount : Money::create(r.i64(18), r.text(11)).value();
  if (!r.is_null(19)) {
    k.renewal_amount = Money::create(r.i64(19), r.text(11)).value();
  } else if (k.tier_id && r.is_null(18)) {
    k.renewal_amount = k.amount;  // Checkouts from before coupons renew at their price.
  }
  k.gift = r.boolean(20);
  if (!r.is_null(21)) {
    k.gift_code = display_code(r.text(21));
  }
  k.item_kind = r.is_null(22) ? std::string() : r.text(22);
  k.item_id = r.opt_i64(23);
  k.item_url = r.text(24);
  return k;
}

constexpr std::string_view kPaymentColumns =
    "y.id, y.public_id, y.user_id, y.community_id, c.slug, y.kind, y.amount_minor, y.fee_minor, y.currency, "
    "y.provider, y.status, y.membership_id, y.post_id, y.ledger_transaction_id, y.created_at, y.item_kind, y.item_id";

Payment payment_from_row(const db::Row& r) {
  Payment y;
  y.id = r.i64(0);
  y.public_id = r.text(1);
  y.user = UserId(r.i64(2));
  y.community = CommunityId(r.i64(3));
  y.community_slug = r.text(4);
  y.kind = r.text(5);
  y.amount = Money::create(r.i64(6), r.text(8)).value();
  y.fee = Money::create(r.i64(7), r.text(8)).value();
  y.provider = r.text(9);
  y.status = r.text(10);
  y.membership_id = r.opt_i64(11);
  y.post_id = r.opt_i64(12);
  y.ledger_transaction_id = r.opt_i64(13);
  y.created_at = r.i64(14);
  y.item_kind = r.is_null(15) ? std::string() : r.text(15);
  y.item_id = r.opt_i64(16);
  return y;
}

std::optional<Payment> find_payment(db::Tx& tx, std::string_view provider, std::string_view provider_payment_id) {
  auto row = tx.one(std::string("SELECT ") + std::string(kPaymentColumns) +
                        " FROM payments y JOIN communities c ON c.id = y.community_id "
                        "WHERE y.provider = $1 AND y.provider_payment_id = $2",
                    {std::string(provider), std::string(provider_payment_id)});
  if (!row) {
    return std::nullopt;
  }
  return payment_from_row(row->row());
}

}  // namespace

std::optional<Checkout> Checkouts::load(db::Tx& tx, std::string_view public_id) {
  if (public_id.size() > 80) {
    return std::nullopt;
  }
  auto row = tx.one(
      std::string("SELECT ") + std::string(kCheckoutColumns) + std::string(kCheckoutFrom) + " WHERE k.public_id = $1",
      {std::string(public_id)});
  if (!row) {
    return std::nullopt;
  }
  return checkout_from_row(row->row());
}

Result<Checkout> Checkouts::start(UserId buyer, const CheckoutInput& input) {
  const bool product = !input.item_kind.empty() || input.item_id.has_value();
  if (int(input.tier_id.has_value()) + int(input.post_id.has_value()) + int(product) != 1 ||
      (product && (input.item_kind.empty() || !input.item_id))) {
    return invalid("billing.item_required",
                   "Buy one thing: a tier (tier_id), a post (post_id) or an item (item_kind and item_id).", "tier_id");
  }
  const Product* seller = nullptr;
  if (product) {
    seller = options_.catalog != nullptr ? options_.catalog->find(input.item_kind) : nullptr;
    if (seller == nullptr) {
      return invalid("billing.unknown_item", "Nothing of that kind is sold here.", "item_kind");
    }
  }
  if (input.gift && !input.tier_id) {
    return invalid("billing.gift_tier_only", "Gifts are memberships: give a tier (tier_id).", "gift");
  }
  if (input.provider != "manual" && input.provider != "stripe") {
    return invalid("billing.unknown_provider", "Providers are stripe and manual.", "provider");
  }
  if (input.provider == "stripe" && !stripe_enabled()) {
    return Error{ErrorKind::Unavailable,
                 "billing.provider_unavailable",
                 "Card payments are not configured yet.",
                 {{"provider", "billing.provider_unavailable"}},
                 0};
  }
  const Millis now = clock_.now_ms();
  auto started = db_.write([&](db::Tx& tx) -> Result<Checkout> {
    CommunityId community;
    Money amount = Money::zero("CNY");
    Quote quote;
    if (seller != nullptr) {
      auto quoted = seller->quote(tx, buyer, *input.item_id, now);
      if (!quoted) {
        return std::move(quoted).error();
      }
      quote = std::move(quoted).value();
      if (quote.price.amount_minor() <= 0) {
        return invalid("billing.free_item", "This is free: nothing to pay.", "item_id");
      }
      if (!input.coupon.empty() && !quote.coupons) {
        return invalid("billing.coupon_not_applicable", "Coupons do not apply to this.", "coupon");
      }
      community = quote.community;
      amount = quote.price;
    } else if (input.tier_id) {
      auto row = tx.one(
          "SELECT t.community_id, t.price_minor, t.currency, t.archived_at, c.is_public FROM tiers t "
          "JOIN communities c ON c.id = t.community_id WHERE t.id = $1",
          {*input.tier_id});
      if (!row || !row->row().is_null(3) ||
          (!row->row().boolean(4) &&
           access::role_in(tx, buyer, CommunityId(row->row().i64(0))) == access::Role::None)) {
        return not_found("billing.tier_not_found", "No such tier on sale.");
      }
      community = CommunityId(row->row().i64(0));
      amount = Money::create(row->row().i64(1), row->row().text(2)).value();
      if (amount.amount_minor() == 0) {
        return invalid("billing.free_tier", "This tier is free: join the community instead.", "tier_id");
      }
    } else {
      auto row = tx.one(
          "SELECT p.community_id, p.price_minor, p.price_currency, p.status, p.author_id FROM posts p WHERE p.id = $1",
          {*input.post_id});
      if (!row || row->row().text(3) != "published") {
        return not_found("content.post_not_found", "No such post.");
      }
      community = CommunityId(row->row().i64(0));
      if (row->row().is_null(1)) {
        return invalid("billing.not_for_sale", "This post is not sold on its own.", "post_id");
      }
      amount = Money::create(row->row().i64(1), row->row().text(2)).value();
      const auto owned = access::entitlements_of(tx, buyer, community, now);
      if (owned.posts.count(*input.post_id) != 0 || UserId(row->row().i64(4)) == buyer) {
        return conflict("billing.already_owned", "You already have this post.");
      }
    }
    // A banned member could pay but not use what they bought.
    if (access::is_banned(tx, buyer, community)) {
      return forbidden("moderation.banned", "You are banned from this community.");
    }
    const Money list_amount = amount;
    std::optional<Money> renewal_amount;
    if (input.tier_id) {
      renewal_amount = list_amount;
    }
    std::optional<int64_t> coupon_id;
    if (!input.coupon.empty()) {
      auto priced =
          price_with_coupon(tx, community, input.tier_id, list_amount, input.tier_id.has_value(), input.coupon, now);
      if (!priced) {
        return std::move(priced).error();
      }
      coupon_id = priced->coupon_id;
      amount = priced->amount;
      renewal_amount = priced->renewal_amount;
    }
    const std::string public_id = "co_" + identity::random_token().substr(0, 24);
    const std::string redirect_url = "/checkout/" + public_id;
    const int64_t checkout_id = *tx.scalar_i64(
        "INSERT INTO checkouts (public_id, user_id, community_id, tier_id, post_id, provider, status, amount_minor, "
        "currency, redirect_url, created_at, updated_at, coupon_id, list_amount_minor, renewal_amount_minor, gift, "
        "item_kind, item_id, item_name, item_url) "
        "VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $9, $10, $10, $11, $12, $13, $14, $15, $16, $17, $18) "
        "RETURNING id",
        {public_id, buyer.value, community.value, input.tier_id, input.post_id, input.provider, amount.amount_minor(),
         amount.currency(), redirect_url, now, coupon_id, list_amount.amount_minor(),
         renewal_amount ? std::optional(renewal_amount->amount_minor()) : std::nullopt, input.gift ? 1 : 0,
         seller != nullptr ? std::optional(input.item_kind) : std::nullopt,
         seller != nullptr ? input.item_id : std::nullopt, quote.name, quote.url});
    if (amount.amount_minor() == 0) {
      // A 100% coupon: nothing to collect, so no provider is involved; completing here grants
      // access and counts the redemption in this transaction, and books nothing.
      auto done = complete(tx, checkout_id, "free_" + public_id);
      if (!done) {
        return std::move(done).error();
      }
    }
    return *load(tx, public_id);
  });
  // The provider call runs after the commit: no transaction is held across the network.
  if (!started || input.provider != "stripe" || started->status != "pending") {
    return started;
  }
  return open_stripe_session(*started, input.return_url_base);
}

Result<Checkout> Checkouts::find(UserId viewer, std::string_view public_id) {
  return db_.read([&](db::Tx& tx) -> Result<Checkout> {
    auto checkout = load(tx, public_id);
    if (!checkout || (checkout->user != viewer && !access::allows(access::role_in(tx, viewer, checkout->community),
                                                                  access::Action::ManageBilling))) {
      return not_found("billing.checkout_not_found", "No such checkout.");
    }
    return *checkout;
  });
}

Result<Payment> Checkouts::confirm_manual(UserId actor, std::string_view public_id) {
  return db_.write([&](db::Tx& tx) -> Result<Payment> {
    auto checkout = load(tx, public_id);
    if (!checkout) {
      return not_found("billing.checkout_not_found", "No such checkout.");
    }
    if (!access::allows(access::role_in(tx, actor, checkout->community), access::Action::ManageBilling)) {
      return checkout->user == actor ? forbidden("community.not_allowed", "Only owners and admins confirm payments.")
                                     : not_found("billing.checkout_not_found", "No such checkout.");
    }
    if (checkout->provider != "manual") {
      return conflict("billing.not_manual", "Only manual checkouts are confirmed by hand.");
    }
    // A repeated confirmation (a double click) answers with the payment already recorded.
    return complete(tx, checkout->id, "manual_" + checkout->public_id);
  });
}

Result<Payment> Checkouts::complete(db::Tx& tx, int64_t checkout_id, const std::string& provider_payment_id) {
  auto row =
      tx.one(std::string("SELECT ") + std::string(kCheckoutColumns) + std::string(kCheckoutFrom) + " WHERE k.id = $1",
             {checkout_id});
  if (!row) {
    return not_found("billing.checkout_not_found", "No such checkout.");
  }
  const auto checkout = checkout_from_row(row->row());
  if (auto done = find_payment(tx, checkout.provider, provider_payment_id)) {
    return *done;  // A retried confirmation or webhook: already booked.
  }
  const Millis now = clock_.now_ms();
  // Claim the checkout: of concurrent completions (double clicks, parallel webhooks) exactly
  // one moves it out of pending; on PostgreSQL the others wait for this row and then match
  // nothing.
  auto claimed = tx.exec(
      "UPDATE checkouts SET status = 'completed', completed_at = $1, updated_at = $1 WHERE id = $2 AND status = "
      "'pending'",
      {now, checkout.id});
  if (claimed.affected != 1) {
    // Another completion won the claim; when it was this same payment, answer with it.
    if (auto done = find_payment(tx, checkout.provider, provider_payment_id)) {
      return *done;
    }
    return conflict("billing.checkout_not_pending", "This checkout is no longer pending.");
  }
  if (checkout.coupon_id) {
    if (auto counted = claim_redemption(tx, *checkout.coupon_id); !counted) {
      if (checkout.provider == "manual") {
        return counted.error();  // Nothing collected yet: the buyer starts again.
      }
      // The provider has already collected the quoted price: honour it, counted beyond the limit
      // (only checkouts racing for the last redemption get here).
      spdlog::warn("billing: coupon {} used beyond its limit by paid checkout {}", *checkout.coupon_id,
                   checkout.public_id);
      tx.exec("UPDATE coupons SET redemptions = redemptions + 1 WHERE id = $1", {*checkout.coupon_id});
    }
  }
  const int64_t amount = checkout.amount.amount_minor();
  const int64_t fee = fee_for(amount);
  const std::string& currency = checkout.amount.currency();

  if (!checkout.gift) {
    communities_.ensure_member(tx, checkout.user, checkout.community);
  }

  std::optional<int64_t> membership_id;
  std::string kind = "purchase";
  if (checkout.tier_id && !checkout.gift) {
    auto tier_row = tx.one("SELECT billing_interval, term_days FROM tiers WHERE id = $1", {*checkout.tier_id});
    Tier tier;
    tier.interval = tier_row->row().text(0);
    tier.term_days = tier_row->row().opt_i64(1);
    // Renewal: an active membership of this tier extends from its current end.
    lock_member(tx, checkout.user);  // A concurrent first purchase commits its membership first.
    auto current = tx.one(
        "SELECT id, current_period_end FROM memberships WHERE user_id = $1 AND tier_id = $2 AND status = 'active' "
        "ORDER BY id DESC LIMIT 1",
        {checkout.user.value, *checkout.tier_id});
    if (current && (current->row().is_null(1) || current->row().i64(1) > now)) {
      membership_id = current->row().i64(0);
      const auto locked = lock_period(tx, *membership_id);  // A concurrent renewal commits first.
      const Millis from = locked.period_end ? std::max(*locked.period_end, now) : now;
      const auto end = locked.period_end ? period_end(tier, from) : std::nullopt;
      tx.exec("UPDATE memberships SET current_period_end = $1, updated_at = $2 WHERE id = $3",
              {end, now, *membership_id});
      access::extend(tx, "membership", *membership_id, end);
      kind = "renewal";
    } else {
      const auto end = period_end(tier, now);
      membership_id = tx.scalar_i64(
          "INSERT INTO memberships (community_id, user_id, tier_id, status, current_period_start, "
          "current_period_end, provider, created_at, updated_at) VALUES ($1, $2, $3, 'active', $4, $5, $6, $4, $4) "
          "RETURNING id",
          {checkout.community.value, checkout.user.value, *checkout.tier_id, now, end, checkout.provider});
      access::grant(tx,
                    access::Grant{checkout.user, checkout.community, *checkout.tier_id, std::nullopt,
                                  checkout.list_amount.amount_minor() > 0, "membership", *membership_id, now, end},
                    now);
      kind = "initial";
    }
  }

  const std::string payment_public_id = "py_" + identity::random_token().substr(0, 24);
  const int64_t payment_id = *tx.scalar_i64(
      "INSERT INTO payments (public_id, checkout_id, user_id, community_id, membership_id, post_id, kind, "
      "amount_minor, fee_minor, currency, provider, provider_payment_id, status, created_at, item_kind, item_id) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'succeeded', $13, $14, $15) RETURNING id",
      {payment_public_id, checkout.id, checkout.user.value, checkout.community.value, membership_id, checkout.post_id,
       kind, amount, fee, currency, checkout.provider, provider_payment_id, now,
       checkout.item_kind.empty() ? std::nullopt : std::optional(checkout.item_kind), checkout.item_id});
  const Product* seller = nullptr;
  if (!checkout.item_kind.empty()) {
    seller = options_.catalog != nullptr ? options_.catalog->find(checkout.item_kind) : nullptr;
    if (seller == nullptr) {
      // Only a server started without the product's layer: the provider will retry later.
      return Error{ErrorKind::Unavailable, "billing.unknown_item", "Nothing of that kind is sold here.", {}, 0};
    }
    if (auto given = seller->fulfil(tx, checkout, payment_id, now); !given) {
      return given.error();
    }
  }
  if (checkout.post_id) {
    access::grant(tx,
                  access::Grant{checkout.user, checkout.community, std::nullopt, *checkout.post_id, true, "purchase",
                                payment_id, now, std::nullopt},
                  now);
  }
  if (checkout.gift) {
    // The gift: a one-code batch tied to the payment, for the buyer to pass on; whoever
    // redeems it gets one period of the tier (see codes.hpp).
    const auto batch = tx.scalar_i64(
        "INSERT INTO code_batches (community_id, tier_id, code_count, note, expires_at, created_by, created_at, "
        "payment_id) VALUES ($1, $2, 1, $3, NULL, $4, $5, $6) RETURNING id",
        {checkout.community.value, *checkout.tier_id, "gift from @" + checkout.buyer_username, checkout.user.value, now,
         payment_id});
    for (int attempt = 0; attempt < 5; ++attempt) {  // 60 random bits: a clash is all but impossible.
      if (tx.exec("INSERT INTO redeem_codes (batch_id, code) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                  {*batch, random_code()})
              .affected == 1) {
        break;
      }
    }
  }

  // The buyer hears of it with the payment (and not at all if this transaction rolls back).
  notify::add(tx,
              {checkout.user, std::string(notify::kPaymentSucceeded), std::nullopt, checkout.community, "payment",
               payment_id, checkout.item_name, checkout.amount.format(), "/account/billing"},
              now);
  if (amount == 0) {
    return *find_payment(tx, checkout.provider, provider_payment_id);  // A free checkout: nothing to book.
  }
  // The books: the provider holds the money; the community earns it less the platform's fee.
  const auto clearing =
      ledger::ensure_account(tx,
                             checkout.provider == "manual" ? ledger::manual_clearing(currency)
                                                           : ledger::processor_clearing(checkout.provider, currency),
                             clock_);
  // A product may hold the money until it is delivered (billing/products.hpp).
  const auto revenue = ledger::ensure_account(tx,
                                              seller != nullptr && seller->holds_payment()
                                                  ? ledger::community_held(checkout.community, currency)
                                                  : ledger::community_revenue(checkout.community, currency),
                                              clock_);
  ledger::TransactionSpec spec;
  spec.idempotency_key = "payment:" + checkout.provider + ":" + provider_payment_id;
  spec.kind = kind == "purchase" ? "purchase" : "payment";
  spec.memo = checkout.item_name;
  spec.community = checkout.community;
  spec.reference = payment_public_id;
  spec.currency = currency;
  spec.lines.push_back({*clearing, amount});
  spec.lines.push_back({*revenue, -(amount - fee)});
  if (fee > 0) {
    const auto fees = ledger::ensure_account(tx, ledger::platform_fees(currency), clock_);
    spec.lines.push_back({*fees, -fee});
  }
  auto posted = ledger::post(tx, spec, clock_);
  if (!posted) {
    return std::move(posted).error();
  }
  tx.exec("UPDATE payments SET ledger_transaction_id = $1 WHERE id = $2", {posted->id.value, payment_id});
  return *find_payment(tx, checkout.provider, provider_payment_id);
}

Result<std::vector<Checkout>> Checkouts::pending(UserId actor, std::string_view community_slug) {
  return db_.read([&](db::Tx& tx) -> Result<std::vector<Checkout>> {
    auto community = tx.one("SELECT id FROM communities WHERE slug = $1", {std::string(community_slug)});
    if (!community) {
      return not_found("community.not_found", "No such community.");
    }
    if (!access::allows(access::role_in(tx, actor, CommunityId(community->row().i64(0))),
                        access::Action::ManageBilling)) {
      return forbidden("community.not_allowed", "Only owners and admins see pending payments.");
    }
    std::vector<Checkout> out;
    for (auto r : tx.exec(std::string("SELECT ") + std::string(kCheckoutColumns) + std::string(kCheckoutFrom) +
                              " WHERE k.community_id = $1 AND k.status = 'pending' ORDER BY k.id DESC LIMIT 200",
                          {community->row().i64(0)})) {
      out.push_back(checkout_from_row(r));
    }
    return out;
  });
}

std::vector<Payment> Checkouts::payments_of(UserId user) {
  return db_.read([&](db::Tx& tx) {
    std::vector<Payment> out;
    for (auto r : tx.exec(std::string("SELECT ") + std::string(kPaymentColumns) +
                              " FROM payments y JOIN communities c ON c.id = y.community_id WHERE y.user_id = $1 "
                              "ORDER BY y.id DESC LIMIT 200",
                          {user.value})) {
      out.push_back(payment_from_row(r));
    }
    return out;
  });
}

std::vector<Membership> Checkouts::memberships_of(UserId user) {
  return db_.read([&](db::Tx& tx) { return memberships_of(tx, user, clock_.now_ms()); });
}

std::vector<Membership> Checkouts::memberships_of(db::Tx& tx, UserId user, Millis now) {
  std::vector<Membership> out;
  for (auto r : tx.exec("SELECT m.id, m.community_id, c.slug, c.name, m.tier_id, t.name, m.status, "
                        "m.current_period_end, m.created_at, m.provider_subscription_id FROM memberships m "
                        "JOIN communities c ON c.id = m.community_id JOIN tiers t ON t.id = m.tier_id "
                        "WHERE m.user_id = $1 ORDER BY m.id DESC LIMIT 200",
                        {user.value})) {
    Membership m;
    m.id = r.i64(0);
    m.community = CommunityId(r.i64(1));
    m.community_slug = r.text(2);
    m.community_name = r.text(3);
    m.tier_id = r.i64(4);
    m.tier_name = r.text(5);
    m.status = r.text(6);
    // Status is stored; expiry is decided by time, so an active membership past its end reads as expired.
    m.current_period_end = r.opt_i64(7);
    if ((m.status == "active" || m.status == "past_due") && m.current_period_end && *m.current_period_end <= now) {
      m.status = "expired";
    }
    m.created_at = r.i64(8);
    m.renews = !r.text(9).empty() && (m.status == "active" || m.status == "past_due");
    out.push_back(std::move(m));
  }
  return out;
}

Result<Checkout> Checkouts::cancel(UserId viewer, std::string_view public_id) {
  return db_.write([&](db::Tx& tx) -> Result<Checkout> {
    auto checkout = load(tx, public_id);
    if (!checkout || checkout->user != viewer) {
      return not_found("billing.checkout_not_found", "No such checkout.");
    }
    tx.exec("UPDATE checkouts SET status = 'canceled', updated_at = $1 WHERE id = $2 AND status = 'pending'",
            {clock_.now_ms(), checkout->id});
    return *load(tx, public_id);
  });
}

std::optional<Payment> Checkouts::payment_by_public_id(db::Tx& tx, std::string_view public_id) {
  if (public_id.size() > 80) {
    return std::nullopt;
  }
  auto row = tx.one(std::string("SELECT ") + std::string(kPaymentColumns) +
                        " FROM payments y JOIN communities c ON c.id = y.community_id WHERE y.public_id = $1",
                    {std::string(public_id)});
  return row ? std::optional(payment_from_row(row->row())) : std::nullopt;
}

std::optional<Payment> Checkouts::payment_by_id(db::Tx& tx, int64_t id) {
  auto row = tx.one(std::string("SELECT ") + std::string(kPaymentColumns) +
                        " FROM payments y JOIN communities c ON c.id = y.community_id WHERE y.id = $1",
                    {id});
  return row ? std::optional(payment_from_row(row->row())) : std::nullopt;
}

std::vector<std::pair<Payment, std::string>> Checkouts::community_payments(db::Tx& tx, CommunityId community,
                                                                           int limit) {
  std::vector<std::pair<Payment, std::string>> out;
  for (auto r : tx.exec(std::string("SELECT ") + std::string(kPaymentColumns) +
                            ", u.username FROM payments y JOIN communities c ON c.id = y.community_id "
                            "JOIN users u ON u.id = y.user_id WHERE y.community_id = $1 ORDER BY y.id DESC LIMIT $2",
                        {community.value, static_cast<int64_t>(limit)})) {
    out.emplace_back(payment_from_row(r), r.text(17));
  }
  return out;
}

}  // namespace gh::billing

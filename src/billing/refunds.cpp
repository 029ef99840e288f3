#include "billing/refunds.hpp"

#include <spdlog/spdlog.h>

#include "access/entitlements.hpp"
#include "billing/memberships.hpp"
#include "ledger/ledger.hpp"
#include "notify/hub.hpp"
#include "notify/notifications.hpp"

namespace gh::billing {
namespace {

// Whether the payment bought a gift whose code someone has redeemed.
bool gift_redeemed(db::Tx& tx, int64_t payment_id) {
  return tx
      .one(
          "SELECT 1 FROM code_batches b JOIN redeem_codes r ON r.batch_id = b.id WHERE b.payment_id = $1 AND "
          "r.redeemed_at IS NOT NULL",
          {payment_id})
      .has_value();
}

}  // namespace

bool Refunds::buyer_may_refund(const Payment& payment) const {
  return payment.status == "succeeded" &&
         clock_.now_ms() - payment.created_at <= options_.window_hours * 60 * 60 * 1000;
}

bool Refunds::manages(db::Tx& tx, UserId actor, CommunityId community) {
  return access::allows(access::role_in(tx, actor, community), access::Action::ManageBilling);
}

// What a refund must tell the provider.
struct Refunds::Plan {
  Payment payment;
  std::string payment_intent;
  std::string charge;
  std::string subscription;  // Still to cancel at Stripe.
};

Refunds::Plan Refunds::plan_for(db::Tx& tx, const Payment& payment) {
  Plan p{payment, "", "", ""};
  auto ids = tx.one("SELECT provider_payment_intent, provider_charge FROM payments WHERE id = $1", {payment.id});
  p.payment_intent = ids->row().text(0);
  p.charge = ids->row().text(1);
  if (payment.membership_id) {
    auto m = tx.one("SELECT provider_subscription_id, status FROM memberships WHERE id = $1", {*payment.membership_id});
    if (m && m->row().text(1) != "canceled" && m->row().text(1) != "refunded") {
      p.subscription = m->row().text(0);
    }
  }
  return p;
}

Result<Payment> Refunds::refund(UserId actor, std::string_view payment_public_id) {
  auto plan = db_.read([&](db::Tx& tx) -> Result<Plan> {
    auto payment = Checkouts::payment_by_public_id(tx, payment_public_id);
    if (!payment) {
      return not_found("billing.payment_not_found", "No such payment.");
    }
    if (!manages(tx, actor, payment->community)) {
      if (payment->user != actor) {
        return not_found("billing.payment_not_found", "No such payment.");
      }
      if (payment->status == "succeeded" && !buyer_may_refund(*payment)) {
        return forbidden("billing.refund_window_closed", "The refund window of " +
                                                             std::to_string(options_.window_hours) +
                                                             " hours has passed: ask the community's owner.");
      }
    }
    if (payment->status == "succeeded" && gift_redeemed(tx, payment->id)) {
      return conflict("billing.gift_redeemed", "This gift has been redeemed: it can no longer be refunded here.");
    }
    return plan_for(tx, *payment);
  });
  if (!plan) {
    return std::move(plan).error();
  }
  if (plan->payment.status != "succeeded") {
    return plan->payment;  // Already refunded: a double click.
  }
  // A product refuses, or claims its item so that nothing delivers it meanwhile (products.hpp).
  if (const auto* seller = product_of(plan->payment); seller != nullptr) {
    if (auto claimed = db_.write([&](db::Tx& tx) { return seller->begin_refund(tx, plan->payment, clock_.now_ms()); });
        !claimed) {
      return claimed.error();
    }
  }
  return carry_out(*plan, actor);
}

Result<Payment> Refunds::refund_claimed(int64_t payment_id) {
  auto plan = db_.read([&](db::Tx& tx) -> Result<Plan> {
    auto payment = Checkouts::payment_by_id(tx, payment_id);
    if (!payment) {
      return not_found("billing.payment_not_found", "No such payment.");
    }
    return plan_for(tx, *payment);
  });
  if (!plan) {
    return std::move(plan).error();
  }
  if (plan->payment.status != "succeeded") {
    return plan->payment;
  }
  return carry_out(*plan, std::nullopt);
}

const Product* Refunds::product_of(const Payment& payment) const {
  if (payment.item_kind.empty() || options_.catalog == nullptr) {
    return nullptr;
  }
  return options_.catalog->find(payment.item_kind);
}

Result<Payment> Refunds::carry_out(const Plan& plan, std::optional<UserId> actor) {
  // The provider first, outside any transaction: if Stripe refuses, nothing is booked here.
  // Idempotency keys make a retry (or a concurrent twin) the same refund at Stripe.
  if (plan.payment.provider == "stripe") {
    if (options_.stripe == nullptr || !options_.stripe->configured()) {
      return Error{ErrorKind::Unavailable, "billing.provider_unavailable", "Card payments are not configured.", {}, 0};
    }
    FormFields form;
    if (!plan.payment_intent.empty()) {
      form.emplace_back("payment_intent", plan.payment_intent);
    } else if (!plan.charge.empty()) {
      form.emplace_back("charge", plan.charge);
    } else {
      return conflict("billing.refund_not_possible",
                      "Stripe has not told us how this payment was charged yet; try again in a minute.");
    }
    form.emplace_back("metadata[payment_id]", plan.payment.public_id);
    auto refunded = options_.stripe->call("POST", "/v1/refunds", form, "gh-refund-" + plan.payment.public_id);
    if (!refunded) {
      return std::move(refunded).error();
    }
    if (!plan.subscription.empty()) {
      if (auto stopped = stop_subscription(plan.subscription); !stopped) {
        return stopped.error();
      }
    }
  }
  return db_.write([&](db::Tx& tx) { return book(tx, plan.payment.id, actor); });
}

Status Refunds::stop_subscription(const std::string& subscription_id) const {
  if (options_.stripe == nullptr || !options_.stripe->configured()) {
    return Error{ErrorKind::Unavailable, "billing.provider_unavailable", "Card payments are not configured.", {}, 0};
  }
  auto canceled = options_.stripe->call("DELETE", "/v1/subscriptions/" + subscription_id, {}, "");
  if (!canceled) {
    return canceled.error();
  }
  return {};
}

Result<Payment> Refunds::book(db::Tx& tx, int64_t payment_id, std::optional<UserId> actor) {
  const Millis now = clock_.now_ms();
  auto claimed = tx.exec(
      "UPDATE payments SET status = 'refunded', refunded_at = $1, refunded_by = $2 WHERE id = $3 AND status = "
      "'succeeded'",
      {now, actor ? std::optional<int64_t>(actor->value) : std::nullopt, payment_id});
  auto payment = Checkouts::payment_by_id(tx, payment_id);
  if (!payment) {
    return not_found("billing.payment_not_found", "No such payment.");
  }
  if (claimed.affected != 1) {
    return *payment;  // Refunded before (by us or at the provider): nothing more to book.
  }
  // A gift's code stops working; one redeemed meanwhile keeps its membership, and only a refund
  // already made at the provider (actor nullopt) goes through then.
  if (actor && gift_redeemed(tx, payment_id)) {
    return conflict("billing.gift_redeemed", "This gift has been redeemed: it can no longer be refunded here.");
  }
  tx.exec(
      "UPDATE redeem_codes SET voided_at = $1 WHERE redeemed_at IS NULL AND voided_at IS NULL AND batch_id IN "
      "(SELECT id FROM code_batches WHERE payment_id = $2)",
      {now, payment_id});
  // A full refund is the exact negation of the payment's booking, platform fee included (the
  // ledger README: reversals for full refunds, community:N:refunds for partial ones). check()
  // then proves the refund matches the payment, and a transaction is reversed at most once.
  if (payment->ledger_transaction_id) {
    auto reversed = ledger::reverse(tx, ledger::TransactionId(*payment->ledger_transaction_id),
                                    "refund:" + payment->provider + ":" + payment->public_id,
                                    "Refund of " + payment->public_id, clock_);
    if (!reversed) {
      return std::move(reversed).error();
    }
  }
  if (payment->membership_id) {
    tx.exec("UPDATE memberships SET status = 'refunded', updated_at = $1 WHERE id = $2",
            {now, *payment->membership_id});
    access::revoke(tx, "membership", *payment->membership_id, now);
  }
  if (payment->post_id) {
    access::revoke(tx, "purchase", payment->id, now);
  }
  notify::access_changed(tx, payment->user);  // Open pages stop streaming what was paid for.
  if (const auto* seller = product_of(*payment); seller != nullptr) {
    seller->refunded(tx, *payment, now);
  }
  auto item = tx.one(
      "SELECT COALESCE(t.name, p.title, k.item_name) FROM payments y JOIN checkouts k ON k.id = y.checkout_id "
      "LEFT JOIN tiers t ON t.id = k.tier_id LEFT JOIN posts p ON p.id = k.post_id WHERE y.id = $1",
      {payment->id});
  notify::add(tx,
              {payment->user, std::string(notify::kPaymentRefunded), std::nullopt, payment->community, "refund",
               payment->id, item ? item->row().text(0) : std::string(), payment->amount.format(), "/account/billing"},
              now);
  spdlog::info("refund: payment {} ({} {}) refunded", payment->public_id, payment->amount.amount_minor(),
               payment->amount.currency());
  return *payment;
}

Result<Membership> Refunds::cancel(UserId actor, int64_t membership_id) {
  struct CancelPlan {
    std::string subscription;
    std::string status;
  };
  auto plan = db_.read([&](db::Tx& tx) -> Result<CancelPlan> {
    auto row = tx.one(
        "SELECT user_id, community_id, status, provider, provider_subscription_id FROM memberships "
        "WHERE id = $1",
        {membership_id});
    if (!row || (UserId(row->row().i64(0)) != actor && !manages(tx, actor, CommunityId(row->row().i64(1))))) {
      return not_found("billing.membership_not_found", "No such membership.");
    }
    CancelPlan p{row->row().text(4), row->row().text(2)};
    if (p.status != "canceled" && (row->row().text(3) != "stripe" || p.subscription.empty() ||
                                   (p.status != "active" && p.status != "past_due"))) {
      return conflict("billing.not_renewing", "This membership does not renew: there is nothing to cancel.");
    }
    return p;
  });
  if (!plan) {
    return std::move(plan).error();
  }
  if (plan->status != "canceled") {
    if (options_.stripe == nullptr || !options_.stripe->configured()) {
      return Error{ErrorKind::Unavailable,
                   "billing.provider_unavailable",
                   "Card payments are not configured: the subscription cannot be changed.",
                   {},
                   0};
    }
    auto stopped =
        options_.stripe->call("POST", "/v1/subscriptions/" + plan->subscription, {{"cancel_at_period_end", "true"}},
                              "gh-cancel-" + std::to_string(membership_id));
    if (!stopped) {
      return std::move(stopped).error();
    }
    db_.write([&](db::Tx& tx) {
      tx.exec(
          "UPDATE memberships SET status = 'canceled', cancel_at_period_end = 1, updated_at = $1 WHERE id = $2 AND "
          "status IN ('active', 'past_due')",
          {clock_.now_ms(), membership_id});
    });
  }
  return db_.read([&](db::Tx& tx) -> Result<Membership> {
    if (auto m = load_membership(tx, membership_id, clock_.now_ms())) {
      return *m;
    }
    return not_found("billing.membership_not_found", "No such membership.");
  });
}

}  // namespace gh::billing

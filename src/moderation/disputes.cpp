#include "moderation/disputes.hpp"

#include "access/access.hpp"
#include "billing/checkout.hpp"
#include "core/text.hpp"
#include "moderation/feedback.hpp"
#include "notify/notifications.hpp"

namespace gh::moderation {
namespace {

Error dispute_not_found() {
  return not_found("disputes.not_found", "No such dispute.");
}

bool manages(db::Tx& tx, UserId viewer, CommunityId community) {
  return access::allows(access::role_in(tx, viewer, community), access::Action::ManageBilling);
}

constexpr std::string_view kColumns =
    "d.id, p.public_id, d.community_id, c.slug, u.id, u.username, u.display_name, p.amount_minor, p.currency, "
    "p.status, d.reason, d.status, d.resolution, r.id, r.username, r.display_name, d.created_at, d.resolved_at "
    "FROM payment_disputes d JOIN payments p ON p.id = d.payment_id JOIN communities c ON c.id = d.community_id "
    "JOIN users u ON u.id = d.user_id LEFT JOIN users r ON r.id = d.resolved_by";

Dispute from_row(const db::Row& r) {
  Dispute d;
  d.id = r.i64(0);
  d.payment_id = r.text(1);
  d.community = CommunityId(r.i64(2));
  d.community_slug = r.text(3);
  d.member = content::Author{UserId(r.i64(4)), r.text(5), r.text(6)};
  if (auto money = Money::create(r.i64(7), r.text(8))) {
    d.amount = *money;
  }
  d.payment_status = r.text(9);
  d.reason = r.text(10);
  d.status = r.text(11);
  d.resolution = r.text(12);
  if (!r.is_null(13)) {
    d.resolved_by = content::Author{UserId(r.i64(13)), r.text(14), r.text(15)};
  }
  d.created_at = r.i64(16);
  d.resolved_at = r.opt_i64(17);
  return d;
}

}  // namespace

Result<Dispute> Disputes::open(UserId user, std::string_view payment_public_id, std::string_view reason) {
  auto clean = clean_message(reason, "disputes");
  if (!clean) {
    return std::move(clean).error();
  }
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<Dispute> {
    auto payment = billing::Checkouts::payment_by_public_id(tx, payment_public_id);
    if (!payment || payment->user != user) {
      return not_found("billing.payment_not_found", "No such payment.");
    }
    if (payment->status != "succeeded") {
      return conflict("disputes.payment_refunded", "This payment has already been refunded.");
    }
    auto id = tx.scalar_i64(
        "INSERT INTO payment_disputes (payment_id, community_id, user_id, reason, status, created_at) "
        "VALUES ($1, $2, $3, $4, 'open', $5) ON CONFLICT DO NOTHING RETURNING id",
        {payment->id, payment->community.value, user.value, *clean, now});
    if (!id) {
      return conflict("disputes.already_open", "This payment already has an open dispute.");
    }
    const auto message = tx.scalar_i64(
        "INSERT INTO dispute_messages (dispute_id, author_id, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        {*id, user.value, *clean, now});
    notify_message(tx, community_managers(tx, payment->community), user, "dispute_opened", payment->community,
                   "dispute_message", *message, payment->amount.format(), *clean, "/disputes/" + std::to_string(*id),
                   now);
    return load(tx, user, *id);
  });
}

Result<Dispute> Disputes::load(db::Tx& tx, UserId viewer, int64_t id) {
  auto row = tx.one("SELECT " + std::string(kColumns) + " WHERE d.id = $1", {id});
  if (!row) {
    return dispute_not_found();
  }
  auto d = from_row(row->row());
  d.viewer_can_resolve = manages(tx, viewer, d.community);
  if (!d.viewer_can_resolve && d.member.id != viewer) {
    return dispute_not_found();
  }
  for (auto m : tx.exec("SELECT m.id, u.id, u.username, u.display_name, m.body, m.created_at FROM dispute_messages m "
                        "JOIN users u ON u.id = m.author_id WHERE m.dispute_id = $1 ORDER BY m.id",
                        {id})) {
    Message message{m.i64(0), content::Author{UserId(m.i64(1)), m.text(2), m.text(3)}, m.text(4), false, m.i64(5)};
    message.from_staff = message.author.id != d.member.id;
    d.messages.push_back(std::move(message));
  }
  return d;
}

std::vector<Dispute> Disputes::load_list(db::Tx& tx, UserId viewer, std::string_view where, int64_t key) {
  std::vector<Dispute> out;
  for (auto r : tx.exec("SELECT " + std::string(kColumns) + " WHERE " + std::string(where) +
                            " ORDER BY CASE WHEN d.status = 'open' THEN 0 ELSE 1 END, d.id DESC LIMIT 200",
                        {key})) {
    auto d = from_row(r);
    d.viewer_can_resolve = manages(tx, viewer, d.community);
    out.push_back(std::move(d));
  }
  return out;
}

Result<std::vector<Dispute>> Disputes::for_payment(UserId viewer, std::string_view payment_public_id) {
  return db_.read([&](db::Tx& tx) -> Result<std::vector<Dispute>> {
    auto payment = billing::Checkouts::payment_by_public_id(tx, payment_public_id);
    if (!payment || (payment->user != viewer && !manages(tx, viewer, payment->community))) {
      return not_found("billing.payment_not_found", "No such payment.");
    }
    return load_list(tx, viewer, "d.payment_id = $1", payment->id);
  });
}

Result<std::vector<Dispute>> Disputes::for_community(UserId viewer, std::string_view community_slug) {
  return db_.read([&](db::Tx& tx) -> Result<std::vector<Dispute>> {
    auto community = tx.scalar_i64("SELECT id FROM communities WHERE slug = $1", {std::string(community_slug)});
    if (!community) {
      return not_found("community.not_found", "No such community.");
    }
    if (!manages(tx, viewer, CommunityId(*community))) {
      return forbidden("billing.admins_only", "Only owners and admins see the community's disputes.");
    }
    return load_list(tx, viewer, "d.community_id = $1", *community);
  });
}

Result<Dispute> Disputes::get(UserId viewer, int64_t id) {
  return db_.read([&](db::Tx& tx) { return load(tx, viewer, id); });
}

Result<Dispute> Disputes::reply(UserId viewer, int64_t id, std::string_view body) {
  auto clean = clean_message(body, "disputes");
  if (!clean) {
    return std::move(clean).error();
  }
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<Dispute> {
    auto dispute = load(tx, viewer, id);
    if (!dispute) {
      return dispute;
    }
    if (dispute->status != "open") {
      return conflict("disputes.resolved", "This dispute has been resolved.");
    }
    const auto message = tx.scalar_i64(
        "INSERT INTO dispute_messages (dispute_id, author_id, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        {id, viewer.value, *clean, now});
    const bool by_member = dispute->member.id == viewer;
    notify_message(tx, by_member ? community_managers(tx, dispute->community) : std::vector<UserId>{dispute->member.id},
                   viewer, "dispute_reply", dispute->community, "dispute_message", *message, dispute->amount.format(),
                   *clean, "/disputes/" + std::to_string(id), now);
    return load(tx, viewer, id);
  });
}

Result<Dispute> Disputes::resolve(UserId actor, int64_t id, DisputeOutcome outcome, std::string_view reason) {
  auto clean = text::trim(reason);
  if (outcome == DisputeOutcome::Reject) {
    auto checked = clean_message(reason, "disputes");
    if (!checked) {
      return invalid("disputes.reason_required", "A rejection needs a reason.", "reason");
    }
    clean = *checked;
  } else if (!text::is_valid_utf8(clean) || text::utf8_length(clean) > kMaxMessageChars) {
    return invalid("disputes.invalid_body", "A message has at most 10,000 characters.", "reason");
  }
  const std::string status = outcome == DisputeOutcome::Refund ? "refunded" : "rejected";
  const Millis now = clock_.now_ms();
  // Claim: whoever flips the dispute from open records the resolution.
  auto claimed = db_.write([&](db::Tx& tx) -> Result<std::string> {
    auto dispute = load(tx, actor, id);
    if (!dispute) {
      return std::move(dispute).error();
    }
    if (!dispute->viewer_can_resolve) {
      return forbidden("disputes.owners_only", "Only the community's owners and admins resolve disputes.");
    }
    auto updated = tx.exec(
        "UPDATE payment_disputes SET status = $1, resolution = $2, resolved_by = $3, resolved_at = $4 "
        "WHERE id = $5 AND status = 'open'",
        {status, clean, actor.value, now, id});
    if (updated.affected != 1) {
      return conflict("disputes.resolved", "This dispute has already been resolved.");
    }
    return dispute->payment_id;
  });
  if (!claimed) {
    return std::move(claimed).error();
  }
  if (outcome == DisputeOutcome::Refund) {
    // The refund asks the provider, so it runs outside our transaction; if it fails the
    // dispute goes back to open and the owner sees the provider's error.
    auto refunded = refunds_.refund(actor, *claimed);
    if (!refunded) {
      db_.write([&](db::Tx& tx) {
        tx.exec(
            "UPDATE payment_disputes SET status = 'open', resolution = '', resolved_by = NULL, resolved_at = NULL "
            "WHERE id = $1 AND status = 'refunded'",
            {id});
      });
      return std::move(refunded).error();
    }
  }
  // The member hears of the outcome once it stands (a refund that failed reopened the dispute).
  return db_.write([&](db::Tx& tx) -> Result<Dispute> {
    auto resolved = load(tx, actor, id);
    if (resolved) {
      notify::add(tx,
                  {resolved->member.id, "dispute_" + status, actor, resolved->community, "dispute", id,
                   resolved->amount.format(), clean, "/disputes/" + std::to_string(id)},
                  now);
    }
    return resolved;
  });
}

}  // namespace gh::moderation

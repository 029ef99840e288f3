#include "expert/expert.hpp"

#include <spdlog/spdlog.h>

#include "access/access.hpp"
#include "access/sanctions.hpp"
#include "core/text.hpp"
#include "ledger/ledger.hpp"
#include "notify/notifications.hpp"
#include "render/markdown.hpp"

namespace gh::expert {
namespace {

constexpr Millis kDayMs = 24LL * 60 * 60 * 1000;

// One SELECT for questions with everything pages and the API show (no per-row queries).
constexpr std::string_view kQuestionColumns =
    "SELECT q.id, q.community_id, c.slug, c.name, q.asker_id, a.username, a.display_name, q.expert_id, e.username, "
    "e.display_name, q.title, q.body_md, q.body_html, q.allow_publish, q.price_minor, q.currency, q.answer_days, "
    "q.status, q.payment_id, y.public_id, y.status, q.paid_at, q.deadline_at, q.answer_md, q.answer_html, "
    "q.answered_at, q.refund_reason, q.decline_reason, q.refunded_at, q.post_id, q.created_at "
    "FROM paid_questions q JOIN communities c ON c.id = q.community_id JOIN users a ON a.id = q.asker_id "
    "JOIN users e ON e.id = q.expert_id LEFT JOIN payments y ON y.id = q.payment_id ";

Question question_from_row(const db::Row& r) {
  Question q;
  q.id = r.i64(0);
  q.community = CommunityId(r.i64(1));
  q.community_slug = r.text(2);
  q.community_name = r.text(3);
  q.asker = UserId(r.i64(4));
  q.asker_username = r.text(5);
  q.asker_display_name = r.text(6);
  q.expert = UserId(r.i64(7));
  q.expert_username = r.text(8);
  q.expert_display_name = r.text(9);
  q.title = r.text(10);
  q.body_md = r.text(11);
  q.body_html = r.text(12);
  q.allow_publish = r.boolean(13);
  q.price = Money::create(r.i64(14), r.text(15)).value();
  q.answer_days = r.i64(16);
  q.status = r.text(17);
  q.payment_id = r.opt_i64(18);
  q.payment_public_id = r.text(19);
  q.payment_status = r.text(20);
  q.paid_at = r.opt_i64(21);
  q.deadline_at = r.opt_i64(22);
  q.answer_md = r.text(23);
  q.answer_html = r.text(24);
  q.answered_at = r.opt_i64(25);
  q.refund_reason = r.text(26);
  q.decline_reason = r.text(27);
  q.refunded_at = r.opt_i64(28);
  if (auto post = r.opt_i64(29)) {
    q.post_id = PostId(*post);
  }
  q.created_at = r.i64(30);
  return q;
}

std::optional<Question> load(db::Tx& tx, int64_t id) {
  auto rows = tx.exec(std::string(kQuestionColumns) + "WHERE q.id = $1", {id});
  if (rows.empty()) {
    return std::nullopt;
  }
  return question_from_row(rows[0]);
}

constexpr std::string_view kOfferColumns =
    "SELECT o.community_id, c.slug, o.user_id, u.username, u.display_name, o.price_minor, o.currency, "
    "o.answer_days, o.intro, o.active, o.updated_at FROM expert_offers o JOIN communities c ON c.id = o.community_id "
    "JOIN users u ON u.id = o.user_id ";

Offer offer_from_row(const db::Row& r) {
  Offer o;
  o.community = CommunityId(r.i64(0));
  o.community_slug = r.text(1);
  o.expert = UserId(r.i64(2));
  o.username = r.text(3);
  o.display_name = r.text(4);
  o.price = Money::create(r.i64(5), r.text(6)).value();
  o.answer_days = r.i64(7);
  o.intro = r.text(8);
  o.active = r.boolean(9);
  o.updated_at = r.i64(10);
  return o;
}

struct CommunityRow {
  CommunityId id;
  std::string currency;
  bool is_public = true;
};

std::optional<CommunityRow> find_community(db::Tx& tx, std::string_view slug) {
  auto row = tx.one("SELECT id, currency, is_public FROM communities WHERE slug = $1", {std::string(slug)});
  if (!row) {
    return std::nullopt;
  }
  return CommunityRow{CommunityId(row->row().i64(0)), row->row().text(1), row->row().boolean(2)};
}

Error question_not_found() {
  return not_found("expert.question_not_found", "No such question.");
}

Status validate_body(std::string_view body, std::string_view field) {
  if (text::trim(body).empty() || !text::is_valid_utf8(body) || body.size() > kMaxBodyBytes) {
    return invalid("expert.invalid_body", "Write 1 to 20,000 bytes of text.", std::string(field));
  }
  return {};
}

// Why a question is not open, for an answer or a decline that lost.
Error not_open(const Question& q) {
  if (q.status == "answered") {
    return conflict("expert.already_answered", "This question has been answered.");
  }
  return conflict("expert.not_open", "This question is not open: it is unpaid, or its payment is being refunded.");
}

// Loads a question for an act of its expert.
Result<Question> load_for_expert(db::Tx& tx, UserId actor, int64_t id) {
  auto q = load(tx, id);
  if (!q || !can_see(tx, actor, *q)) {
    return question_not_found();
  }
  if (q->expert != actor) {
    return forbidden("expert.not_the_expert", "Only the expert who was asked may do this.");
  }
  return *q;
}

void notify_asker(db::Tx& tx, const Question& q, std::string_view kind, const std::string& text, Millis now) {
  notify::add(tx,
              {q.asker, std::string(kind), q.expert, q.community, "paid_question", q.id, q.title, text,
               "/paid-questions/" + std::to_string(q.id)},
              now);
}

}  // namespace

bool can_see(db::Tx& tx, std::optional<UserId> viewer, const Question& q) {
  if (!viewer) {
    return false;
  }
  if (*viewer == q.asker) {
    return true;
  }
  if (q.status == "awaiting_payment") {
    return false;  // Nothing to see before it is paid, for the expert as for the staff.
  }
  return *viewer == q.expert || access::role_in(tx, viewer, q.community) >= access::Role::Admin;
}

// QuestionProduct --------------------------------------------------------------------------

Result<billing::Quote> QuestionProduct::quote(db::Tx& tx, UserId buyer, int64_t item_id, Millis) const {
  auto q = load(tx, item_id);
  if (!q || q->asker != buyer) {
    return question_not_found();
  }
  if (q->status != "awaiting_payment") {
    return conflict("expert.already_paid", "This question has been paid for.");
  }
  if (tx.one("SELECT 1 FROM checkouts WHERE item_kind = $1 AND item_id = $2 AND status = 'pending'",
             {std::string(kProductKind), item_id})) {
    return conflict("expert.checkout_pending", "This question already has a checkout waiting for payment.");
  }
  billing::Quote quote;
  quote.community = q->community;
  quote.price = q->price;
  quote.name = text::utf8_truncate("@" + q->expert_username + ": " + q->title, 120);
  quote.url = "/paid-questions/" + std::to_string(q->id);
  quote.coupons = false;
  return quote;
}

Status QuestionProduct::fulfil(db::Tx& tx, const billing::Checkout& checkout, int64_t payment_id, Millis now) const {
  const int64_t id = checkout.item_id.value_or(0);
  const auto days = tx.scalar_i64("SELECT answer_days FROM paid_questions WHERE id = $1", {id});
  const auto opened = tx.exec(
      "UPDATE paid_questions SET status = 'open', paid_at = $1, deadline_at = $2, payment_id = $3, updated_at = $1 "
      "WHERE id = $4 AND status = 'awaiting_payment'",
      {now, now + days.value_or(0) * kDayMs, payment_id, id});
  if (!days || opened.affected != 1) {
    // Paid twice (two checkouts): this payment is honoured as received and refunded by the sweep.
    spdlog::warn("paid question {}: payment {} arrived for a question already paid; it will be refunded", id,
                 payment_id);
    return {};
  }
  const auto q = load(tx, id);
  notify::add(tx,
              {q->expert, std::string(kNotifyAsked), q->asker, q->community, "paid_question", q->id, q->title,
               render::plain_excerpt(q->body_md, 200), "/paid-questions/" + std::to_string(q->id)},
              now);
  return {};
}

Status QuestionProduct::begin_refund(db::Tx& tx, const billing::Payment& payment, Millis now) const {
  auto q = load(tx, payment.item_id.value_or(0));
  if (!q || q->payment_id != payment.id) {
    return {};  // A stray second payment: nothing was delivered for it.
  }
  if (q->status == "answered") {
    return conflict("expert.already_answered", "This question has been answered: its payment was released.");
  }
  tx.exec(
      "UPDATE paid_questions SET status = 'refunding', refund_reason = COALESCE(refund_reason, 'requested'), "
      "updated_at = $1 WHERE id = $2 AND status IN ('open', 'refunding')",
      {now, q->id});
  return {};
}

void QuestionProduct::refunded(db::Tx& tx, const billing::Payment& payment, Millis now) const {
  auto q = load(tx, payment.item_id.value_or(0));
  if (!q || q->payment_id != payment.id) {
    return;
  }
  if (q->status == "answered") {
    spdlog::warn(
        "paid question {}: payment {} refunded at the provider after the answer released it to the expert; the "
        "question stays answered and the held account is short",
        q->id, payment.public_id);
    return;
  }
  tx.exec(
      "UPDATE paid_questions SET status = 'refunded', refund_reason = COALESCE(refund_reason, 'requested'), "
      "refunded_at = $1, updated_at = $1 WHERE id = $2",
      {now, q->id});
  notify_asker(tx, *q, kNotifyRefunded, payment.amount.format(), now);
}

// Offers -------------------------------------------------------------------------------------

Result<Offer> Experts::set_offer(UserId actor, std::string_view slug, const OfferInput& input) {
  const std::string intro(text::trim(input.intro));
  if (!text::is_valid_utf8(intro) || text::utf8_length(intro) > kMaxIntroChars ||
      intro.find('\n') != std::string::npos) {
    return invalid("expert.invalid_intro", "The intro is one line of at most 200 characters.", "intro");
  }
  if (input.answer_days < kMinAnswerDays || input.answer_days > kMaxAnswerDays) {
    return invalid("expert.invalid_days", "Answer within 1 to 30 days.", "answer_days");
  }
  if (input.price_minor <= 0) {
    return invalid("expert.invalid_price", "The price must be above zero.", "price_minor");
  }
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<Offer> {
    auto community = find_community(tx, slug);
    if (!community) {
      return not_found("community.not_found", "No such community.");
    }
    if (access::role_in(tx, actor, community->id) < access::Role::Creator) {
      return forbidden("expert.creator_role_required", "Answering paid questions needs the creator role.");
    }
    auto price = Money::create(input.price_minor, input.currency.empty() ? community->currency : input.currency);
    if (!price) {
      Error error = std::move(price).error();
      error.fields.emplace("currency", error.code);
      return error;
    }
    tx.exec(
        "INSERT INTO expert_offers (community_id, user_id, price_minor, currency, answer_days, intro, active, "
        "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (community_id, user_id) DO "
        "UPDATE SET price_minor = $3, currency = $4, answer_days = $5, intro = $6, active = $7, updated_at = $8",
        {community->id.value, actor.value, price->amount_minor(), price->currency(), input.answer_days, intro,
         input.active ? 1 : 0, now});
    auto rows = tx.exec(std::string(kOfferColumns) + "WHERE o.community_id = $1 AND o.user_id = $2",
                        {community->id.value, actor.value});
    return offer_from_row(rows[0]);
  });
}

Result<std::vector<Offer>> Experts::offers(std::optional<UserId> viewer, std::string_view slug) {
  return db_.read([&](db::Tx& tx) -> Result<std::vector<Offer>> {
    auto community = find_community(tx, slug);
    if (!community || (!community->is_public && access::role_in(tx, viewer, community->id) == access::Role::None)) {
      return not_found("community.not_found", "No such community.");
    }
    // Offers of members who lost the creator role, or are banned, are not shown.
    auto rows = tx.exec(std::string(kOfferColumns) +
                            "JOIN members m ON m.community_id = o.community_id AND m.user_id = o.user_id "
                            "WHERE o.community_id = $1 AND o.active = 1 AND m.role IN ('creator', 'moderator', "
                            "'admin', 'owner') AND NOT EXISTS (SELECT 1 FROM community_bans b WHERE b.community_id "
                            "= o.community_id AND b.user_id = o.user_id) ORDER BY o.price_minor, u.username",
                        {community->id.value});
    std::vector<Offer> out;
    for (auto r : rows) {
      out.push_back(offer_from_row(r));
    }
    return out;
  });
}

std::optional<Offer> Experts::own_offer(UserId viewer, std::string_view slug) {
  return db_.read([&](db::Tx& tx) -> std::optional<Offer> {
    auto rows =
        tx.exec(std::string(kOfferColumns) + "WHERE c.slug = $1 AND o.user_id = $2", {std::string(slug), viewer.value});
    if (rows.empty()) {
      return std::nullopt;
    }
    return offer_from_row(rows[0]);
  });
}

// Asking -------------------------------------------------------------------------------------

Result<Asked> Experts::ask(UserId asker, std::string_view slug, std::string_view expert_username,
                           const AskInput& input) {
  const std::string title(text::trim(input.title));
  if (title.empty() || !text::is_valid_utf8(title) || text::utf8_length(title) > kMaxTitleChars) {
    return invalid("expert.invalid_title", "Titles have 1 to 200 characters.", "title");
  }
  if (auto ok = validate_body(input.body_md, "body_md"); !ok) {
    return ok.error();
  }
  if (input.provider != "manual" && input.provider != "stripe") {
    return invalid("billing.unknown_provider", "Providers are stripe and manual.", "provider");
  }
  const std::string html = render::markdown_to_html(input.body_md);
  const Millis now = clock_.now_ms();
  auto id = db_.write([&](db::Tx& tx) -> Result<int64_t> {
    auto community = find_community(tx, slug);
    if (!community) {
      return not_found("community.not_found", "No such community.");
    }
    const auto role = access::role_in(tx, asker, community->id);
    if (role == access::Role::None) {
      if (access::is_banned(tx, asker, community->id)) {
        return forbidden("moderation.banned", "You are banned from this community.");
      }
      if (!community->is_public) {
        return not_found("community.not_found", "No such community.");
      }
      return forbidden("community.members_only", "Join the community to ask its experts.");
    }
    auto offer = tx.one(
        "SELECT o.user_id, o.price_minor, o.currency, o.answer_days FROM expert_offers o JOIN users u ON u.id = "
        "o.user_id WHERE o.community_id = $1 AND u.username = $2 AND o.active = 1",
        {community->id.value, std::string(expert_username)});
    if (!offer || access::role_in(tx, UserId(offer->row().i64(0)), community->id) < access::Role::Creator) {
      return not_found("expert.not_found", "No such expert here.");
    }
    const UserId expert(offer->row().i64(0));
    if (expert == asker) {
      return forbidden("expert.own_offer", "You cannot ask yourself.");
    }
    if (auto until = access::muted_until(tx, asker, community->id, now)) {
      Error error =
          forbidden("moderation.muted", "You are muted in this community until " + format_rfc3339(*until) + ".");
      error.fields.emplace("until", format_rfc3339(*until));
      return error;
    }
    return *tx.scalar_i64(
        "INSERT INTO paid_questions (community_id, asker_id, expert_id, title, body_md, body_html, allow_publish, "
        "price_minor, currency, answer_days, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
        "$9, $10, 'awaiting_payment', $11, $11) RETURNING id",
        {community->id.value, asker.value, expert.value, title, input.body_md, html, input.allow_publish ? 1 : 0,
         offer->row().i64(1), offer->row().text(2), offer->row().i64(3), now});
  });
  if (!id) {
    return std::move(id).error();
  }
  billing::CheckoutInput checkout_input;
  checkout_input.provider = input.provider;
  checkout_input.item_kind = std::string(kProductKind);
  checkout_input.item_id = *id;
  checkout_input.return_url_base = input.return_url_base;
  auto checkout = checkouts_.start(asker, checkout_input);
  if (!checkout) {
    // Nothing half-written: the question goes with its checkout (start() removed that already).
    db_.write([&](db::Tx& tx) {
      tx.exec("DELETE FROM paid_questions WHERE id = $1 AND status = 'awaiting_payment' AND payment_id IS NULL", {*id});
    });
    return std::move(checkout).error();
  }
  auto question = db_.read([&](db::Tx& tx) { return load(tx, *id); });
  return Asked{*question, *checkout};
}

// Reading ------------------------------------------------------------------------------------

Result<Question> Experts::get(std::optional<UserId> viewer, int64_t id) {
  return db_.read([&](db::Tx& tx) -> Result<Question> {
    auto q = load(tx, id);
    if (!q || !can_see(tx, viewer, *q)) {
      return question_not_found();
    }
    return *q;
  });
}

std::vector<Question> Experts::mine(UserId viewer, Side side) {
  return db_.read([&](db::Tx& tx) {
    auto rows = tx.exec(std::string(kQuestionColumns) +
                            (side == Side::Asker ? "WHERE q.asker_id = $1 "
                                                 : "WHERE q.expert_id = $1 AND q.status <> 'awaiting_payment' ") +
                            "ORDER BY q.id DESC LIMIT 200",
                        {viewer.value});
    std::vector<Question> out;
    for (auto r : rows) {
      out.push_back(question_from_row(r));
    }
    return out;
  });
}

Result<std::vector<Question>> Experts::inbox(UserId expert, std::string_view slug) {
  return db_.read([&](db::Tx& tx) -> Result<std::vector<Question>> {
    auto community = find_community(tx, slug);
    if (!community) {
      return not_found("community.not_found", "No such community.");
    }
    auto rows = tx.exec(std::string(kQuestionColumns) +
                            "WHERE q.expert_id = $1 AND q.status = 'open' AND q.community_id = $2 "
                            "ORDER BY q.deadline_at, q.id",
                        {expert.value, community->id.value});
    std::vector<Question> out;
    for (auto r : rows) {
      out.push_back(question_from_row(r));
    }
    return out;
  });
}

// Answering and declining ---------------------------------------------------------------------

Result<Question> Experts::answer(UserId expert, int64_t id, std::string_view body_md) {
  if (auto ok = validate_body(body_md, "body_md"); !ok) {
    return ok.error();
  }
  const std::string html = render::markdown_to_html(body_md);
  const Millis now = clock_.now_ms();
  auto answered = db_.write([&](db::Tx& tx) -> Result<Question> {
    auto q = load_for_expert(tx, expert, id);
    if (!q) {
      return std::move(q).error();
    }
    if (access::is_banned(tx, expert, q->community)) {
      return forbidden("moderation.banned", "You are banned from this community.");
    }
    // The claim: of an answer racing a refund (the sweep, a decline, a refund request) one wins.
    const auto claimed = tx.exec(
        "UPDATE paid_questions SET status = 'answered', answer_md = $1, answer_html = $2, answered_at = $3, "
        "updated_at = $3 WHERE id = $4 AND status = 'open'",
        {std::string(body_md), html, now, id});
    if (claimed.affected != 1) {
      return not_open(*q);
    }
    // The money moves from the community's held account to what the platform owes the expert.
    const auto payment = billing::Checkouts::payment_by_id(tx, *q->payment_id);
    const int64_t share = payment->amount.amount_minor() - payment->fee.amount_minor();
    if (share > 0) {
      const auto& currency = payment->amount.currency();
      auto held = ledger::ensure_account(tx, ledger::community_held(q->community, currency), clock_);
      auto payable = ledger::ensure_account(tx, ledger::creator_payable(expert, currency), clock_);
      if (!held || !payable) {
        return held ? std::move(payable).error() : std::move(held).error();
      }
      ledger::TransactionSpec spec;
      spec.idempotency_key = "question-release:" + std::to_string(id);
      spec.kind = "release";
      spec.memo = text::utf8_truncate("Answer to paid question " + std::to_string(id) + ": " + q->title, 200);
      spec.community = q->community;
      spec.reference = payment->public_id;
      spec.currency = currency;
      spec.lines = {{*held, share}, {*payable, -share}};
      if (auto posted = ledger::post(tx, spec, clock_); !posted) {
        return std::move(posted).error();
      }
    }
    auto done = load(tx, id);
    notify_asker(tx, *done, kNotifyAnswered, render::plain_excerpt(body_md, 200), now);
    return *done;
  });
  if (answered && answered->allow_publish) {
    publish(*answered);
    return get(expert, id);
  }
  return answered;
}

void Experts::publish(const Question& q) {
  content::PostInput input;
  input.title = q.title;
  input.body_md = q.body_md;
  input.kind = "question";
  input.visibility = "members";
  auto post = posts_.create(q.asker, q.community_slug, input, content::Posts::Origin::PaidQuestion);
  if (!post) {
    spdlog::warn("paid question {}: not published: {}", q.id, post.error().message);
    return;
  }
  db_.write([&](db::Tx& tx) {
    tx.exec("UPDATE paid_questions SET post_id = $1 WHERE id = $2", {post->id.value, q.id});
  });
  auto comment = posts_.add_comment(q.expert, post->id, content::CommentInput{q.answer_md, std::nullopt});
  if (!comment) {
    spdlog::warn("paid question {}: answer not published: {}", q.id, comment.error().message);
    return;
  }
  if (auto accepted = questions_.accept(q.asker, comment->id); !accepted) {
    spdlog::warn("paid question {}: answer not accepted: {}", q.id, accepted.error().message);
  }
}

Result<Question> Experts::decline(UserId expert, int64_t id, std::string_view reason) {
  const std::string why(text::trim(reason));
  if (!text::is_valid_utf8(why) || text::utf8_length(why) > kMaxReasonChars) {
    return invalid("expert.invalid_reason", "The reason has at most 500 characters.", "reason");
  }
  const Millis now = clock_.now_ms();
  auto claimed = db_.write([&](db::Tx& tx) -> Result<Question> {
    auto q = load_for_expert(tx, expert, id);
    if (!q) {
      return std::move(q).error();
    }
    if (tx.exec("UPDATE paid_questions SET status = 'refunding', refund_reason = 'declined', decline_reason = $1, "
                "updated_at = $2 WHERE id = $3 AND status = 'open'",
                {why, now, id})
            .affected != 1) {
      return not_open(*q);
    }
    return *q;
  });
  if (!claimed) {
    return std::move(claimed).error();
  }
  refund_question(id, *claimed->payment_id);
  return get(expert, id);
}

void Experts::refund_question(int64_t id, int64_t payment_id) {
  auto refunded = refunds_.refund_claimed(payment_id);
  if (!refunded) {
    spdlog::warn("paid question {}: refund failed, retried by the sweep: {}", id, refunded.error().message);
  }
}

int Experts::sweep(Millis now) {
  // Claim: open past the deadline -> refunding. One statement; an answer committing first wins.
  db_.write([&](db::Tx& tx) {
    tx.exec(
        "UPDATE paid_questions SET status = 'refunding', refund_reason = 'deadline', updated_at = $1 "
        "WHERE status = 'open' AND deadline_at <= $1",
        {now});
  });
  struct Due {
    int64_t question;
    int64_t payment;
  };
  auto due = db_.read([](db::Tx& tx) {
    std::vector<Due> out;
    for (auto r :
         tx.exec("SELECT id, payment_id FROM paid_questions WHERE status = 'refunding' ORDER BY id LIMIT 100")) {
      out.push_back({r.i64(0), r.i64(1)});
    }
    // Stray payments: a question paid twice through two checkouts keeps one payment.
    for (auto r : tx.exec(
             "SELECT q.id, y.id FROM payments y JOIN paid_questions q ON q.id = y.item_id WHERE y.item_kind = "
             "'question' AND y.status = 'succeeded' AND (q.payment_id IS NULL OR q.payment_id <> y.id) ORDER BY y.id "
             "LIMIT 100")) {
      out.push_back({r.i64(0), r.i64(1)});
    }
    return out;
  });
  int refunded = 0;
  for (const auto& d : due) {
    auto done = refunds_.refund_claimed(d.payment);
    if (!done) {
      spdlog::warn("paid question {}: refund of payment {} failed, will retry: {}", d.question, d.payment,
                   done.error().message);
      continue;
    }
    ++refunded;
  }
  return refunded;
}

// Books --------------------------------------------------------------------------------------

std::vector<std::string> check_books(db::Tx& tx) {
  std::vector<std::string> problems;
  // The held account of each community and currency holds what is paid and not yet answered.
  // (Paid questions are the only product that holds payments so far.)
  for (auto r : tx.exec(
           "SELECT a.code, a.currency, (SELECT COALESCE(SUM(e.amount_minor), 0) FROM ledger_entries e WHERE "
           "e.account_id = a.id), (SELECT COALESCE(SUM(y.amount_minor - y.fee_minor), 0) FROM payments y WHERE "
           "y.community_id = a.community_id AND y.currency = a.currency AND y.item_kind = 'question' AND y.status = "
           "'succeeded' AND NOT EXISTS (SELECT 1 FROM paid_questions q WHERE q.payment_id = y.id AND q.status = "
           "'answered')) FROM ledger_accounts a WHERE a.code LIKE 'community:%:held' ORDER BY a.code, a.currency")) {
    if (r.i64(2) != -r.i64(3)) {
      problems.push_back("held account " + r.text(0) + " " + r.text(1) + " holds " + std::to_string(-r.i64(2)) +
                         " but its unanswered paid questions sum to " + std::to_string(r.i64(3)));
    }
  }
  // One release of amount - fee per answered question, none for any other.
  for (auto r :
       tx.exec("SELECT q.id, q.status FROM paid_questions q LEFT JOIN payments y ON y.id = q.payment_id "
               "LEFT JOIN ledger_transactions t ON t.idempotency_key = 'question-release:' || CAST(q.id AS TEXT) "
               "LEFT JOIN ledger_entries e ON e.transaction_id = t.id AND e.amount_minor > 0 "
               "GROUP BY q.id, q.status, y.amount_minor, y.fee_minor "
               "HAVING (q.status = 'answered' AND COALESCE(SUM(e.amount_minor), 0) <> y.amount_minor - y.fee_minor) OR "
               "(q.status <> 'answered' AND COUNT(t.id) <> 0) ORDER BY q.id LIMIT 20")) {
    problems.push_back("paid question " + r.text(0) + " (" + r.text(1) + ") has a wrong release booking");
  }
  // The status agrees with the payment.
  for (auto r :
       tx.exec("SELECT q.id, q.status, COALESCE(y.status, '') FROM paid_questions q LEFT JOIN payments y ON y.id = "
               "q.payment_id WHERE (q.status IN ('open', 'answered', 'refunding') AND (y.id IS NULL OR y.status <> "
               "'succeeded')) OR (q.status = 'refunded' AND (y.id IS NULL OR y.status <> 'refunded')) OR (q.status = "
               "'awaiting_payment' AND y.id IS NOT NULL) ORDER BY q.id LIMIT 20")) {
    problems.push_back("paid question " + r.text(0) + " is " + r.text(1) + " but its payment is '" + r.text(2) + "'");
  }
  return problems;
}

}  // namespace gh::expert

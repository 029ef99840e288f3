// gh::expert: paid questions to an expert (知识星球's 付费提问).
//
// A member with the creator role or above sets an offer per community (price, days to answer,
// an intro). A member asks: the question is written as `awaiting_payment` with the offer's price
// and days copied, and a checkout is started for it through billing's one checkout (item kind
// "question", see QuestionProduct). Paying opens the question with a deadline; the money waits
// on the community's held account. The expert answers (the money moves to the expert's payable
// account in the answer's transaction) or declines (a refund); a question still open at its
// deadline is refunded by the sweep. A question leaves `open` by ONE conditional UPDATE, in the
// answer, the decline, a refund request and the sweep alike, so exactly one of them wins.
//
//   awaiting_payment --paid--> open --answer--> answered
//                                   --decline / deadline / refund request--> refunding --> refunded
//
// Who sees a question and its answer: its asker, its expert (once paid) and the community's
// owners and admins; everyone else gets NotFound at every door (can_see()). An answered question
// whose asker allowed it is also published to the community as a members-only question post by
// the asker, with the answer as its accepted answer.
//
// Thread-safe: state lives in the database.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "billing/checkout.hpp"
#include "billing/products.hpp"
#include "billing/refunds.hpp"
#include "community/community.hpp"
#include "content/content.hpp"
#include "content/qa.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/money.hpp"
#include "core/result.hpp"
#include "db/db.hpp"

namespace gh::expert {

inline constexpr std::string_view kProductKind = "question";
inline constexpr int64_t kMinAnswerDays = 1;
inline constexpr int64_t kMaxAnswerDays = 30;
inline constexpr size_t kMaxIntroChars = 200;
inline constexpr size_t kMaxTitleChars = 200;
inline constexpr size_t kMaxBodyBytes = 20'000;
inline constexpr size_t kMaxReasonChars = 500;

// Notification kinds (translated as notify.kind.<kind>); the target is ("paid_question", id).
inline constexpr std::string_view kNotifyAsked = "paid_question";              // To the expert, once paid.
inline constexpr std::string_view kNotifyAnswered = "paid_question_answered";  // To the asker.
inline constexpr std::string_view kNotifyRefunded = "paid_question_refunded";  // To the asker.

struct Offer {
  CommunityId community;
  std::string community_slug;
  UserId expert;
  std::string username;
  std::string display_name;
  Money price = Money::zero("CNY");
  int64_t answer_days = 0;
  std::string intro;
  bool active = false;
  Millis updated_at = 0;
};

struct OfferInput {
  int64_t price_minor = 0;  // > 0.
  std::string currency;     // "" = the community's currency.
  int64_t answer_days = 0;  // kMinAnswerDays..kMaxAnswerDays.
  std::string intro;        // At most kMaxIntroChars, one line.
  bool active = true;
};

struct Question {
  int64_t id = 0;
  CommunityId community;
  std::string community_slug;
  std::string community_name;
  UserId asker;
  std::string asker_username;
  std::string asker_display_name;
  UserId expert;
  std::string expert_username;
  std::string expert_display_name;
  std::string title;
  std::string body_md;
  std::string body_html;
  bool allow_publish = false;
  Money price = Money::zero("CNY");
  int64_t answer_days = 0;
  std::string status;  // awaiting_payment | open | answered | refunding | refunded
  std::optional<int64_t> payment_id;
  std::string payment_public_id;
  std::string payment_status;  // succeeded | refunded, "" before payment
  std::optional<Millis> paid_at;
  std::optional<Millis> deadline_at;
  std::string answer_md;
  std::string answer_html;
  std::optional<Millis> answered_at;
  std::string refund_reason;  // deadline | declined | requested, "" otherwise
  std::string decline_reason;
  std::optional<Millis> refunded_at;
  std::optional<PostId> post_id;  // The published copy, when the asker allowed it.
  Millis created_at = 0;
};

struct AskInput {
  std::string title;
  std::string body_md;
  bool allow_publish = false;
  std::string provider;         // "manual" | "stripe"
  std::string return_url_base;  // For Stripe: "https://host".
};

struct Asked {
  Question question;
  billing::Checkout checkout;
};

enum class Side { Asker, Expert };

// Whether `viewer` may see `q`: its asker; its expert once paid; the community's owners and
// admins once paid. THE visibility rule of this capability: every door asks it.
bool can_see(db::Tx& tx, std::optional<UserId> viewer, const Question& q);

// What billing sells under kind "question" (billing/products.hpp).
class QuestionProduct : public billing::Product {
 public:
  // Only the asker of an awaiting_payment question without a pending checkout; no coupons.
  Result<billing::Quote> quote(db::Tx& tx, UserId buyer, int64_t item_id, Millis now) const override;
  bool holds_payment() const override { return true; }
  // awaiting_payment -> open with its deadline; notifies the expert. A second payment for a
  // question already paid changes nothing (Experts::sweep refunds it).
  Status fulfil(db::Tx& tx, const billing::Checkout& checkout, int64_t payment_id, Millis now) const override;
  // Claims an open question for the refund; refuses an answered one (expert.already_answered).
  Status begin_refund(db::Tx& tx, const billing::Payment& payment, Millis now) const override;
  // -> refunded and notifies the asker. An answered question stays answered (a refund made at
  // the provider's dashboard after the money was released: logged, and check_books reports it).
  void refunded(db::Tx& tx, const billing::Payment& payment, Millis now) const override;
};

class Experts {
 public:
  Experts(db::Database& db, const Clock& clock, billing::Checkouts& checkouts, billing::Refunds& refunds,
          content::Posts& posts, content::Questions& questions)
      : db_(db), clock_(clock), checkouts_(checkouts), refunds_(refunds), posts_(posts), questions_(questions) {}

  // Sets the actor's own offer in the community. Errors: community.not_found,
  // expert.creator_role_required (Forbidden), expert.invalid_price, expert.invalid_days,
  // expert.invalid_intro, money.unknown_currency (Invalid, with the field).
  Result<Offer> set_offer(UserId actor, std::string_view slug, const OfferInput& input);
  // Active offers of members who still hold the creator role or above, cheapest first.
  // community.not_found also for a private community the viewer does not belong to.
  Result<std::vector<Offer>> offers(std::optional<UserId> viewer, std::string_view slug);
  // The viewer's own offer, active or not.
  std::optional<Offer> own_offer(UserId viewer, std::string_view slug);

  // Writes the question and starts its checkout; when the checkout cannot start, the question
  // is removed again. Errors: expert.invalid_title, expert.invalid_body, billing.unknown_provider
  // (Invalid); community.not_found, expert.not_found (NotFound: no active offer);
  // community.members_only, moderation.banned, moderation.muted, expert.own_offer (Forbidden);
  // and Checkouts::start's errors.
  Result<Asked> ask(UserId asker, std::string_view slug, std::string_view expert_username, const AskInput& input);

  // expert.question_not_found for anyone can_see() refuses.
  Result<Question> get(std::optional<UserId> viewer, int64_t id);
  // The viewer's questions as asker (all) or as expert (paid ones), newest first, at most 200.
  std::vector<Question> mine(UserId viewer, Side side);
  // The expert's open questions in a community, the nearest deadline first.
  Result<std::vector<Question>> inbox(UserId expert, std::string_view slug);

  // The expert answers, in one transaction: claims the open question, stores the answer, books
  // the release (held -> the expert's payable account) and notifies the asker; then publishes
  // it when the asker allowed it. Errors: expert.question_not_found, expert.not_the_expert
  // (Forbidden), expert.invalid_body (Invalid), expert.already_answered, expert.not_open
  // (Conflict: refunding, refunded or unpaid), moderation.banned.
  Result<Question> answer(UserId expert, int64_t id, std::string_view body_md);
  // The expert declines: claims the open question for a refund, then refunds it after the
  // commit (a provider failure leaves it refunding, for the sweep). Errors as for answer(),
  // expert.invalid_reason.
  Result<Question> decline(UserId expert, int64_t id, std::string_view reason);

  // Claims questions open past their deadline and refunds every claimed question (also those a
  // failed refund left refunding), and refunds stray payments (a second payment for a question
  // already paid). Returns how many refunds were booked. Safe on several servers at once.
  int sweep(Millis now);

 private:
  // Best effort after the answer's commit; failures are logged (the answer stands).
  void publish(const Question& q);
  void refund_question(int64_t id, int64_t payment_id);

  db::Database& db_;
  const Clock& clock_;
  billing::Checkouts& checkouts_;
  billing::Refunds& refunds_;
  content::Posts& posts_;
  content::Questions& questions_;
};

// The books of paid questions, recomputed from rows (for `guildhall ledger check`): per
// community and currency, the held account holds exactly the (amount - fee) of succeeded
// question payments not yet answered; every answered question has exactly one release of
// amount - fee and no other question has one; each question's status agrees with its payment.
std::vector<std::string> check_books(db::Tx& tx);

}  // namespace gh::expert

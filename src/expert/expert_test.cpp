// Paid questions: offers, asking through the checkout, answering (the release), declining, the
// deadline sweep, a race between an answer and the sweep, visibility and the books.
#include "expert/expert.hpp"

#include <gtest/gtest.h>

#include <atomic>

#include "billing/books.hpp"
#include "billing/fixture_test.hpp"
#include "ledger/ledger.hpp"

namespace gh::expert {
namespace {

class ExpertTest : public billing::BillingFixture {
 protected:
  QuestionProduct product;
  billing::Catalog catalog;
  billing::Checkouts sales{database.db(), clock, communities, billing::CheckoutOptions{500, nullptr, &catalog}};
  billing::Refunds refunds{database.db(), clock, billing::RefundOptions{72, nullptr, &catalog}};
  content::Questions questions{database.db(), clock, posts};
  Experts experts{database.db(), clock, sales, refunds, posts, questions};
  UserId sage, other;

  void SetUp() override {
    BillingFixture::SetUp();
    catalog.add(std::string(kProductKind), product);
    sage = user("sage");
    other = user("other");
    for (auto u : {sage, buyer, other}) {
      ASSERT_TRUE(communities.join(u, "club"));
    }
    ASSERT_TRUE(communities.set_role(owner, "club", "sage", "creator"));
    ASSERT_TRUE(experts.set_offer(sage, "club", {5000, "", 3, "Ask me about Rust", true}));
  }

  AskInput input(bool publish = false) {
    return AskInput{"How do lifetimes work?", "Explain `'a` please.", publish, "manual", ""};
  }

  // Asks and pays (manual, confirmed by the owner); returns the open question.
  Question paid_question(bool publish = false) {
    auto asked = experts.ask(buyer, "club", "sage", input(publish));
    EXPECT_TRUE(asked) << asked.error().code;
    auto paid = sales.confirm_manual(owner, asked->checkout.public_id);
    EXPECT_TRUE(paid) << paid.error().code;
    return *experts.get(buyer, asked->question.id);
  }

  void expect_all_books_ok() {
    expect_books_ok();
    auto billing_report = database.db().read([](db::Tx& tx) { return billing::check_books(tx); });
    EXPECT_TRUE(billing_report.ok) << (billing_report.problems.empty() ? "" : billing_report.problems[0]);
    auto problems = database.db().read([](db::Tx& tx) { return check_books(tx); });
    EXPECT_TRUE(problems.empty()) << (problems.empty() ? "" : problems[0]);
  }

  int64_t notifications(UserId u, std::string_view kind) {
    return database.db().read([&](db::Tx& tx) {
      return *tx.scalar_i64("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = $2",
                            {u.value, std::string(kind)});
    });
  }
};

TEST_F(ExpertTest, OffersNeedTheCreatorRoleAndSaneTerms) {
  EXPECT_EQ(experts.set_offer(buyer, "club", {5000, "", 3, "", true}).error().code, "expert.creator_role_required");
  EXPECT_EQ(experts.set_offer(sage, "nowhere", {5000, "", 3, "", true}).error().code, "community.not_found");
  EXPECT_EQ(experts.set_offer(sage, "club", {0, "", 3, "", true}).error().code, "expert.invalid_price");
  EXPECT_EQ(experts.set_offer(sage, "club", {5000, "", 0, "", true}).error().code, "expert.invalid_days");
  EXPECT_EQ(experts.set_offer(sage, "club", {5000, "", 31, "", true}).error().code, "expert.invalid_days");
  EXPECT_EQ(experts.set_offer(sage, "club", {5000, "", 3, "two\nlines", true}).error().code, "expert.invalid_intro");
  EXPECT_EQ(experts.set_offer(sage, "club", {5000, "XXX", 3, "", true}).error().code, "money.unknown_currency");

  auto usd = experts.set_offer(sage, "club", {1500, "USD", 30, "  Rust  ", true});
  ASSERT_TRUE(usd);
  EXPECT_EQ(usd->price.currency(), "USD");
  EXPECT_EQ(usd->intro, "Rust");
  auto listed = experts.offers(std::nullopt, "club");
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].username, "sage");
  EXPECT_EQ((*listed)[0].answer_days, 30);

  // The owner (above creator) may offer too; an inactive offer is not listed, nor one whose
  // expert lost the creator role.
  ASSERT_TRUE(experts.set_offer(owner, "club", {100, "", 1, "", false}));
  EXPECT_EQ(experts.offers(buyer, "club")->size(), 1u);
  ASSERT_TRUE(communities.set_role(owner, "club", "sage", "member"));
  EXPECT_TRUE(experts.offers(buyer, "club")->empty());
  EXPECT_EQ(experts.ask(buyer, "club", "sage", input()).error().code, "expert.not_found");
  EXPECT_TRUE(experts.own_offer(sage, "club").has_value()) << "the expert still sees their own offer";
}

TEST_F(ExpertTest, AskPayAndAnswerReleasesTheMoneyToTheExpert) {
  auto asked = experts.ask(buyer, "club", "sage", input());
  ASSERT_TRUE(asked) << asked.error().code;
  EXPECT_EQ(asked->question.status, "awaiting_payment");
  EXPECT_EQ(asked->question.price.amount_minor(), 5000);
  EXPECT_EQ(asked->checkout.amount.amount_minor(), 5000);
  EXPECT_EQ(asked->checkout.item_kind, "question");
  EXPECT_EQ(asked->checkout.item_url, "/paid-questions/" + std::to_string(asked->question.id));
  // Not paid: the expert sees nothing, and a second checkout for it is refused.
  EXPECT_EQ(experts.get(sage, asked->question.id).error().code, "expert.question_not_found");
  billing::CheckoutInput again;
  again.provider = "manual";
  again.item_kind = "question";
  again.item_id = asked->question.id;
  EXPECT_EQ(sales.start(buyer, again).error().code, "expert.checkout_pending");

  // The expert's price change does not touch a question already asked.
  ASSERT_TRUE(experts.set_offer(sage, "club", {9000, "", 3, "", true}));
  auto payment = sales.confirm_manual(owner, asked->checkout.public_id);
  ASSERT_TRUE(payment);
  EXPECT_EQ(payment->amount.amount_minor(), 5000);
  auto open = experts.get(sage, asked->question.id);
  ASSERT_TRUE(open);
  EXPECT_EQ(open->status, "open");
  EXPECT_EQ(*open->paid_at, clock.now_ms());
  EXPECT_EQ(*open->deadline_at, clock.now_ms() + 3 * 24 * 3600 * 1000LL);
  EXPECT_EQ(open->payment_public_id, payment->public_id);
  EXPECT_EQ(notifications(sage, kNotifyAsked), 1);
  EXPECT_EQ(balance(ledger::community_held(club, "CNY")), -4750);
  EXPECT_EQ(sales.start(buyer, again).error().code, "expert.already_paid");

  EXPECT_EQ(experts.answer(buyer, open->id, "me").error().code, "expert.not_the_expert");
  EXPECT_EQ(experts.answer(sage, open->id, "  ").error().code, "expert.invalid_body");
  auto answered = experts.answer(sage, open->id, "Lifetimes **name** scopes.");
  ASSERT_TRUE(answered) << answered.error().code;
  EXPECT_EQ(answered->status, "answered");
  EXPECT_NE(answered->answer_html.find("<strong>name</strong>"), std::string::npos);
  EXPECT_EQ(balance(ledger::community_held(club, "CNY")), 0);
  EXPECT_EQ(balance(ledger::creator_payable(sage, "CNY")), -4750);
  EXPECT_EQ(balance(ledger::platform_fees("CNY")), -250);
  EXPECT_EQ(communities.find("club")->income_minor, 0) << "the expert's money is not the community's income";
  EXPECT_EQ(notifications(buyer, kNotifyAnswered), 1);
  EXPECT_FALSE(answered->post_id) << "not published without the asker's consent";

  EXPECT_EQ(experts.answer(sage, open->id, "again").error().code, "expert.already_answered");
  EXPECT_EQ(experts.decline(sage, open->id, "").error().code, "expert.already_answered");
  EXPECT_EQ(refunds.refund(owner, payment->public_id).error().code, "expert.already_answered");
  EXPECT_EQ(experts.sweep(clock.now_ms() + 10LL * 24 * 3600 * 1000), 0);
  EXPECT_EQ(balance(ledger::creator_payable(sage, "CNY")), -4750);
  expect_all_books_ok();
}

TEST_F(ExpertTest, AskingIsForMembersOtherThanTheExpert) {
  EXPECT_EQ(experts.ask(sage, "club", "sage", input()).error().code, "expert.own_offer");
  EXPECT_EQ(experts.ask(buyer, "club", "nobody", input()).error().code, "expert.not_found");
  EXPECT_EQ(experts.ask(buyer, "nowhere", "sage", input()).error().code, "community.not_found");
  const auto stranger = user("stranger");
  EXPECT_EQ(experts.ask(stranger, "club", "sage", input()).error().code, "community.members_only");
  auto bad = input();
  bad.title = "";
  EXPECT_EQ(experts.ask(buyer, "club", "sage", bad).error().code, "expert.invalid_title");
  bad = input();
  bad.body_md = "";
  EXPECT_EQ(experts.ask(buyer, "club", "sage", bad).error().code, "expert.invalid_body");
  bad = input();
  bad.provider = "cash";
  EXPECT_EQ(experts.ask(buyer, "club", "sage", bad).error().code, "billing.unknown_provider");
  // The checkout cannot start (no Stripe here): nothing of the question remains.
  bad = input();
  bad.provider = "stripe";
  EXPECT_EQ(experts.ask(buyer, "club", "sage", bad).error().code, "billing.provider_unavailable");
  EXPECT_EQ(count("SELECT COUNT(*) FROM paid_questions"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM checkouts"), 0);

  database.db().write([&](db::Tx& tx) {
    tx.exec(
        "INSERT INTO community_mutes (community_id, user_id, muted_by, reason, ends_at, created_at) VALUES ($1, "
        "$2, $3, '', $4, $5)",
        {club.value, buyer.value, owner.value, clock.now_ms() + 60'000, clock.now_ms()});
    tx.exec(
        "INSERT INTO community_bans (community_id, user_id, banned_by, reason, created_at) VALUES ($1, $2, $3, "
        "'', $4)",
        {club.value, other.value, owner.value, clock.now_ms()});
  });
  EXPECT_EQ(experts.ask(buyer, "club", "sage", input()).error().code, "moderation.muted");
  EXPECT_EQ(experts.ask(other, "club", "sage", input()).error().code, "moderation.banned");
  EXPECT_EQ(count("SELECT COUNT(*) FROM paid_questions"), 0);
}

TEST_F(ExpertTest, TheDeadlineSweepRefundsOnce) {
  auto q = paid_question();
  ASSERT_EQ(q.status, "open");
  EXPECT_EQ(experts.sweep(clock.now_ms()), 0) << "not due yet";
  clock.advance_ms(3LL * 24 * 3600 * 1000);
  EXPECT_EQ(experts.sweep(clock.now_ms()), 1);
  EXPECT_EQ(experts.sweep(clock.now_ms()), 0);
  auto refunded = experts.get(buyer, q.id);
  EXPECT_EQ(refunded->status, "refunded");
  EXPECT_EQ(refunded->refund_reason, "deadline");
  EXPECT_EQ(refunded->payment_status, "refunded");
  EXPECT_EQ(balance(ledger::community_held(club, "CNY")), 0);
  EXPECT_EQ(balance(ledger::manual_clearing("CNY")), 0);
  EXPECT_EQ(balance(ledger::platform_fees("CNY")), 0);
  EXPECT_EQ(notifications(buyer, kNotifyRefunded), 1);
  EXPECT_EQ(experts.answer(sage, q.id, "too late").error().code, "expert.not_open");
  EXPECT_EQ(count("SELECT COUNT(*) FROM ledger_transactions WHERE kind = 'reversal'"), 1);
  expect_all_books_ok();
}

TEST_F(ExpertTest, AnAnswerRacingTheSweepEndsInExactlyOneOfThem) {
  int answered = 0;
  int refunded = 0;
  for (int round = 0; round < 20; ++round) {
    auto q = paid_question();
    clock.advance_ms(3LL * 24 * 3600 * 1000);
    std::atomic<int> answers{0};
    race(2, [&](int i) {
      if (i == round % 2) {  // Alternate which thread starts first.
        answers += experts.answer(sage, q.id, "Round " + std::to_string(round)).has_value() ? 1 : 0;
      } else {
        experts.sweep(clock.now_ms());
      }
    });
    experts.sweep(clock.now_ms());  // A claim the racing sweep made after its read is refunded now.
    auto after = experts.get(buyer, q.id);
    if (after->status == "answered") {
      EXPECT_EQ(answers.load(), 1);
      EXPECT_EQ(after->payment_status, "succeeded");
      ++answered;
    } else {
      EXPECT_EQ(answers.load(), 0);
      EXPECT_EQ(after->status, "refunded");
      EXPECT_EQ(after->payment_status, "refunded");
      ++refunded;
    }
  }
  EXPECT_EQ(answered + refunded, 20);
  EXPECT_EQ(balance(ledger::community_held(club, "CNY")), 0);
  EXPECT_EQ(balance(ledger::creator_payable(sage, "CNY")), -4750 * answered);
  EXPECT_EQ(balance(ledger::manual_clearing("CNY")), 5000 * answered);
  expect_all_books_ok();
}

TEST_F(ExpertTest, OnlyTheAskerTheExpertAndTheStaffSeeAQuestion) {
  auto asked = experts.ask(buyer, "club", "sage", input());
  ASSERT_TRUE(asked);
  const auto id = asked->question.id;
  EXPECT_TRUE(experts.get(buyer, id));
  EXPECT_FALSE(experts.get(owner, id)) << "unpaid: the asker only";
  ASSERT_TRUE(sales.confirm_manual(owner, asked->checkout.public_id));
  EXPECT_TRUE(experts.get(sage, id));
  EXPECT_TRUE(experts.get(owner, id));
  EXPECT_EQ(experts.get(other, id).error().code, "expert.question_not_found");
  EXPECT_EQ(experts.get(std::nullopt, id).error().code, "expert.question_not_found");
  EXPECT_EQ(experts.answer(other, id, "x").error().code, "expert.question_not_found");
  EXPECT_EQ(experts.answer(owner, id, "x").error().code, "expert.not_the_expert");
  EXPECT_EQ(experts.mine(buyer, Side::Asker).size(), 1u);
  EXPECT_EQ(experts.mine(sage, Side::Expert).size(), 1u);
  EXPECT_TRUE(experts.mine(other, Side::Asker).empty());
  EXPECT_EQ(experts.inbox(sage, "club")->size(), 1u);
  EXPECT_TRUE(experts.inbox(other, "club")->empty());
}

TEST_F(ExpertTest, TheExpertDeclinesAndTheAskerIsRefunded) {
  auto q = paid_question();
  EXPECT_EQ(experts.decline(buyer, q.id, "").error().code, "expert.not_the_expert");
  EXPECT_EQ(experts.decline(other, q.id, "").error().code, "expert.question_not_found");
  EXPECT_EQ(experts.decline(sage, q.id, std::string(501, 'x')).error().code, "expert.invalid_reason");
  auto declined = experts.decline(sage, q.id, "Not my field");
  ASSERT_TRUE(declined) << declined.error().code;
  EXPECT_EQ(declined->status, "refunded");
  EXPECT_EQ(declined->refund_reason, "declined");
  EXPECT_EQ(declined->decline_reason, "Not my field");
  EXPECT_EQ(experts.answer(sage, q.id, "after all").error().code, "expert.not_open");
  EXPECT_EQ(experts.decline(sage, q.id, "").error().code, "expert.not_open");
  EXPECT_EQ(notifications(buyer, kNotifyRefunded), 1);
  EXPECT_EQ(balance(ledger::community_held(club, "CNY")), 0);
  expect_all_books_ok();
}

TEST_F(ExpertTest, TheAskerRefundsAnOpenQuestionWithinTheWindow) {
  auto q = paid_question();
  auto refunded = refunds.refund(buyer, q.payment_public_id);
  ASSERT_TRUE(refunded) << refunded.error().code;
  auto after = experts.get(buyer, q.id);
  EXPECT_EQ(after->status, "refunded");
  EXPECT_EQ(after->refund_reason, "requested");
  EXPECT_EQ(experts.answer(sage, q.id, "late").error().code, "expert.not_open");
  expect_all_books_ok();
}

TEST_F(ExpertTest, AnAnswerTheAskerAllowsIsPublishedToMembers) {
  auto q = paid_question(true);
  auto answered = experts.answer(sage, q.id, "Published answer.");
  ASSERT_TRUE(answered);
  ASSERT_TRUE(answered->post_id);
  auto post = posts.get_with_comments(buyer, *answered->post_id, content::Posts::CountView::No);
  ASSERT_TRUE(post);
  EXPECT_EQ(post->post.kind, "question");
  EXPECT_EQ(post->post.visibility, "members");
  EXPECT_EQ(post->post.author.id, buyer);
  ASSERT_TRUE(post->post.accepted_comment_id);
  ASSERT_EQ(post->comments.size(), 1u);
  EXPECT_EQ(post->comments[0].author.id, sage);
  EXPECT_TRUE(post->comments[0].accepted);
  const auto stranger = user("stranger");
  EXPECT_TRUE(posts.get(stranger, *answered->post_id, content::Posts::CountView::No)->locked)
      << "members only: a non-member sees no body";
  expect_all_books_ok();
}

}  // namespace
}  // namespace gh::expert

#include "content/qa.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "community/community.hpp"
#include "engage/badges.hpp"
#include "engage/points.hpp"
#include "identity/identity.hpp"
#include "testing/test_database.hpp"

namespace gh::content {
namespace {

class QaTest : public ::testing::Test {
 protected:
  testing::TestDatabase database;
  ManualClock clock{1'800'000'000'000};
  identity::Identity identity{database.db(), clock, identity::Options{}};
  community::Communities communities{database.db(), clock, community::Options{"CNY"}};
  Posts posts{database.db(), clock};
  Questions questions{database.db(), clock, posts};
  UserId owner, asker, alice, bob, outsider;
  CommunityId cpp;

  void SetUp() override {
    owner = user("owner");
    asker = user("asker");
    alice = user("alice");
    bob = user("bob");
    outsider = user("outsider");
    cpp = communities.create(owner, {"cpp", "C++", "", "", "", true})->id;
    for (auto u : {asker, alice, bob}) {
      ASSERT_TRUE(communities.join(u, "cpp"));
    }
  }

  UserId user(const std::string& name) {
    return database.db().write([&](db::Tx& tx) {
      return identity.insert_user(tx, {name + "@example.com", name, "", ""}, "not-a-real-hash")->id;
    });
  }

  Result<Post> ask(std::optional<int64_t> bounty = std::nullopt, std::string kind = "question") {
    PostInput input;
    input.title = "How do I move a unique_ptr?";
    input.body_md = "Details.";
    input.kind = std::move(kind);
    input.bounty_points = bounty;
    auto post = posts.create(asker, "cpp", input);
    clock.advance_ms(1000);
    return post;
  }
  CommentId answer(UserId who, PostId post, std::optional<int64_t> parent = std::nullopt) {
    auto c = posts.add_comment(who, post, CommentInput{"Use std::move.", parent});
    EXPECT_TRUE(c);
    clock.advance_ms(1000);
    return c->id;
  }
  int64_t balance(UserId who) {
    return database.db().read([&](db::Tx& tx) { return engage::balance_of(tx, who, cpp); });
  }
  void grant(UserId who, int64_t points) {
    database.db().write([&](db::Tx& tx) {
      engage::post_transfer(tx, who, cpp, points, "test_grant", "grant", who.value, clock.now_ms());
    });
  }
  void expect_books_balance() {
    auto problems = database.db().read([](db::Tx& tx) { return engage::check_balances(tx); });
    EXPECT_TRUE(problems.empty()) << problems.front();
  }
};

TEST_F(QaTest, PublishingEarnsPointsAndDeletingReversesThem) {
  auto q = ask();
  ASSERT_TRUE(q);
  EXPECT_EQ(balance(asker), 5);
  EXPECT_EQ(q->author_points, 5);
  ASSERT_TRUE(posts.remove(asker, q->id));
  EXPECT_EQ(balance(asker), 0);
  PostInput draft;
  draft.title = "Draft";
  draft.body_md = "x";
  draft.draft = true;
  auto d = posts.create(alice, "cpp", draft);
  EXPECT_EQ(balance(alice), 0);
  PostPatch publish;
  publish.draft = false;
  ASSERT_TRUE(posts.update(alice, d->id, publish));
  EXPECT_EQ(balance(alice), 5);
  expect_books_balance();
}

TEST_F(QaTest, AcceptanceRules) {
  auto q = ask();
  const auto a = answer(alice, q->id);
  const auto reply = answer(bob, q->id, a.value);
  const auto own = answer(asker, q->id);
  EXPECT_EQ(questions.accept(bob, a).error().code, "qa.not_asker");
  EXPECT_EQ(questions.accept(asker, own).error().code, "qa.own_answer");
  EXPECT_EQ(questions.accept(asker, reply).error().code, "qa.not_an_answer");
  EXPECT_EQ(questions.accept(outsider, a).error().code, "qa.not_asker");
  EXPECT_EQ(questions.accept(asker, CommentId(9999)).error().kind, ErrorKind::NotFound);
  PostInput discussion;
  discussion.title = "Chat";
  discussion.body_md = "x";
  auto d = posts.create(asker, "cpp", discussion);
  EXPECT_EQ(questions.accept(asker, answer(alice, d->id)).error().code, "qa.not_a_question");

  auto accepted = questions.accept(asker, a);
  ASSERT_TRUE(accepted) << accepted.error().code;
  EXPECT_EQ(accepted->points, 15);
  EXPECT_EQ(accepted->new_badges, std::vector<std::string>{"first_accepted"});
  // A moderator may accept too; the same answer again changes nothing.
  EXPECT_TRUE(questions.accept(owner, a));
  EXPECT_EQ(balance(alice), 15);
  EXPECT_EQ(posts.get(std::nullopt, q->id, Posts::CountView::No)->accepted_comment_id, a);
}

TEST_F(QaTest, AcceptingAnotherAnswerMovesItAndItsPoints) {
  auto q = ask();
  const auto a = answer(alice, q->id);
  const auto b = answer(bob, q->id);
  ASSERT_TRUE(questions.accept(asker, a));
  auto moved = questions.accept(asker, b);
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->previous, a);
  EXPECT_EQ(balance(alice), 0);
  EXPECT_EQ(balance(bob), 15);
  ASSERT_TRUE(questions.unaccept(asker, b));
  EXPECT_EQ(balance(bob), 0);
  EXPECT_FALSE(posts.get(std::nullopt, q->id, Posts::CountView::No)->accepted_comment_id);
  // Re-accepting pays again, once.
  ASSERT_TRUE(questions.accept(asker, a));
  ASSERT_TRUE(questions.accept(asker, a));
  EXPECT_EQ(balance(alice), 15);
  expect_books_balance();
}

TEST_F(QaTest, AnswersComeAcceptedFirstThenByVotesThenByTime) {
  auto q = ask();
  const auto first = answer(alice, q->id);
  const auto second = answer(bob, q->id);
  const auto third = answer(owner, q->id);
  answer(asker, q->id, first.value);  // A reply stays in its thread.
  ASSERT_TRUE(questions.upvote(alice, third));
  ASSERT_TRUE(questions.upvote(asker, third));
  ASSERT_TRUE(questions.upvote(asker, second));
  ASSERT_TRUE(questions.accept(asker, first));
  auto page = posts.get_with_comments(asker, q->id, Posts::CountView::No);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->comments.size(), 4u);
  EXPECT_EQ(page->comments[0].id, first);
  EXPECT_TRUE(page->comments[0].accepted);
  EXPECT_TRUE(page->comments[1].parent_id.has_value());
  EXPECT_EQ(page->comments[2].id, third);
  EXPECT_EQ(page->comments[2].upvotes, 2);
  EXPECT_TRUE(page->comments[2].viewer_upvoted);
  EXPECT_EQ(page->comments[3].id, second);
  EXPECT_EQ(page->comments[0].author_points, 15);
}

TEST_F(QaTest, CommentUpvotesAreOncePerMemberNotOwnAndUnvotingReverses) {
  auto q = ask();
  const auto a = answer(alice, q->id);
  EXPECT_EQ(questions.upvote(alice, a).error().code, "content.self_vote");
  EXPECT_EQ(questions.upvote(outsider, a).error().code, "community.members_only");
  EXPECT_EQ(*questions.upvote(bob, a), 1);
  EXPECT_EQ(*questions.upvote(bob, a), 1);
  EXPECT_EQ(balance(alice), 2);
  EXPECT_EQ(*questions.remove_upvote(bob, a), 0);
  EXPECT_EQ(*questions.remove_upvote(bob, a), 0);
  EXPECT_EQ(balance(alice), 0);
  // Post upvotes pay the author the same way.
  ASSERT_TRUE(posts.upvote(bob, q->id));
  EXPECT_EQ(balance(asker), 7);
  ASSERT_TRUE(posts.remove_upvote(bob, q->id));
  EXPECT_EQ(balance(asker), 5);
  expect_books_balance();
}

TEST_F(QaTest, RemovedAnswersLoseTheirPointsAndAcceptance) {
  auto q = ask();
  const auto a = answer(alice, q->id);
  ASSERT_TRUE(questions.upvote(bob, a));
  ASSERT_TRUE(questions.accept(asker, a));
  EXPECT_EQ(balance(alice), 17);
  ASSERT_TRUE(posts.remove_comment(owner, a));
  EXPECT_EQ(balance(alice), 0);
  EXPECT_FALSE(posts.get(std::nullopt, q->id, Posts::CountView::No)->accepted_comment_id);
  expect_books_balance();
}

TEST_F(QaTest, BountyIsHeldAtAskingAndRefusedWhenShort) {
  EXPECT_EQ(ask(50).error().code, "points.insufficient");
  EXPECT_EQ(balance(asker), 0);  // The refused question was not written either.
  grant(asker, 100);
  EXPECT_EQ(ask(50, "discussion").error().code, "qa.not_a_question");
  auto q = ask(60);
  ASSERT_TRUE(q) << q.error().code;
  EXPECT_EQ(balance(asker), 100 + 5 - 60);
  auto bounty = questions.bounty(q->id);
  ASSERT_TRUE(bounty);
  EXPECT_EQ(bounty->status, "open");
  EXPECT_EQ(bounty->deadline_at, clock.now_ms() - 1000 + kDefaultBountyDays * engage::kDayMs);
  EXPECT_EQ(questions.offer_bounty(asker, q->id, 10, 7).error().code, "qa.bounty_exists");
}

TEST_F(QaTest, BountyOfferedLaterIsPaidToTheAcceptedAnswer) {
  grant(asker, 100);
  auto q = ask();
  EXPECT_EQ(questions.offer_bounty(alice, q->id, 10, 7).error().code, "qa.not_asker");
  EXPECT_EQ(questions.offer_bounty(asker, q->id, 0, 7).error().code, "qa.invalid_bounty");
  EXPECT_EQ(questions.offer_bounty(asker, q->id, 500, 7).error().code, "points.insufficient");
  ASSERT_TRUE(questions.offer_bounty(asker, q->id, 40, 3));
  const auto a = answer(alice, q->id);
  const auto b = answer(bob, q->id);
  auto accepted = questions.accept(asker, a);
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->bounty_paid, 40);
  EXPECT_EQ(balance(alice), 15 + 40);
  // Moving the acceptance later does not move the bounty: it was paid once.
  auto moved = questions.accept(asker, b);
  EXPECT_EQ(moved->bounty_paid, 0);
  EXPECT_EQ(balance(alice), 40);
  EXPECT_EQ(questions.bounty(q->id)->status, "paid");
  EXPECT_TRUE(questions.settle_due(clock.now_ms() + 30 * engage::kDayMs).empty());
  expect_books_balance();
}

TEST_F(QaTest, UnansweredBountyReturnsToTheAskerAfterTheDeadline) {
  grant(asker, 100);
  auto q = ask(30);
  const auto a = answer(alice, q->id);
  EXPECT_TRUE(questions.settle_due(clock.now_ms()).empty());
  clock.advance_ms(kDefaultBountyDays * engage::kDayMs);
  auto settled = questions.settle_due(clock.now_ms());
  ASSERT_EQ(settled.size(), 1u);
  EXPECT_EQ(settled[0].points, 30);
  EXPECT_EQ(balance(asker), 105);
  EXPECT_TRUE(questions.settle_due(clock.now_ms()).empty());
  // Accepting after the deadline still earns the answer's points, but no bounty.
  auto accepted = questions.accept(asker, a);
  EXPECT_EQ(accepted->bounty_paid, 0);
  EXPECT_EQ(balance(alice), 15);
  expect_books_balance();
}

TEST_F(QaTest, AcceptRacingTheSweepPaysOneSideOnly) {
  grant(asker, 10'000);
  database.db().write([&](db::Tx& tx) {
    EXPECT_TRUE(engage::set_rule(tx, cpp, engage::Rule{engage::Act::PostPublished, 5, 1000}));
    EXPECT_TRUE(engage::set_rule(tx, cpp, engage::Rule{engage::Act::AnswerAccepted, 15, 1000}));
  });
  for (int round = 0; round < 12; ++round) {
    auto q = ask(20, "question");
    ASSERT_TRUE(q);
    const auto a = answer(alice, q->id);
    const Millis deadline = questions.bounty(q->id)->deadline_at;
    std::thread accepting([&] { EXPECT_TRUE(questions.accept(asker, a)); });
    std::thread sweeping([&] { questions.settle_due(deadline); });
    accepting.join();
    sweeping.join();
    auto entries = database.db().read([&](db::Tx& tx) {
      return *tx.scalar_i64(
          "SELECT COUNT(*) FROM point_entries WHERE source_type = 'post' AND source_id = $1 "
          "AND reason IN ('bounty_paid', 'bounty_returned')",
          {q->id.value});
    });
    EXPECT_EQ(entries, 1) << "round " << round;
    const auto status = questions.bounty(q->id)->status;
    EXPECT_TRUE(status == "paid" || status == "returned");
  }
  expect_books_balance();
  // Every bounty went to exactly one side: the asker's and alice's points add up.
  const int64_t paid = database.db().read(
      [&](db::Tx& tx) { return *tx.scalar_i64("SELECT COUNT(*) FROM bounties WHERE status = 'paid'"); });
  EXPECT_EQ(balance(alice), 12 * 15 + paid * 20);
  EXPECT_EQ(balance(asker), 10'000 + 12 * 5 - paid * 20);
}

TEST_F(QaTest, FirstAnswerBadge) {
  auto q = ask();
  answer(alice, q->id);
  answer(alice, q->id);
  answer(asker, q->id);
  auto badges = database.db().read([&](db::Tx& tx) { return engage::badges_of(tx, alice, false); });
  ASSERT_EQ(badges.size(), 1u);
  EXPECT_EQ(badges[0].badge, "first_answer");
  auto own = database.db().read([&](db::Tx& tx) { return engage::badges_of(tx, asker, false); });
  ASSERT_EQ(own.size(), 1u);
  EXPECT_EQ(own[0].badge, "first_post");
}

TEST_F(QaTest, TenAcceptedAnswersEarnABadgeOnce) {
  std::vector<std::string> earned;
  for (int i = 0; i < 11; ++i) {
    auto q = ask();
    auto accepted = questions.accept(asker, answer(alice, q->id));
    ASSERT_TRUE(accepted);
    earned.insert(earned.end(), accepted->new_badges.begin(), accepted->new_badges.end());
  }
  EXPECT_EQ(earned, (std::vector<std::string>{"first_accepted", "ten_accepted"}));
}

}  // namespace
}  // namespace gh::content

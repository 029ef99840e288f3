#include "moderation/feedback.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "community/community.hpp"
#include "identity/identity.hpp"
#include "moderation/surveys.hpp"
#include "testing/test_database.hpp"

namespace gh::moderation {
namespace {

class FeedbackTest : public ::testing::Test {
 protected:
  testing::TestDatabase database;
  ManualClock clock{1'800'000'000'000};
  identity::Identity identity{database.db(), clock, identity::Options{}};
  community::Communities communities{database.db(), clock, community::Options{"CNY"}};
  Feedback feedback{database.db(), clock};
  Surveys surveys{database.db(), clock};
  UserId owner, admin, member, other, outsider;

  void SetUp() override {
    owner = user("owner");
    admin = user("admin");
    member = user("member");
    other = user("other");
    outsider = user("outsider");
    ASSERT_TRUE(communities.create(owner, {"club", "Club", "", "", "", true}));
    for (auto u : {admin, member, other}) {
      ASSERT_TRUE(communities.join(u, "club"));
    }
    ASSERT_TRUE(communities.set_role(owner, "club", "admin", "admin"));
  }

  UserId user(const std::string& name) {
    return database.db().write([&](db::Tx& tx) {
      return identity.insert_user(tx, {name + "@example.com", name, "", ""}, "not-a-real-hash")->id;
    });
  }

  Survey poll() {
    SurveyInput input{"Next meetup",
                      {{"single", "Which day?", {"Saturday", "Sunday", " "}},
                       {"multiple", "Topics?", {"C++", "Rust", "Go"}},
                       {"text", "Anything else?", {}}}};
    auto survey = surveys.create(owner, "club", input);
    EXPECT_TRUE(survey) << (survey ? "" : survey.error().code);
    return *survey;
  }

  std::vector<SurveyAnswer> answers(const Survey& s, size_t day, std::vector<size_t> topics, std::string text) {
    std::vector<int64_t> topic_ids;
    for (auto t : topics) {
      topic_ids.push_back(s.questions[1].options[t].id);
    }
    return {{s.questions[0].id, {s.questions[0].options[day].id}, ""},
            {s.questions[1].id, topic_ids, ""},
            {s.questions[2].id, {}, std::move(text)}};
  }
};

TEST_F(FeedbackTest, TicketThreadWithStatusFollowingWhoSpokeLast) {
  auto ticket = feedback.open(member, "club", "Broken link", "The pricing page link is broken.");
  ASSERT_TRUE(ticket) << ticket.error().code;
  EXPECT_EQ(ticket->status, "open");
  EXPECT_EQ(feedback.open(member, "club", "", "x").error().code, "feedback.invalid_subject");
  EXPECT_EQ(feedback.open(member, "club", "x", " ").error().code, "feedback.invalid_body");
  auto answered = feedback.reply(admin, ticket->id, "Fixed, thanks!");
  ASSERT_TRUE(answered);
  EXPECT_EQ(answered->status, "answered");
  ASSERT_EQ(answered->messages.size(), 2u);
  EXPECT_TRUE(answered->messages[1].from_staff);
  EXPECT_EQ(feedback.reply(member, ticket->id, "Still broken")->status, "open");
  EXPECT_EQ(feedback.close(member, ticket->id)->status, "closed");
  EXPECT_EQ(feedback.reply(owner, ticket->id, "?").error().code, "feedback.closed");
}

TEST_F(FeedbackTest, OwnersSeeAllTicketsMembersOnlyTheirOwn) {
  auto mine = feedback.open(member, "club", "Mine", "text");
  auto theirs = feedback.open(other, "club", "Theirs", "text");
  ASSERT_TRUE(mine && theirs);
  EXPECT_EQ(feedback.list(owner, "club")->size(), 2u);
  EXPECT_EQ(feedback.list(admin, "club")->size(), 2u);
  auto own = feedback.list(member, "club");
  ASSERT_EQ(own->size(), 1u);
  EXPECT_EQ((*own)[0].subject, "Mine");
  EXPECT_EQ(feedback.get(member, theirs->id).error().code, "feedback.not_found");
  EXPECT_EQ(feedback.reply(member, theirs->id, "x").error().code, "feedback.not_found");
  EXPECT_TRUE(feedback.get(admin, theirs->id));
}

TEST_F(FeedbackTest, SurveyAnsweredOnceWithResultsForOwners) {
  const auto s = poll();
  ASSERT_EQ(s.questions.size(), 3u);
  EXPECT_EQ(s.questions[0].options.size(), 2u);  // The blank choice was dropped.
  EXPECT_EQ(surveys.create(member, "club", {"x", {{"text", "y", {}}}}).error().code, "surveys.managers_only");
  EXPECT_EQ(surveys.create(owner, "club", {"x", {{"single", "y", {"only one"}}}}).error().code,
            "surveys.invalid_question");
  EXPECT_EQ(surveys.create(owner, "club", {"x", {}}).error().code, "surveys.invalid_question");

  ASSERT_TRUE(surveys.answer(member, s.id, answers(s, 0, {0, 1}, "Pizza please")));
  EXPECT_EQ(surveys.answer(member, s.id, answers(s, 1, {2}, "again")).error().code, "surveys.already_answered");
  auto two_days = answers(s, 0, {0}, "x");
  two_days[0].option_ids.push_back(s.questions[0].options[1].id);
  EXPECT_EQ(surveys.answer(other, s.id, two_days).error().code, "surveys.invalid_answer");
  auto foreign = answers(s, 0, {0}, "x");
  foreign[1].option_ids = {s.questions[0].options[0].id};  // An option of another question.
  EXPECT_EQ(surveys.answer(other, s.id, foreign).error().code, "surveys.invalid_answer");
  EXPECT_EQ(surveys.answer(other, s.id, answers(s, 1, {1}, " ")).error().code, "surveys.invalid_answer");
  ASSERT_TRUE(surveys.answer(other, s.id, answers(s, 1, {1}, "Tea")));
  EXPECT_EQ(surveys.answer(outsider, s.id, answers(s, 1, {1}, "x")).error().code, "surveys.not_found");

  EXPECT_EQ(surveys.results(member, s.id).error().code, "surveys.managers_only");
  auto results = surveys.results(admin, s.id);
  ASSERT_TRUE(results);
  EXPECT_EQ(results->responses, 2);
  EXPECT_EQ(results->questions[0].options[0].count, 1);
  EXPECT_EQ(results->questions[0].options[1].count, 1);
  EXPECT_EQ(results->questions[1].options[1].count, 2);
  EXPECT_EQ(results->questions[1].options[2].count, 0);
  EXPECT_EQ(results->questions[2].texts, (std::vector<std::string>{"Pizza please", "Tea"}));
  EXPECT_TRUE(surveys.get(member, s.id)->viewer_answered);

  ASSERT_TRUE(surveys.close(owner, s.id));
  EXPECT_EQ(surveys.answer(admin, s.id, answers(s, 1, {1}, "late")).error().code, "surveys.closed");
}

// A double submit from two tabs records one response.
TEST_F(FeedbackTest, ParallelAnswersByOneMemberRecordOne) {
  const auto s = poll();
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 5; ++i) {
    threads.emplace_back([&] {
      if (surveys.answer(member, s.id, answers(s, 0, {0}, "hi"))) {
        ++ok;
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(surveys.results(owner, s.id)->responses, 1);
  EXPECT_EQ(surveys.results(owner, s.id)->questions[2].texts.size(), 1u);
}

}  // namespace
}  // namespace gh::moderation

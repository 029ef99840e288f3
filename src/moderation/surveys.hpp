// gh::moderation surveys: short questionnaires a community's owners and admins put to its
// members. Questions are single choice, multiple choice or free text; each member answers once
// (the primary key of survey_responses decides, so parallel submissions record one); owners
// and admins read the results: counts per option and the free texts. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/result.hpp"
#include "db/db.hpp"

namespace gh::moderation {

inline constexpr size_t kMaxQuestions = 20;
inline constexpr size_t kMaxOptions = 20;
inline constexpr size_t kMaxPromptChars = 500;
inline constexpr size_t kMaxAnswerChars = 2'000;

struct SurveyQuestionInput {
  std::string kind;  // single | multiple | text
  std::string prompt;
  std::vector<std::string> options;  // Choices (2 or more); none for text.
};

struct SurveyInput {
  std::string title;
  std::vector<SurveyQuestionInput> questions;
};

struct SurveyOption {
  int64_t id = 0;
  std::string label;
  int64_t count = 0;  // Results only.
};

struct SurveyQuestion {
  int64_t id = 0;
  std::string kind;
  std::string prompt;
  std::vector<SurveyOption> options;
  std::vector<std::string> texts;  // Results only: the free-text answers.
};

struct Survey {
  int64_t id = 0;
  CommunityId community;
  std::string community_slug;
  std::string title;
  Millis created_at = 0;
  bool closed = false;
  int64_t responses = 0;
  std::vector<SurveyQuestion> questions;
  bool viewer_answered = false;
  bool viewer_can_manage = false;  // Owners and admins: results and closing.
};

// One answer: option ids for choice questions, text for text questions.
struct SurveyAnswer {
  int64_t question_id = 0;
  std::vector<int64_t> option_ids;
  std::string text;
};

class Surveys {
 public:
  Surveys(db::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Owners and admins. Errors: surveys.invalid_title, surveys.invalid_question (Invalid),
  // surveys.managers_only (Forbidden).
  Result<Survey> create(UserId actor, std::string_view community_slug, const SurveyInput& input);
  // Members (and up) of the community: its surveys, newest first.
  Result<std::vector<Survey>> list(UserId viewer, std::string_view community_slug);
  Result<Survey> get(UserId viewer, int64_t id);
  // Members, once, every question answered. surveys.already_answered (Conflict),
  // surveys.closed (Conflict), surveys.invalid_answer (Invalid).
  Status answer(UserId user, int64_t id, const std::vector<SurveyAnswer>& answers);
  // Owners and admins: counts per option and the free texts.
  Result<Survey> results(UserId viewer, int64_t id);
  Result<Survey> close(UserId actor, int64_t id);

 private:
  Result<Survey> load(db::Tx& tx, UserId viewer, int64_t id, bool with_results);

  db::Database& db_;
  const Clock& clock_;
};

}  // namespace gh::moderation

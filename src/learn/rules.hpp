// gh::learn rules without a database: who reads a lesson, how a quiz is scored, how a
// certificate id is signed. Pure functions; thread-safe. Every door (page, API, the product,
// progress and quizzes) decides lesson access through can_read_lesson and nothing else.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "access/entitlements.hpp"

namespace gh::learn {

// free: everyone who may see the community. tiers: a live entitlement to a listed tier.
// paid: bought on its own (a paid enrolment), or a listed tier when the course lists any.
enum class CourseAccess { Free, Tiers, Paid };
std::string_view access_name(CourseAccess access);
std::optional<CourseAccess> parse_access(std::string_view name);

struct CourseGate {
  CourseAccess access = CourseAccess::Free;
  std::vector<int64_t> tier_ids;
};

// What the decision knows about one viewer in one course.
struct Reader {
  bool staff = false;  // An instructor of the course, or a moderator and up of its community.
  bool paid = false;   // An active enrolment bought through the checkout (not refunded).
  access::Entitlements entitlements;
};

// Whether the reader has the whole course (every lesson).
bool can_read_course(const CourseGate& gate, const Reader& reader);
// THE lesson decision: a preview lesson is open to everyone who sees the course; any other
// lesson to those who have the whole course. A locked lesson shows its title only.
bool can_read_lesson(const CourseGate& gate, bool preview, const Reader& reader);

// Quizzes. A choice question is right when exactly the correct options are chosen; a short
// answer when it matches an accepted answer ignoring case and runs of white space.
enum class QuestionKind { Single, Multiple, Short };
std::string_view question_kind_name(QuestionKind kind);
std::optional<QuestionKind> parse_question_kind(std::string_view name);

struct QuizOption {
  int64_t id = 0;
  std::string text;
  bool correct = false;  // For short questions every option is an accepted answer.
};

struct QuizQuestion {
  int64_t id = 0;
  QuestionKind kind = QuestionKind::Single;
  std::string prompt;
  std::vector<QuizOption> options;
};

struct Answer {
  int64_t question_id = 0;
  std::vector<int64_t> option_ids;  // Choice questions.
  std::string text;                 // Short questions.
};

struct Score {
  int64_t correct = 0;
  int64_t total = 0;
  int64_t percent = 0;  // Rounded down; 100 for a quiz without questions.
  bool passed = false;
  std::vector<std::pair<int64_t, bool>> results;  // (question id, right) in question order.
};

// ASCII letters in lower case, trimmed, each run of white space as one space (other text, e.g.
// Chinese, is compared as written).
std::string normalize_answer(std::string_view text);
Score score_quiz(const std::vector<QuizQuestion>& questions, const std::vector<Answer>& answers, int64_t pass_percent);

// Certificates: "<id>-<HMAC-SHA256(secret, id) in hex>". parse answers the id only when the
// signature is right.
std::string certificate_code(std::string_view secret, int64_t id);
std::optional<int64_t> parse_certificate_code(std::string_view secret, std::string_view code);

}  // namespace gh::learn

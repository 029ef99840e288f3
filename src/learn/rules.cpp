#include "learn/rules.hpp"

#include <algorithm>
#include <charconv>
#include <set>

#include "core/text.hpp"
#include "identity/secrets.hpp"

namespace gh::learn {

std::string_view access_name(CourseAccess access) {
  switch (access) {
    case CourseAccess::Free: return "free";
    case CourseAccess::Tiers: return "tiers";
    case CourseAccess::Paid: return "paid";
  }
  return "free";
}

std::optional<CourseAccess> parse_access(std::string_view name) {
  for (auto a : {CourseAccess::Free, CourseAccess::Tiers, CourseAccess::Paid}) {
    if (access_name(a) == name) {
      return a;
    }
  }
  return std::nullopt;
}

bool can_read_course(const CourseGate& gate, const Reader& reader) {
  if (reader.staff || gate.access == CourseAccess::Free) {
    return true;
  }
  if (gate.access == CourseAccess::Paid && reader.paid) {
    return true;
  }
  return std::any_of(gate.tier_ids.begin(), gate.tier_ids.end(),
                     [&](int64_t tier) { return reader.entitlements.tiers.count(tier) > 0; });
}

bool can_read_lesson(const CourseGate& gate, bool preview, const Reader& reader) {
  return preview || can_read_course(gate, reader);
}

std::string_view question_kind_name(QuestionKind kind) {
  switch (kind) {
    case QuestionKind::Single: return "single";
    case QuestionKind::Multiple: return "multiple";
    case QuestionKind::Short: return "short";
  }
  return "single";
}

std::optional<QuestionKind> parse_question_kind(std::string_view name) {
  for (auto k : {QuestionKind::Single, QuestionKind::Multiple, QuestionKind::Short}) {
    if (question_kind_name(k) == name) {
      return k;
    }
  }
  return std::nullopt;
}

std::string normalize_answer(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text::to_lower_ascii(text)) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      space = !out.empty();
      continue;
    }
    if (space) {
      out.push_back(' ');
      space = false;
    }
    out.push_back(c);
  }
  return out;
}

Score score_quiz(const std::vector<QuizQuestion>& questions, const std::vector<Answer>& answers, int64_t pass_percent) {
  Score score;
  score.total = static_cast<int64_t>(questions.size());
  for (const auto& q : questions) {
    const auto answer =
        std::find_if(answers.begin(), answers.end(), [&](const Answer& a) { return a.question_id == q.id; });
    bool right = false;
    if (answer != answers.end()) {
      if (q.kind == QuestionKind::Short) {
        const auto given = normalize_answer(answer->text);
        right = !given.empty() && std::any_of(q.options.begin(), q.options.end(),
                                              [&](const QuizOption& o) { return normalize_answer(o.text) == given; });
      } else {
        std::set<int64_t> chosen(answer->option_ids.begin(), answer->option_ids.end());
        std::set<int64_t> wanted;
        for (const auto& o : q.options) {
          if (o.correct) {
            wanted.insert(o.id);
          }
        }
        right = !wanted.empty() && chosen == wanted && (q.kind == QuestionKind::Multiple || chosen.size() == 1);
      }
    }
    score.correct += right ? 1 : 0;
    score.results.emplace_back(q.id, right);
  }
  score.percent = score.total == 0 ? 100 : score.correct * 100 / score.total;
  score.passed = score.percent >= pass_percent;
  return score;
}

std::string certificate_code(std::string_view secret, int64_t id) {
  const auto text = std::to_string(id);
  return text + "-" + identity::hmac_sha256_hex(secret, text);
}

std::optional<int64_t> parse_certificate_code(std::string_view secret, std::string_view code) {
  const auto dash = code.find('-');
  if (dash == std::string_view::npos || dash == 0 || dash > 18) {
    return std::nullopt;
  }
  int64_t id = 0;
  const auto digits = code.substr(0, dash);
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || id <= 0 || std::to_string(id) != digits) {
    return std::nullopt;
  }
  const auto expected = identity::hmac_sha256_hex(secret, digits);
  if (!identity::equal_constant_time(expected, code.substr(dash + 1))) {
    return std::nullopt;
  }
  return id;
}

}  // namespace gh::learn

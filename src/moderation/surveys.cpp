#include "moderation/surveys.hpp"

#include <algorithm>
#include <set>

#include "access/access.hpp"
#include "core/text.hpp"

namespace gh::moderation {
namespace {

Error survey_not_found() {
  return not_found("surveys.not_found", "No such survey.");
}

bool valid_text(std::string_view text, size_t max_chars) {
  return !text.empty() && text::is_valid_utf8(text) && text::utf8_length(text) <= max_chars;
}

Status validate(const SurveyInput& input) {
  if (!valid_text(text::trim(input.title), 200)) {
    return invalid("surveys.invalid_title", "A survey title has 1 to 200 characters.", "title");
  }
  if (input.questions.empty() || input.questions.size() > kMaxQuestions) {
    return invalid("surveys.invalid_question", "A survey has 1 to 20 questions.", "questions");
  }
  for (const auto& q : input.questions) {
    if (q.kind != "single" && q.kind != "multiple" && q.kind != "text") {
      return invalid("surveys.invalid_question", "A question is single, multiple or text.", "questions");
    }
    if (!valid_text(text::trim(q.prompt), kMaxPromptChars)) {
      return invalid("surveys.invalid_question", "A question has 1 to 500 characters.", "questions");
    }
    if (q.kind == "text") {
      continue;
    }
    size_t options = 0;
    for (const auto& o : q.options) {
      if (!text::trim(o).empty()) {
        if (!valid_text(text::trim(o), 200)) {
          return invalid("surveys.invalid_question", "A choice has 1 to 200 characters.", "questions");
        }
        ++options;
      }
    }
    if (options < 2 || options > kMaxOptions) {
      return invalid("surveys.invalid_question", "A choice question has 2 to 20 choices.", "questions");
    }
  }
  return {};
}

}  // namespace

Result<Survey> Surveys::create(UserId actor, std::string_view community_slug, const SurveyInput& input) {
  if (auto ok = validate(input); !ok) {
    return ok.error();
  }
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<Survey> {
    auto community = tx.scalar_i64("SELECT id FROM communities WHERE slug = $1", {std::string(community_slug)});
    if (!community) {
      return not_found("community.not_found", "No such community.");
    }
    if (access::role_in(tx, actor, CommunityId(*community)) < access::Role::Admin) {
      return forbidden("surveys.managers_only", "Only owners and admins make surveys.");
    }
    auto id = tx.scalar_i64(
        "INSERT INTO surveys (community_id, title, created_by, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        {*community, text::trim(input.title), actor.value, now});
    int position = 0;
    for (const auto& q : input.questions) {
      auto question = tx.scalar_i64(
          "INSERT INTO survey_questions (survey_id, position, kind, prompt) VALUES ($1, $2, $3, $4) RETURNING id",
          {*id, position++, q.kind, text::trim(q.prompt)});
      if (q.kind == "text") {
        continue;
      }
      int option_position = 0;
      for (const auto& o : q.options) {
        if (!text::trim(o).empty()) {
          tx.exec("INSERT INTO survey_options (question_id, position, label) VALUES ($1, $2, $3)",
                  {*question, option_position++, text::trim(o)});
        }
      }
    }
    return load(tx, actor, *id, false);
  });
}

Result<Survey> Surveys::load(db::Tx& tx, UserId viewer, int64_t id, bool with_results) {
  auto row = tx.one(
      "SELECT s.id, s.community_id, c.slug, s.title, s.created_at, s.closed_at, "
      "(SELECT COUNT(*) FROM survey_responses r WHERE r.survey_id = s.id) "
      "FROM surveys s JOIN communities c ON c.id = s.community_id WHERE s.id = $1",
      {id});
  if (!row) {
    return survey_not_found();
  }
  const auto& r = row->row();
  Survey s;
  s.id = r.i64(0);
  s.community = CommunityId(r.i64(1));
  s.community_slug = r.text(2);
  s.title = r.text(3);
  s.created_at = r.i64(4);
  s.closed = !r.is_null(5);
  s.responses = r.i64(6);
  const auto role = access::role_in(tx, viewer, s.community);
  if (role == access::Role::None) {
    return survey_not_found();
  }
  s.viewer_can_manage = role >= access::Role::Admin;
  if (with_results && !s.viewer_can_manage) {
    return forbidden("surveys.managers_only", "Only owners and admins see the results.");
  }
  s.viewer_answered =
      tx.one("SELECT 1 FROM survey_responses WHERE survey_id = $1 AND user_id = $2", {id, viewer.value}).has_value();
  for (auto q : tx.exec("SELECT id, kind, prompt FROM survey_questions WHERE survey_id = $1 ORDER BY position", {id})) {
    s.questions.push_back(SurveyQuestion{q.i64(0), q.text(1), q.text(2), {}, {}});
  }
  for (auto& q : s.questions) {
    for (auto o : tx.exec("SELECT o.id, o.label, (SELECT COUNT(*) FROM survey_answers a WHERE a.option_id = o.id) "
                          "FROM survey_options o WHERE o.question_id = $1 ORDER BY o.position",
                          {q.id})) {
      q.options.push_back(SurveyOption{o.i64(0), o.text(1), with_results ? o.i64(2) : 0});
    }
    if (with_results && q.kind == "text") {
      for (auto a : tx.exec("SELECT text_value FROM survey_answers WHERE question_id = $1 AND text_value IS NOT NULL "
                            "ORDER BY id",
                            {q.id})) {
        q.texts.push_back(a.text(0));
      }
    }
  }
  return s;
}

Result<std::vector<Survey>> Surveys::list(UserId viewer, std::string_view community_slug) {
  return db_.read([&](db::Tx& tx) -> Result<std::vector<Survey>> {
    auto community = tx.scalar_i64("SELECT id FROM communities WHERE slug = $1", {std::string(community_slug)});
    if (!community) {
      return not_found("community.not_found", "No such community.");
    }
    if (access::role_in(tx, viewer, CommunityId(*community)) == access::Role::None) {
      return forbidden("community.members_only", "Join the community to see its surveys.");
    }
    std::vector<int64_t> ids;
    for (auto r : tx.exec("SELECT id FROM surveys WHERE community_id = $1 ORDER BY id DESC LIMIT 100", {*community})) {
      ids.push_back(r.i64(0));
    }
    std::vector<Survey> out;
    for (auto id : ids) {
      auto s = load(tx, viewer, id, false);
      if (s) {
        out.push_back(std::move(s).value());
      }
    }
    return out;
  });
}

Result<Survey> Surveys::get(UserId viewer, int64_t id) {
  return db_.read([&](db::Tx& tx) { return load(tx, viewer, id, false); });
}

Result<Survey> Surveys::results(UserId viewer, int64_t id) {
  return db_.read([&](db::Tx& tx) { return load(tx, viewer, id, true); });
}

Status Surveys::answer(UserId user, int64_t id, const std::vector<SurveyAnswer>& answers) {
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Status {
    auto survey = load(tx, user, id, false);
    if (!survey) {
      return survey.error();
    }
    if (survey->closed) {
      return conflict("surveys.closed", "This survey is closed.");
    }
    if (survey->viewer_answered) {
      return conflict("surveys.already_answered", "You have already answered this survey.");
    }
    // Every question answered exactly as its kind asks, before anything is written.
    for (const auto& q : survey->questions) {
      auto a =
          std::find_if(answers.begin(), answers.end(), [&](const SurveyAnswer& x) { return x.question_id == q.id; });
      if (a == answers.end()) {
        return invalid("surveys.invalid_answer", "Answer every question.", "q" + std::to_string(q.id));
      }
      if (q.kind == "text") {
        if (!valid_text(text::trim(a->text), kMaxAnswerChars)) {
          return invalid("surveys.invalid_answer", "An answer has 1 to 2,000 characters.", "q" + std::to_string(q.id));
        }
        continue;
      }
      const std::set<int64_t> chosen(a->option_ids.begin(), a->option_ids.end());
      const bool known = std::all_of(chosen.begin(), chosen.end(), [&](int64_t o) {
        return std::any_of(q.options.begin(), q.options.end(), [&](const SurveyOption& x) { return x.id == o; });
      });
      if (!known || chosen.empty() || (q.kind == "single" && chosen.size() != 1)) {
        return invalid("surveys.invalid_answer", "Choose one of the offered choices (several for multiple choice).",
                       "q" + std::to_string(q.id));
      }
    }
    auto inserted = tx.exec(
        "INSERT INTO survey_responses (survey_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        {id, user.value, now});
    if (inserted.affected != 1) {
      return conflict("surveys.already_answered", "You have already answered this survey.");
    }
    for (const auto& q : survey->questions) {
      const auto& a =
          *std::find_if(answers.begin(), answers.end(), [&](const SurveyAnswer& x) { return x.question_id == q.id; });
      if (q.kind == "text") {
        tx.exec("INSERT INTO survey_answers (survey_id, user_id, question_id, text_value) VALUES ($1, $2, $3, $4)",
                {id, user.value, q.id, text::trim(a.text)});
        continue;
      }
      for (auto option : std::set<int64_t>(a.option_ids.begin(), a.option_ids.end())) {
        tx.exec("INSERT INTO survey_answers (survey_id, user_id, question_id, option_id) VALUES ($1, $2, $3, $4)",
                {id, user.value, q.id, option});
      }
    }
    return {};
  });
}

Result<Survey> Surveys::close(UserId actor, int64_t id) {
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<Survey> {
    auto survey = load(tx, actor, id, false);
    if (!survey) {
      return survey;
    }
    if (!survey->viewer_can_manage) {
      return forbidden("surveys.managers_only", "Only owners and admins close surveys.");
    }
    tx.exec("UPDATE surveys SET closed_at = $1 WHERE id = $2 AND closed_at IS NULL", {now, id});
    return load(tx, actor, id, false);
  });
}

}  // namespace gh::moderation

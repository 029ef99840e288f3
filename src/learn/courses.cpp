#include "learn/courses.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "access/access.hpp"
#include "access/entitlements.hpp"
#include "content/content.hpp"
#include "core/text.hpp"
#include "engage/points.hpp"
#include "files/files.hpp"
#include "identity/secrets.hpp"
#include "learn/store.hpp"
#include "notify/notifications.hpp"
#include "render/markdown.hpp"

namespace gh::learn {
namespace {

constexpr std::string_view kCertificateSecret = "certificates";

Error course_not_found() {
  return not_found("learn.course_not_found", "No such course.");
}
Error lesson_not_found() {
  return not_found("learn.lesson_not_found", "No such lesson.");
}
Error staff_only() {
  return forbidden("learn.instructors_only",
                   "Only the course's instructors and the community's moderators may do this.");
}

bool is_web_url(std::string_view url) {
  if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0) {
    return false;
  }
  if (url.size() > 500 || !text::is_valid_utf8(url)) {
    return false;
  }
  return std::none_of(url.begin(), url.end(), [](char c) {
    return static_cast<unsigned char>(c) <= ' ' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '\\';
  });
}

Status check_title(std::string_view title, std::string_view field = "title") {
  const auto trimmed = text::trim(title);
  if (trimmed.empty() || text::utf8_length(trimmed) > kMaxTitleChars || !text::is_valid_utf8(trimmed)) {
    return invalid("learn.invalid_title", "A title has 1 to 200 characters.", std::string(field));
  }
  return {};
}

std::vector<Person> instructors_of(db::Tx& tx, int64_t course_id) {
  std::vector<Person> out;
  for (auto r : tx.exec("SELECT u.username, u.display_name FROM course_instructors i JOIN users u ON u.id = i.user_id "
                        "WHERE i.course_id = $1 ORDER BY i.created_at, u.id",
                        {course_id})) {
    out.push_back({r.text(0), r.text(1)});
  }
  return out;
}

Course course_of(const CourseRow& row) {
  Course c;
  c.id = row.id;
  c.community_id = row.community;
  c.community_slug = row.community_slug;
  c.community_name = row.community_name;
  c.title = row.title;
  c.summary = row.summary;
  c.cover_url = row.cover_url;
  c.access = row.gate.access;
  c.tier_ids = row.gate.tier_ids;
  c.price = row.price;
  c.created_at = row.created_at;
  return c;
}

void set_viewer(Course& c, const Viewer& v) {
  c.viewer_staff = v.reader.staff;
  c.viewer_enrolled = v.enrolment && v.enrolment->status == "active";
  c.viewer_paid = v.reader.paid;
}

// Staff of the course, or the error to return.
Result<CourseRow> course_for_staff(db::Tx& tx, UserId actor, int64_t course_id, Millis now) {
  auto course = load_course(tx, course_id);
  if (!course) {
    return course_not_found();
  }
  const auto viewer = viewer_of(tx, *course, actor, now);
  if (!viewer.sees) {
    return course_not_found();
  }
  if (!viewer.reader.staff) {
    return staff_only();
  }
  return std::move(*course);
}

struct ParsedCourse {
  std::string title;
  std::string summary;
  std::string cover_url;
  CourseAccess access = CourseAccess::Free;
  std::vector<int64_t> tier_ids;
  std::optional<Money> price;
};

Result<ParsedCourse> parse_course(db::Tx& tx, CommunityId community, const CourseInput& in) {
  ParsedCourse out;
  if (auto s = check_title(in.title); !s) {
    return std::move(s).error();
  }
  out.title = text::trim(in.title);
  out.summary = text::trim(in.summary);
  if (text::utf8_length(out.summary) > kMaxSummaryChars || !text::is_valid_utf8(out.summary)) {
    return invalid("learn.invalid_summary", "A summary has at most 2,000 characters.", "summary");
  }
  out.cover_url = text::trim(in.cover_url);
  if (!out.cover_url.empty() && !is_web_url(out.cover_url)) {
    return invalid("learn.invalid_cover_url", "A cover is an http:// or https:// image link.", "cover_url");
  }
  auto access = parse_access(in.access);
  if (!access) {
    return invalid("learn.invalid_access", "access is free, tiers or paid.", "access");
  }
  out.access = *access;
  std::set<int64_t> tiers(in.tier_ids.begin(), in.tier_ids.end());
  for (int64_t tier : tiers) {
    if (!tx.one("SELECT 1 FROM tiers WHERE id = $1 AND community_id = $2", {tier, community.value})) {
      return invalid("learn.invalid_tier", "A listed tier is not one of this community's tiers.", "tier_ids");
    }
  }
  if (*access == CourseAccess::Free && !tiers.empty()) {
    return invalid("learn.invalid_tier", "A free course lists no tiers.", "tier_ids");
  }
  if (*access == CourseAccess::Tiers && tiers.empty()) {
    return invalid("learn.tiers_required", "List the tiers that include this course.", "tier_ids");
  }
  out.tier_ids.assign(tiers.begin(), tiers.end());
  if (*access == CourseAccess::Paid) {
    if (!in.price || in.price->amount_minor() <= 0) {
      return invalid("learn.price_required", "A paid course has a price above zero.", "price");
    }
    if (in.price->amount_minor() > 100'000'000'00) {
      return invalid("learn.price_required", "This price is too high.", "price");
    }
    out.price = in.price;
  }
  return out;
}

void save_tiers(db::Tx& tx, int64_t course_id, const std::vector<int64_t>& tiers) {
  tx.exec("DELETE FROM course_tiers WHERE course_id = $1", {course_id});
  for (int64_t tier : tiers) {
    tx.exec("INSERT INTO course_tiers (course_id, tier_id) VALUES ($1, $2)", {course_id, tier});
  }
}

struct ParsedLesson {
  std::string title;
  std::string kind;
  std::string body_md;
  std::string body_html;
  std::string video_url;
  std::string video_embed_url;
  std::optional<int64_t> file_id;
  int64_t pass_percent = 0;
  std::vector<QuestionInput> questions;
};

Result<ParsedLesson> parse_lesson(const LessonInput& in) {
  ParsedLesson out;
  if (auto s = check_title(in.title); !s) {
    return std::move(s).error();
  }
  out.title = text::trim(in.title);
  out.kind = in.kind;
  if (out.kind != "text" && out.kind != "video" && out.kind != "file" && out.kind != "quiz") {
    return invalid("learn.invalid_kind", "kind is text, video, file or quiz.", "kind");
  }
  if (in.body_md.size() > kMaxBodyChars || !text::is_valid_utf8(in.body_md)) {
    return invalid("learn.invalid_body", "The lesson text is too long or not valid UTF-8.", "body_md");
  }
  out.body_md = in.body_md;
  if (out.kind == "text" && text::trim(in.body_md).empty()) {
    return invalid("learn.body_required", "A text lesson needs its text.", "body_md");
  }
  out.body_html = render::markdown_to_html(out.body_md);
  if (in.file_id && *in.file_id <= 0) {
    return invalid("learn.invalid_file", "file_id names a stored file.", "file_id");
  }
  if (out.kind == "video") {
    const auto url = text::trim(in.video_url);
    if (!url.empty()) {
      auto embed = content::video_embed_url(url);
      if (!embed || !*embed) {
        return invalid("learn.video_host", "Video links come from YouTube, Vimeo or Bilibili.", "video_url");
      }
      out.video_url = url;
      out.video_embed_url = **embed;
    } else if (!in.file_id) {
      return invalid("learn.video_required", "A video lesson needs a video link or a stored file.", "video_url");
    }
    out.file_id = out.video_url.empty() ? in.file_id : std::nullopt;
  } else if (out.kind == "file") {
    if (!in.file_id) {
      return invalid("learn.file_required", "A file lesson needs a stored file.", "file_id");
    }
    out.file_id = in.file_id;
  } else if (out.kind == "quiz") {
    if (in.pass_percent < 0 || in.pass_percent > 100) {
      return invalid("learn.invalid_pass_percent", "The pass mark is a percentage from 0 to 100.", "pass_percent");
    }
    out.pass_percent = in.pass_percent;
    if (in.questions.empty() || in.questions.size() > kMaxQuestions) {
      return invalid("learn.questions_required", "A quiz has 1 to 100 questions.", "questions");
    }
    for (const auto& q : in.questions) {
      auto kind = parse_question_kind(q.kind);
      const auto prompt = text::trim(q.prompt);
      if (!kind) {
        return invalid("learn.invalid_question", "A question's kind is single, multiple or short.", "questions");
      }
      if (prompt.empty() || prompt.size() > 2000 || !text::is_valid_utf8(prompt)) {
        return invalid("learn.invalid_question", "Every question needs a prompt (at most 2,000 characters).",
                       "questions");
      }
      QuestionInput clean{q.kind, prompt, {}, q.correct, {}};
      const auto& items = *kind == QuestionKind::Short ? q.answers : q.options;
      for (const auto& item : items) {
        auto t = text::trim(item);
        if (t.empty() || t.size() > 500 || !text::is_valid_utf8(t)) {
          return invalid("learn.invalid_question", "Options and answers have 1 to 500 characters.", "questions");
        }
        (*kind == QuestionKind::Short ? clean.answers : clean.options).push_back(t);
      }
      if (*kind == QuestionKind::Short) {
        if (clean.answers.empty() || clean.answers.size() > kMaxOptions) {
          return invalid("learn.invalid_question", "A short question has 1 to 20 accepted answers.", "questions");
        }
        clean.correct.clear();
      } else {
        std::set<int64_t> correct(q.correct.begin(), q.correct.end());
        const bool in_range = std::all_of(correct.begin(), correct.end(), [&](int64_t i) {
          return i >= 0 && i < static_cast<int64_t>(clean.options.size());
        });
        if (clean.options.size() < 2 || clean.options.size() > kMaxOptions || correct.empty() || !in_range ||
            (*kind == QuestionKind::Single && correct.size() != 1)) {
          return invalid("learn.invalid_question",
                         "A choice question has 2 to 20 options and its correct ones (exactly one for single).",
                         "questions");
        }
        clean.correct.assign(correct.begin(), correct.end());
      }
      out.questions.push_back(std::move(clean));
    }
  }
  return out;
}

void save_questions(db::Tx& tx, int64_t lesson_id, const std::vector<QuestionInput>& questions) {
  tx.exec("DELETE FROM quiz_options WHERE question_id IN (SELECT id FROM quiz_questions WHERE lesson_id = $1)",
          {lesson_id});
  tx.exec("DELETE FROM quiz_questions WHERE lesson_id = $1", {lesson_id});
  int64_t position = 0;
  for (const auto& q : questions) {
    const auto qid = *tx.scalar_i64(
        "INSERT INTO quiz_questions (lesson_id, kind, prompt, position) VALUES ($1, $2, $3, $4) RETURNING id",
        {lesson_id, q.kind, q.prompt, ++position});
    const bool short_answer = q.kind == "short";
    const auto& items = short_answer ? q.answers : q.options;
    for (size_t i = 0; i < items.size(); ++i) {
      const bool correct =
          short_answer || std::find(q.correct.begin(), q.correct.end(), static_cast<int64_t>(i)) != q.correct.end();
      tx.exec("INSERT INTO quiz_options (question_id, text, correct, position) VALUES ($1, $2, $3, $4)",
              {qid, items[i], correct, static_cast<int64_t>(i + 1)});
    }
  }
}

// Rewrites positions 1..n in the given order.
void renumber(db::Tx& tx, std::string_view table, const std::vector<int64_t>& ids) {
  const std::string sql = "UPDATE " + std::string(table) + " SET position = $1 WHERE id = $2";
  for (size_t i = 0; i < ids.size(); ++i) {
    tx.exec(sql, {static_cast<int64_t>(i + 1), ids[i]});
  }
}

std::vector<int64_t> moved(std::vector<int64_t> ids, int64_t id, int64_t position) {
  ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
  const auto at = std::clamp<int64_t>(position, 1, static_cast<int64_t>(ids.size()) + 1) - 1;
  ids.insert(ids.begin() + at, id);
  return ids;
}

int64_t last_section(db::Tx& tx, int64_t course_id, Millis now) {
  if (auto id = tx.scalar_i64(
          "SELECT id FROM course_sections WHERE course_id = $1 ORDER BY position DESC, id DESC LIMIT 1", {course_id})) {
    return *id;
  }
  return *tx.scalar_i64(
      "INSERT INTO course_sections (course_id, title, position, created_at) VALUES ($1, $2, 1, $3) RETURNING id",
      {course_id, "Lessons", now});
}

// The learner's enrolment, or why they may not learn here.
Result<Viewer> learner_in(db::Tx& tx, const CourseRow& course, UserId learner, Millis now) {
  auto viewer = viewer_of(tx, course, learner, now);
  if (!viewer.sees) {
    return course_not_found();
  }
  if (!viewer.enrolment || viewer.enrolment->status != "active") {
    return forbidden("learn.not_enrolled", "Enrol in this course first.");
  }
  return viewer;
}

// Issues the certificate when every lesson is complete; returns its code then.
std::optional<std::string> issue_if_complete(db::Tx& tx, const CourseRow& course, UserId learner, Millis now) {
  const auto total = *tx.scalar_i64("SELECT COUNT(*) FROM lessons WHERE course_id = $1", {course.id});
  const auto done = *tx.scalar_i64(
      "SELECT COUNT(*) FROM lesson_progress p JOIN lessons l ON l.id = p.lesson_id "
      "WHERE p.user_id = $1 AND p.course_id = $2 AND p.completed_at IS NOT NULL",
      {learner.value, course.id});
  if (total == 0 || done < total) {
    return std::nullopt;
  }
  const bool issued =
      tx.exec("INSERT INTO certificates (course_id, user_id, issued_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
              {course.id, learner.value, now})
          .affected == 1;
  const auto id =
      *tx.scalar_i64("SELECT id FROM certificates WHERE course_id = $1 AND user_id = $2", {course.id, learner.value});
  auto code = certificate_code(identity::server_secret(tx, kCertificateSecret), id);
  if (issued) {
    notify::add(tx,
                {learner, "certificate_issued", std::nullopt, course.community, "certificate", id, course.title, "",
                 "/certificates/" + code},
                now);
  }
  return code;
}

// Marks the lesson complete (once) and awards its points; returns the points paid.
int64_t mark_complete(db::Tx& tx, const CourseRow& course, int64_t lesson_id, UserId learner, Millis now) {
  tx.exec(
      "INSERT INTO lesson_progress (user_id, lesson_id, course_id, completed_at, position_seconds, updated_at) "
      "VALUES ($1, $2, $3, $4, 0, $4) ON CONFLICT (user_id, lesson_id) DO UPDATE SET "
      "completed_at = COALESCE(lesson_progress.completed_at, excluded.completed_at), updated_at = excluded.updated_at",
      {learner.value, lesson_id, course.id, now});
  return engage::award(tx, engage::AwardInput{learner, course.community, engage::Act::LessonCompleted, "lesson",
                                              lesson_id, UserId(), now});
}

Progress progress_in(db::Tx& tx, const CourseRow& course, UserId learner) {
  Progress p;
  std::vector<int64_t> order;
  for (auto r : tx.exec("SELECT l.id FROM lessons l JOIN course_sections s ON s.id = l.section_id "
                        "WHERE l.course_id = $1 ORDER BY s.position, s.id, l.position, l.id",
                        {course.id})) {
    order.push_back(r.i64(0));
  }
  std::set<int64_t> done;
  std::optional<int64_t> last_touched;
  for (auto r : tx.exec("SELECT lesson_id, completed_at FROM lesson_progress WHERE user_id = $1 AND course_id = $2 "
                        "ORDER BY updated_at DESC, lesson_id DESC",
                        {learner.value, course.id})) {
    if (!last_touched) {
      last_touched = r.i64(0);
    }
    if (!r.is_null(1)) {
      done.insert(r.i64(0));
    }
  }
  p.total = static_cast<int64_t>(order.size());
  for (int64_t id : order) {
    if (done.count(id) != 0) {
      p.completed_ids.push_back(id);
    }
  }
  p.completed = static_cast<int64_t>(p.completed_ids.size());
  p.percent = p.total == 0 ? 0 : p.completed * 100 / p.total;
  // Continue: the lesson last touched when unfinished, else the first unfinished after it, else
  // the first unfinished at all.
  auto start = order.begin();
  if (last_touched) {
    if (auto at = std::find(order.begin(), order.end(), *last_touched); at != order.end()) {
      start = at;
    }
  }
  auto next = std::find_if(start, order.end(), [&](int64_t id) { return done.count(id) == 0; });
  if (next == order.end()) {
    next = std::find_if(order.begin(), order.end(), [&](int64_t id) { return done.count(id) == 0; });
  }
  if (next != order.end()) {
    p.continue_lesson_id = *next;
  }
  if (auto id = tx.scalar_i64("SELECT id FROM certificates WHERE course_id = $1 AND user_id = $2",
                              {course.id, learner.value})) {
    p.certificate_code = certificate_code(identity::server_secret(tx, kCertificateSecret), *id);
  }
  return p;
}

std::vector<QuizQuestion> questions_of(db::Tx& tx, int64_t lesson_id) {
  std::vector<QuizQuestion> out;
  std::map<int64_t, size_t> index;
  for (auto r :
       tx.exec("SELECT id, kind, prompt FROM quiz_questions WHERE lesson_id = $1 ORDER BY position, id", {lesson_id})) {
    QuizQuestion q;
    q.id = r.i64(0);
    q.kind = parse_question_kind(r.text(1)).value_or(QuestionKind::Single);
    q.prompt = r.text(2);
    index[q.id] = out.size();
    out.push_back(std::move(q));
  }
  for (auto r :
       tx.exec("SELECT o.id, o.question_id, o.text, o.correct FROM quiz_options o "
               "JOIN quiz_questions q ON q.id = o.question_id WHERE q.lesson_id = $1 ORDER BY o.position, o.id",
               {lesson_id})) {
    out[index.at(r.i64(1))].options.push_back({r.i64(0), r.text(2), r.boolean(3)});
  }
  return out;
}

// The questions as a learner may see them before answering: no correct flags, no accepted
// answers.
std::vector<QuizQuestion> without_answers(std::vector<QuizQuestion> questions) {
  for (auto& q : questions) {
    if (q.kind == QuestionKind::Short) {
      q.options.clear();
    }
    for (auto& o : q.options) {
      o.correct = false;
    }
  }
  return questions;
}

constexpr std::string_view kLessonColumns =
    "l.id, l.course_id, l.section_id, l.title, l.kind, l.preview, l.position, l.pass_percent, l.body_md, "
    "l.body_html, l.video_url, l.video_embed_url, l.file_id";

Lesson lesson_from(const db::Row& r) {
  Lesson l;
  l.id = r.i64(0);
  l.course_id = r.i64(1);
  l.section_id = r.i64(2);
  l.title = r.text(3);
  l.kind = r.text(4);
  l.preview = r.boolean(5);
  l.position = r.i64(6);
  l.pass_percent = r.i64(7);
  l.body_md = r.text(8);
  l.body_html = r.text(9);
  l.video_url = r.text(10);
  l.video_embed_url = r.text(11);
  l.file_id = r.opt_i64(12);
  return l;
}

// Applies THE decision: a locked lesson keeps its title, kind and place only.
void gate_lesson(Lesson& l, const CourseRow& course, const Viewer& viewer) {
  l.locked = !can_read_lesson(course.gate, l.preview, viewer.reader);
  if (l.locked) {
    l.body_md.clear();
    l.body_html.clear();
    l.video_url.clear();
    l.video_embed_url.clear();
    l.file_id.reset();
    l.questions.clear();
    l.pass_percent = 0;
  }
}

Cohort cohort_from(const db::Row& r) {
  Cohort c;
  c.id = r.i64(0);
  c.course_id = r.i64(1);
  c.title = r.text(2);
  c.starts_at = r.i64(3);
  c.ends_at = r.i64(4);
  c.seat_limit = r.i64(5);
  c.seats_taken = r.i64(6);
  return c;
}

constexpr std::string_view kCohortColumns = "id, course_id, title, starts_at, ends_at, seat_limit, seats_taken";

// Takes a seat in the cohort for the enrolment (one cohort per enrolment). The conditional
// UPDATE is the seat count's only writer: on PostgreSQL it locks the cohort row, and a
// concurrent enrolment re-reads the count after this one commits.
Status take_seat(db::Tx& tx, int64_t course_id, int64_t enrolment_id, int64_t cohort_id) {
  auto cohort = tx.one("SELECT course_id FROM cohorts WHERE id = $1", {cohort_id});
  if (!cohort || cohort->row().i64(0) != course_id) {
    return not_found("learn.cohort_not_found", "No such cohort in this course.");
  }
  auto current = tx.one("SELECT cohort_id FROM enrolments WHERE id = $1", {enrolment_id});
  if (current && !current->row().is_null(0)) {
    if (current->row().i64(0) == cohort_id) {
      return {};
    }
    return conflict("learn.already_in_cohort", "You are already in a cohort of this course.");
  }
  auto seat = tx.exec("UPDATE cohorts SET seats_taken = seats_taken + 1 WHERE id = $1 AND seats_taken < seat_limit",
                      {cohort_id});
  if (seat.affected != 1) {
    return conflict("learn.cohort_full", "This cohort is full.");
  }
  tx.exec("UPDATE enrolments SET cohort_id = $1 WHERE id = $2", {cohort_id, enrolment_id});
  return {};
}

Enrolment enrolment_of(const EnrolmentRow& e, int64_t course_id) {
  return Enrolment{e.id, course_id, e.cohort_id, e.paid_payment_id.has_value(), e.status};
}

}  // namespace

Result<Course> Courses::create(UserId actor, std::string_view community_slug, const CourseInput& input) {
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<Course> {
    auto community = tx.one("SELECT id, is_public FROM communities WHERE slug = $1", {community_slug});
    if (!community) {
      return not_found("community.not_found", "No such community.");
    }
    const CommunityId cid(community->row().i64(0));
    const auto role = access::role_in(tx, actor, cid);
    if (role == access::Role::None && !community->row().boolean(1)) {
      return not_found("community.not_found", "No such community.");
    }
    if (role < access::Role::Creator) {
      return forbidden("learn.creators_only", "Creators and up make courses.");
    }
    auto parsed = parse_course(tx, cid, input);
    if (!parsed) {
      return std::move(parsed).error();
    }
    const auto id = *tx.scalar_i64(
        "INSERT INTO courses (community_id, title, summary, cover_url, access, price_minor, currency, created_by, "
        "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
        {cid.value, parsed->title, parsed->summary, parsed->cover_url, access_name(parsed->access),
         parsed->price ? db::Param(parsed->price->amount_minor()) : db::Param(nullptr),
         parsed->price ? db::Param(parsed->price->currency()) : db::Param(nullptr), actor.value, now});
    save_tiers(tx, id, parsed->tier_ids);
    tx.exec("INSERT INTO course_instructors (course_id, user_id, created_at) VALUES ($1, $2, $3)",
            {id, actor.value, now});
    auto row = *load_course(tx, id);
    auto course = course_of(row);
    course.instructors = instructors_of(tx, id);
    set_viewer(course, viewer_of(tx, row, actor, now));
    course.viewer_full = true;
    return course;
  });
}

Result<Course> Courses::update(UserId actor, int64_t course_id, const CourseInput& input) {
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<Course> {
    auto row = course_for_staff(tx, actor, course_id, now);
    if (!row) {
      return std::move(row).error();
    }
    auto parsed = parse_course(tx, row->community, input);
    if (!parsed) {
      return std::move(parsed).error();
    }
    tx.exec(
        "UPDATE courses SET title = $1, summary = $2, cover_url = $3, access = $4, price_minor = $5, currency = $6, "
        "updated_at = $7 WHERE id = $8",
        {parsed->title, parsed->summary, parsed->cover_url, access_name(parsed->access),
         parsed->price ? db::Param(parsed->price->amount_minor()) : db::Param(nullptr),
         parsed->price ? db::Param(parsed->price->currency()) : db::Param(nullptr), now, course_id});
    save_tiers(tx, course_id, parsed->tier_ids);
    auto fresh = *load_course(tx, course_id);
    auto course = course_of(fresh);
    course.instructors = instructors_of(tx, course_id);
    set_viewer(course, viewer_of(tx, fresh, actor, now));
    course.viewer_full = true;
    return course;
  });
}

Result<std::vector<Course>> Courses::list(std::optional<UserId> viewer, std::string_view community_slug) {
  const Millis now = clock_.now_ms();
  return db_.read([&](db::Tx& tx) -> Result<std::vector<Course>> {
    auto community = tx.one("SELECT id, is_public FROM communities WHERE slug = $1", {community_slug});
    if (!community) {
      return not_found("community.not_found", "No such community.");
    }
    const CommunityId cid(community->row().i64(0));
    const auto role = access::role_in(tx, viewer, cid);
    if (role == access::Role::None && !community->row().boolean(1)) {
      return not_found("community.not_found", "No such community.");
    }
    auto rows = load_courses_of(tx, cid);
    // Counts, ratings and the viewer's enrolments in one query each (no query per course).
    std::map<int64_t, int64_t> lessons;
    for (auto r : tx.exec("SELECT l.course_id, COUNT(*) FROM lessons l JOIN courses c ON c.id = l.course_id "
                          "WHERE c.community_id = $1 GROUP BY l.course_id",
                          {cid.value})) {
      lessons[r.i64(0)] = r.i64(1);
    }
    std::map<int64_t, std::pair<int64_t, int64_t>> ratings;
    for (auto r : tx.exec("SELECT v.course_id, COUNT(*), SUM(v.rating) FROM course_reviews v "
                          "JOIN courses c ON c.id = v.course_id WHERE c.community_id = $1 GROUP BY v.course_id",
                          {cid.value})) {
      ratings[r.i64(0)] = {r.i64(1), r.i64(2)};
    }
    std::map<int64_t, std::vector<Person>> instructors;
    for (auto r : tx.exec("SELECT i.course_id, u.username, u.display_name FROM course_instructors i "
                          "JOIN users u ON u.id = i.user_id JOIN courses c ON c.id = i.course_id "
                          "WHERE c.community_id = $1 ORDER BY i.created_at, u.id",
                          {cid.value})) {
      instructors[r.i64(0)].push_back({r.text(1), r.text(2)});
    }
    std::set<int64_t> enrolled;
    std::set<int64_t> teaching;
    std::set<int64_t> paid;
    access::Entitlements entitlements;
    if (viewer) {
      for (auto r :
           tx.exec("SELECT e.course_id, e.paid_payment_id FROM enrolments e JOIN courses c ON c.id = e.course_id "
                   "WHERE e.user_id = $1 AND c.community_id = $2 AND e.status = 'active'",
                   {viewer->value, cid.value})) {
        enrolled.insert(r.i64(0));
        if (!r.is_null(1)) {
          paid.insert(r.i64(0));
        }
      }
      for (auto r : tx.exec("SELECT i.course_id FROM course_instructors i JOIN courses c ON c.id = i.course_id "
                            "WHERE i.user_id = $1 AND c.community_id = $2",
                            {viewer->value, cid.value})) {
        teaching.insert(r.i64(0));
      }
      entitlements = access::entitlements_of(tx, *viewer, cid, now);
    }
    std::vector<Course> out;
    for (const auto& row : rows) {
      auto c = course_of(row);
      c.lesson_count = lessons[row.id];
      c.rating_count = ratings[row.id].first;
      c.rating_sum = ratings[row.id].second;
      c.instructors = instructors[row.id];
      Reader reader{teaching.count(row.id) != 0 || role >= access::Role::Moderator, paid.count(row.id) != 0,
                    entitlements};
      c.viewer_staff = reader.staff;
      c.viewer_paid = reader.paid;
      c.viewer_enrolled = enrolled.count(row.id) != 0;
      c.viewer_full = can_read_course(row.gate, reader);
      out.push_back(std::move(c));
    }
    return out;
  });
}

Result<Course> Courses::get(std::optional<UserId> viewer_id, int64_t course_id) {
  const Millis now = clock_.now_ms();
  return db_.read([&](db::Tx& tx) -> Result<Course> {
    auto row = load_course(tx, course_id);
    if (!row) {
      return course_not_found();
    }
    const auto viewer = viewer_of(tx, *row, viewer_id, now);
    if (!viewer.sees) {
      return course_not_found();
    }
    auto course = course_of(*row);
    course.instructors = instructors_of(tx, course_id);
    set_viewer(course, viewer);
    course.viewer_full = can_read_course(row->gate, viewer.reader);
    if (auto r =
            tx.one("SELECT COUNT(*), COALESCE(SUM(rating), 0) FROM course_reviews WHERE course_id = $1", {course_id})) {
      course.rating_count = r->row().i64(0);
      course.rating_sum = r->row().i64(1);
    }
    std::set<int64_t> done;
    if (viewer_id) {
      const auto progress = progress_in(tx, *row, *viewer_id);
      done.insert(progress.completed_ids.begin(), progress.completed_ids.end());
      course.completed = progress.completed;
      course.continue_lesson_id = progress.continue_lesson_id;
      course.certificate_code = progress.certificate_code;
    }
    for (auto r : tx.exec("SELECT id, title, position FROM course_sections WHERE course_id = $1 ORDER BY position, id",
                          {course_id})) {
      course.sections.push_back(Section{r.i64(0), r.text(1), r.i64(2), {}});
    }
    std::map<int64_t, size_t> index;
    for (size_t i = 0; i < course.sections.size(); ++i) {
      index[course.sections[i].id] = i;
    }
    for (auto r : tx.exec("SELECT " + std::string(kLessonColumns) +
                              " FROM lessons l WHERE l.course_id = $1 ORDER BY l.position, l.id",
                          {course_id})) {
      auto lesson = lesson_from(r);
      gate_lesson(lesson, *row, viewer);
      // The syllabus carries titles and places only; bodies are read one lesson at a time.
      lesson.body_md.clear();
      lesson.body_html.clear();
      lesson.completed = done.count(lesson.id) != 0;
      course.sections[index.at(lesson.section_id)].lessons.push_back(std::move(lesson));
      ++course.lesson_count;
    }
    return course;
  });
}

Result<Course> Courses::add_instructor(UserId actor, int64_t course_id, std::string_view username) {
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<Course> {
    auto row = course_for_staff(tx, actor, course_id, now);
    if (!row) {
      return std::move(row).error();
    }
    auto user = tx.one("SELECT id FROM users WHERE username_lower = $1", {text::to_lower_ascii(text::trim(username))});
    if (!user) {
      return invalid("learn.instructor_not_found", "No such user.", "username");
    }
    const UserId uid(user->row().i64(0));
    if (access::role_in(tx, uid, row->community) < access::Role::Creator) {
      return invalid("learn.instructor_role", "Instructors are members with the creator role or above.", "username");
    }
    tx.exec(
        "INSERT INTO course_instructors (course_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        {course_id, uid.value, now});
    auto course = course_of(*row);
    course.instructors = instructors_of(tx, course_id);
    course.viewer_staff = true;
    course.viewer_full = true;
    return course;
  });
}

Result<Section> Courses::add_section(UserId actor, int64_t course_id, std::string_view title) {
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<Section> {
    auto row = course_for_staff(tx, actor, course_id, now);
    if (!row) {
      return std::move(row).error();
    }
    if (auto s = check_title(title); !s) {
      return std::move(s).error();
    }
    const auto position =
        *tx.scalar_i64("SELECT COALESCE(MAX(position), 0) + 1 FROM course_sections WHERE course_id = $1", {course_id});
    const auto id = *tx.scalar_i64(
        "INSERT INTO course_sections (course_id, title, position, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        {course_id, text::trim(title), position, now});
    return Section{id, text::trim(title), position, {}};
  });
}

Result<Section> Courses::update_section(UserId actor, int64_t section_id, std::optional<std::string> title,
                                        std::optional<int64_t> position) {
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<Section> {
    auto section = tx.one("SELECT course_id FROM course_sections WHERE id = $1", {section_id});
    if (!section) {
      return not_found("learn.section_not_found", "No such section.");
    }
    const auto course_id = section->row().i64(0);
    auto row = course_for_staff(tx, actor, course_id, now);
    if (!row) {
      return std::move(row).error();
    }
    if (title) {
      if (auto s = check_title(*title); !s) {
        return std::move(s).error();
      }
      tx.exec("UPDATE course_sections SET title = $1 WHERE id = $2", {text::trim(*title), section_id});
    }
    if (position) {
      std::vector<int64_t> ids;
      for (auto r : tx.exec("SELECT id FROM course_sections WHERE course_id = $1 ORDER BY position, id", {course_id})) {
        ids.push_back(r.i64(0));
      }
      renumber(tx, "course_sections", moved(ids, section_id, *position));
    }
    auto r = tx.one("SELECT id, title, position FROM course_sections WHERE id = $1", {section_id});
    return Section{r->row().i64(0), r->row().text(1), r->row().i64(2), {}};
  });
}

// A lesson's stored file must be one of the course's community's files (not deleted); a video
// lesson's must be video or audio.
Status check_file(db::Tx& tx, const CourseRow& course, const ParsedLesson& lesson) {
  if (!lesson.file_id) {
    return {};
  }
  const auto file = files::Files::find(tx, *lesson.file_id);
  if (!file || file->community != course.community) {
    return invalid("learn.invalid_file", "file_id names a file stored in this community.", "file_id");
  }
  if (lesson.kind == "video" && !file->content_type.starts_with("video/") &&
      !file->content_type.starts_with("audio/")) {
    return invalid("learn.not_a_video", "A video lesson's file is a video or audio file.", "file_id");
  }
  return {};
}

Result<Lesson> Courses::add_lesson(UserId actor, int64_t course_id, const LessonInput& input) {
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<Lesson> {
    auto row = course_for_staff(tx, actor, course_id, now);
    if (!row) {
      return std::move(row).error();
    }
    auto parsed = parse_lesson(input);
    if (!parsed) {
      return std::move(parsed).error();
    }
    if (auto file = check_file(tx, *row, *parsed); !file) {
      return file.error();
    }
    int64_t section_id = 0;
    if (input.section_id) {
      auto section = tx.one("SELECT course_id FROM course_sections WHERE id = $1", {*input.section_id});
      if (!section || section->row().i64(0) != course_id) {
        return invalid("learn.invalid_section", "No such section in this course.", "section_id");
      }
      section_id = *input.section_id;
    } else {
      section_id = last_section(tx, course_id, now);
    }
    const auto position =
        *tx.scalar_i64("SELECT COALESCE(MAX(position), 0) + 1 FROM lessons WHERE section_id = $1", {section_id});
    const auto id = *tx.scalar_i64(
        "INSERT INTO lessons (course_id, section_id, title, kind, body_md, body_html, video_url, video_embed_url, "
        "file_id, preview, pass_percent, position, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id",
        {course_id, section_id, parsed->title, parsed->kind, parsed->body_md, parsed->body_html, parsed->video_url,
         parsed->video_embed_url, parsed->file_id, input.preview, parsed->pass_percent, position, now});
    save_questions(tx, id, parsed->questions);
    auto r = tx.one("SELECT " + std::string(kLessonColumns) + " FROM lessons l WHERE l.id = $1", {id});
    auto lesson = lesson_from(r->row());
    lesson.locked = false;
    lesson.questions = questions_of(tx, id);
    lesson.answers_shown = true;
    return lesson;
  });
}

Result<Lesson> Courses::update_lesson(UserId actor, int64_t lesson_id, const LessonInput& input) {
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<Lesson> {
    auto current = tx.one("SELECT course_id, section_id FROM lessons WHERE id = $1", {lesson_id});
    if (!current) {
      return lesson_not_found();
    }
    const auto course_id = current->row().i64(0);
    auto row = course_for_staff(tx, actor, course_id, now);
    if (!row) {
      return std::move(row).error();
    }
    auto parsed = parse_lesson(input);
    if (!parsed) {
      return std::move(parsed).error();
    }
    if (auto file = check_file(tx, *row, *parsed); !file) {
      return file.error();
    }
    if (input.section_id && *input.section_id != current->row().i64(1)) {
      auto section = tx.one("SELECT course_id FROM course_sections WHERE id = $1", {*input.section_id});
      if (!section || section->row().i64(0) != course_id) {
        return invalid("learn.invalid_section", "No such section in this course.", "section_id");
      }
      const auto position = *tx.scalar_i64("SELECT COALESCE(MAX(position), 0) + 1 FROM lessons WHERE section_id = $1",
                                           {*input.section_id});
      tx.exec("UPDATE lessons SET section_id = $1, position = $2 WHERE id = $3",
              {*input.section_id, position, lesson_id});
    }
    tx.exec(
        "UPDATE lessons SET title = $1, kind = $2, body_md = $3, body_html = $4, video_url = $5, video_embed_url = $6, "
        "file_id = $7, preview = $8, pass_percent = $9, updated_at = $10 WHERE id = $11",
        {parsed->title, parsed->kind, parsed->body_md, parsed->body_html, parsed->video_url, parsed->video_embed_url,
         parsed->file_id, input.preview, parsed->pass_percent, now, lesson_id});
    save_questions(tx, lesson_id, parsed->questions);
    auto r = tx.one("SELECT " + std::string(kLessonColumns) + " FROM lessons l WHERE l.id = $1", {lesson_id});
    auto lesson = lesson_from(r->row());
    lesson.locked = false;
    lesson.questions = questions_of(tx, lesson_id);
    lesson.answers_shown = true;
    return lesson;
  });
}

Result<Lesson> Courses::move_lesson(UserId actor, int64_t lesson_id, int64_t position) {
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<Lesson> {
    auto current = tx.one("SELECT course_id, section_id FROM lessons WHERE id = $1", {lesson_id});
    if (!current) {
      return lesson_not_found();
    }
    auto row = course_for_staff(tx, actor, current->row().i64(0), now);
    if (!row) {
      return std::move(row).error();
    }
    std::vector<int64_t> ids;
    for (auto r :
         tx.exec("SELECT id FROM lessons WHERE section_id = $1 ORDER BY position, id", {current->row().i64(1)})) {
      ids.push_back(r.i64(0));
    }
    renumber(tx, "lessons", moved(ids, lesson_id, position));
    auto r = tx.one("SELECT " + std::string(kLessonColumns) + " FROM lessons l WHERE l.id = $1", {lesson_id});
    auto lesson = lesson_from(r->row());
    lesson.locked = false;
    return lesson;
  });
}

Result<Lesson> Courses::get_lesson(std::optional<UserId> viewer_id, int64_t lesson_id) {
  const Millis now = clock_.now_ms();
  return db_.read([&](db::Tx& tx) -> Result<Lesson> {
    auto r = tx.one("SELECT " + std::string(kLessonColumns) + " FROM lessons l WHERE l.id = $1", {lesson_id});
    if (!r) {
      return lesson_not_found();
    }
    auto lesson = lesson_from(r->row());
    auto row = load_course(tx, lesson.course_id);
    const auto viewer = viewer_of(tx, *row, viewer_id, now);
    if (!viewer.sees) {
      return lesson_not_found();
    }
    if (lesson.kind == "quiz") {
      lesson.questions = questions_of(tx, lesson_id);
      lesson.answers_shown = viewer.reader.staff;
      if (!viewer.reader.staff) {
        lesson.questions = without_answers(std::move(lesson.questions));
      }
    }
    gate_lesson(lesson, *row, viewer);
    if (viewer_id) {
      if (auto p =
              tx.one("SELECT completed_at, position_seconds FROM lesson_progress WHERE user_id = $1 AND lesson_id = $2",
                     {viewer_id->value, lesson_id})) {
        lesson.completed = !p->row().is_null(0);
        lesson.position_seconds = p->row().i64(1);
      }
    }
    std::vector<int64_t> order;
    for (auto o : tx.exec("SELECT l.id FROM lessons l JOIN course_sections s ON s.id = l.section_id "
                          "WHERE l.course_id = $1 ORDER BY s.position, s.id, l.position, l.id",
                          {lesson.course_id})) {
      order.push_back(o.i64(0));
    }
    const auto at = std::find(order.begin(), order.end(), lesson_id);
    if (at != order.begin()) {
      lesson.previous_id = *(at - 1);
    }
    if (at + 1 < order.end()) {
      lesson.next_id = *(at + 1);
    }
    return lesson;
  });
}

Result<Enrolment> Courses::enroll(UserId learner, int64_t course_id, std::optional<int64_t> cohort_id) {
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<Enrolment> {
    auto row = load_course(tx, course_id);
    if (!row) {
      return course_not_found();
    }
    const auto viewer = viewer_of(tx, *row, learner, now);
    if (!viewer.sees) {
      return course_not_found();
    }
    if (!can_read_course(row->gate, viewer.reader)) {
      if (row->gate.access == CourseAccess::Paid) {
        return Error{ErrorKind::PaymentRequired,
                     "learn.payment_required",
                     "Buy this course first: POST /api/v1/checkout with item_kind \"course\".",
                     {},
                     0};
      }
      return forbidden("learn.tier_required", "This course comes with a tier you do not hold.");
    }
    const auto id = ensure_enrolment(tx, course_id, learner, now);
    if (cohort_id) {
      if (auto s = take_seat(tx, course_id, id, *cohort_id); !s) {
        return std::move(s).error();
      }
    }
    return enrolment_of(*enrolment_row(tx, course_id, learner), course_id);
  });
}

Result<Enrolment> Courses::join_cohort(UserId learner, int64_t cohort_id) {
  auto course =
      db_.read([&](db::Tx& tx) { return tx.scalar_i64("SELECT course_id FROM cohorts WHERE id = $1", {cohort_id}); });
  if (!course) {
    return not_found("learn.cohort_not_found", "No such cohort.");
  }
  return enroll(learner, *course, cohort_id);
}

// A lesson an enrolled learner works on (completes, watches, answers), with its course: the
// learner's enrolment and the one lesson access rule decide. Errors: learn.lesson_not_found,
// learn.not_enrolled, learn.locked.
struct LearnerLesson {
  CourseRow course;
  std::string kind;
  int64_t pass_percent = 0;
};
Result<LearnerLesson> lesson_for_learner(db::Tx& tx, int64_t lesson_id, UserId learner, Millis now) {
  auto lesson = tx.one("SELECT course_id, preview, kind, pass_percent FROM lessons WHERE id = $1", {lesson_id});
  if (!lesson) {
    return lesson_not_found();
  }
  auto row = *load_course(tx, lesson->row().i64(0));
  auto viewer = learner_in(tx, row, learner, now);
  if (!viewer) {
    return viewer.error().code == "learn.course_not_found" ? lesson_not_found() : std::move(viewer).error();
  }
  if (!can_read_lesson(row.gate, lesson->row().boolean(1), viewer->reader)) {
    return forbidden("learn.locked", "This lesson is locked.");
  }
  return LearnerLesson{std::move(row), lesson->row().text(2), lesson->row().i64(3)};
}

Result<Progress> Courses::complete(UserId learner, int64_t lesson_id) {
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<Progress> {
    auto lesson = lesson_for_learner(tx, lesson_id, learner, now);
    if (!lesson) {
      return std::move(lesson).error();
    }
    const auto& row = lesson->course;
    if (lesson->kind == "quiz") {
      return conflict("learn.quiz_not_passed", "A quiz is completed by passing it.");
    }
    const auto points = mark_complete(tx, row, lesson_id, learner, now);
    issue_if_complete(tx, row, learner, now);
    auto progress = progress_in(tx, row, learner);
    progress.points = points;
    return progress;
  });
}

Status Courses::save_position(UserId learner, int64_t lesson_id, int64_t seconds) {
  if (seconds < 0 || seconds > 100'000'000) {
    return invalid("learn.invalid_position", "The position is a number of seconds.", "seconds");
  }
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Status {
    auto lesson = lesson_for_learner(tx, lesson_id, learner, now);
    if (!lesson) {
      return lesson.error();
    }
    const auto& row = lesson->course;
    tx.exec(
        "INSERT INTO lesson_progress (user_id, lesson_id, course_id, position_seconds, updated_at) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, lesson_id) DO UPDATE SET "
        "position_seconds = excluded.position_seconds, updated_at = excluded.updated_at",
        {learner.value, lesson_id, row.id, seconds, now});
    return {};
  });
}

Result<Progress> Courses::progress(UserId learner, int64_t course_id) {
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<Progress> {
    auto row = load_course(tx, course_id);
    if (!row || !viewer_of(tx, *row, learner, now).sees) {
      return course_not_found();
    }
    return progress_in(tx, *row, learner);
  });
}

Result<Attempt> Courses::submit_quiz(UserId learner, int64_t lesson_id, const std::vector<Answer>& answers) {
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<Attempt> {
    auto lesson = lesson_for_learner(tx, lesson_id, learner, now);
    if (!lesson) {
      return std::move(lesson).error();
    }
    if (lesson->kind != "quiz") {
      return invalid("learn.not_a_quiz", "This lesson is not a quiz.");
    }
    const auto& row = lesson->course;
    Attempt attempt;
    attempt.lesson_id = lesson_id;
    attempt.pass_percent = lesson->pass_percent;
    attempt.questions = questions_of(tx, lesson_id);
    attempt.answers = answers;
    attempt.score = score_quiz(attempt.questions, answers, attempt.pass_percent);
    attempt.id = *tx.scalar_i64(
        "INSERT INTO quiz_attempts (lesson_id, user_id, correct, total, percent, passed, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        {lesson_id, learner.value, attempt.score.correct, attempt.score.total, attempt.score.percent,
         attempt.score.passed, now});
    if (attempt.score.passed) {
      mark_complete(tx, row, lesson_id, learner, now);
      attempt.certificate_code = issue_if_complete(tx, row, learner, now);
    }
    return attempt;
  });
}

Result<Certificate> Courses::certificate(std::string_view code) {
  const auto secret = identity::server_secret(db_, kCertificateSecret);
  const auto id = parse_certificate_code(secret, code);
  if (!id) {
    return not_found("learn.certificate_not_found", "This certificate is not genuine.");
  }
  return db_.read([&](db::Tx& tx) -> Result<Certificate> {
    auto r = tx.one(
        "SELECT t.id, t.course_id, c.title, m.slug, m.name, u.username, u.display_name, t.issued_at "
        "FROM certificates t JOIN courses c ON c.id = t.course_id JOIN communities m ON m.id = c.community_id "
        "JOIN users u ON u.id = t.user_id WHERE t.id = $1",
        {*id});
    if (!r) {
      return not_found("learn.certificate_not_found", "This certificate is not genuine.");
    }
    const auto& row = r->row();
    Certificate c;
    c.id = row.i64(0);
    c.code = certificate_code(secret, c.id);
    c.course_id = row.i64(1);
    c.course_title = row.text(2);
    c.community_slug = row.text(3);
    c.community_name = row.text(4);
    c.learner = {row.text(5), row.text(6)};
    c.issued_at = row.i64(7);
    c.instructors = instructors_of(tx, c.course_id);
    return c;
  });
}

Result<Review> Courses::review(UserId learner, int64_t course_id, int64_t rating, std::string_view body) {
  if (rating < 1 || rating > 5) {
    return invalid("learn.invalid_rating", "A rating is 1 to 5.", "rating");
  }
  const auto text_body = text::trim(body);
  if (text::utf8_length(text_body) > 5000 || !text::is_valid_utf8(text_body)) {
    return invalid("learn.invalid_review", "A review has at most 5,000 characters.", "body");
  }
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<Review> {
    auto row = load_course(tx, course_id);
    if (!row) {
      return course_not_found();
    }
    auto viewer = viewer_of(tx, *row, learner, now);
    if (!viewer.sees) {
      return course_not_found();
    }
    if (!viewer.enrolment || viewer.enrolment->status != "active") {
      return forbidden("learn.learners_only", "Only enrolled learners review a course.");
    }
    tx.exec(
        "INSERT INTO course_reviews (course_id, user_id, rating, body, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (course_id, user_id) DO UPDATE SET "
        "rating = excluded.rating, body = excluded.body, updated_at = excluded.updated_at",
        {course_id, learner.value, rating, text_body, now});
    auto r = tx.one(
        "SELECT u.username, u.display_name, v.rating, v.body, v.created_at, v.updated_at FROM course_reviews v "
        "JOIN users u ON u.id = v.user_id WHERE v.course_id = $1 AND v.user_id = $2",
        {course_id, learner.value});
    const auto& x = r->row();
    return Review{{x.text(0), x.text(1)}, x.i64(2), x.text(3), x.i64(4), x.i64(5)};
  });
}

Result<std::vector<Review>> Courses::reviews(std::optional<UserId> viewer_id, int64_t course_id) {
  const Millis now = clock_.now_ms();
  return db_.read([&](db::Tx& tx) -> Result<std::vector<Review>> {
    auto row = load_course(tx, course_id);
    if (!row || !viewer_of(tx, *row, viewer_id, now).sees) {
      return course_not_found();
    }
    std::vector<Review> out;
    for (auto x : tx.exec("SELECT u.username, u.display_name, v.rating, v.body, v.created_at, v.updated_at "
                          "FROM course_reviews v JOIN users u ON u.id = v.user_id WHERE v.course_id = $1 "
                          "ORDER BY v.updated_at DESC, v.user_id DESC LIMIT 200",
                          {course_id})) {
      out.push_back(Review{{x.text(0), x.text(1)}, x.i64(2), x.text(3), x.i64(4), x.i64(5)});
    }
    return out;
  });
}

Result<Cohort> Courses::create_cohort(UserId actor, int64_t course_id, const CohortInput& input) {
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<Cohort> {
    auto row = course_for_staff(tx, actor, course_id, now);
    if (!row) {
      return std::move(row).error();
    }
    if (auto s = check_title(input.title); !s) {
      return std::move(s).error();
    }
    if (input.starts_at <= 0 || input.ends_at <= input.starts_at) {
      return invalid("learn.invalid_dates", "A cohort ends after it starts.", "ends_at");
    }
    if (input.seat_limit < 1 || input.seat_limit > 100'000) {
      return invalid("learn.invalid_seats", "Seats are 1 to 100,000.", "seat_limit");
    }
    const auto id = *tx.scalar_i64(
        "INSERT INTO cohorts (course_id, title, starts_at, ends_at, seat_limit, seats_taken, created_at) "
        "VALUES ($1, $2, $3, $4, $5, 0, $6) RETURNING id",
        {course_id, text::trim(input.title), input.starts_at, input.ends_at, input.seat_limit, now});
    auto r = tx.one("SELECT " + std::string(kCohortColumns) + " FROM cohorts WHERE id = $1", {id});
    return cohort_from(r->row());
  });
}

Result<LiveSession> Courses::add_session(UserId actor, int64_t cohort_id, const SessionInput& input) {
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<LiveSession> {
    auto course = tx.scalar_i64("SELECT course_id FROM cohorts WHERE id = $1", {cohort_id});
    if (!course) {
      return not_found("learn.cohort_not_found", "No such cohort.");
    }
    auto row = course_for_staff(tx, actor, *course, now);
    if (!row) {
      return std::move(row).error();
    }
    if (auto s = check_title(input.title); !s) {
      return std::move(s).error();
    }
    if (input.starts_at <= 0 || input.ends_at <= input.starts_at) {
      return invalid("learn.invalid_dates", "A session ends after it starts.", "ends_at");
    }
    const auto link = text::trim(input.link);
    if (!link.empty() && !is_web_url(link)) {
      return invalid("learn.invalid_link", "The link starts with http:// or https://.", "link");
    }
    const auto id = *tx.scalar_i64(
        "INSERT INTO cohort_sessions (cohort_id, title, starts_at, ends_at, link, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        {cohort_id, text::trim(input.title), input.starts_at, input.ends_at, link, now});
    return LiveSession{id, text::trim(input.title), input.starts_at, input.ends_at, link};
  });
}

Result<std::vector<Cohort>> Courses::cohorts(std::optional<UserId> viewer_id, int64_t course_id) {
  const Millis now = clock_.now_ms();
  return db_.read([&](db::Tx& tx) -> Result<std::vector<Cohort>> {
    auto row = load_course(tx, course_id);
    if (!row) {
      return course_not_found();
    }
    const auto viewer = viewer_of(tx, *row, viewer_id, now);
    if (!viewer.sees) {
      return course_not_found();
    }
    std::vector<Cohort> out;
    std::map<int64_t, size_t> index;
    for (auto r : tx.exec("SELECT " + std::string(kCohortColumns) +
                              " FROM cohorts WHERE course_id = $1 "
                              "ORDER BY starts_at, id",
                          {course_id})) {
      index[r.i64(0)] = out.size();
      out.push_back(cohort_from(r));
    }
    // The link of a live session: for the cohort's learners (with access) and the course's staff.
    const bool learner_access =
        viewer.enrolment && viewer.enrolment->status == "active" && can_read_course(row->gate, viewer.reader);
    const std::optional<int64_t> mine = viewer.enrolment ? viewer.enrolment->cohort_id : std::nullopt;
    for (auto& c : out) {
      c.viewer_member = mine && *mine == c.id;
    }
    for (auto r : tx.exec("SELECT s.id, s.cohort_id, s.title, s.starts_at, s.ends_at, s.link FROM cohort_sessions s "
                          "JOIN cohorts c ON c.id = s.cohort_id WHERE c.course_id = $1 ORDER BY s.starts_at, s.id",
                          {course_id})) {
      auto& cohort = out[index.at(r.i64(1))];
      const bool reveal = viewer.reader.staff || (learner_access && cohort.viewer_member);
      cohort.sessions.push_back(LiveSession{r.i64(0), r.text(2), r.i64(3), r.i64(4), reveal ? r.text(5) : ""});
    }
    return out;
  });
}

}  // namespace gh::learn

// Course doors (API and pages): courses, sections and lessons, enrolment, progress, quizzes,
// certificates, reviews, cohorts. The rules, and the one lesson access decision, live in learn/;
// a paid course is bought through the one checkout (POST /api/v1/checkout, item_kind "course").
#include <charconv>

#include "core/text.hpp"
#include "web/errors.hpp"
#include "web/json.hpp"
#include "web/page_views.hpp"
#include "web/pages.hpp"
#include "web/routes.hpp"

namespace gh::web {
namespace {

constexpr std::string_view kTemplateCourses = "learn/courses.html";
constexpr std::string_view kTemplateCourse = "learn/course.html";
constexpr std::string_view kTemplateEdit = "learn/edit.html";
constexpr std::string_view kTemplateLesson = "learn/lesson.html";
constexpr std::string_view kTemplateLessonEdit = "learn/lesson_edit.html";
constexpr std::string_view kTemplateResult = "learn/result.html";
constexpr std::string_view kTemplateCertificate = "learn/certificate.html";
constexpr std::string_view kTemplateCertificatePrint = "learn/certificate_print.html";

using render::Data;

std::string course_url(int64_t id) {
  return "/courses/" + std::to_string(id);
}
std::string lesson_url(int64_t id) {
  return "/lessons/" + std::to_string(id);
}
std::string certificate_url(const std::string& code) {
  return "/certificates/" + code;
}

boost::json::object person_json(const learn::Person& p) {
  return boost::json::object{{"username", p.username}, {"display_name", p.display_name}};
}

boost::json::object rating_json(int64_t count, int64_t sum) {
  return boost::json::object{
      {"count", count},
      {"average", count == 0 ? boost::json::value(nullptr) : boost::json::value(static_cast<double>(sum) / count)}};
}

boost::json::object question_json(const learn::QuizQuestion& q, bool answers) {
  boost::json::array options;
  boost::json::array accepted;
  for (const auto& o : q.options) {
    if (q.kind == learn::QuestionKind::Short) {
      accepted.emplace_back(o.text);
      continue;
    }
    boost::json::object option{{"id", o.id}, {"text", o.text}};
    if (answers) {
      option["correct"] = o.correct;
    }
    options.push_back(std::move(option));
  }
  boost::json::object out{
      {"id", q.id}, {"kind", learn::question_kind_name(q.kind)}, {"prompt", q.prompt}, {"options", std::move(options)}};
  if (answers && q.kind == learn::QuestionKind::Short) {
    out["answers"] = std::move(accepted);
  }
  return out;
}

// How long a lesson's signed media link works: long enough for a long video with pauses; a copied
// link stops working after it.
constexpr Millis kMediaLinkTtl = 3 * 60 * 60 * 1000;

// A readable lesson's stored file, signed for this viewer. learn decided that the viewer may read
// the lesson (it is not locked); the signature is what lets /media serve it. Nothing for locked
// lessons or lessons without a stored file (or whose file was deleted).
struct LessonMedia {
  std::string url;
  std::string name;
  std::string content_type;
  int64_t size = 0;
};
std::optional<LessonMedia> lesson_media(const Services& s, const learn::Lesson& l) {
  if (l.locked || !l.file_id) {
    return std::nullopt;
  }
  const auto file = s.files.find(*l.file_id);
  if (!file) {
    return std::nullopt;
  }
  return LessonMedia{s.files.signed_path(*file, kMediaLinkTtl), file->name, file->content_type, file->size};
}

boost::json::object lesson_json(const learn::Lesson& l) {
  boost::json::object o{
      {"id", l.id},
      {"course_id", l.course_id},
      {"section_id", l.section_id},
      {"title", l.title},
      {"kind", l.kind},
      {"preview", l.preview},
      {"position", l.position},
      {"locked", l.locked},
      {"completed", l.completed},
      {"url", lesson_url(l.id)},
  };
  if (!l.locked) {
    o["body_md"] = l.body_md;
    o["body_html"] = l.body_html;
    o["video_url"] = l.video_url;
    o["video_embed_url"] = l.video_embed_url;
    o["file_id"] = optional_id(l.file_id);
    o["position_seconds"] = l.position_seconds;
    if (l.kind == "quiz") {
      o["pass_percent"] = l.pass_percent;
      boost::json::array questions;
      for (const auto& q : l.questions) {
        questions.push_back(question_json(q, l.answers_shown));
      }
      o["questions"] = std::move(questions);
    }
  }
  if (l.previous_id || l.next_id) {
    o["previous_id"] = optional_id(l.previous_id);
    o["next_id"] = optional_id(l.next_id);
  }
  return o;
}

boost::json::object course_json(const learn::Course& c, bool with_sections) {
  boost::json::array instructors;
  for (const auto& p : c.instructors) {
    instructors.push_back(person_json(p));
  }
  boost::json::array tiers;
  for (auto t : c.tier_ids) {
    tiers.emplace_back(t);
  }
  boost::json::object o{
      {"id", c.id},
      {"community", boost::json::object{{"slug", c.community_slug}, {"name", c.community_name}}},
      {"title", c.title},
      {"summary", c.summary},
      {"cover_url", c.cover_url},
      {"access", learn::access_name(c.access)},
      {"tier_ids", std::move(tiers)},
      {"price", c.price ? boost::json::value(money_json(*c.price)) : boost::json::value(nullptr)},
      {"instructors", std::move(instructors)},
      {"lesson_count", c.lesson_count},
      {"rating", rating_json(c.rating_count, c.rating_sum)},
      {"url", course_url(c.id)},
      {"created_at", format_rfc3339(c.created_at)},
      {"viewer", boost::json::object{{"staff", c.viewer_staff},
                                     {"enrolled", c.viewer_enrolled},
                                     {"full_access", c.viewer_full},
                                     {"paid", c.viewer_paid}}},
  };
  if (with_sections) {
    boost::json::array sections;
    for (const auto& s : c.sections) {
      boost::json::array lessons;
      for (const auto& l : s.lessons) {
        lessons.push_back(lesson_json(l));
      }
      sections.push_back(boost::json::object{
          {"id", s.id}, {"title", s.title}, {"position", s.position}, {"lessons", std::move(lessons)}});
    }
    o["sections"] = std::move(sections);
    o["completed"] = c.completed;
    o["continue_lesson_id"] = optional_id(c.continue_lesson_id);
    o["certificate_url"] =
        c.certificate_code ? boost::json::value(certificate_url(*c.certificate_code)) : boost::json::value(nullptr);
  }
  return o;
}

boost::json::object progress_json(const learn::Progress& p) {
  boost::json::array done;
  for (auto id : p.completed_ids) {
    done.emplace_back(id);
  }
  return boost::json::object{
      {"completed", p.completed},
      {"total", p.total},
      {"percent", p.percent},
      {"completed_lesson_ids", std::move(done)},
      {"continue_lesson_id", optional_id(p.continue_lesson_id)},
      {"certificate_url",
       p.certificate_code ? boost::json::value(certificate_url(*p.certificate_code)) : boost::json::value(nullptr)},
      {"points", p.points},
  };
}

// An attempt's result: which answers were right; the right answers themselves only once the quiz
// is passed, so that a failed attempt cannot be used to read them.
boost::json::object attempt_json(const learn::Attempt& a) {
  boost::json::array results;
  for (size_t i = 0; i < a.questions.size(); ++i) {
    const auto& q = a.questions[i];
    boost::json::object r = question_json(q, a.score.passed);
    r["question_id"] = q.id;
    r["correct"] = a.score.results.at(i).second;
    results.push_back(std::move(r));
  }
  return boost::json::object{
      {"id", a.id},
      {"lesson_id", a.lesson_id},
      {"correct", a.score.correct},
      {"total", a.score.total},
      {"percent", a.score.percent},
      {"passed", a.score.passed},
      {"pass_percent", a.pass_percent},
      {"results", std::move(results)},
      {"certificate_url",
       a.certificate_code ? boost::json::value(certificate_url(*a.certificate_code)) : boost::json::value(nullptr)},
  };
}

boost::json::object certificate_json(const learn::Certificate& c) {
  boost::json::array instructors;
  for (const auto& p : c.instructors) {
    instructors.push_back(person_json(p));
  }
  return boost::json::object{
      {"id", c.code},
      {"course", boost::json::object{{"id", c.course_id}, {"title", c.course_title}, {"url", course_url(c.course_id)}}},
      {"community", boost::json::object{{"slug", c.community_slug}, {"name", c.community_name}}},
      {"learner", person_json(c.learner)},
      {"instructors", std::move(instructors)},
      {"issued_at", format_rfc3339(c.issued_at)},
      {"url", certificate_url(c.code)},
  };
}

boost::json::object review_json(const learn::Review& r) {
  return boost::json::object{{"author", person_json(r.author)},
                             {"rating", r.rating},
                             {"body", r.body},
                             {"created_at", format_rfc3339(r.created_at)},
                             {"updated_at", format_rfc3339(r.updated_at)}};
}

boost::json::object cohort_json(const learn::Cohort& c) {
  boost::json::array sessions;
  for (const auto& s : c.sessions) {
    sessions.push_back(
        boost::json::object{{"id", s.id},
                            {"title", s.title},
                            {"starts_at", format_rfc3339(s.starts_at)},
                            {"ends_at", format_rfc3339(s.ends_at)},
                            {"link", s.link.empty() ? boost::json::value(nullptr) : boost::json::value(s.link)}});
  }
  return boost::json::object{{"id", c.id},
                             {"course_id", c.course_id},
                             {"title", c.title},
                             {"starts_at", format_rfc3339(c.starts_at)},
                             {"ends_at", format_rfc3339(c.ends_at)},
                             {"seat_limit", c.seat_limit},
                             {"seats_taken", c.seats_taken},
                             {"viewer_member", c.viewer_member},
                             {"sessions", std::move(sessions)}};
}

// The JSON body as a value, for the nested arrays JsonInput does not read.
boost::json::object raw_body(const Context& ctx) {
  boost::system::error_code ec;
  auto value = boost::json::parse(ctx.request.body, ec);
  if (ec || !value.is_object()) {
    throw invalid("request.invalid_json", "The body must be a JSON object.");
  }
  return std::move(value.as_object());
}

std::vector<std::string> strings_of(const boost::json::object& o, std::string_view key) {
  std::vector<std::string> out;
  if (auto* v = o.if_contains(key)) {
    if (!v->is_array()) {
      throw invalid("learn.invalid_question", std::string(key) + " is a list of strings.", "questions");
    }
    for (const auto& item : v->as_array()) {
      if (!item.is_string()) {
        throw invalid("learn.invalid_question", std::string(key) + " is a list of strings.", "questions");
      }
      out.emplace_back(item.as_string());
    }
  }
  return out;
}

std::vector<int64_t> ints_of(const boost::json::object& o, std::string_view key, std::string_view field) {
  std::vector<int64_t> out;
  if (auto* v = o.if_contains(key)) {
    if (!v->is_array()) {
      throw invalid("learn.invalid_" + std::string(field), std::string(key) + " is a list of integers.",
                    std::string(field));
    }
    for (const auto& item : v->as_array()) {
      if (!item.is_int64()) {
        throw invalid("learn.invalid_" + std::string(field), std::string(key) + " is a list of integers.",
                      std::string(field));
      }
      out.push_back(item.as_int64());
    }
  }
  return out;
}

std::vector<learn::QuestionInput> questions_of(const boost::json::object& body) {
  std::vector<learn::QuestionInput> out;
  auto* v = body.if_contains("questions");
  if (!v || v->is_null()) {
    return out;
  }
  if (!v->is_array()) {
    throw invalid("learn.invalid_question", "questions is a list.", "questions");
  }
  for (const auto& item : v->as_array()) {
    if (!item.is_object()) {
      throw invalid("learn.invalid_question", "Each question is an object.", "questions");
    }
    const auto& q = item.as_object();
    learn::QuestionInput in;
    if (auto* k = q.if_contains("kind"); k && k->is_string()) {
      in.kind = std::string(k->as_string());
    }
    if (auto* p = q.if_contains("prompt"); p && p->is_string()) {
      in.prompt = std::string(p->as_string());
    }
    in.options = strings_of(q, "options");
    in.correct = ints_of(q, "correct", "question");
    in.answers = strings_of(q, "answers");
    out.push_back(std::move(in));
  }
  return out;
}

learn::CourseInput course_input(JsonInput& in) {
  learn::CourseInput input;
  input.title = in.str("title").value_or("");
  input.summary = in.str("summary").value_or("");
  input.cover_url = in.str("cover_url").value_or("");
  input.access = in.str("access").value_or("free");
  input.tier_ids = in.int_list("tier_ids").value_or(std::vector<int64_t>{});
  input.price = in.money("price");
  check(in);
  return input;
}

// A lesson from JSON; `base` gives the fields a PATCH leaves out.
learn::LessonInput lesson_input(const Context& ctx, const learn::LessonInput& base) {
  auto in = json_body(ctx);
  learn::LessonInput input = base;
  input.title = in.str("title").value_or(base.title);
  input.kind = in.str("kind").value_or(base.kind);
  input.body_md = in.str("body_md").value_or(base.body_md);
  input.video_url = in.str("video_url").value_or(base.video_url);
  if (in.is_null("file_id")) {
    input.file_id.reset();
  } else if (auto f = in.integer("file_id")) {
    input.file_id = f;
  }
  input.preview = in.boolean("preview").value_or(base.preview);
  if (auto s = in.integer("section_id")) {
    input.section_id = s;
  }
  input.pass_percent = in.integer("pass_percent").value_or(base.pass_percent);
  check(in);
  const auto body = raw_body(ctx);
  if (body.contains("questions")) {
    input.questions = questions_of(body);
  }
  return input;
}

// The current lesson as input (staff view), for PATCH and the edit page.
learn::LessonInput input_of(const learn::Lesson& l) {
  learn::LessonInput in;
  in.title = l.title;
  in.kind = l.kind;
  in.body_md = l.body_md;
  in.video_url = l.video_url;
  in.file_id = l.file_id;
  in.preview = l.preview;
  in.pass_percent = l.pass_percent;
  for (const auto& q : l.questions) {
    learn::QuestionInput qi;
    qi.kind = std::string(learn::question_kind_name(q.kind));
    qi.prompt = q.prompt;
    for (size_t i = 0; i < q.options.size(); ++i) {
      if (q.kind == learn::QuestionKind::Short) {
        qi.answers.push_back(q.options[i].text);
      } else {
        qi.options.push_back(q.options[i].text);
        if (q.options[i].correct) {
          qi.correct.push_back(static_cast<int64_t>(i));
        }
      }
    }
    in.questions.push_back(std::move(qi));
  }
  return in;
}

learn::Lesson staff_lesson(Services& s, UserId actor, int64_t id) {
  auto lesson = take(s.courses.get_lesson(actor, id));
  if (!lesson.answers_shown && lesson.kind == "quiz") {
    throw forbidden("learn.instructors_only", "Only the course's instructors may edit it.");
  }
  auto course = take(s.courses.get(actor, lesson.course_id));
  if (!course.viewer_staff) {
    throw forbidden("learn.instructors_only", "Only the course's instructors may edit it.");
  }
  return lesson;
}

std::optional<Millis> parse_time(const std::string& value) {
  auto t = parse_rfc3339(value);
  if (!t && value.size() == 16) {  // A datetime-local field: "YYYY-MM-DDTHH:MM", read as UTC.
    t = parse_rfc3339(value + ":00Z");
  }
  return t;
}

Millis time_field(const std::optional<std::string>& value, std::string_view field) {
  auto t = value ? parse_time(text::trim(*value)) : std::nullopt;
  if (!t) {
    throw invalid("learn.invalid_dates", "Times are RFC 3339 (2026-03-01T09:00:00Z).", std::string(field));
  }
  return *t;
}

// Quizzes in a form's text area, one line each:
//   "? single: prompt" (or multiple, short) starts a question;
//   "- option", "* correct option", "= accepted answer" (short).
std::vector<learn::QuestionInput> parse_quiz_text(const std::string& text_value) {
  std::vector<learn::QuestionInput> out;
  for (auto line : text::split(text_value, '\n')) {
    line = text::trim(line);
    if (line.empty()) {
      continue;
    }
    if (line[0] == '?') {
      const auto colon = line.find(':');
      learn::QuestionInput q;
      q.kind = text::trim(line.substr(1, colon == std::string::npos ? std::string::npos : colon - 1));
      q.prompt = colon == std::string::npos ? "" : text::trim(line.substr(colon + 1));
      out.push_back(std::move(q));
      continue;
    }
    if (out.empty() || line.size() < 2) {
      throw invalid("learn.invalid_question", "Start each question with a line \"? single: …\".", "questions");
    }
    auto& q = out.back();
    const auto rest = text::trim(line.substr(1));
    if (line[0] == '=') {
      q.answers.push_back(rest);
    } else if (line[0] == '-' || line[0] == '*') {
      if (line[0] == '*') {
        q.correct.push_back(static_cast<int64_t>(q.options.size()));
      }
      q.options.push_back(rest);
    } else {
      throw invalid("learn.invalid_question", "Lines start with ?, -, * or =.", "questions");
    }
  }
  return out;
}

std::string quiz_text(const std::vector<learn::QuestionInput>& questions) {
  std::string out;
  for (const auto& q : questions) {
    out += "? " + q.kind + ": " + q.prompt + "\n";
    for (size_t i = 0; i < q.options.size(); ++i) {
      const bool correct = std::find(q.correct.begin(), q.correct.end(), static_cast<int64_t>(i)) != q.correct.end();
      out += std::string(correct ? "* " : "- ") + q.options[i] + "\n";
    }
    for (const auto& a : q.answers) {
      out += "= " + a + "\n";
    }
  }
  return out;
}

learn::LessonInput lesson_form(const Form& form) {
  learn::LessonInput in;
  in.title = form.get("title");
  in.kind = form.get("kind");
  in.body_md = form.get("body_md");
  in.video_url = form.get("video_url");
  if (const auto f = whole_number(form.get("file_id")).value_or(0); f != 0) {
    in.file_id = f;
  }
  in.preview = form.get("preview") == "1";
  if (const auto sid = whole_number(form.get("section_id")).value_or(0); sid > 0) {
    in.section_id = sid;
  }
  in.pass_percent = whole_number(form.get("pass_percent")).value_or(-1);
  if (in.kind != "quiz" && in.pass_percent < 0) {
    in.pass_percent = 0;
  }
  if (in.kind == "quiz") {
    in.questions = parse_quiz_text(form.get("questions"));
  }
  return in;
}

learn::CourseInput course_form(const Form& form, const std::string& currency) {
  learn::CourseInput in;
  in.title = form.get("title");
  in.summary = form.get("summary");
  in.cover_url = form.get("cover_url");
  in.access = form.get("access");
  for (const auto& t : form.values("tier_ids")) {
    if (const auto id = whole_number(t).value_or(0); id > 0) {
      in.tier_ids.push_back(id);
    }
  }
  const auto price = text::trim(form.get("price"));
  if (in.access == "paid" && !price.empty()) {
    in.price = take(Money::parse_decimal(price, currency));
  }
  return in;
}

std::string stars(int64_t rating) {
  std::string out;
  for (int i = 1; i <= 5; ++i) {
    out += i <= rating ? "★" : "☆";
  }
  return out;
}

std::string average_text(int64_t count, int64_t sum) {
  if (count == 0) {
    return "";
  }
  const auto tenths = (sum * 10 + count / 2) / count;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10);
}

Data person_data(const learn::Person& p) {
  Data d;
  d.set("username", p.username);
  d.set("display_name", p.display_name.empty() ? p.username : p.display_name);
  return d;
}

Data people_data(const std::vector<learn::Person>& people) {
  std::vector<Data> out;
  for (const auto& p : people) {
    out.push_back(person_data(p));
  }
  return list_of(out);
}

std::string access_label(const Context& ctx, const Services& s, const learn::Course& c) {
  if (c.access == learn::CourseAccess::Paid && c.price) {
    return c.price->format();
  }
  return s.i18n.t(ctx.lang, "courses.access." + std::string(learn::access_name(c.access)));
}

Data course_summary_data(const Context& ctx, const Services& s, const learn::Course& c) {
  Data d;
  d.set("id", std::to_string(c.id));
  d.set("title", c.title);
  d.set("summary", c.summary);
  d.set("cover_url", c.cover_url);
  d.set("has_cover", !c.cover_url.empty());
  d.set("access_label", access_label(ctx, s, c));
  d.set("lesson_count", std::to_string(c.lesson_count));
  d.set("instructors", people_data(c.instructors));
  d.set("has_rating", c.rating_count > 0);
  d.set("rating_average", average_text(c.rating_count, c.rating_sum));
  d.set("rating_count", std::to_string(c.rating_count));
  d.set("enrolled", c.viewer_enrolled);
  return d;
}

community::Community require_community(Services& s, const std::string& slug) {
  auto community = s.communities.find(slug);
  if (!community) {
    throw not_found("community.not_found", "No such community.");
  }
  return *community;
}

http::Response courses_page(Context& ctx, Services& s, const std::string& slug, std::optional<Error> error,
                            Data values) {
  auto list = take(s.courses.list(ctx.user_id(), slug));
  const auto community = require_community(s, slug);
  Data data;
  data.set("community", community_data(community));
  std::vector<Data> items;
  for (const auto& c : list) {
    items.push_back(course_summary_data(ctx, s, c));
  }
  data.set("courses", list_of(items));
  data.set("has_courses", !items.empty());
  const auto role = s.communities.role_of(ctx.user_id(), community.id);
  data.set("can_create", role >= access::Role::Creator);
  std::vector<Data> tiers;
  for (const auto& t : take(s.tiers.list(slug, false))) {
    Data d;
    d.set("id", std::to_string(t.id));
    d.set("name", t.name);
    tiers.push_back(d);
  }
  data.set("tiers", list_of(tiers));
  data.set("currency", community.currency);
  data.set("values", values);
  if (error) {
    data.set("errors", form_errors(ctx, s, *error));
  }
  return render_page(
      ctx, s, kTemplateCourses, data,
      PageMeta{s.i18n.t(ctx.lang, "courses.title") + " · " + community.name, "", error ? status_of(error->kind) : 200});
}

Data syllabus_data(const Context& ctx, const Services& s, const learn::Course& c) {
  std::vector<Data> sections;
  for (const auto& sec : c.sections) {
    Data d;
    d.set("id", std::to_string(sec.id));
    d.set("title", sec.title);
    d.set("position", std::to_string(sec.position));
    std::vector<Data> lessons;
    for (const auto& l : sec.lessons) {
      Data ld;
      ld.set("id", std::to_string(l.id));
      ld.set("title", l.title);
      ld.set("kind", l.kind);
      ld.set("kind_label", s.i18n.t(ctx.lang, "lessons.kind." + l.kind));
      ld.set("locked", l.locked);
      ld.set("preview", l.preview);
      ld.set("completed", l.completed);
      ld.set("position", std::to_string(l.position));
      ld.set("up", std::to_string(std::max<int64_t>(1, l.position - 1)));
      ld.set("down", std::to_string(l.position + 1));
      lessons.push_back(ld);
    }
    d.set("lessons", list_of(lessons));
    d.set("up", std::to_string(std::max<int64_t>(1, sec.position - 1)));
    d.set("down", std::to_string(sec.position + 1));
    sections.push_back(d);
  }
  return list_of(sections);
}

http::Response course_page(Context& ctx, Services& s, int64_t id, std::optional<Error> error) {
  auto c = take(s.courses.get(ctx.user_id(), id));
  Data data = course_summary_data(ctx, s, c);
  data.set("community_slug", c.community_slug);
  data.set("community_name", c.community_name);
  data.set("sections", syllabus_data(ctx, s, c));
  data.set("staff", c.viewer_staff);
  data.set("full", c.viewer_full);
  data.set("signed_out", !ctx.user);
  data.set("can_enroll", ctx.user && !c.viewer_enrolled && c.viewer_full);
  data.set("can_buy", ctx.user && !c.viewer_full && c.access == learn::CourseAccess::Paid);
  data.set("needs_tier", ctx.user && !c.viewer_full && c.access == learn::CourseAccess::Tiers);
  data.set("card", s.checkouts.stripe_enabled());
  data.set("learning", c.viewer_enrolled && c.lesson_count > 0);
  const auto percent = c.lesson_count == 0 ? 0 : c.completed * 100 / c.lesson_count;
  data.set("completed", std::to_string(c.completed));
  data.set("percent", std::to_string(percent));
  data.set("has_continue", c.viewer_enrolled && c.continue_lesson_id.has_value());
  data.set("continue_id", c.continue_lesson_id ? std::to_string(*c.continue_lesson_id) : "");
  data.set("has_certificate", c.certificate_code.has_value());
  data.set("certificate_url", c.certificate_code ? certificate_url(*c.certificate_code) : "");
  std::vector<Data> reviews;
  for (const auto& r : take(s.courses.reviews(ctx.user_id(), id))) {
    Data d = person_data(r.author);
    d.set("stars", stars(r.rating));
    d.set("rating", std::to_string(r.rating));
    d.set("body", r.body);
    d.set("when", relative_time(ctx, s, r.updated_at));
    reviews.push_back(d);
  }
  data.set("reviews", list_of(reviews));
  data.set("has_reviews", !reviews.empty());
  data.set("can_review", c.viewer_enrolled);
  std::vector<Data> cohorts;
  for (const auto& co : take(s.courses.cohorts(ctx.user_id(), id))) {
    Data d;
    d.set("id", std::to_string(co.id));
    d.set("title", co.title);
    d.set("starts", format_rfc3339(co.starts_at).substr(0, 10));
    d.set("ends", format_rfc3339(co.ends_at).substr(0, 10));
    d.set("seats_left", std::to_string(co.seat_limit - co.seats_taken));
    d.set("full", co.seats_taken >= co.seat_limit);
    d.set("member", co.viewer_member);
    d.set("can_join", ctx.user && c.viewer_full && !co.viewer_member && co.seats_taken < co.seat_limit);
    std::vector<Data> sessions;
    for (const auto& se : co.sessions) {
      Data sd;
      sd.set("title", se.title);
      sd.set("starts_at", format_rfc3339(se.starts_at));
      sd.set("link", se.link);
      sd.set("has_link", !se.link.empty());
      sessions.push_back(sd);
    }
    d.set("sessions", list_of(sessions));
    cohorts.push_back(d);
  }
  data.set("cohorts", list_of(cohorts));
  data.set("has_cohorts", !cohorts.empty());
  if (error) {
    data.set("errors", form_errors(ctx, s, *error));
  }
  return render_page(ctx, s, kTemplateCourse, data, PageMeta{c.title, c.summary, error ? status_of(error->kind) : 200});
}

http::Response edit_page(Context& ctx, Services& s, int64_t id, std::optional<Error> error) {
  auto c = take(s.courses.get(ctx.user_id(), id));
  if (!c.viewer_staff) {
    throw forbidden("learn.instructors_only", "Only the course's instructors may edit it.");
  }
  Data data = course_summary_data(ctx, s, c);
  data.set("course_id", std::to_string(c.id));
  data.set("community_slug", c.community_slug);
  data.set("community_name", c.community_name);
  data.set("sections", syllabus_data(ctx, s, c));
  data.set("has_sections", !c.sections.empty());
  data.set("access_" + std::string(learn::access_name(c.access)), true);
  data.set("price", c.price ? c.price->format().substr(c.price->format().find_first_of("0123456789")) : "");
  std::vector<Data> tiers;
  for (const auto& t : take(s.tiers.list(c.community_slug, false))) {
    Data d;
    d.set("id", std::to_string(t.id));
    d.set("name", t.name);
    d.set("checked", std::find(c.tier_ids.begin(), c.tier_ids.end(), t.id) != c.tier_ids.end());
    tiers.push_back(d);
  }
  data.set("tiers", list_of(tiers));
  std::vector<Data> cohorts;
  for (const auto& co : take(s.courses.cohorts(ctx.user_id(), id))) {
    Data d;
    d.set("id", std::to_string(co.id));
    d.set("title", co.title);
    d.set("seats", std::to_string(co.seats_taken) + " / " + std::to_string(co.seat_limit));
    d.set("sessions_count", std::to_string(co.sessions.size()));
    cohorts.push_back(d);
  }
  data.set("cohorts", list_of(cohorts));
  if (error) {
    data.set("errors", form_errors(ctx, s, *error));
  }
  return render_page(
      ctx, s, kTemplateEdit, data,
      PageMeta{s.i18n.t(ctx.lang, "courses.edit") + " · " + c.title, "", error ? status_of(error->kind) : 200});
}

// Runs a page write; an input error re-shows the edit page with it.
template <class F>
http::Response edit_action(Context& ctx, Services& s, int64_t course_id, F&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    if (e.kind != ErrorKind::Invalid && e.kind != ErrorKind::Conflict) {
      throw;
    }
    return edit_page(ctx, s, course_id, e);
  }
  return redirect(course_url(course_id) + "/edit");
}

Data lesson_data(const Context& ctx, const Services& s, const learn::Lesson& l) {
  Data d;
  d.set("id", std::to_string(l.id));
  d.set("title", l.title);
  d.set("kind", l.kind);
  d.set("kind_label", s.i18n.t(ctx.lang, "lessons.kind." + l.kind));
  d.set("locked", l.locked);
  d.set("completed", l.completed);
  d.set("body_html", l.body_html);
  d.set("has_body", !l.body_html.empty());
  d.set("video_embed_url", l.video_embed_url);
  d.set("has_video_embed", !l.video_embed_url.empty());
  d.set("file_id", l.file_id ? std::to_string(*l.file_id) : "");
  d.set("has_file", l.file_id.has_value());
  d.set("position_seconds", std::to_string(l.position_seconds));
  if (const auto media = lesson_media(s, l)) {
    d.set("media_url", media->url);
    d.set("media_name", media->name);
    d.set("media_video", media->content_type.starts_with("video/"));
    d.set("media_audio", media->content_type.starts_with("audio/"));
    d.set("media_download", l.kind == "file");
  }
  d.set("is_quiz", l.kind == "quiz");
  d.set("pass_percent", std::to_string(l.pass_percent));
  d.set("has_previous", l.previous_id.has_value());
  d.set("previous_id", l.previous_id ? std::to_string(*l.previous_id) : "");
  d.set("has_next", l.next_id.has_value());
  d.set("next_id", l.next_id ? std::to_string(*l.next_id) : "");
  std::vector<Data> questions;
  int n = 0;
  for (const auto& q : l.questions) {
    Data qd;
    qd.set("id", std::to_string(q.id));
    qd.set("number", std::to_string(++n));
    qd.set("prompt", q.prompt);
    qd.set("short", q.kind == learn::QuestionKind::Short);
    qd.set("input_type", q.kind == learn::QuestionKind::Multiple ? "checkbox" : "radio");
    std::vector<Data> options;
    for (const auto& o : q.options) {
      Data od;
      od.set("id", std::to_string(o.id));
      od.set("text", o.text);
      od.set("name", "q" + std::to_string(q.id));
      od.set("input_type", q.kind == learn::QuestionKind::Multiple ? "checkbox" : "radio");
      options.push_back(od);
    }
    qd.set("options", list_of(options));
    questions.push_back(qd);
  }
  d.set("questions", list_of(questions));
  return d;
}

http::Response lesson_edit_page(Context& ctx, Services& s, const learn::Lesson& l, const learn::LessonInput& values,
                                std::optional<Error> error) {
  auto course = take(s.courses.get(ctx.user_id(), l.course_id));
  Data data;
  data.set("id", std::to_string(l.id));
  data.set("course_id", std::to_string(l.course_id));
  data.set("course_title", course.title);
  data.set("lesson_title", values.title);
  data.set("kind_" + values.kind, true);
  data.set("body_md", values.body_md);
  data.set("video_url", values.video_url);
  data.set("file_id", values.file_id ? std::to_string(*values.file_id) : "");
  data.set("preview", values.preview);
  data.set("pass_percent", std::to_string(values.pass_percent));
  data.set("questions", quiz_text(values.questions));
  std::vector<Data> sections;
  for (const auto& sec : course.sections) {
    Data d;
    d.set("id", std::to_string(sec.id));
    d.set("title", sec.title);
    d.set("selected", sec.id == l.section_id);
    sections.push_back(d);
  }
  data.set("sections", list_of(sections));
  if (error) {
    data.set("errors", form_errors(ctx, s, *error));
  }
  return render_page(
      ctx, s, kTemplateLessonEdit, data,
      PageMeta{s.i18n.t(ctx.lang, "lessons.edit") + " · " + l.title, "", error ? status_of(error->kind) : 200});
}

http::Response lesson_page(Context& ctx, Services& s, int64_t id) {
  auto l = take(s.courses.get_lesson(ctx.user_id(), id));
  auto course = take(s.courses.get(ctx.user_id(), l.course_id));
  Data data = lesson_data(ctx, s, l);
  data.set("course_id", std::to_string(course.id));
  data.set("course_title", course.title);
  data.set("community_slug", course.community_slug);
  data.set("community_name", course.community_name);
  data.set("can_complete", course.viewer_enrolled && !l.locked && !l.completed && l.kind != "quiz");
  data.set("can_answer", course.viewer_enrolled && !l.locked && l.kind == "quiz");
  data.set("must_enroll", ctx.user && !course.viewer_enrolled && !l.locked);
  data.set("staff", course.viewer_staff);
  const auto percent = course.lesson_count == 0 ? 0 : course.completed * 100 / course.lesson_count;
  data.set("percent", std::to_string(percent));
  return render_page(ctx, s, kTemplateLesson, data, PageMeta{l.title + " · " + course.title, "", 200});
}

http::Response result_page(Context& ctx, Services& s, const learn::Attempt& a) {
  auto l = take(s.courses.get_lesson(ctx.user_id(), a.lesson_id));
  Data data;
  data.set("lesson_id", std::to_string(l.id));
  data.set("title", l.title);
  data.set("course_id", std::to_string(l.course_id));
  data.set("percent", std::to_string(a.score.percent));
  data.set("pass_percent", std::to_string(a.pass_percent));
  data.set("correct", std::to_string(a.score.correct));
  data.set("total", std::to_string(a.score.total));
  data.set("passed", a.score.passed);
  data.set("has_certificate", a.certificate_code.has_value());
  data.set("certificate_url", a.certificate_code ? certificate_url(*a.certificate_code) : "");
  data.set("has_next", l.next_id.has_value());
  data.set("next_id", l.next_id ? std::to_string(*l.next_id) : "");
  std::vector<Data> results;
  for (size_t i = 0; i < a.questions.size(); ++i) {
    const auto& q = a.questions[i];
    Data d;
    d.set("number", std::to_string(i + 1));
    d.set("prompt", q.prompt);
    d.set("right", a.score.results.at(i).second);
    std::string expected;
    for (const auto& o : q.options) {
      if (o.correct && a.score.passed) {  // The right answers only once passed.
        expected += (expected.empty() ? "" : " · ") + o.text;
      }
    }
    d.set("expected", expected);
    results.push_back(d);
  }
  data.set("results", list_of(results));
  return render_page(ctx, s, kTemplateResult, data, PageMeta{l.title, "", 200});
}

Data certificate_data(const Context& ctx, const Services& s, const learn::Certificate& c) {
  (void)ctx;
  (void)s;
  Data d;
  d.set("code", c.code);
  d.set("course_id", std::to_string(c.course_id));
  d.set("course_title", c.course_title);
  d.set("community_slug", c.community_slug);
  d.set("community_name", c.community_name);
  d.set("learner", person_data(c.learner));
  d.set("instructors", people_data(c.instructors));
  d.set("issued_on", format_rfc3339(c.issued_at).substr(0, 10));
  d.set("verify_url", public_base(ctx, s) + certificate_url(c.code));
  return d;
}

}  // namespace

void register_learn_routes(WebApp& app) {
  auto& s = app.services();

  // API: courses.
  app.route(Door::Api, "POST", "/api/v1/communities/{slug}/courses", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    auto input = course_input(in);
    auto course = take(s.courses.create(ctx.user->id, ctx.request.param("slug"), input));
    return json_response(201, {{"course", course_json(course, false)}});
  });

  app.route(Door::Api, "GET", "/api/v1/communities/{slug}/courses", Auth::Optional, [&s](Context& ctx) {
    boost::json::array list;
    for (const auto& c : take(s.courses.list(ctx.user_id(), ctx.request.param("slug")))) {
      list.push_back(course_json(c, false));
    }
    return json_response(200, {{"courses", std::move(list)}});
  });

  app.route(Door::Api, "GET", "/api/v1/courses/{id}", Auth::Optional, [&s](Context& ctx) {
    auto course = take(s.courses.get(ctx.user_id(), id_param(ctx.request)));
    return json_response(200, {{"course", course_json(course, true)}});
  });

  app.route(Door::Api, "PATCH", "/api/v1/courses/{id}", Auth::Required, [&s](Context& ctx) {
    const auto id = id_param(ctx.request);
    auto current = take(s.courses.get(ctx.user_id(), id));
    auto in = json_body(ctx);
    learn::CourseInput input;
    input.title = in.str("title").value_or(current.title);
    input.summary = in.str("summary").value_or(current.summary);
    input.cover_url = in.str("cover_url").value_or(current.cover_url);
    input.access = in.str("access").value_or(std::string(learn::access_name(current.access)));
    input.tier_ids = in.int_list("tier_ids").value_or(current.tier_ids);
    input.price = in.has("price") ? in.money("price") : current.price;
    check(in);
    auto course = take(s.courses.update(ctx.user->id, id, input));
    return json_response(200, {{"course", course_json(course, false)}});
  });

  app.route(Door::Api, "POST", "/api/v1/courses/{id}/instructors", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    const auto username = in.str("username").value_or("");
    check(in);
    auto course = take(s.courses.add_instructor(ctx.user->id, id_param(ctx.request), username));
    return json_response(201, {{"course", course_json(course, false)}});
  });

  app.route(Door::Api, "POST", "/api/v1/courses/{id}/sections", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    const auto title = in.str("title").value_or("");
    check(in);
    auto section = take(s.courses.add_section(ctx.user->id, id_param(ctx.request), title));
    return json_response(
        201, {{"section",
               boost::json::object{{"id", section.id}, {"title", section.title}, {"position", section.position}}}});
  });

  app.route(Door::Api, "PATCH", "/api/v1/sections/{id}", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    const auto title = in.str("title");
    const auto position = in.integer("position");
    check(in);
    auto section = take(s.courses.update_section(ctx.user->id, id_param(ctx.request), title, position));
    return json_response(
        200, {{"section",
               boost::json::object{{"id", section.id}, {"title", section.title}, {"position", section.position}}}});
  });

  // API: lessons.
  app.route(Door::Api, "POST", "/api/v1/courses/{id}/lessons", Auth::Required, [&s](Context& ctx) {
    learn::LessonInput base;
    base.kind = "text";
    auto input = lesson_input(ctx, base);
    auto lesson = take(s.courses.add_lesson(ctx.user->id, id_param(ctx.request), input));
    return json_response(201, {{"lesson", lesson_json(lesson)}});
  });

  app.route(Door::Api, "GET", "/api/v1/lessons/{id}", Auth::Optional, [&s](Context& ctx) {
    auto lesson = take(s.courses.get_lesson(ctx.user_id(), id_param(ctx.request)));
    auto o = lesson_json(lesson);
    if (const auto media = lesson_media(s, lesson)) {
      o["media"] = boost::json::object{
          {"url", media->url}, {"name", media->name}, {"content_type", media->content_type}, {"size", media->size}};
    }
    return json_response(200, {{"lesson", std::move(o)}});
  });

  app.route(Door::Api, "PATCH", "/api/v1/lessons/{id}", Auth::Required, [&s](Context& ctx) {
    const auto id = id_param(ctx.request);
    const auto current = staff_lesson(s, ctx.user->id, id);
    auto in = json_body(ctx);
    const auto position = in.integer("position");
    check(in);
    auto input = lesson_input(ctx, input_of(current));
    auto lesson = take(s.courses.update_lesson(ctx.user->id, id, input));
    if (position) {
      lesson = take(s.courses.move_lesson(ctx.user->id, id, *position));
      lesson = take(s.courses.get_lesson(ctx.user->id, id));
    }
    return json_response(200, {{"lesson", lesson_json(lesson)}});
  });

  // API: learning.
  app.route(Door::Api, "POST", "/api/v1/courses/{id}/enroll", Auth::Required, [&s](Context& ctx) {
    std::optional<int64_t> cohort;
    if (!text::trim(ctx.request.body).empty()) {
      auto in = json_body(ctx);
      cohort = in.integer("cohort_id");
      check(in);
    }
    auto enrolment = take(s.courses.enroll(ctx.user->id, id_param(ctx.request), cohort));
    return json_response(201, {{"enrolment", boost::json::object{{"id", enrolment.id},
                                                                 {"course_id", enrolment.course_id},
                                                                 {"cohort_id", optional_id(enrolment.cohort_id)},
                                                                 {"paid", enrolment.paid},
                                                                 {"status", enrolment.status}}}});
  });

  app.route(Door::Api, "POST", "/api/v1/lessons/{id}/complete", Auth::Required, [&s](Context& ctx) {
    auto progress = take(s.courses.complete(ctx.user->id, id_param(ctx.request)));
    return json_response(200, {{"progress", progress_json(progress)}});
  });

  app.route(Door::Api, "PUT", "/api/v1/lessons/{id}/position", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    const auto seconds = in.integer("seconds").value_or(-1);
    check(in);
    take(s.courses.save_position(ctx.user->id, id_param(ctx.request), seconds));
    return json_response(200, {{"seconds", seconds}});
  });

  app.route(Door::Api, "GET", "/api/v1/courses/{id}/progress", Auth::Required, [&s](Context& ctx) {
    auto progress = take(s.courses.progress(ctx.user->id, id_param(ctx.request)));
    auto body = progress_json(progress);
    body.erase("points");
    return json_response(200, body);
  });

  app.route(Door::Api, "POST", "/api/v1/lessons/{id}/attempts", Auth::Required, [&s](Context& ctx) {
    const auto body = raw_body(ctx);
    std::vector<learn::Answer> answers;
    if (auto* list = body.if_contains("answers"); list && list->is_array()) {
      for (const auto& item : list->as_array()) {
        if (!item.is_object() || !item.as_object().contains("question_id") ||
            !item.as_object().at("question_id").is_int64()) {
          throw invalid("learn.invalid_answers", "Each answer names its question_id.", "answers");
        }
        const auto& a = item.as_object();
        learn::Answer answer;
        answer.question_id = a.at("question_id").as_int64();
        answer.option_ids = ints_of(a, "option_ids", "answers");
        if (auto* t = a.if_contains("text"); t && t->is_string()) {
          answer.text = std::string(t->as_string());
        }
        answers.push_back(std::move(answer));
      }
    } else {
      throw invalid("learn.invalid_answers", "answers is a list.", "answers");
    }
    auto attempt = take(s.courses.submit_quiz(ctx.user->id, id_param(ctx.request), answers));
    return json_response(201, {{"attempt", attempt_json(attempt)}});
  });

  app.route(Door::Api, "GET", "/api/v1/certificates/{id}/verify", Auth::Optional, [&s](Context& ctx) {
    auto certificate = take(s.courses.certificate(ctx.request.param("id")));
    return json_response(200, {{"genuine", true}, {"certificate", certificate_json(certificate)}});
  });

  // API: reviews and cohorts.
  app.route(Door::Api, "GET", "/api/v1/courses/{id}/reviews", Auth::Optional, [&s](Context& ctx) {
    const auto id = id_param(ctx.request);
    auto course = take(s.courses.get(ctx.user_id(), id));
    boost::json::array list;
    for (const auto& r : take(s.courses.reviews(ctx.user_id(), id))) {
      list.push_back(review_json(r));
    }
    return json_response(
        200, {{"rating", rating_json(course.rating_count, course.rating_sum)}, {"reviews", std::move(list)}});
  });

  app.route(Door::Api, "PUT", "/api/v1/courses/{id}/reviews/mine", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    const auto rating = in.integer("rating").value_or(0);
    const auto body = in.str("body").value_or("");
    check(in);
    auto review = take(s.courses.review(ctx.user->id, id_param(ctx.request), rating, body));
    return json_response(200, {{"review", review_json(review)}});
  });

  app.route(Door::Api, "GET", "/api/v1/courses/{id}/cohorts", Auth::Optional, [&s](Context& ctx) {
    boost::json::array list;
    for (const auto& c : take(s.courses.cohorts(ctx.user_id(), id_param(ctx.request)))) {
      list.push_back(cohort_json(c));
    }
    return json_response(200, {{"cohorts", std::move(list)}});
  });

  app.route(Door::Api, "POST", "/api/v1/courses/{id}/cohorts", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    learn::CohortInput input;
    input.title = in.str("title").value_or("");
    const auto starts = in.str("starts_at");
    const auto ends = in.str("ends_at");
    input.seat_limit = in.integer("seat_limit").value_or(0);
    check(in);
    input.starts_at = time_field(starts, "starts_at");
    input.ends_at = time_field(ends, "ends_at");
    auto cohort = take(s.courses.create_cohort(ctx.user->id, id_param(ctx.request), input));
    return json_response(201, {{"cohort", cohort_json(cohort)}});
  });

  app.route(Door::Api, "POST", "/api/v1/cohorts/{id}/sessions", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    learn::SessionInput input;
    input.title = in.str("title").value_or("");
    const auto starts = in.str("starts_at");
    const auto ends = in.str("ends_at");
    input.link = in.str("link").value_or("");
    check(in);
    input.starts_at = time_field(starts, "starts_at");
    input.ends_at = time_field(ends, "ends_at");
    auto session = take(s.courses.add_session(ctx.user->id, id_param(ctx.request), input));
    return json_response(201, {{"session", boost::json::object{{"id", session.id},
                                                               {"title", session.title},
                                                               {"starts_at", format_rfc3339(session.starts_at)},
                                                               {"ends_at", format_rfc3339(session.ends_at)},
                                                               {"link", session.link}}}});
  });

  app.route(Door::Api, "POST", "/api/v1/cohorts/{id}/join", Auth::Required, [&s](Context& ctx) {
    auto enrolment = take(s.courses.join_cohort(ctx.user->id, id_param(ctx.request)));
    return json_response(201, {{"enrolment", boost::json::object{{"id", enrolment.id},
                                                                 {"course_id", enrolment.course_id},
                                                                 {"cohort_id", optional_id(enrolment.cohort_id)},
                                                                 {"paid", enrolment.paid},
                                                                 {"status", enrolment.status}}}});
  });

  // Pages.
  app.route(Door::Page, "GET", "/c/{slug}/courses", Auth::Optional, [&s](Context& ctx) {
    Data values;
    values.set("access_free", true);
    return courses_page(ctx, s, ctx.request.param("slug"), std::nullopt, values);
  });

  app.route(Door::Page, "POST", "/c/{slug}/courses", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    const auto& slug = ctx.request.param("slug");
    const auto community = require_community(s, slug);
    Result<learn::Course> course = invalid("learn.invalid_title", "", "title");
    try {
      course = s.courses.create(ctx.user->id, slug, course_form(form, community.currency));
    } catch (const Error& e) {
      course = e;
    }
    if (!course) {
      if (course.error().kind != ErrorKind::Invalid) {
        throw std::move(course).error();
      }
      Data values;
      for (const auto* key : {"title", "summary", "cover_url", "price"}) {
        values.set(key, form.get(key));
      }
      values.set("access_" + form.get("access"), true);
      return courses_page(ctx, s, slug, course.error(), values);
    }
    return redirect(course_url(course->id) + "/edit");
  });

  app.route(Door::Page, "GET", "/courses/{id}", Auth::Optional,
            [&s](Context& ctx) { return course_page(ctx, s, id_param(ctx.request), std::nullopt); });

  app.route(Door::Page, "POST", "/courses/{id}/enroll", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    const auto id = id_param(ctx.request);
    std::optional<int64_t> cohort;
    if (const auto c = whole_number(form.get("cohort_id")).value_or(0); c > 0) {
      cohort = c;
    }
    auto enrolled = s.courses.enroll(ctx.user->id, id, cohort);
    if (!enrolled) {
      if (enrolled.error().kind == ErrorKind::NotFound) {
        throw std::move(enrolled).error();
      }
      return course_page(ctx, s, id, enrolled.error());
    }
    return redirect(course_url(id));
  });

  app.route(Door::Page, "POST", "/courses/{id}/reviews", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    const auto id = id_param(ctx.request);
    auto saved = s.courses.review(ctx.user->id, id, whole_number(form.get("rating")).value_or(0), form.get("body"));
    if (!saved) {
      if (saved.error().kind == ErrorKind::NotFound) {
        throw std::move(saved).error();
      }
      return course_page(ctx, s, id, saved.error());
    }
    return redirect(course_url(id) + "#reviews");
  });

  app.route(Door::Page, "GET", "/courses/{id}/edit", Auth::Required,
            [&s](Context& ctx) { return edit_page(ctx, s, id_param(ctx.request), std::nullopt); });

  app.route(Door::Page, "POST", "/courses/{id}/edit", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    const auto id = id_param(ctx.request);
    const auto course = take(s.courses.get(ctx.user_id(), id));
    const auto community = require_community(s, course.community_slug);
    return edit_action(ctx, s, id,
                       [&] { take(s.courses.update(ctx.user->id, id, course_form(form, community.currency))); });
  });

  app.route(Door::Page, "POST", "/courses/{id}/instructors", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    const auto id = id_param(ctx.request);
    return edit_action(ctx, s, id, [&] { take(s.courses.add_instructor(ctx.user->id, id, form.get("username"))); });
  });

  app.route(Door::Page, "POST", "/courses/{id}/sections", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    const auto id = id_param(ctx.request);
    return edit_action(ctx, s, id, [&] { take(s.courses.add_section(ctx.user->id, id, form.get("title"))); });
  });

  app.route(Door::Page, "POST", "/sections/{id}/edit", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    const auto course_id = whole_number(form.get("course_id")).value_or(0);
    std::optional<std::string> title;
    if (form.has("title")) {
      title = form.get("title");
    }
    std::optional<int64_t> position;
    if (form.has("position")) {
      position = whole_number(form.get("position")).value_or(1);
    }
    auto section = take(s.courses.update_section(ctx.user->id, id_param(ctx.request), title, position));
    (void)section;
    return redirect(course_url(course_id) + "/edit");
  });

  app.route(Door::Page, "POST", "/courses/{id}/lessons", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    const auto id = id_param(ctx.request);
    return edit_action(ctx, s, id, [&] { take(s.courses.add_lesson(ctx.user->id, id, lesson_form(form))); });
  });

  app.route(Door::Page, "POST", "/lessons/{id}/move", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    auto lesson = take(
        s.courses.move_lesson(ctx.user->id, id_param(ctx.request), whole_number(form.get("position")).value_or(1)));
    return redirect(course_url(lesson.course_id) + "/edit");
  });

  app.route(Door::Page, "GET", "/lessons/{id}/edit", Auth::Required, [&s](Context& ctx) {
    const auto lesson = staff_lesson(s, ctx.user->id, id_param(ctx.request));
    return lesson_edit_page(ctx, s, lesson, input_of(lesson), std::nullopt);
  });

  app.route(Door::Page, "POST", "/lessons/{id}/edit", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    const auto id = id_param(ctx.request);
    const auto lesson = staff_lesson(s, ctx.user->id, id);
    learn::LessonInput input;
    try {
      input = lesson_form(form);
      take(s.courses.update_lesson(ctx.user->id, id, input));
    } catch (const Error& e) {
      if (e.kind != ErrorKind::Invalid) {
        throw;
      }
      input.title = form.get("title");
      input.kind = form.get("kind");
      input.body_md = form.get("body_md");
      input.video_url = form.get("video_url");
      return lesson_edit_page(ctx, s, lesson, input, e);
    }
    return redirect(course_url(lesson.course_id) + "/edit");
  });

  app.route(Door::Page, "POST", "/courses/{id}/cohorts", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    const auto id = id_param(ctx.request);
    return edit_action(ctx, s, id, [&] {
      learn::CohortInput input{form.get("title"), time_field(form.get("starts_at"), "starts_at"),
                               time_field(form.get("ends_at"), "ends_at"),
                               whole_number(form.get("seat_limit")).value_or(0)};
      take(s.courses.create_cohort(ctx.user->id, id, input));
    });
  });

  app.route(Door::Page, "POST", "/cohorts/{id}/sessions", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    const auto course_id = whole_number(form.get("course_id")).value_or(0);
    return edit_action(ctx, s, course_id, [&] {
      learn::SessionInput input{form.get("title"), time_field(form.get("starts_at"), "starts_at"),
                                time_field(form.get("ends_at"), "ends_at"), form.get("link")};
      take(s.courses.add_session(ctx.user->id, id_param(ctx.request), input));
    });
  });

  app.route(Door::Page, "GET", "/lessons/{id}", Auth::Optional,
            [&s](Context& ctx) { return lesson_page(ctx, s, id_param(ctx.request)); });

  app.route(Door::Page, "POST", "/lessons/{id}/complete", Auth::Required, [&s](Context& ctx) {
    const auto id = id_param(ctx.request);
    auto progress = take(s.courses.complete(ctx.user->id, id));
    auto lesson = take(s.courses.get_lesson(ctx.user->id, id));
    if (progress.certificate_code && !progress.continue_lesson_id) {
      return redirect(certificate_url(*progress.certificate_code));
    }
    return redirect(lesson.next_id ? lesson_url(*lesson.next_id) : course_url(lesson.course_id));
  });

  app.route(Door::Page, "POST", "/lessons/{id}/quiz", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    const auto id = id_param(ctx.request);
    auto lesson = take(s.courses.get_lesson(ctx.user->id, id));
    std::vector<learn::Answer> answers;
    for (const auto& q : lesson.questions) {
      learn::Answer a;
      a.question_id = q.id;
      const auto key = "q" + std::to_string(q.id);
      if (q.kind == learn::QuestionKind::Short) {
        a.text = form.get(key);
      } else {
        for (const auto& v : form.values(key)) {
          a.option_ids.push_back(whole_number(v).value_or(0));
        }
      }
      answers.push_back(std::move(a));
    }
    auto attempt = take(s.courses.submit_quiz(ctx.user->id, id, answers));
    return result_page(ctx, s, attempt);
  });

  app.route(Door::Page, "GET", "/certificates/{code}", Auth::Optional, [&s](Context& ctx) {
    auto c = take(s.courses.certificate(ctx.request.param("code")));
    return render_page(ctx, s, kTemplateCertificate, certificate_data(ctx, s, c),
                       PageMeta{s.i18n.t(ctx.lang, "certificate.title") + " · " + c.course_title, "", 200});
  });

  app.route(Door::Page, "GET", "/certificates/{code}/print", Auth::Optional, [&s](Context& ctx) {
    auto c = take(s.courses.certificate(ctx.request.param("code")));
    return render_page(ctx, s, kTemplateCertificatePrint, certificate_data(ctx, s, c),
                       PageMeta{s.i18n.t(ctx.lang, "certificate.title") + " · " + c.course_title, "", 200});
  });
}

}  // namespace gh::web

// gh::learn courses: a community's courses with sections and ordered lessons (Markdown, a
// video, a file download, a quiz), enrolment, progress, quizzes, certificates, reviews and
// cohorts with live sessions.
//
// Access to a lesson is decided by can_read_lesson (rules.hpp) alone: every read here loads the
// course's gate and the viewer's facts once (reader_of) and asks it for each lesson, and a
// locked lesson leaves with its title only (no body, no video, no file id, no questions).
// Correct quiz answers reach staff only, and a learner only in the result of their attempt.
// Paid courses are sold through billing's checkout (course_product.hpp). Thread-safe: state
// lives in the database.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/money.hpp"
#include "core/result.hpp"
#include "db/db.hpp"
#include "learn/rules.hpp"

namespace gh::learn {

inline constexpr size_t kMaxTitleChars = 200;
inline constexpr size_t kMaxSummaryChars = 2000;
inline constexpr size_t kMaxBodyChars = 200'000;
inline constexpr size_t kMaxQuestions = 100;
inline constexpr size_t kMaxOptions = 20;

struct Person {
  std::string username;
  std::string display_name;
};

struct Lesson {
  int64_t id = 0;
  int64_t course_id = 0;
  int64_t section_id = 0;
  std::string title;
  std::string kind;  // text | video | file | quiz
  bool preview = false;
  int64_t position = 0;
  int64_t pass_percent = 0;  // Quizzes.
  bool locked = true;        // The viewer sees the title only; every field below is empty.
  std::string body_md;
  std::string body_html;
  std::string video_url;
  std::string video_embed_url;
  std::optional<int64_t> file_id;
  std::vector<QuizQuestion> questions;
  bool answers_shown = false;  // Staff: options carry `correct` and short answers are listed.
  // The viewer's progress.
  bool completed = false;
  int64_t position_seconds = 0;
  // Neighbours in syllabus order (get_lesson only).
  std::optional<int64_t> previous_id;
  std::optional<int64_t> next_id;
};

struct Section {
  int64_t id = 0;
  std::string title;
  int64_t position = 0;
  std::vector<Lesson> lessons;
};

struct Course {
  int64_t id = 0;
  CommunityId community_id;
  std::string community_slug;
  std::string community_name;
  std::string title;
  std::string summary;
  std::string cover_url;
  CourseAccess access = CourseAccess::Free;
  std::vector<int64_t> tier_ids;
  std::optional<Money> price;  // Paid courses.
  std::vector<Person> instructors;
  std::vector<Section> sections;  // get() only.
  int64_t lesson_count = 0;
  int64_t rating_count = 0;
  int64_t rating_sum = 0;
  Millis created_at = 0;
  // The viewer.
  bool viewer_staff = false;     // Instructor or moderator and up: edits the course.
  bool viewer_enrolled = false;  // Has an active enrolment.
  bool viewer_full = false;      // can_read_course.
  bool viewer_paid = false;
  int64_t completed = 0;  // Lessons the viewer completed (get() only).
  std::optional<int64_t> continue_lesson_id;
  std::optional<std::string> certificate_code;
};

struct CourseInput {
  std::string title;
  std::string summary;
  std::string cover_url;
  std::string access;  // free | tiers | paid
  std::vector<int64_t> tier_ids;
  std::optional<Money> price;
};

struct QuestionInput {
  std::string kind;  // single | multiple | short
  std::string prompt;
  std::vector<std::string> options;  // Choice questions.
  std::vector<int64_t> correct;      // Indexes into options (from 0).
  std::vector<std::string> answers;  // Accepted answers of a short question.
};

struct LessonInput {
  std::string title;
  std::string kind;  // text | video | file | quiz
  std::string body_md;
  std::string video_url;  // Video: an embed link of a whitelisted host, or file_id.
  std::optional<int64_t> file_id;
  bool preview = false;
  std::optional<int64_t> section_id;  // Create: the course's last section (made when none).
  int64_t pass_percent = 0;           // Quizzes: 0..100.
  std::vector<QuestionInput> questions;
};

struct Progress {
  int64_t completed = 0;
  int64_t total = 0;
  int64_t percent = 0;
  std::vector<int64_t> completed_ids;
  std::optional<int64_t> continue_lesson_id;  // Where to go on; none when all done.
  std::optional<std::string> certificate_code;
  int64_t points = 0;  // Points awarded by the call that returned this (complete()).
};

struct Enrolment {
  int64_t id = 0;
  int64_t course_id = 0;
  std::optional<int64_t> cohort_id;
  bool paid = false;
  std::string status;  // active | refunded
};

struct Attempt {
  int64_t id = 0;
  int64_t lesson_id = 0;
  Score score;
  int64_t pass_percent = 0;
  std::vector<QuizQuestion> questions;  // With the correct answers: shown after submitting.
  std::vector<Answer> answers;
  std::optional<std::string> certificate_code;  // The course is now complete.
};

struct Certificate {
  int64_t id = 0;
  std::string code;  // The signed id used in URLs.
  int64_t course_id = 0;
  std::string course_title;
  std::string community_slug;
  std::string community_name;
  Person learner;
  std::vector<Person> instructors;
  Millis issued_at = 0;
};

struct Review {
  Person author;
  int64_t rating = 0;
  std::string body;
  Millis created_at = 0;
  Millis updated_at = 0;
};

struct LiveSession {
  int64_t id = 0;
  std::string title;
  Millis starts_at = 0;
  Millis ends_at = 0;
  std::string link;  // Empty unless the viewer is in the cohort or staff.
};

struct Cohort {
  int64_t id = 0;
  int64_t course_id = 0;
  std::string title;
  Millis starts_at = 0;
  Millis ends_at = 0;
  int64_t seat_limit = 0;
  int64_t seats_taken = 0;
  bool viewer_member = false;
  std::vector<LiveSession> sessions;
};

struct CohortInput {
  std::string title;
  Millis starts_at = 0;
  Millis ends_at = 0;
  int64_t seat_limit = 0;  // 1..100,000.
};

struct SessionInput {
  std::string title;
  Millis starts_at = 0;
  Millis ends_at = 0;
  std::string link;  // https:// or http://.
};

class Courses {
 public:
  Courses(db::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Creators and up of the community make courses and become their first instructor.
  // Errors: learn.invalid_* (fields), learn.creators_only, community.not_found.
  Result<Course> create(UserId actor, std::string_view community_slug, const CourseInput& input);
  // Staff of the course (instructors, moderators and up).
  Result<Course> update(UserId actor, int64_t course_id, const CourseInput& input);
  // The community's courses, oldest first, without sections.
  Result<std::vector<Course>> list(std::optional<UserId> viewer, std::string_view community_slug);
  // A course with its syllabus (lessons locked as can_read_lesson says) and the viewer's state.
  Result<Course> get(std::optional<UserId> viewer, int64_t course_id);
  // Adds an instructor: a member with the creator role or above.
  Result<Course> add_instructor(UserId actor, int64_t course_id, std::string_view username);

  Result<Section> add_section(UserId actor, int64_t course_id, std::string_view title);
  // Renames and/or moves a section to `position` (1-based; clamped).
  Result<Section> update_section(UserId actor, int64_t section_id, std::optional<std::string> title,
                                 std::optional<int64_t> position);

  Result<Lesson> add_lesson(UserId actor, int64_t course_id, const LessonInput& input);
  // Replaces the lesson's content (a quiz's questions are replaced too); `section_id` moves it
  // to the end of another section of the course.
  Result<Lesson> update_lesson(UserId actor, int64_t lesson_id, const LessonInput& input);
  // Moves a lesson to `position` (1-based; clamped) within its section.
  Result<Lesson> move_lesson(UserId actor, int64_t lesson_id, int64_t position);
  // One lesson as the viewer may see it (locked: title only). NotFound when the viewer may not
  // see the course at all.
  Result<Lesson> get_lesson(std::optional<UserId> viewer, int64_t lesson_id);

  // Free courses and courses the learner's tier includes: enrols at once. Paid courses not
  // bought: learn.payment_required (402; buy through POST /api/v1/checkout, item_kind
  // "course"). With a cohort: also takes a seat (learn.cohort_full when none is left).
  Result<Enrolment> enroll(UserId learner, int64_t course_id, std::optional<int64_t> cohort_id);
  Result<Enrolment> join_cohort(UserId learner, int64_t cohort_id);

  // Marks a readable lesson complete for an enrolled learner (quizzes complete when passed),
  // awards the lesson_completed points once per lesson, and issues the certificate when the
  // course is complete. Idempotent.
  Result<Progress> complete(UserId learner, int64_t lesson_id);
  // Where the learner is in a video (seconds).
  Status save_position(UserId learner, int64_t lesson_id, int64_t seconds);
  Result<Progress> progress(UserId learner, int64_t course_id);

  // Scores an enrolled learner's answers, records the attempt, completes the lesson when passed.
  Result<Attempt> submit_quiz(UserId learner, int64_t lesson_id, const std::vector<Answer>& answers);

  // By the signed code; learn.certificate_not_found for a wrong or tampered code.
  Result<Certificate> certificate(std::string_view code);

  // Enrolled learners (active enrolment) review once; a second call edits.
  Result<Review> review(UserId learner, int64_t course_id, int64_t rating, std::string_view body);
  Result<std::vector<Review>> reviews(std::optional<UserId> viewer, int64_t course_id);

  Result<Cohort> create_cohort(UserId actor, int64_t course_id, const CohortInput& input);
  Result<LiveSession> add_session(UserId actor, int64_t cohort_id, const SessionInput& input);
  Result<std::vector<Cohort>> cohorts(std::optional<UserId> viewer, int64_t course_id);

 private:
  db::Database& db_;
  const Clock& clock_;
};

}  // namespace gh::learn

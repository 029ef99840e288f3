#include "learn/store.hpp"

#include <map>

#include "access/entitlements.hpp"

namespace gh::learn {
namespace {

constexpr std::string_view kCourseSelect =
    "SELECT c.id, c.community_id, m.slug, m.name, m.is_public, c.title, c.summary, c.cover_url, c.access, "
    "c.price_minor, c.currency, c.created_at FROM courses c JOIN communities m ON m.id = c.community_id ";

CourseRow course_from(const db::Row& r) {
  CourseRow c;
  c.id = r.i64(0);
  c.community = CommunityId(r.i64(1));
  c.community_slug = r.text(2);
  c.community_name = r.text(3);
  c.community_public = r.boolean(4);
  c.title = r.text(5);
  c.summary = r.text(6);
  c.cover_url = r.text(7);
  c.gate.access = parse_access(r.text(8)).value_or(CourseAccess::Paid);
  if (!r.is_null(9)) {
    if (auto price = Money::create(r.i64(9), r.text(10))) {
      c.price = *price;
    }
  }
  c.created_at = r.i64(11);
  return c;
}

}  // namespace

std::optional<CourseRow> load_course(db::Tx& tx, int64_t course_id) {
  auto r = tx.one(std::string(kCourseSelect) + "WHERE c.id = $1", {course_id});
  if (!r) {
    return std::nullopt;
  }
  auto course = course_from(r->row());
  for (auto t : tx.exec("SELECT tier_id FROM course_tiers WHERE course_id = $1 ORDER BY tier_id", {course_id})) {
    course.gate.tier_ids.push_back(t.i64(0));
  }
  return course;
}

std::vector<CourseRow> load_courses_of(db::Tx& tx, CommunityId community) {
  std::vector<CourseRow> out;
  std::map<int64_t, size_t> index;
  for (auto r : tx.exec(std::string(kCourseSelect) + "WHERE c.community_id = $1 ORDER BY c.id", {community.value})) {
    index[r.i64(0)] = out.size();
    out.push_back(course_from(r));
  }
  for (auto t : tx.exec("SELECT t.course_id, t.tier_id FROM course_tiers t JOIN courses c ON c.id = t.course_id "
                        "WHERE c.community_id = $1 ORDER BY t.tier_id",
                        {community.value})) {
    out[index.at(t.i64(0))].gate.tier_ids.push_back(t.i64(1));
  }
  return out;
}

std::optional<EnrolmentRow> enrolment_row(db::Tx& tx, int64_t course_id, UserId user) {
  auto r = tx.one("SELECT id, cohort_id, paid_payment_id, status FROM enrolments WHERE course_id = $1 AND user_id = $2",
                  {course_id, user.value});
  if (!r) {
    return std::nullopt;
  }
  return EnrolmentRow{r->row().i64(0), r->row().opt_i64(1), r->row().opt_i64(2), r->row().text(3)};
}

Viewer viewer_of(db::Tx& tx, const CourseRow& course, std::optional<UserId> user, Millis now) {
  Viewer v;
  v.role = access::role_in(tx, user, course.community);
  v.sees = course.community_public || v.role != access::Role::None;
  if (!user) {
    return v;
  }
  const bool instructor =
      tx.one("SELECT 1 FROM course_instructors WHERE course_id = $1 AND user_id = $2", {course.id, user->value})
          .has_value();
  v.reader.staff = instructor || v.role >= access::Role::Moderator;
  v.enrolment = enrolment_row(tx, course.id, *user);
  v.reader.paid = v.enrolment && v.enrolment->status == "active" && v.enrolment->paid_payment_id.has_value();
  if (!course.gate.tier_ids.empty()) {
    v.reader.entitlements = access::entitlements_of(tx, *user, course.community, now);
  }
  return v;
}

int64_t ensure_enrolment(db::Tx& tx, int64_t course_id, UserId user, Millis now) {
  tx.exec(
      "INSERT INTO enrolments (course_id, user_id, status, created_at) VALUES ($1, $2, 'active', $3) "
      "ON CONFLICT (course_id, user_id) DO UPDATE SET status = 'active'",
      {course_id, user.value, now});
  return *tx.scalar_i64("SELECT id FROM enrolments WHERE course_id = $1 AND user_id = $2", {course_id, user.value});
}

}  // namespace gh::learn

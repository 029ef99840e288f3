// gh::learn store: the SQL shared by the course service and the course product, inside the
// caller's transaction. Internal to learn/.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "access/access.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/money.hpp"
#include "db/db.hpp"
#include "learn/rules.hpp"

namespace gh::learn {

struct CourseRow {
  int64_t id = 0;
  CommunityId community;
  std::string community_slug;
  std::string community_name;
  bool community_public = true;
  std::string title;
  std::string summary;
  std::string cover_url;
  CourseGate gate;
  std::optional<Money> price;
  Millis created_at = 0;
};

struct EnrolmentRow {
  int64_t id = 0;
  std::optional<int64_t> cohort_id;
  std::optional<int64_t> paid_payment_id;
  std::string status;  // active | refunded
};

// Everything the access decision knows about one viewer in one course.
struct Viewer {
  bool sees = false;  // May see the course at all (public community, or a member).
  access::Role role = access::Role::None;
  std::optional<EnrolmentRow> enrolment;
  Reader reader;
};

std::optional<CourseRow> load_course(db::Tx& tx, int64_t course_id);
std::vector<CourseRow> load_courses_of(db::Tx& tx, CommunityId community);
std::optional<EnrolmentRow> enrolment_row(db::Tx& tx, int64_t course_id, UserId user);
Viewer viewer_of(db::Tx& tx, const CourseRow& course, std::optional<UserId> user, Millis now);
// The learner's enrolment id, made active if missing or refunded (paid access is not given here).
int64_t ensure_enrolment(db::Tx& tx, int64_t course_id, UserId user, Millis now);

}  // namespace gh::learn

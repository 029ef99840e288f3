#include "learn/course_product.hpp"

#include "learn/store.hpp"

namespace gh::learn {

Result<billing::Quote> CourseProduct::quote(db::Tx& tx, UserId buyer, int64_t item_id, Millis now) const {
  auto course = load_course(tx, item_id);
  if (!course) {
    return not_found("learn.course_not_found", "No such course.");
  }
  const auto viewer = viewer_of(tx, *course, buyer, now);
  if (!viewer.sees) {
    return not_found("learn.course_not_found", "No such course.");
  }
  if (course->gate.access != CourseAccess::Paid || !course->price) {
    return conflict("learn.not_for_sale", "This course is not sold on its own.");
  }
  if (can_read_course(course->gate, viewer.reader)) {
    return conflict("learn.already_enrolled", "You already have this course.");
  }
  billing::Quote q;
  q.community = course->community;
  q.price = *course->price;
  q.name = course->title;
  q.url = "/courses/" + std::to_string(course->id);
  return q;
}

Status CourseProduct::fulfil(db::Tx& tx, const billing::Checkout& checkout, int64_t payment_id, Millis now) const {
  const int64_t course_id = checkout.item_id.value_or(0);
  if (!load_course(tx, course_id)) {
    return {};  // Courses are never deleted; nothing to give should one be gone.
  }
  communities_.ensure_member(tx, checkout.user, checkout.community);
  const auto id = ensure_enrolment(tx, course_id, checkout.user, now);
  tx.exec("UPDATE enrolments SET paid_payment_id = $1, status = 'active' WHERE id = $2", {payment_id, id});
  return {};
}

void CourseProduct::refunded(db::Tx& tx, const billing::Payment& payment, Millis /*now*/) const {
  auto enrolment = tx.one("SELECT id, cohort_id FROM enrolments WHERE paid_payment_id = $1", {payment.id});
  if (!enrolment) {
    return;
  }
  if (!enrolment->row().is_null(1)) {
    tx.exec("UPDATE cohorts SET seats_taken = seats_taken - 1 WHERE id = $1 AND seats_taken > 0",
            {enrolment->row().i64(1)});
  }
  tx.exec("UPDATE enrolments SET paid_payment_id = NULL, status = 'refunded', cohort_id = NULL WHERE id = $1",
          {enrolment->row().i64(0)});
}

}  // namespace gh::learn

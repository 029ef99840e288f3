// gh::learn course product: paid courses sold through billing's one checkout (kind "course",
// item id = course id). Completing the checkout gives the buyer a paid enrolment; refunding the
// payment takes the paid access back at once (and frees the buyer's cohort seat). Stateless;
// thread-safe. Registered in app/'s Catalog at start-up.
#pragma once

#include "billing/checkout.hpp"
#include "billing/products.hpp"
#include "community/community.hpp"

namespace gh::learn {

class CourseProduct final : public billing::Product {
 public:
  explicit CourseProduct(community::Communities& communities) : communities_(communities) {}

  // Errors: learn.course_not_found, learn.not_for_sale (not a paid course),
  // learn.already_enrolled (the buyer already has the whole course).
  Result<billing::Quote> quote(db::Tx& tx, UserId buyer, int64_t item_id, Millis now) const override;
  Status fulfil(db::Tx& tx, const billing::Checkout& checkout, int64_t payment_id, Millis now) const override;
  void refunded(db::Tx& tx, const billing::Payment& payment, Millis now) const override;

 private:
  community::Communities& communities_;  // A buyer joins the community, as buying a tier does.
};

}  // namespace gh::learn

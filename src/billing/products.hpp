// gh::billing products: things the layers above billing sell through the same checkout.
//
// A tier and a post are billing's own items. Everything else a community sells (a paid question
// to an expert, a course, an event ticket) is a Product registered in the Catalog by its own
// layer at start-up, so that billing never depends on those layers and every sale still goes
// through one checkout, one completion and one refund path:
//
//   Checkouts::start({item_kind, item_id})  -> Product::quote()     (start's transaction)
//   Checkouts::complete()                   -> Product::fulfil()    (completion's transaction,
//                                              after the payment row exists, before the booking)
//   Refunds::refund()                       -> Product::begin_refund() (before the provider call)
//   Refunds::book()                         -> Product::refunded()  (the refund's transaction)
//
// Products are paid once (Stripe's `payment` mode), never renew and are never gifts. The item's
// name and URL are copied onto the checkout at start, so pages show them without the product.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/money.hpp"
#include "core/result.hpp"
#include "db/db.hpp"

namespace gh::billing {

struct Checkout;
struct Payment;

// What an item costs one buyer, decided inside start()'s transaction.
struct Quote {
  CommunityId community;
  Money price = Money::zero("CNY");  // Must be above zero: free things are not checked out.
  std::string name;                  // Shown on the checkout page, at Stripe and in the ledger memo.
  std::string url;                   // Where the buyer goes once it is paid, e.g. "/courses/7".
  bool coupons = true;               // Whether the community's coupons may discount it.
};

class Product {
 public:
  virtual ~Product() = default;

  // The price of item `item_id` for `buyer` now, or why it is not for sale to them
  // (not found, already owned, sold out, ...). May write (e.g. hold a seat) in `tx`: a failed
  // start rolls the whole transaction back.
  virtual Result<Quote> quote(db::Tx& tx, UserId buyer, int64_t item_id, Millis now) const = 0;

  // Where complete() books the amount less the platform fee: the community's revenue (false), or
  // the community's held account, a liability until the product moves it on itself (a paid
  // question's money waits for the answer; see ledger::community_held). A refund reverses the
  // payment's booking, so a product must refuse refunds (refundable()) once it has moved the money.
  virtual bool holds_payment() const { return false; }

  // Gives the buyer what they paid for, inside complete()'s transaction. `payment_id` is the
  // payments row just written. An error rolls the completion back (the checkout stays pending):
  // return one only for what a retry could fix; a sale already paid at a provider must be
  // honoured.
  virtual Status fulfil(db::Tx& tx, const Checkout& checkout, int64_t payment_id, Millis now) const = 0;

  // Runs in its own write transaction when someone asks for a refund (Refunds::refund), before
  // the provider is asked: an error refuses the refund (e.g. a question already answered), or
  // the product claims its item so that nothing delivers it meanwhile. A claim is final: should
  // the provider then fail, the item stays claimed for a retry (Refunds::refund_claimed). Refunds
  // made at the provider's dashboard do not come here; refunded() still runs for them.
  virtual Status begin_refund(db::Tx& /*tx*/, const Payment& /*payment*/, Millis /*now*/) const { return {}; }

  // Takes back what the payment bought, inside Refunds::book()'s transaction, after the booking
  // has been reversed.
  virtual void refunded(db::Tx& tx, const Payment& payment, Millis now) const = 0;
};

// The products of this process by kind ("question", "course", "ticket"). Filled at start-up
// before the server takes requests and read-only after, so it needs no lock.
class Catalog {
 public:
  // `product` must outlive the catalog. Kinds are lowercase words; registering one twice throws.
  void add(std::string kind, const Product& product);
  const Product* find(std::string_view kind) const;

 private:
  std::map<std::string, const Product*, std::less<>> products_;
};

}  // namespace gh::billing

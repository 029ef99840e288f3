// Events, tickets, the waitlist, check-in, paid tickets through billing's checkout, refunds and
// points, on a real database (SQLite, or PostgreSQL with GH_TEST_PG).
#include "events/events.hpp"

#include <gtest/gtest.h>

#include <atomic>

#include "billing/books.hpp"
#include "billing/fixture_test.hpp"
#include "billing/refunds.hpp"
#include "engage/points.hpp"
#include "events/ticket_product.hpp"

namespace gh::events {
namespace {

class EventsTest : public billing::BillingFixture {
 protected:
  TicketProduct product;
  billing::Catalog catalog;
  billing::Checkouts sales{database.db(), clock, communities, billing::CheckoutOptions{500, nullptr, &catalog}};
  billing::Refunds refunds{database.db(), clock, billing::RefundOptions{72, nullptr, &catalog}};
  Events events{database.db(), clock, communities, sales};

  void SetUp() override {
    BillingFixture::SetUp();
    catalog.add("ticket", product);
  }

  EventInput input(int64_t capacity) {
    EventInput in;
    in.title = "Meetup";
    in.description_md = "Talks *and* pizza";
    in.starts_at = clock.now_ms() + 86'400'000;
    in.ends_at = *in.starts_at + 7'200'000;
    in.timezone = "Asia/Shanghai";
    in.capacity = capacity;
    in.online_url = "https://meet.example.com/secret-room";
    in.venue = "Room 42";
    return in;
  }

  Event make_event(int64_t capacity) {
    auto event = events.create(owner, "club", input(capacity));
    EXPECT_TRUE(event) << event.error().message;
    return *event;
  }

  std::string status_of(UserId user, int64_t event_id) {
    auto e = events.get(user, event_id);
    return e->viewer_ticket ? e->viewer_ticket->status : "";
  }
};

TEST_F(EventsTest, CreatingValidatesEveryField) {
  auto bad = [&](auto change, const std::string& code) {
    auto in = input(10);
    change(in);
    auto result = events.create(owner, "club", in);
    ASSERT_FALSE(result) << code;
    EXPECT_EQ(result.error().code, code);
  };
  bad([](EventInput& in) { in.title = "  "; }, "events.invalid_title");
  bad([](EventInput& in) { in.ends_at = in.starts_at; }, "events.invalid_times");
  bad([](EventInput& in) { in.starts_at.reset(); }, "events.invalid_times");
  bad([](EventInput& in) { in.timezone = "Mars/Olympus"; }, "events.invalid_timezone");
  bad([](EventInput& in) { in.timezone = "../../etc/passwd"; }, "events.invalid_timezone");
  bad([](EventInput& in) { in.capacity = 0; }, "events.invalid_capacity");
  bad([](EventInput& in) { in.online_url = "javascript:alert(1)"; }, "events.invalid_url");
  bad(
      [](EventInput& in) {
        in.online_url.clear();
        in.venue.clear();
      },
      "events.location_required");
  bad(
      [](EventInput& in) {
        in.sales_start = *in.starts_at;
        in.sales_end = *in.starts_at - 1;
      },
      "events.invalid_sales_window");
  EXPECT_EQ(events.create(buyer, "club", input(10)).error().code, "events.forbidden");
  EXPECT_EQ(count("SELECT COUNT(*) FROM events"), 0);
  auto event = make_event(10);
  EXPECT_EQ(event.ticket_types.size(), 1u);
  EXPECT_EQ(event.ticket_types[0].price.amount_minor(), 0);
  EXPECT_NE(event.description_html.find("<em>and</em>"), std::string::npos);
}

TEST_F(EventsTest, TheLocationIsOnlyForConfirmedHoldersAndOrganisers) {
  auto event = make_event(1);
  EXPECT_EQ(event.online_url, "https://meet.example.com/secret-room") << "organisers see it";
  const auto stranger = user("stranger");
  auto seen = events.get(stranger, event.id);
  EXPECT_TRUE(seen->online);
  EXPECT_EQ(seen->online_url, "");
  EXPECT_EQ(seen->venue, "");
  EXPECT_EQ(events.get(std::nullopt, event.id)->online_url, "");
  ASSERT_TRUE(events.register_for(buyer, event.id, std::nullopt, "manual", ""));
  EXPECT_EQ(events.get(buyer, event.id)->online_url, "https://meet.example.com/secret-room");
  // Waitlisted: still nothing.
  auto waiting = events.register_for(stranger, event.id, std::nullopt, "manual", "");
  EXPECT_EQ(waiting->ticket.status, "waitlisted");
  EXPECT_EQ(events.get(stranger, event.id)->online_url, "");
  const auto listed = events.list(buyer, "club", false);  // Kept: a range-for over *temporary would dangle.
  ASSERT_TRUE(listed);
  for (const auto& e : *listed) {
    EXPECT_EQ(e.online_url, "") << "lists never carry the location";
  }
}

TEST_F(EventsTest, TheWaitlistIsPromotedWhenSomeoneCancels) {
  auto event = make_event(2);
  const auto a = user("alice"), b = user("bob"), c = user("carol");
  EXPECT_EQ(events.register_for(a, event.id, std::nullopt, "manual", "")->ticket.status, "confirmed");
  EXPECT_EQ(events.register_for(b, event.id, std::nullopt, "manual", "")->ticket.status, "confirmed");
  auto waiting = events.register_for(c, event.id, std::nullopt, "manual", "");
  EXPECT_EQ(waiting->ticket.status, "waitlisted");
  EXPECT_EQ(events.register_for(c, event.id, std::nullopt, "manual", "").error().code, "events.already_registered");

  auto canceled = events.cancel(a, event.id);
  ASSERT_TRUE(canceled);
  EXPECT_EQ(canceled->status, "canceled");
  EXPECT_EQ(status_of(c, event.id), "confirmed");
  EXPECT_EQ(
      count("SELECT COUNT(*) FROM notifications WHERE kind = 'event_seat' AND user_id = " + std::to_string(c.value)),
      1);
  EXPECT_EQ(events.cancel(a, event.id).error().code, "events.not_registered");
  // Canceling frees nothing twice; registering again works while seats are free.
  EXPECT_EQ(events.register_for(a, event.id, std::nullopt, "manual", "")->ticket.status, "waitlisted");
  auto e = events.get(owner, event.id);
  EXPECT_EQ(e->confirmed, 2);
  EXPECT_EQ(e->waitlisted, 1);
  // Raising the capacity promotes; lowering it under the seats taken is refused.
  EventPatch more;
  more.capacity = 3;
  ASSERT_TRUE(events.update(owner, event.id, more));
  EXPECT_EQ(status_of(a, event.id), "confirmed");
  EventPatch less;
  less.capacity = 1;
  EXPECT_EQ(events.update(owner, event.id, less).error().code, "events.capacity_below_taken");
}

TEST_F(EventsTest, ConcurrentRegistrationsNeverExceedTheCapacity) {
  auto event = make_event(10);
  std::vector<UserId> users;
  for (int i = 0; i < 50; ++i) {
    users.push_back(user("racer" + std::to_string(i)));
  }
  std::atomic<int> confirmed{0}, waitlisted{0}, failed{0};
  race(50, [&](int i) {
    auto r = events.register_for(users[i], event.id, std::nullopt, "manual", "");
    if (!r) {
      ++failed;
    } else if (r->ticket.status == "confirmed") {
      ++confirmed;
    } else {
      ++waitlisted;
    }
  });
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(confirmed.load(), 10);
  EXPECT_EQ(waitlisted.load(), 40);
  EXPECT_EQ(count("SELECT COUNT(*) FROM event_tickets WHERE status = 'confirmed'"), 10);
}

TEST_F(EventsTest, SalesWindowAndCanceledEvents) {
  auto in = input(5);
  in.sales_start = clock.now_ms() + 1000;
  auto event = *events.create(owner, "club", in);
  EXPECT_EQ(events.register_for(buyer, event.id, std::nullopt, "manual", "").error().code, "events.sales_not_started");
  clock.advance_ms(2000);
  EXPECT_TRUE(events.register_for(buyer, event.id, std::nullopt, "manual", ""));
  EventPatch cancel;
  cancel.status = "canceled";
  ASSERT_TRUE(events.update(owner, event.id, cancel));
  EXPECT_EQ(events.register_for(user("late"), event.id, std::nullopt, "manual", "").error().code, "events.canceled");
  clock.advance_ms(3 * 86'400'000LL);
  cancel.status = "published";
  ASSERT_TRUE(events.update(owner, event.id, cancel));
  EXPECT_EQ(events.register_for(user("later"), event.id, std::nullopt, "manual", "").error().code,
            "events.sales_ended");
}

TEST_F(EventsTest, BannedMembersCannotRegister) {
  auto event = make_event(5);
  database.db().write([&](db::Tx& tx) {
    tx.exec("INSERT INTO community_bans (community_id, user_id, banned_by, created_at) VALUES ($1, $2, $3, 0)",
            {club.value, buyer.value, owner.value});
  });
  EXPECT_EQ(events.register_for(buyer, event.id, std::nullopt, "manual", "").error().code, "moderation.banned");
  EXPECT_EQ(count("SELECT COUNT(*) FROM event_tickets"), 0);
}

TEST_F(EventsTest, CheckInOnceWithWhoAndWhen) {
  auto event = make_event(5);
  auto ticket = events.register_for(buyer, event.id, std::nullopt, "manual", "")->ticket;
  EXPECT_EQ(events.check_in(buyer, event.id, ticket.code).error().code, "events.forbidden");
  auto first = events.check_in(owner, event.id, ticket.code);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_FALSE(first->already);
  EXPECT_EQ(first->checked_in, 1);
  clock.advance_ms(60'000);
  // Codes are read case- and dash-insensitively, as scanners and people type them.
  std::string typed = ticket.code.substr(0, 4) + "-" + ticket.code.substr(4);
  for (auto& ch : typed) {
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  auto second = events.check_in(owner, event.id, typed);
  ASSERT_TRUE(second);
  EXPECT_TRUE(second->already);
  EXPECT_EQ(second->ticket.checked_in_by, "owner");
  EXPECT_EQ(*second->ticket.checked_in_at, *first->ticket.checked_in_at);
  EXPECT_EQ(events.check_in(owner, event.id, "NOPE").error().code, "events.ticket_not_found");
  auto other = make_event(5);
  EXPECT_EQ(events.check_in(owner, other.id, ticket.code).error().code, "events.ticket_not_found");
  EXPECT_EQ(events.cancel(buyer, event.id).error().code, "events.already_checked_in");
  const auto waiting_user = user("waiting");
  auto full = make_event(1);
  ASSERT_TRUE(events.register_for(user("first"), full.id, std::nullopt, "manual", ""));
  auto waiting = events.register_for(waiting_user, full.id, std::nullopt, "manual", "")->ticket;
  EXPECT_EQ(events.check_in(owner, full.id, waiting.code).error().code, "events.ticket_not_confirmed");
}

TEST_F(EventsTest, PointsForCheckedInAttendeesOnce) {
  auto event = make_event(5);
  auto ticket = events.register_for(buyer, event.id, std::nullopt, "manual", "")->ticket;
  ASSERT_TRUE(events.register_for(user("absent"), event.id, std::nullopt, "manual", ""));
  ASSERT_TRUE(events.check_in(owner, event.id, ticket.code));
  EXPECT_EQ(events.grant_points(owner, event.id).error().code, "events.not_started");
  clock.advance_ms(86'400'000 + 3'600'000);
  auto granted = events.grant_points(owner, event.id);
  ASSERT_TRUE(granted);
  EXPECT_EQ(granted->attendees, 1);
  EXPECT_EQ(granted->awarded, 1);
  EXPECT_EQ(granted->points, 10);
  auto again = events.grant_points(owner, event.id);
  EXPECT_EQ(again->awarded, 0) << "idempotent per ticket";
  EXPECT_EQ(count("SELECT COALESCE(SUM(delta), 0) FROM point_entries WHERE user_id = " + std::to_string(buyer.value)),
            10);
}

TEST_F(EventsTest, APaidTicketHoldsASeatIsPaidAndRefundedThenPromotes) {
  auto event = make_event(1);
  auto type =
      events.add_ticket_type(owner, event.id, {"Supporter", Money::create(5000, "CNY").value(), {{gold, 3000}}});
  ASSERT_TRUE(type) << type.error().message;
  auto reg = events.register_for(buyer, event.id, type->id, "manual", "");
  ASSERT_TRUE(reg) << reg.error().message;
  EXPECT_EQ(reg->ticket.status, "pending");
  ASSERT_TRUE(reg->checkout);
  EXPECT_EQ(reg->checkout->amount.amount_minor(), 5000);
  EXPECT_EQ(reg->checkout->item_kind, "ticket");
  EXPECT_EQ(events.get(buyer, event.id)->online_url, "") << "a held seat is not a confirmed ticket";
  // The held seat counts: the next one waits.
  const auto next = user("next");
  EXPECT_EQ(events.register_for(next, event.id, std::nullopt, "manual", "")->ticket.status, "waitlisted");

  auto payment = sales.confirm_manual(owner, reg->checkout->public_id);
  ASSERT_TRUE(payment) << payment.error().message;
  EXPECT_EQ(status_of(buyer, event.id), "confirmed");
  EXPECT_EQ(events.cancel(buyer, event.id).error().code, "events.refund_instead");
  EXPECT_EQ(balance(ledger::community_revenue(club, "CNY")), -4750);

  auto refunded = refunds.refund(buyer, payment->public_id);
  ASSERT_TRUE(refunded) << refunded.error().message;
  EXPECT_EQ(status_of(buyer, event.id), "refunded");
  EXPECT_EQ(status_of(next, event.id), "confirmed") << "the freed seat went to the waitlist";
  expect_books_ok();
  EXPECT_TRUE(database.db().read([](db::Tx& tx) { return billing::check_books(tx); }).ok);
}

TEST_F(EventsTest, MemberPricesPickTheLowestAndLapsedHoldsAreReleased) {
  auto event = make_event(1);
  auto type = *events.add_ticket_type(owner, event.id, {"Paid", Money::create(5000, "CNY").value(), {{gold, 3000}}});
  // The buyer holds Gold: the member price.
  auto gold_checkout = sales.start(buyer, {gold, std::nullopt, "manual"});
  ASSERT_TRUE(sales.confirm_manual(owner, gold_checkout->public_id));
  auto reg = events.register_for(buyer, event.id, type.id, "manual", "");
  ASSERT_TRUE(reg) << reg.error().message;
  EXPECT_EQ(reg->checkout->amount.amount_minor(), 3000);

  const auto waiting = user("waiting");
  EXPECT_EQ(events.register_for(waiting, event.id, type.id, "manual", "")->ticket.status, "waitlisted");
  clock.advance_ms(31 * 60'000);
  EXPECT_EQ(events.release_expired_holds(clock.now_ms()), 1);
  EXPECT_EQ(status_of(buyer, event.id), "expired");
  EXPECT_EQ(status_of(waiting, event.id), "pending") << "promoted to pay within the hold";
  EXPECT_EQ(count("SELECT COUNT(*) FROM notifications WHERE kind = 'event_seat_pay'"), 1);

  // The late payment is honoured even though the seat is gone (one over capacity).
  auto late = sales.confirm_manual(owner, reg->checkout->public_id);
  ASSERT_TRUE(late) << late.error().message;
  EXPECT_EQ(status_of(buyer, event.id), "confirmed");
  EXPECT_EQ(events.get(owner, event.id)->confirmed, 1);
  EXPECT_EQ(events.get(owner, event.id)->held, 1);
  expect_books_ok();
}

TEST_F(EventsTest, SponsorsAndTicketTypesAreForOrganisers) {
  auto event = make_event(5);
  EXPECT_EQ(events.add_sponsor(buyer, event.id, {"Acme", "", "", ""}).error().code, "events.forbidden");
  EXPECT_EQ(events.add_sponsor(owner, event.id, {"", "", "", ""}).error().code, "events.invalid_sponsor_name");
  EXPECT_EQ(events.add_sponsor(owner, event.id, {"Acme", "", "http://x.example/logo.png", ""}).error().code,
            "events.invalid_url");
  auto sponsor = events.add_sponsor(owner, event.id, {"Acme", "https://acme.example", "", "Gold"});
  ASSERT_TRUE(sponsor);
  EXPECT_EQ(events.get(std::nullopt, event.id)->sponsors.size(), 1u);
  ASSERT_TRUE(events.remove_sponsor(owner, event.id, sponsor->id));
  EXPECT_EQ(events.get(std::nullopt, event.id)->sponsors.size(), 0u);
  EXPECT_EQ(events.add_ticket_type(buyer, event.id, {"VIP", Money::create(100, "CNY").value(), {}}).error().code,
            "events.forbidden");
  EXPECT_EQ(events.add_ticket_type(owner, event.id, {"VIP", Money::create(100, "USD").value(), {}}).error().code,
            "events.invalid_currency");
  EXPECT_EQ(
      events.add_ticket_type(owner, event.id, {"VIP", Money::create(100, "CNY").value(), {{gold, 200}}}).error().code,
      "events.invalid_member_price");
}

}  // namespace
}  // namespace gh::events

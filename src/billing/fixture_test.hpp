// A community with an owner, a buyer and a paid tier, shared by the billing unit tests (a
// test-only header: *_test.hpp may use testing/, as *_test.cpp do).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "access/entitlements.hpp"
#include "billing/checkout.hpp"
#include "billing/codes.hpp"
#include "billing/offers.hpp"
#include "content/content.hpp"
#include "identity/identity.hpp"
#include "ledger/ledger.hpp"
#include "testing/test_database.hpp"

namespace gh::billing {

class BillingFixture : public ::testing::Test {
 protected:
  testing::TestDatabase database;
  ManualClock clock{*parse_rfc3339("2026-01-31T12:00:00Z")};
  identity::Identity identity{database.db(), clock, identity::Options{}};
  community::Communities communities{database.db(), clock, community::Options{"CNY"}};
  content::Posts posts{database.db(), clock};
  Tiers tiers{database.db(), clock};
  Checkouts checkouts{database.db(), clock, communities, CheckoutOptions{500}};
  Offers offers{database.db(), clock, communities, tiers};
  Codes codes{database.db(), clock, communities, tiers};
  UserId owner, buyer;
  int64_t gold = 0;
  CommunityId club;

  void SetUp() override {
    owner = user("owner");
    buyer = user("buyer");
    club = communities.create(owner, {"club", "Club", "", "", "", true})->id;
    gold = tiers.create(owner, "club", {"Gold", "", Money::create(9900, "CNY").value(), "month", std::nullopt, 7})->id;
  }

  UserId user(const std::string& name) {
    return database.db().write([&](db::Tx& tx) {
      return identity.insert_user(tx, {name + "@example.com", name, "", ""}, "not-a-real-hash")->id;
    });
  }

  int64_t balance(const ledger::AccountSpec& spec) {
    return database.db().read([&](db::Tx& tx) {
      auto account = ledger::find_account(tx, spec.code, spec.currency);
      return account ? ledger::balance(tx, account->id) : 0;
    });
  }

  int64_t count(const std::string& sql) {
    return database.db().read([&](db::Tx& tx) { return tx.scalar_i64(sql).value_or(-1); });
  }

  void expect_books_ok() {
    auto report = database.db().read([](db::Tx& tx) { return ledger::check(tx); });
    EXPECT_TRUE(report.ok) << (report.problems.empty() ? "" : report.problems[0]);
  }

  content::Post paid_post() {
    content::PostInput input;
    input.title = "Deep dive";
    input.body_md = "teaser\n<!-- paywall -->\nSECRET";
    input.kind = "article";
    input.visibility = "paid";
    return *posts.create(owner, "club", input);
  }

  bool reads(UserId user, const content::Post& post) {
    return !posts.get(user, post.id, content::Posts::CountView::No)->locked;
  }

  // Runs `fn(i)` on `n` threads at once and waits for all of them.
  static void race(int n, const std::function<void(int)>& fn) {
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) {
      threads.emplace_back([&fn, i] { fn(i); });
    }
    for (auto& t : threads) {
      t.join();
    }
  }
};

}  // namespace gh::billing

#include "identity/identity.hpp"

#include <gtest/gtest.h>

#include "testing/test_database.hpp"

namespace gh::identity {
namespace {

class IdentityTest : public ::testing::Test {
 protected:
  testing::TestDatabase database;
  ManualClock clock{1'800'000'000'000};
  Identity identity{database.db(), clock, Options{}};

  User make(const std::string& name) {
    auto user = identity.sign_up({name + "@example.com", name, "correct horse battery", ""});
    EXPECT_TRUE(user) << (user ? "" : user.error().code);
    return *user;
  }
};

TEST_F(IdentityTest, SignUpStoresAnArgon2idHashNotThePassword) {
  make("ada");
  auto hash = database.db().read(
      [](db::Tx& tx) { return tx.one("SELECT password_hash FROM users WHERE username = 'ada'")->row().text(0); });
  EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u);
  EXPECT_EQ(hash.find("correct horse"), std::string::npos);
}

TEST_F(IdentityTest, UsernamesAndEmailsAreUniqueIgnoringCase) {
  make("ada");
  auto again = identity.sign_up({"other@example.com", "ADA", "correct horse battery", ""});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, ErrorKind::Conflict);
  EXPECT_EQ(again.error().code, "identity.username_taken");
  auto email = identity.sign_up({"ADA@example.com", "ada2", "correct horse battery", ""});
  ASSERT_FALSE(email);
  EXPECT_EQ(email.error().code, "identity.email_taken");
}

TEST_F(IdentityTest, ValidatesInput) {
  struct Case {
    SignupInput input;
    const char* code;
  } cases[] = {
      {{"bad", "okname", "long enough", ""}, "identity.invalid_email"},
      {{"a@b.co", "ab", "long enough", ""}, "identity.invalid_username"},
      {{"a@b.co", "-dash", "long enough", ""}, "identity.invalid_username"},
      {{"a@b.co", "admin", "long enough", ""}, "identity.invalid_username"},
      {{"a@b.co", "okname", "short", ""}, "identity.weak_password"},
      {{"a@b.co", "okname", std::string(300, 'x'), ""}, "identity.invalid_password"},
  };
  for (const auto& c : cases) {
    auto r = identity.sign_up(c.input);
    ASSERT_FALSE(r) << c.code;
    EXPECT_EQ(r.error().code, c.code);
    EXPECT_EQ(r.error().kind, ErrorKind::Invalid);
  }
}

TEST_F(IdentityTest, LogInByEmailOrUsernameStartsASession) {
  const auto user = make("grace");
  auto by_name = identity.log_in("Grace", "correct horse battery", "10.0.0.1", "test");
  ASSERT_TRUE(by_name);
  auto by_email = identity.log_in("GRACE@example.com", "correct horse battery", "10.0.0.1", "test");
  ASSERT_TRUE(by_email);
  auto session = identity.find_session(by_name->session_token);
  ASSERT_TRUE(session);
  EXPECT_EQ(session->user.id, user.id);
  EXPECT_EQ(session->csrf_token, by_name->csrf_token);
  identity.log_out(by_name->session_token);
  EXPECT_FALSE(identity.find_session(by_name->session_token));
  EXPECT_TRUE(identity.find_session(by_email->session_token));
}

TEST_F(IdentityTest, SessionsExpire) {
  make("ken");
  auto login = identity.log_in("ken", "correct horse battery", "ip", "ua");
  ASSERT_TRUE(login);
  clock.advance_ms(31LL * 24 * 3600 * 1000);
  EXPECT_FALSE(identity.find_session(login->session_token));
}

TEST_F(IdentityTest, ThrottlesPerAccountThenPerIp) {
  make("linus");
  for (int i = 0; i < 5; ++i) {
    auto r = identity.log_in("linus", "wrong password", "1.1.1.1", "");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Unauthenticated);
  }
  auto throttled = identity.log_in("linus", "correct horse battery", "2.2.2.2", "");
  ASSERT_FALSE(throttled);
  EXPECT_EQ(throttled.error().kind, ErrorKind::RateLimited);
  EXPECT_GT(throttled.error().retry_after_seconds, 0);
  clock.advance_ms(16 * 60 * 1000);
  EXPECT_TRUE(identity.log_in("linus", "correct horse battery", "2.2.2.2", ""));

  // Per IP: many accounts tried from one address.
  for (int i = 0; i < 20; ++i) {
    (void)identity.log_in("nobody" + std::to_string(i), "whatever pw", "6.6.6.6", "");
  }
  auto from_ip = identity.log_in("linus", "correct horse battery", "6.6.6.6", "");
  ASSERT_FALSE(from_ip);
  EXPECT_EQ(from_ip.error().kind, ErrorKind::RateLimited);
}

TEST_F(IdentityTest, ApiTokensAreStoredHashedAndRevocable) {
  const auto user = make("rob");
  const auto token = identity.create_api_token(user.id, "cli");
  auto found = identity.find_user_by_api_token(token);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->username, "rob");
  auto stored = database.db().read([](db::Tx& tx) { return tx.one("SELECT id, token_hash FROM api_tokens")->rows; });
  EXPECT_NE(stored[0].text(1), token);
  EXPECT_FALSE(identity.find_user_by_api_token(token + "x"));
  ASSERT_EQ(identity.api_tokens(user.id).size(), 1u);
  EXPECT_EQ(identity.api_tokens(user.id)[0].name, "cli");
  const auto other = make("eve");
  EXPECT_EQ(identity.revoke_api_token(other.id, stored[0].i64(0)).error().kind, ErrorKind::NotFound);
  ASSERT_TRUE(identity.revoke_api_token(user.id, stored[0].i64(0)));
  EXPECT_FALSE(identity.find_user_by_api_token(token));
  EXPECT_TRUE(identity.api_tokens(user.id).empty());
}

}  // namespace
}  // namespace gh::identity

#include "identity/secrets.hpp"

#include <gtest/gtest.h>

#include "testing/test_database.hpp"

namespace gh::identity {
namespace {

TEST(SecretsTest, ASecretIsMadeOnceAndKept) {
  testing::TestDatabase database;
  const auto first = server_secret(database.db(), "certificates");
  EXPECT_EQ(first.size(), 64u);
  EXPECT_EQ(server_secret(database.db(), "certificates"), first);
  EXPECT_NE(server_secret(database.db(), "files"), first);
  EXPECT_EQ(database.db().write([](db::Tx& tx) { return server_secret(tx, "certificates"); }), first);
}

TEST(SecretsTest, HmacSha256MatchesRfc4231) {
  // RFC 4231 test case 2.
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_TRUE(equal_constant_time("abc", "abc"));
  EXPECT_FALSE(equal_constant_time("abc", "abd"));
  EXPECT_FALSE(equal_constant_time("abc", "ab"));
}

}  // namespace
}  // namespace gh::identity

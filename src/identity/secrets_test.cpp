#include "identity/secrets.hpp"

#include <gtest/gtest.h>

#include "testing/test_database.hpp"

namespace gh::identity {
namespace {

TEST(ServerSecretTest, MadeOnceThenTheSameForEveryCaller) {
  testing::TestDatabase database;
  const std::string media = server_secret(database.db(), "media");
  EXPECT_EQ(media.size(), 32u);
  EXPECT_EQ(server_secret(database.db(), "media"), media);
  // Inside a caller's transaction too, and another name is another secret.
  database.db().write([&](db::Tx& tx) {
    EXPECT_EQ(server_secret(tx, "media"), media);
    EXPECT_NE(server_secret(tx, "certificates"), media);
  });
  const auto stored = database.db().read(
      [](db::Tx& tx) { return tx.one("SELECT secret FROM server_secrets WHERE name = 'media'")->row().text(0); });
  EXPECT_EQ(stored.size(), 64u);  // Hex: portable across both databases' text columns.
}

TEST(ServerSecretTest, ARacingSecondWriterReadsTheFirstValue) {
  testing::TestDatabase database;
  database.db().write([](db::Tx& tx) {
    tx.exec("INSERT INTO server_secrets (name, secret, created_at) VALUES ('media', $1, 0)", {std::string(64, 'a')});
  });
  EXPECT_EQ(server_secret(database.db(), "media"), std::string(32, '\xaa'));
}

}  // namespace
}  // namespace gh::identity

#include "app/config.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

namespace gh::app {
namespace {

TEST(ConfigTest, FlagsBeatEnvironmentBeatFile) {
  const std::string path = ::testing::TempDir() + "/gh_config_test.conf";
  {
    std::ofstream out(path);
    out << "# comment\nlisten = 0.0.0.0:1\ndatabase = sqlite:file.db\ndefault-currency = EUR\n";
  }
  setenv("GUILDHALL_DATABASE", "sqlite:env.db", 1);
  setenv("GUILDHALL_LISTEN", "127.0.0.1:2", 1);
  auto config = Config::load({"--config", path, "--listen", "127.0.0.1:3"}, {});
  unsetenv("GUILDHALL_DATABASE");
  unsetenv("GUILDHALL_LISTEN");
  ASSERT_TRUE(config);
  EXPECT_EQ(config->get("listen"), "127.0.0.1:3");
  EXPECT_EQ(config->get("database"), "sqlite:env.db");
  EXPECT_EQ(config->get("default-currency"), "EUR");
}

TEST(ConfigTest, SmtpCredentialsComeFromTheEnvironment) {
  setenv("GUILDHALL_SMTP_USER", "mailer", 1);
  setenv("GUILDHALL_SMTP_PASSWORD", "secret", 1);
  auto config = Config::load({"--smtp-url", "smtp://127.0.0.1:2525", "--smtp-starttls"}, {"smtp-starttls"});
  unsetenv("GUILDHALL_SMTP_USER");
  unsetenv("GUILDHALL_SMTP_PASSWORD");
  ASSERT_TRUE(config);
  EXPECT_EQ(config->get("smtp-user"), "mailer");
  EXPECT_EQ(config->get("smtp-password"), "secret");
  EXPECT_EQ(config->get("smtp-url"), "smtp://127.0.0.1:2525");
  EXPECT_TRUE(config->flag("smtp-starttls"));
}

TEST(ConfigTest, StripeSecretsComeFromTheEnvironment) {
  setenv("GUILDHALL_STRIPE_SECRET_KEY", "sk_env", 1);
  setenv("GUILDHALL_STRIPE_WEBHOOK_SECRET", "whsec_env", 1);
  setenv("GUILDHALL_REFUND_WINDOW_HOURS", "24", 1);
  auto config = Config::load({"--stripe-api-base", "http://127.0.0.1:9"}, {});
  unsetenv("GUILDHALL_STRIPE_SECRET_KEY");
  unsetenv("GUILDHALL_STRIPE_WEBHOOK_SECRET");
  unsetenv("GUILDHALL_REFUND_WINDOW_HOURS");
  ASSERT_TRUE(config);
  EXPECT_EQ(config->get("stripe-secret-key"), "sk_env");
  EXPECT_EQ(config->get("stripe-webhook-secret"), "whsec_env");
  EXPECT_EQ(config->get("stripe-api-base"), "http://127.0.0.1:9");
  EXPECT_EQ(*config->integer("refund-window-hours", 72), 24);
}

TEST(ConfigTest, SwitchesTakeNoValue) {
  auto config = Config::load({"--demo-if-empty", "--listen=127.0.0.1:9"}, {"demo-if-empty"});
  ASSERT_TRUE(config);
  EXPECT_TRUE(config->flag("demo-if-empty"));
  EXPECT_EQ(config->get("listen"), "127.0.0.1:9");
}

TEST(ConfigTest, RejectsMissingValuesAndStrayArguments) {
  EXPECT_FALSE(Config::load({"--listen"}, {}));
  EXPECT_FALSE(Config::load({"serve"}, {}));
  EXPECT_FALSE(Config::load({"--config", "/nonexistent/guildhall.conf"}, {}));
}

TEST(ConfigTest, ParsesListen) {
  auto ok = parse_listen("127.0.0.1:8080");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->first, "127.0.0.1");
  EXPECT_EQ(ok->second, 8080);
  auto v6 = parse_listen("[::1]:0");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->first, "::1");
  EXPECT_FALSE(parse_listen("8080"));
  EXPECT_FALSE(parse_listen("host:99999"));
  EXPECT_FALSE(parse_listen("host:80x"));
}

TEST(ConfigTest, IntegersAreChecked) {
  auto config = Config::load({"--threads", "four"}, {});
  ASSERT_TRUE(config);
  EXPECT_FALSE(config->integer("threads", 0));
  EXPECT_EQ(*config->integer("missing", 7), 7);
}

}  // namespace
}  // namespace gh::app

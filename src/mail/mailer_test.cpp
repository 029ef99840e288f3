#include "mail/mailer.hpp"

#include <gtest/gtest.h>

#include "mail/worker.hpp"
#include "testing/test_database.hpp"

namespace gh::mail {
namespace {

constexpr Millis kDay = 24LL * 3600 * 1000;

class StubSource : public DigestSource {
 public:
  std::vector<DigestCommunity> missed(UserId, Millis since, Millis until) override {
    asked_since = since;
    asked_until = until;
    return communities;
  }
  std::vector<DigestCommunity> communities;
  Millis asked_since = 0;
  Millis asked_until = 0;
};

// Fails the first `failures` sends with a 4xx, then accepts; records what it accepted.
class ScriptedTransport : public Transport {
 public:
  SendOutcome send(std::string_view, std::string_view to, std::string_view data) override {
    if (failures > 0) {
      --failures;
      return {SendOutcome::Status::Temporary, "451 try later"};
    }
    delivered.emplace_back(std::string(to), std::string(data));
    return {SendOutcome::Status::Sent, ""};
  }
  int failures = 0;
  std::vector<std::pair<std::string, std::string>> delivered;
};

render::I18n catalogues() {
  return std::move(render::I18n::create({{"en", R"({"mail.digest_subject_daily":"Daily digest from {site}",
      "mail.digest_subject_weekly":"Weekly digest from {site}","mail.footer_unsubscribe":"Unsubscribe"})"},
                                         {"zh-CN", R"({"mail.digest_subject_daily":"{site} 每日摘要"})"}}))
      .value();
}

class MailerTest : public ::testing::Test {
 protected:
  MailerTest()
      : i18n(catalogues()),
        templates(
            {{"mail/notice.html", "<p>{{#paragraphs}}{{.}}{{/paragraphs}}</p><a href=\"{{unsubscribe_url}}\">x</a>"},
             {"mail/digest.html",
              "{{#communities}}<h2>{{name}}</h2>{{#new}}<h3>{{title}}</h3><p>{{excerpt}}</p>{{/new}}{{/communities}}"}},
            i18n),
        mailer(test_db.db(), clock, templates, i18n, options()) {
    ann = add_user("ann");
  }
  static Options options() {
    Options o;
    o.enabled = true;
    o.from = {"Guildhall", "noreply@guild.example"};
    o.base_url = "https://guild.example";
    return o;
  }
  UserId add_user(const std::string& name) {
    return UserId(*test_db.db().write([&](db::Tx& tx) {
      return tx.scalar_i64(
          "INSERT INTO users (email, email_lower, username, username_lower, password_hash, created_at) "
          "VALUES ($1, $1, $2, $2, 'x', 0) RETURNING id",
          {name + "@example.com", name});
    }));
  }
  std::vector<std::string> outbox_messages() {
    return test_db.db().read([](db::Tx& tx) {
      std::vector<std::string> out;
      for (const auto& row : tx.exec("SELECT message FROM mail_outbox ORDER BY id")) {
        out.push_back(row.text(0));
      }
      return out;
    });
  }
  std::optional<int64_t> notice(UserId user) {
    return take(test_db.db().write([&](db::Tx& tx) {
      return mailer.enqueue_notice(tx, user, "replies", "New reply", "Bob replied.\nHave a look.", "/p/1");
    }));
  }
  static std::optional<int64_t> take(Result<std::optional<int64_t>> r) {
    EXPECT_TRUE(r.has_value());
    return r ? *r : std::nullopt;
  }

  testing::TestDatabase test_db;
  ManualClock clock{100 * kDay + 5000};
  render::I18n i18n;
  render::TemplateRegistry templates;
  Mailer mailer;
  UserId ann;
};

std::string token_in(const std::string& message) {
  const auto at = message.find("/unsubscribe/");
  return message.substr(at + 13, message.find('>', at) - at - 13);
}

TEST_F(MailerTest, NoticeCarriesOneClickUnsubscribeAndHonoursPreferences) {
  ASSERT_TRUE(notice(ann));
  const auto message = outbox_messages().at(0);
  EXPECT_NE(message.find("To: ann <ann@example.com>\r\n"), std::string::npos);
  EXPECT_NE(message.find("List-Unsubscribe: <https://guild.example/unsubscribe/"), std::string::npos);
  EXPECT_NE(message.find("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"), std::string::npos);
  EXPECT_NE(message.find("https://guild.example/p/1"), std::string::npos);

  ASSERT_TRUE(mailer.update_preferences(ann, PreferencesPatch{{{"replies", false}}, std::nullopt, std::nullopt}));
  EXPECT_FALSE(notice(ann)) << "turned off";
  EXPECT_TRUE(take(
      test_db.db().write([&](db::Tx& tx) { return mailer.enqueue_notice(tx, ann, "mentions", "Mention", "Hi", ""); })));
}

TEST_F(MailerTest, NoticeRolledBackWithItsCauseLeavesNoMail) {
  auto tx = test_db.db().begin(db::Mode::Write);
  ASSERT_TRUE(take(mailer.enqueue_notice(*tx, ann, "replies", "New reply", "text", "/p/1")));
  tx.reset();  // The cause failed: rolled back.
  EXPECT_TRUE(outbox_messages().empty());
}

TEST_F(MailerTest, UnsubscribeTokenTurnsItsKindOff) {
  ASSERT_TRUE(notice(ann));
  const auto token = token_in(outbox_messages().at(0));
  auto found = mailer.find_unsubscription(token);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->kind, "replies");
  EXPECT_FALSE(found->used);
  ASSERT_TRUE(mailer.unsubscribe(token));
  ASSERT_TRUE(mailer.unsubscribe(token)) << "idempotent";
  EXPECT_FALSE(mailer.preferences(ann).notices.at("replies"));
  EXPECT_TRUE(mailer.preferences(ann).notices.at("mentions"));
  auto unknown = mailer.unsubscribe("nope");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind, ErrorKind::NotFound);
  EXPECT_EQ(unknown.error().code, "mail.unknown_token");
}

TEST_F(MailerTest, InvalidPreferencesChangeNothing) {
  auto bad = mailer.update_preferences(
      ann, PreferencesPatch{{{"replies", false}, {"spam", true}}, std::nullopt, std::nullopt});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "mail.invalid_preference");
  EXPECT_EQ(bad.error().fields.count("spam"), 1u);
  EXPECT_TRUE(mailer.preferences(ann).notices.at("replies"));
  EXPECT_FALSE(mailer.update_preferences(ann, PreferencesPatch{{}, "hourly", std::nullopt}));
  EXPECT_FALSE(mailer.update_preferences(ann, PreferencesPatch{{}, std::nullopt, "fr"}));
  auto ok = mailer.update_preferences(ann, PreferencesPatch{{}, "daily", "zh-CN"});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->digest, Cadence::Daily);
  EXPECT_EQ(ok->language, "zh-CN");
}

TEST_F(MailerTest, DigestIsSentOncePerPeriodInTheUsersLanguage) {
  StubSource source;
  source.communities = {
      DigestCommunity{"Rust", "/c/rust", {DigestPost{"Borrowing", "/p/7", "Preview only", "bob", true, 0, 0, 0}}}};
  // First sight: a baseline, no mail.
  EXPECT_EQ(mailer.enqueue_due_digests(source, clock.now_ms()).enqueued, 0);
  ASSERT_TRUE(mailer.update_preferences(ann, PreferencesPatch{{}, "daily", "zh-CN"}));
  EXPECT_EQ(mailer.enqueue_due_digests(source, clock.now_ms()).enqueued, 0) << "the period under way is handled";
  clock.advance_ms(kDay);
  const Millis started = clock.now_ms() - kDay;
  EXPECT_EQ(mailer.enqueue_due_digests(source, clock.now_ms()).enqueued, 1);
  EXPECT_EQ(source.asked_since, started);
  EXPECT_EQ(source.asked_until, clock.now_ms());
  EXPECT_EQ(mailer.enqueue_due_digests(source, clock.now_ms() + 1000).enqueued, 0) << "once per period";
  const auto messages = outbox_messages();
  ASSERT_EQ(messages.size(), 1u);
  // "Guildhall 每日摘要"
  EXPECT_NE(messages[0].find("Subject: =?UTF-8?B?R3VpbGRoYWxsIOavj+aXpeaRmOimgQ==?="), std::string::npos)
      << messages[0];
  EXPECT_NE(messages[0].find("List-Unsubscribe-Post: List-Unsubscribe=One-Click"), std::string::npos);
  EXPECT_NE(messages[0].find("Preview only"), std::string::npos);
  // Nothing new: the period passes without mail.
  source.communities.clear();
  clock.advance_ms(kDay);
  EXPECT_EQ(mailer.enqueue_due_digests(source, clock.now_ms()).enqueued, 0);
  EXPECT_EQ(outbox_messages().size(), 1u);
}

TEST_F(MailerTest, WorkerRetriesATemporaryFailureThenDelivers) {
  ASSERT_TRUE(notice(ann));
  ScriptedTransport transport;
  transport.failures = 1;
  WorkerOptions options;
  options.retry.base_ms = 1000;
  Worker worker(test_db.db(), clock, transport, mailer, nullptr, options);
  auto first = worker.run_round();
  EXPECT_EQ(first.retried, 1);
  EXPECT_TRUE(transport.delivered.empty());
  EXPECT_EQ(worker.run_round().claimed, 0) << "not before its backoff";
  clock.advance_ms(1000);
  auto second = worker.run_round();
  EXPECT_EQ(second.sent, 1);
  ASSERT_EQ(transport.delivered.size(), 1u);
  EXPECT_EQ(transport.delivered[0].first, "ann@example.com");
}

}  // namespace
}  // namespace gh::mail

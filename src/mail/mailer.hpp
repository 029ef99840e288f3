// Mailer: the one entry point for e-mail. Other code enqueues messages through it, inside the
// transaction of their cause; the Worker (worker.hpp) sends them. It also owns preferences,
// one-click unsubscribe tokens and the digest schedule.
//
// Built once at boot by app/. When no SMTP server is configured the mailer is disabled: it
// enqueues nothing (preferences still work), so the outbox cannot grow without a sender.
// Thread-safe: state lives in the database; the options are fixed before the server starts.
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/result.hpp"
#include "db/db.hpp"
#include "mail/digest.hpp"
#include "mail/mime.hpp"
#include "mail/preferences.hpp"
#include "render/i18n.hpp"
#include "render/templates.hpp"

namespace gh::mail {

inline constexpr std::string_view kTemplateNotice = "mail/notice.html";
inline constexpr std::string_view kTemplateDigest = "mail/digest.html";

struct Options {
  bool enabled = false;  // An SMTP server is configured.
  Address from{"Guildhall", "noreply@localhost"};
  std::string base_url;  // "https://guild.example.com", no trailing slash: links in mail.
  std::string site_name = "Guildhall";
  int digest_batch = 200;     // Users looked at per digest run.
  int digest_max_posts = 10;  // New posts listed per community.
  int digest_top_posts = 3;   // "Top discussions" per community.
};

// What an unsubscribe token stands for.
struct Unsubscription {
  UserId user;
  std::string kind;
  std::string email;
  bool used = false;
};

// How many digests one run looked at and enqueued.
struct DigestRun {
  int considered = 0;
  int enqueued = 0;
};

// Template data for a list.
render::Data list_of_data(std::vector<render::Data> items);

class Mailer {
 public:
  Mailer(db::Database& db, const Clock& clock, const render::TemplateRegistry& templates, const render::I18n& i18n,
         Options options);

  bool enabled() const { return options_.enabled; }
  const Options& options() const { return options_; }
  // REQUIRES: no message is being enqueued (app/ calls it before serving).
  void set_base_url(std::string base_url) { options_.base_url = std::move(base_url); }

  // A notice of `kind` (one of kNoticeKinds) to `user`, in the caller's transaction: nothing
  // when mail is disabled, the user turned the kind off, or has no address. `subject` and
  // `message_text` are the caller's (already in the user's language); `link` is a path or URL to act
  // on. The message carries one-click unsubscribe headers for the kind.
  // Returns the outbox id, or nullopt when nothing was enqueued. Errors: mail.unknown_kind.
  Result<std::optional<int64_t>> enqueue_notice(db::Tx& tx, UserId user, std::string_view kind,
                                                std::string_view subject, std::string_view message_text,
                                                std::string_view link);

  // A transactional message (e-mail verification, password reset): no preference check and no
  // unsubscribe headers. `idem_key` (optional) makes a repeated request a no-op.
  std::optional<int64_t> enqueue_transactional(db::Tx& tx, const Address& to, std::string_view subject,
                                               std::string_view text, std::string_view html,
                                               std::optional<std::string> idem_key);

  Preferences preferences(UserId user);
  Result<Preferences> update_preferences(UserId user, const PreferencesPatch& patch);

  // The token's meaning, or mail.unknown_token (NotFound).
  Result<Unsubscription> find_unsubscription(std::string_view token);
  // Turns the token's kind off for its user (idempotent). Errors: mail.unknown_token.
  Result<Unsubscription> unsubscribe(std::string_view token);

  // Enqueues the digests that are due at `now` (at most options.digest_batch users), each once
  // per user and period; users seen for the first time get a baseline and no mail.
  DigestRun enqueue_due_digests(DigestSource& source, Millis now);

  // The language for `user`'s mail: their mail setting, else their account locale, else "en".
  std::string language_of(db::Tx& tx, UserId user, const Preferences& prefs) const;

 private:
  struct Recipient {
    std::string email;
    std::string name;
    std::string lang;
  };
  std::optional<Recipient> recipient(db::Tx& tx, UserId user, const Preferences& prefs) const;
  // Builds and enqueues a message with unsubscribe headers for `kind`.
  std::optional<int64_t> enqueue_listed(db::Tx& tx, UserId user, const Recipient& to, std::string_view kind,
                                        std::string_view subject, std::string text, render::Data html_data,
                                        std::string_view html_template, std::optional<std::string> idem_key);
  std::string absolute(std::string_view path) const;

  db::Database& db_;
  const Clock& clock_;
  const render::TemplateRegistry& templates_;
  const render::I18n& i18n_;
  Options options_;
  // Users up to this id already have a settings row (a baseline): the next run looks past it.
  std::atomic<int64_t> baseline_after_id_{0};
};

}  // namespace gh::mail

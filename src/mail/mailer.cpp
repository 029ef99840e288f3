#include "mail/mailer.hpp"

#include <algorithm>

#include "core/text.hpp"
#include "identity/identity.hpp"
#include "mail/outbox.hpp"

namespace gh::mail {
namespace {

using render::Data;

std::string domain_of(std::string_view email) {
  const auto at = email.rfind('@');
  return at == std::string_view::npos ? std::string("localhost") : std::string(email.substr(at + 1));
}

}  // namespace

Data list_of_data(std::vector<Data> items) {
  render::List list;
  for (auto& item : items) {
    list.push_back(std::move(item));
  }
  return Data{list};
}

Mailer::Mailer(db::Database& db, const Clock& clock, const render::TemplateRegistry& templates,
               const render::I18n& i18n, Options options)
    : db_(db), clock_(clock), templates_(templates), i18n_(i18n), options_(std::move(options)) {}

std::string Mailer::absolute(std::string_view path) const {
  if (path.rfind("http://", 0) == 0 || path.rfind("https://", 0) == 0) {
    return std::string(path);
  }
  return options_.base_url + std::string(path);
}

std::string Mailer::language_of(db::Tx& tx, UserId user, const Preferences& prefs) const {
  const auto supported = i18n_.languages();
  auto supported_or_empty = [&](const std::string& lang) {
    return std::find(supported.begin(), supported.end(), lang) != supported.end() ? lang : std::string();
  };
  if (auto lang = supported_or_empty(prefs.language); !lang.empty()) {
    return lang;
  }
  if (auto row = tx.one("SELECT locale FROM users WHERE id = $1", {user.value})) {
    if (auto lang = supported_or_empty(row->row().text(0)); !lang.empty()) {
      return lang;
    }
  }
  return std::string(render::kDefaultLanguage);
}

std::optional<Mailer::Recipient> Mailer::recipient(db::Tx& tx, UserId user, const Preferences& prefs) const {
  auto row = tx.one("SELECT email, display_name, username FROM users WHERE id = $1", {user.value});
  if (!row || row->row().text(0).empty()) {
    return std::nullopt;
  }
  const auto r = row->row();
  return Recipient{r.text(0), r.text(1).empty() ? r.text(2) : r.text(1), language_of(tx, user, prefs)};
}

std::optional<int64_t> Mailer::enqueue_listed(db::Tx& tx, UserId user, const Recipient& to, std::string_view kind,
                                              std::string_view subject, std::string text, Data html_data,
                                              std::string_view html_template, std::optional<std::string> idem_key) {
  if (idem_key && tx.one("SELECT 1 FROM mail_outbox WHERE idem_key = $1", {*idem_key})) {
    return std::nullopt;
  }
  const Millis now = clock_.now_ms();
  // A fresh token per message, stored hashed: the link in the mail is the only copy.
  const std::string token = identity::random_token();
  tx.exec("INSERT INTO mail_unsubscribe_tokens (token_hash, user_id, kind, created_at) VALUES ($1, $2, $3, $4)",
          {identity::token_hash(token), user.value, kind, now});
  const std::string unsubscribe_url = absolute("/unsubscribe/" + token);
  const std::string settings_url = absolute("/settings/email");

  text += "\n\n-- \n" + i18n_.t(to.lang, "mail.footer_unsubscribe") + ": " + unsubscribe_url + "\n" +
          i18n_.t(to.lang, "mail.footer_settings") + ": " + settings_url + "\n";
  html_data.set("unsubscribe_url", unsubscribe_url);
  html_data.set("settings_url", settings_url);
  html_data.set("site_name", options_.site_name);
  html_data.set("subject", std::string(subject));

  Message message;
  message.from = options_.from;
  message.to = Address{to.name, to.email};
  message.subject = std::string(subject);
  message.text = std::move(text);
  message.html = templates_.render(to.lang, html_template, html_data);
  message.date = now;
  message.message_id = identity::random_token() + "@" + domain_of(options_.from.email);
  // RFC 8058: a mail client may POST "List-Unsubscribe=One-Click" to the URL, no session needed.
  message.extra = {{"List-Unsubscribe", "<" + unsubscribe_url + ">"},
                   {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"},
                   {"Auto-Submitted", "auto-generated"}};
  const std::string raw = build_message(message, identity::random_token().substr(0, 24));
  return enqueue(
      tx,
      OutgoingMail{user, std::string(kind), to.email, options_.from.email, message.subject, raw, std::move(idem_key)},
      now);
}

Result<std::optional<int64_t>> Mailer::enqueue_notice(db::Tx& tx, UserId user, std::string_view kind,
                                                      std::string_view subject, std::string_view message_text,
                                                      std::string_view link) {
  if (!is_notice_kind(kind)) {
    return Error{ErrorKind::Internal, "mail.unknown_kind", "Unknown kind of e-mail notice.", {}, 0};
  }
  if (!options_.enabled) {
    return std::optional<int64_t>();
  }
  const auto prefs = load_preferences(tx, user);
  if (!prefs.notices.at(std::string(kind))) {
    return std::optional<int64_t>();
  }
  const auto to = recipient(tx, user, prefs);
  if (!to) {
    return std::optional<int64_t>();
  }
  const std::string url = link.empty() ? std::string() : absolute(link);
  std::string body(message_text);
  if (!url.empty()) {
    body += "\n\n" + url;
  }
  Data data;
  std::vector<Data> paragraphs;
  for (const auto& line : text::split(message_text, '\n')) {
    if (!line.empty()) {
      paragraphs.push_back(Data(line));
    }
  }
  data.set("paragraphs", list_of_data(std::move(paragraphs)));
  data.set("has_link", !url.empty());
  data.set("link", url);
  data.set("kind_label", i18n_.t(to->lang, "mail.kind." + std::string(kind)));
  return enqueue_listed(tx, user, *to, kind, subject, std::move(body), std::move(data), kTemplateNotice, std::nullopt);
}

std::optional<int64_t> Mailer::enqueue_transactional(db::Tx& tx, const Address& to, std::string_view subject,
                                                     std::string_view text, std::string_view html,
                                                     std::optional<std::string> idem_key) {
  if (!options_.enabled) {
    return std::nullopt;
  }
  const Millis now = clock_.now_ms();
  Message message;
  message.from = options_.from;
  message.to = to;
  message.subject = std::string(subject);
  message.text = std::string(text);
  message.html = std::string(html);
  message.date = now;
  message.message_id = identity::random_token() + "@" + domain_of(options_.from.email);
  const std::string raw = build_message(message, identity::random_token().substr(0, 24));
  return enqueue(tx,
                 OutgoingMail{std::nullopt, "transactional", to.email, options_.from.email, message.subject, raw,
                              std::move(idem_key)},
                 now);
}

Preferences Mailer::preferences(UserId user) {
  return db_.read([&](db::Tx& tx) { return load_preferences(tx, user); });
}

Result<Preferences> Mailer::update_preferences(UserId user, const PreferencesPatch& patch) {
  const auto languages = i18n_.languages();
  return db_.write([&](db::Tx& tx) { return mail::update_preferences(tx, user, patch, languages, clock_.now_ms()); });
}

namespace {

Result<Unsubscription> load_unsubscription(db::Tx& tx, std::string_view token) {
  auto row = tx.one(
      "SELECT t.user_id, t.kind, u.email, t.used_at FROM mail_unsubscribe_tokens t JOIN users u ON u.id = t.user_id "
      "WHERE t.token_hash = $1",
      {identity::token_hash(token)});
  if (!row) {
    return not_found("mail.unknown_token", "This unsubscribe link is not valid.");
  }
  const auto r = row->row();
  return Unsubscription{UserId(r.i64(0)), r.text(1), r.text(2), !r.is_null(3)};
}

}  // namespace

Result<Unsubscription> Mailer::find_unsubscription(std::string_view token) {
  return db_.read([&](db::Tx& tx) { return load_unsubscription(tx, token); });
}

Result<Unsubscription> Mailer::unsubscribe(std::string_view token) {
  return db_.write([&](db::Tx& tx) -> Result<Unsubscription> {
    auto found = load_unsubscription(tx, token);
    if (!found) {
      return found;
    }
    const Millis now = clock_.now_ms();
    turn_off(tx, found->user, found->kind, now);
    tx.exec("UPDATE mail_unsubscribe_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL",
            {identity::token_hash(token), now});
    found->used = true;
    return found;
  });
}

}  // namespace gh::mail

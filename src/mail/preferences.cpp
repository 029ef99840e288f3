#include "mail/preferences.hpp"

#include <algorithm>

namespace gh::mail {

std::string_view cadence_name(Cadence cadence) {
  switch (cadence) {
    case Cadence::Daily: return "daily";
    case Cadence::Weekly: return "weekly";
    case Cadence::Off: return "off";
  }
  return "off";
}

std::optional<Cadence> parse_cadence(std::string_view name) {
  for (auto c : {Cadence::Daily, Cadence::Weekly, Cadence::Off}) {
    if (name == cadence_name(c)) {
      return c;
    }
  }
  return std::nullopt;
}

Millis period_ms(Cadence cadence) {
  constexpr Millis kDay = 24LL * 3600 * 1000;
  return cadence == Cadence::Weekly ? 7 * kDay : kDay;
}

bool is_notice_kind(std::string_view kind) {
  return std::find(kNoticeKinds.begin(), kNoticeKinds.end(), kind) != kNoticeKinds.end();
}

Preferences load_preferences(db::Tx& tx, UserId user) {
  Preferences prefs;
  for (auto kind : kNoticeKinds) {
    prefs.notices.emplace(std::string(kind), true);
  }
  for (const auto& row : tx.exec("SELECT kind, enabled FROM mail_preferences WHERE user_id = $1", {user.value})) {
    if (auto it = prefs.notices.find(row.text(0)); it != prefs.notices.end()) {
      it->second = row.boolean(1);
    }
  }
  if (auto row = tx.one("SELECT digest, language FROM mail_settings WHERE user_id = $1", {user.value})) {
    prefs.digest = parse_cadence(row->row().text(0)).value_or(kDefaultCadence);
    prefs.language = row->row().text(1);
  }
  return prefs;
}

namespace {

// Writes the cadence; a change restarts the digest from now, so switching to daily does not
// mail a week of history, and the period now under way counts as handled.
void set_cadence(db::Tx& tx, UserId user, Cadence cadence, Millis now) {
  const int64_t period = now / period_ms(cadence);
  tx.exec(
      "INSERT INTO mail_settings (user_id, digest, last_period, covered_until, updated_at) "
      "VALUES ($1, $2, $3, $4, $4) ON CONFLICT (user_id) DO UPDATE SET digest = $2, last_period = $3, "
      "covered_until = $4, updated_at = $4 WHERE mail_settings.digest <> $2",
      {user.value, cadence_name(cadence), period, now});
}

}  // namespace

Result<Preferences> update_preferences(db::Tx& tx, UserId user, const PreferencesPatch& patch,
                                       const std::vector<std::string>& languages, Millis now) {
  for (const auto& [kind, enabled] : patch.notices) {
    if (!is_notice_kind(kind)) {
      return invalid("mail.invalid_preference", "Unknown kind of e-mail: " + kind + ".", kind);
    }
  }
  std::optional<Cadence> cadence;
  if (patch.digest) {
    cadence = parse_cadence(*patch.digest);
    if (!cadence) {
      return invalid("mail.invalid_preference", "The digest is daily, weekly or off.", "digest");
    }
  }
  if (patch.language && !patch.language->empty() &&
      std::find(languages.begin(), languages.end(), *patch.language) == languages.end()) {
    return invalid("mail.invalid_preference", "Unknown language for e-mail.", "language");
  }
  for (const auto& [kind, enabled] : patch.notices) {
    tx.exec(
        "INSERT INTO mail_preferences (user_id, kind, enabled, updated_at) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (user_id, kind) DO UPDATE SET enabled = $3, updated_at = $4",
        {user.value, kind, enabled, now});
  }
  if (cadence) {
    set_cadence(tx, user, *cadence, now);
  }
  if (patch.language) {
    // A settings row is needed to hold the language; its cadence stays what it was.
    const auto current = load_preferences(tx, user).digest;
    tx.exec(
        "INSERT INTO mail_settings (user_id, digest, last_period, covered_until, updated_at, language) "
        "VALUES ($1, $2, $3, $4, $4, $5) ON CONFLICT (user_id) DO UPDATE SET language = $5, updated_at = $4",
        {user.value, cadence_name(current), now / period_ms(current), now, *patch.language});
  }
  return load_preferences(tx, user);
}

bool wants(db::Tx& tx, UserId user, std::string_view kind) {
  const auto prefs = load_preferences(tx, user);
  if (kind == kDigestKind) {
    return prefs.digest != Cadence::Off;
  }
  auto it = prefs.notices.find(kind);
  return it != prefs.notices.end() && it->second;
}

void turn_off(db::Tx& tx, UserId user, std::string_view kind, Millis now) {
  if (kind == kDigestKind) {
    set_cadence(tx, user, Cadence::Off, now);
  } else if (is_notice_kind(kind)) {
    tx.exec(
        "INSERT INTO mail_preferences (user_id, kind, enabled, updated_at) VALUES ($1, $2, 0, $3) "
        "ON CONFLICT (user_id, kind) DO UPDATE SET enabled = 0, updated_at = $3",
        {user.value, kind, now});
  }
}

}  // namespace gh::mail

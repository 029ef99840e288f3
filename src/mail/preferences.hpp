// Per-user e-mail preferences: which kinds of notice come by e-mail, the digest cadence and
// the language of the mail. Kinds are a fixed list (kNoticeKinds); adding one is a line there
// plus its labels in locales/ ("mail.kind.<kind>").
//
// Stateless functions over the caller's transaction; thread-safe.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/result.hpp"
#include "db/db.hpp"

namespace gh::mail {

// Kinds of notice a user can take or refuse by e-mail; each is on unless turned off.
inline constexpr std::array<std::string_view, 4> kNoticeKinds = {"replies", "mentions", "answers", "payments"};
// The digest is a kind too (for unsubscribe tokens), with a cadence instead of on/off.
inline constexpr std::string_view kDigestKind = "digest";

enum class Cadence { Daily, Weekly, Off };
std::string_view cadence_name(Cadence cadence);
std::optional<Cadence> parse_cadence(std::string_view name);
// The length of one digest period.
Millis period_ms(Cadence cadence);
inline constexpr Cadence kDefaultCadence = Cadence::Weekly;

struct Preferences {
  std::map<std::string, bool, std::less<>> notices;  // Every kind of kNoticeKinds.
  Cadence digest = kDefaultCadence;
  std::string language;  // "" follows the account's locale, else English.
};

// A partial update: kinds to set, and optionally the cadence and language.
struct PreferencesPatch {
  std::map<std::string, bool, std::less<>> notices;
  std::optional<std::string> digest;
  std::optional<std::string> language;
};

bool is_notice_kind(std::string_view kind);

Preferences load_preferences(db::Tx& tx, UserId user);
// Validates the whole patch before writing anything. Errors: mail.invalid_preference (Invalid,
// with the field). Changing the digest cadence starts the next digest from `now`.
Result<Preferences> update_preferences(db::Tx& tx, UserId user, const PreferencesPatch& patch,
                                       const std::vector<std::string>& languages, Millis now);
// Whether `user` takes mail of `kind` ("digest": any cadence but off).
bool wants(db::Tx& tx, UserId user, std::string_view kind);
// Turns `kind` off (a notice kind or the digest); unknown kinds are ignored.
void turn_off(db::Tx& tx, UserId user, std::string_view kind, Millis now);

}  // namespace gh::mail

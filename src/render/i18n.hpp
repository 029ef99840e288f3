// I18n: the message catalogues (locales/en.json, locales/zh-CN.json ...) and language choice.
//
// Built once at boot from (language, JSON text) pairs; each catalogue is a JSON object mapping
// keys to strings (nested objects are flattened with dots: {"nav":{"home":"Home"}} gives
// "nav.home"). Immutable afterwards, so every const member is safe to call from any thread.
#pragma once

#include <initializer_list>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/embedded.hpp"
#include "core/result.hpp"

namespace gh::render {

inline constexpr std::string_view kDefaultLanguage = "en";

class I18n {
 public:
  // No catalogues: t() returns the key itself.
  I18n() = default;

  // Parses each (language, JSON text) pair. Errors: Invalid with code "i18n.invalid_json" (not
  // JSON), "i18n.not_an_object" (top level not an object) or "i18n.not_a_string" (a value that is
  // neither a string nor an object); the message names the language and key. A language given
  // twice merges, later keys winning.
  static Result<I18n> create(const std::vector<std::pair<std::string, std::string>>& catalogues);
  // The same from embedded locale files named "<language>.json" (other names are ignored).
  static Result<I18n> create(std::span<const embedded::File> locale_files);

  // The translation of `key` in `lang`, else in "en", else the key itself.
  std::string t(std::string_view lang, std::string_view key) const;
  // t() with each "{name}" replaced by its argument. Unknown placeholders stay as written.
  // Arguments are inserted as given (not escaped): templates escape on output.
  std::string format(std::string_view lang, std::string_view key,
                     std::initializer_list<std::pair<std::string_view, std::string>> args) const;
  // The translation in exactly `lang`, without fallback; nullopt when missing.
  std::optional<std::string_view> find(std::string_view lang, std::string_view key) const;

  // Loaded languages, sorted.
  std::vector<std::string> languages() const;

  // Picks the page language: a supported `cookie_lang` wins; otherwise the best Accept-Language
  // entry by q-value (order breaks ties) that maps to a supported language: an exact match
  // (ignoring case), any zh / zh-* to "zh-CN", en-* to "en", or another region of the same
  // primary language. Falls back to "en" (or supported[0] when "en" is not supported). Returns
  // the spelling used in `supported`.
  static std::string negotiate(std::string_view accept_language, std::string_view cookie_lang,
                               const std::vector<std::string>& supported);

 private:
  using Catalogue = std::map<std::string, std::string, std::less<>>;
  std::map<std::string, Catalogue, std::less<>> catalogues_;
};

}  // namespace gh::render

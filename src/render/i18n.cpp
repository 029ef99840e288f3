#include "render/i18n.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <charconv>

#include "core/text.hpp"

namespace gh::render {
namespace {

constexpr size_t kMaxAcceptLanguageEntries = 32;
constexpr std::string_view kLocaleSuffix = ".json";

using Catalogue = std::map<std::string, std::string, std::less<>>;

Status flatten(std::string_view lang, const boost::json::object& object, const std::string& prefix, Catalogue& out) {
  for (const auto& entry : object) {
    std::string key = prefix.empty() ? std::string(entry.key()) : prefix + "." + std::string(entry.key());
    if (entry.value().is_string()) {
      const boost::json::string& value = entry.value().get_string();
      out.insert_or_assign(std::move(key), std::string(value.data(), value.size()));
    } else if (entry.value().is_object()) {
      if (Status nested = flatten(lang, entry.value().get_object(), key, out); !nested) {
        return nested;
      }
    } else {
      return invalid("i18n.not_a_string", "locale " + std::string(lang) + ": value of " + key + " is not a string");
    }
  }
  return {};
}

std::string primary_subtag(std::string_view lower_tag) {
  return std::string(lower_tag.substr(0, lower_tag.find('-')));
}

// The entry of `supported` that serves a request for `tag`, if any.
std::optional<std::string> match_supported(std::string_view tag, const std::vector<std::string>& supported) {
  std::string wanted = text::to_lower_ascii(text::trim(tag));
  std::replace(wanted.begin(), wanted.end(), '_', '-');
  if (wanted.empty() || wanted == "*") {
    return std::nullopt;
  }
  for (const std::string& language : supported) {
    if (text::to_lower_ascii(language) == wanted) {
      return language;
    }
  }
  const std::string primary = primary_subtag(wanted);
  if (primary == "zh") {
    // Only Simplified Chinese is translated; it serves zh, zh-Hans, zh-TW and the rest.
    for (const std::string& language : supported) {
      if (text::to_lower_ascii(language) == "zh-cn") {
        return language;
      }
    }
  }
  for (const std::string& language : supported) {
    if (primary_subtag(text::to_lower_ascii(language)) == primary) {
      return language;
    }
  }
  return std::nullopt;
}

// The q-value of one Accept-Language entry's parameters ("q=0.8"); 0 when malformed.
double quality_of(std::string_view params) {
  double quality = 1.0;
  for (const std::string& param : text::split(params, ';')) {
    const std::string trimmed = text::trim(param);
    if (trimmed.size() < 2 || (trimmed[0] != 'q' && trimmed[0] != 'Q') || trimmed[1] != '=') {
      continue;
    }
    const char* begin = trimmed.data() + 2;
    const char* end = trimmed.data() + trimmed.size();
    const auto [ptr, ec] = std::from_chars(begin, end, quality);
    if (ec != std::errc{} || ptr != end || !(quality >= 0.0 && quality <= 1.0)) {
      return 0.0;
    }
  }
  return quality;
}

}  // namespace

Result<I18n> I18n::create(const std::vector<std::pair<std::string, std::string>>& catalogues) {
  I18n i18n;
  for (const auto& [lang, json_text] : catalogues) {
    boost::system::error_code ec;
    const boost::json::value parsed = boost::json::parse(json_text, ec);
    if (ec) {
      return invalid("i18n.invalid_json", "locale " + lang + ": " + ec.message());
    }
    if (!parsed.is_object()) {
      return invalid("i18n.not_an_object", "locale " + lang + ": the top level is not an object");
    }
    if (Status status = flatten(lang, parsed.get_object(), "", i18n.catalogues_[lang]); !status) {
      return std::move(status).error();
    }
  }
  return i18n;
}

Result<I18n> I18n::create(std::span<const embedded::File> locale_files) {
  std::vector<std::pair<std::string, std::string>> catalogues;
  for (const embedded::File& file : locale_files) {
    if (file.name.size() > kLocaleSuffix.size() && file.name.ends_with(kLocaleSuffix)) {
      catalogues.emplace_back(std::string(file.name.substr(0, file.name.size() - kLocaleSuffix.size())),
                              std::string(file.bytes));
    }
  }
  return create(catalogues);
}

std::optional<std::string_view> I18n::find(std::string_view lang, std::string_view key) const {
  const auto catalogue = catalogues_.find(lang);
  if (catalogue == catalogues_.end()) {
    return std::nullopt;
  }
  const auto entry = catalogue->second.find(key);
  if (entry == catalogue->second.end()) {
    return std::nullopt;
  }
  return std::string_view(entry->second);
}

std::string I18n::t(std::string_view lang, std::string_view key) const {
  if (auto text = find(lang, key)) {
    return std::string(*text);
  }
  if (auto text = find(kDefaultLanguage, key)) {
    return std::string(*text);
  }
  return std::string(key);
}

std::string I18n::format(std::string_view lang, std::string_view key,
                         std::initializer_list<std::pair<std::string_view, std::string>> args) const {
  const std::string pattern = t(lang, key);
  std::string out;
  out.reserve(pattern.size());
  size_t pos = 0;
  while (pos < pattern.size()) {
    const size_t open = pattern.find('{', pos);
    const size_t close = open == std::string::npos ? std::string::npos : pattern.find('}', open + 1);
    if (close == std::string::npos) {
      break;
    }
    out.append(pattern, pos, open - pos);
    const std::string_view name = std::string_view(pattern).substr(open + 1, close - open - 1);
    const auto arg = std::find_if(args.begin(), args.end(), [&](const auto& a) { return a.first == name; });
    if (arg == args.end()) {
      out += '{';  // Not ours: keep the brace and look again after it.
      pos = open + 1;
      continue;
    }
    out += arg->second;
    pos = close + 1;
  }
  out.append(pattern, pos);
  return out;
}

std::vector<std::string> I18n::languages() const {
  std::vector<std::string> out;
  out.reserve(catalogues_.size());
  for (const auto& [lang, catalogue] : catalogues_) {
    out.push_back(lang);
  }
  return out;
}

std::string I18n::negotiate(std::string_view accept_language, std::string_view cookie_lang,
                            const std::vector<std::string>& supported) {
  if (!cookie_lang.empty()) {
    if (auto language = match_supported(cookie_lang, supported)) {
      return *language;
    }
  }
  struct Candidate {
    std::string tag;
    double quality;
  };
  std::vector<Candidate> candidates;
  for (const std::string& entry : text::split(accept_language, ',')) {
    if (candidates.size() == kMaxAcceptLanguageEntries) {
      break;
    }
    const size_t semicolon = entry.find(';');
    const double quality =
        semicolon == std::string::npos ? 1.0 : quality_of(std::string_view(entry).substr(semicolon + 1));
    if (quality > 0.0) {
      candidates.push_back(Candidate{entry.substr(0, semicolon), quality});
    }
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) { return a.quality > b.quality; });
  for (const Candidate& candidate : candidates) {
    if (auto language = match_supported(candidate.tag, supported)) {
      return *language;
    }
  }
  if (auto language = match_supported(kDefaultLanguage, supported); language || supported.empty()) {
    return language.value_or(std::string(kDefaultLanguage));
  }
  return supported.front();
}

}  // namespace gh::render

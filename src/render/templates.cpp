#include "render/templates.hpp"

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <tuple>

#include "core/text.hpp"

namespace gh::render {
namespace {

using Mustache = kainjow::mustache::mustache;
using SourceMap = std::map<std::string, std::string, std::less<>>;

constexpr std::string_view kTemplateSuffix = ".html";
constexpr std::string_view kPartialOpen = "{{>";
constexpr std::string_view kTagClose = "}}";
// A thread keeps copies for this many registries; older ones (tests build many) are dropped.
constexpr size_t kMaxRegistriesPerThread = 4;

std::atomic<uint64_t> next_registry_id{1};

// HTML escaping for values: the usual five plus ` and =, which matter in unquoted attributes.
// With `braces`, { and } too, so translated text can never form a Mustache tag.
std::string escape_html(std::string_view s, bool braces) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      case '`': out += "&#96;"; break;
      case '=': out += "&#61;"; break;
      case '{': out += braces ? "&#123;" : "{"; break;
      case '}': out += braces ? "&#125;" : "}"; break;
      default: out += c;
    }
  }
  return out;
}

std::string escape_value(const std::string& s) {
  return escape_html(s, false);
}

bool is_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

// Replaces each [[key]] in `source` by its escaped translation in `lang`.
std::string translate(std::string_view source, std::string_view lang, const I18n& i18n,
                      const std::function<void(std::string_view)>& on_missing) {
  std::string out;
  out.reserve(source.size());
  size_t pos = 0;
  for (;;) {
    const size_t open = source.find("[[", pos);
    if (open == std::string_view::npos) {
      break;
    }
    const size_t key_begin = open + 2;
    size_t key_end = key_begin;
    while (key_end < source.size() && is_key_char(source[key_end])) {
      ++key_end;
    }
    if (key_end == key_begin || !source.substr(key_end).starts_with("]]")) {
      out.append(source.substr(pos, open + 1 - pos));  // Not a marker; look again one further.
      pos = open + 1;
      continue;
    }
    const std::string_view key = source.substr(key_begin, key_end - key_begin);
    if (!i18n.find(lang, key) && !i18n.find(kDefaultLanguage, key)) {
      on_missing(key);
    }
    out.append(source.substr(pos, open - pos));
    out += escape_html(i18n.t(lang, key), true);
    pos = key_end + 2;
  }
  out.append(source.substr(pos));
  return out;
}

// Inlines {{> name}} partials, memoising each expanded template.
class PartialExpander {
 public:
  explicit PartialExpander(const SourceMap& sources) : sources_(sources) {}

  const std::string& expand(const std::string& name) {
    if (auto done = expanded_.find(name); done != expanded_.end()) {
      return done->second;
    }
    if (std::find(stack_.begin(), stack_.end(), name) != stack_.end()) {
      throw std::runtime_error("template '" + stack_.front() + "': recursive partial '" + name + "'");
    }
    stack_.push_back(name);
    std::string text = expand_text(name, sources_.at(name));
    stack_.pop_back();
    return expanded_.emplace(name, std::move(text)).first->second;
  }

 private:
  std::string resolve(const std::string& owner, std::string_view partial) const {
    if (sources_.contains(partial)) {
      return std::string(partial);
    }
    std::string with_suffix = std::string(partial) + std::string(kTemplateSuffix);
    if (sources_.contains(with_suffix)) {
      return with_suffix;
    }
    throw std::runtime_error("template '" + owner + "': unknown partial '" + std::string(partial) + "'");
  }

  std::string expand_text(const std::string& owner, std::string_view text) {
    std::string out;
    out.reserve(text.size());
    size_t pos = 0;
    for (;;) {
      const size_t open = text.find(kPartialOpen, pos);
      const size_t close = open == std::string_view::npos ? open : text.find(kTagClose, open + kPartialOpen.size());
      if (close == std::string_view::npos) {
        break;  // An unclosed tag is left for the Mustache parser to report.
      }
      out.append(text.substr(pos, open - pos));
      const std::string name = text::trim(text.substr(open + kPartialOpen.size(), close - open - kPartialOpen.size()));
      out += expand(resolve(owner, name));
      pos = close + kTagClose.size();
    }
    out.append(text.substr(pos));
    return out;
  }

  const SourceMap& sources_;
  std::map<std::string, std::string> expanded_;
  std::vector<std::string> stack_;
};

// Per-thread copies of compiled templates: kainjow's render mutates the template on error, so
// threads never share one. Slots fill lazily on first use.
struct ThreadCopies {
  uint64_t registry_id = 0;
  std::vector<std::unique_ptr<Mustache>> templates;
};

std::vector<ThreadCopies>& thread_copies() {
  thread_local std::vector<ThreadCopies> copies;
  return copies;
}

std::unique_ptr<Mustache>& thread_slot(uint64_t registry_id, const std::vector<Mustache>& compiled, size_t index) {
  std::vector<ThreadCopies>& all = thread_copies();
  auto it = std::find_if(all.begin(), all.end(), [&](const ThreadCopies& c) { return c.registry_id == registry_id; });
  if (it == all.end()) {
    if (all.size() >= kMaxRegistriesPerThread) {
      all.erase(all.begin());
    }
    all.push_back(ThreadCopies{registry_id, std::vector<std::unique_ptr<Mustache>>(compiled.size())});
    it = std::prev(all.end());
  }
  std::unique_ptr<Mustache>& slot = it->templates[index];
  if (!slot) {
    slot = std::make_unique<Mustache>(compiled[index]);
  }
  return slot;
}

std::vector<std::pair<std::string, std::string>> to_sources(std::span<const embedded::File> files) {
  std::vector<std::pair<std::string, std::string>> sources;
  sources.reserve(files.size());
  for (const embedded::File& file : files) {
    sources.emplace_back(std::string(file.name), std::string(file.bytes));
  }
  return sources;
}

}  // namespace

Data make_object(std::initializer_list<std::pair<const std::string, Data>> fields) {
  return Data{Object(fields.begin(), fields.end())};
}

TemplateRegistry::TemplateRegistry(std::span<const embedded::File> files, const I18n& i18n)
    : TemplateRegistry(to_sources(files), i18n) {}

TemplateRegistry::TemplateRegistry(const std::vector<std::pair<std::string, std::string>>& sources, const I18n& i18n)
    : id_(next_registry_id.fetch_add(1)), languages_(i18n.languages()) {
  if (languages_.empty()) {
    languages_.emplace_back(kDefaultLanguage);
  }
  SourceMap by_name;
  for (const auto& [name, text] : sources) {
    if (!by_name.emplace(name, text).second) {
      throw std::runtime_error("template '" + name + "' is defined twice");
    }
  }
  for (const auto& entry : by_name) {
    names_.push_back(entry.first);
  }
  std::set<std::tuple<std::string, std::string, std::string>> missing;
  compiled_.reserve(languages_.size() * names_.size());
  for (const std::string& lang : languages_) {
    SourceMap translated;
    for (const auto& [name, text] : by_name) {
      const auto on_missing = [&](std::string_view key) { missing.emplace(lang, name, std::string(key)); };
      translated.emplace(name, translate(text, lang, i18n, on_missing));
    }
    PartialExpander expander(translated);
    for (const std::string& name : names_) {
      Mustache compiled(expander.expand(name));
      if (!compiled.is_valid()) {
        throw std::runtime_error("template '" + name + "' (" + lang + "): " + compiled.error_message());
      }
      compiled.set_custom_escape(escape_value);
      compiled_.push_back(std::move(compiled));
    }
  }
  for (const auto& [lang, name, key] : missing) {
    missing_.push_back(MissingTranslation{lang, name, key});
  }
}

size_t TemplateRegistry::index_of(std::string_view lang, std::string_view name) const {
  auto lang_it = std::find(languages_.begin(), languages_.end(), lang);
  if (lang_it == languages_.end()) {
    lang_it = std::find(languages_.begin(), languages_.end(), kDefaultLanguage);
  }
  const size_t lang_index = lang_it == languages_.end() ? 0 : static_cast<size_t>(lang_it - languages_.begin());
  auto name_it = std::lower_bound(names_.begin(), names_.end(), name);
  if (name_it == names_.end() || *name_it != name) {
    const std::string with_suffix = std::string(name) + std::string(kTemplateSuffix);
    name_it = std::lower_bound(names_.begin(), names_.end(), with_suffix);
    if (name_it == names_.end() || *name_it != with_suffix) {
      throw std::runtime_error("unknown template '" + std::string(name) + "'");
    }
  }
  return lang_index * names_.size() + static_cast<size_t>(name_it - names_.begin());
}

bool TemplateRegistry::contains(std::string_view name) const {
  const auto exists = [&](std::string_view n) { return std::binary_search(names_.begin(), names_.end(), n); };
  return exists(name) || exists(std::string(name) + std::string(kTemplateSuffix));
}

std::string TemplateRegistry::render(std::string_view lang, std::string_view name, const Data& data) const {
  const size_t index = index_of(lang, name);
  std::unique_ptr<Mustache>& slot = thread_slot(id_, compiled_, index);
  std::string out = slot->render(data);
  if (!slot->is_valid()) {
    const std::string message = slot->error_message();
    slot.reset();  // The copy keeps its error forever; the next render takes a fresh one.
    throw std::runtime_error("template '" + std::string(name) + "': " + message);
  }
  return out;
}

}  // namespace gh::render

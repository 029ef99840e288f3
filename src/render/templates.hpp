// TemplateRegistry: every page and e-mail template, compiled once per language at boot.
//
// Sources are (name, text) pairs such as {"layouts/base.html", "..."} (usually the embedded
// templates/ folder). Loading does, for each language of the I18n:
//   1. translation markers [[key]] (key: [A-Za-z0-9_.-]+) become the HTML-escaped translation,
//      with '{' and '}' written as entities so a translation can never open a Mustache tag;
//   2. partial tags {{> partials/header}} are replaced by the text of "partials/header.html"
//      (or "partials/header" when so named), recursively; an unknown or recursive partial is an
//      error at boot. Partials must use the default {{ }} delimiters;
//   3. the result is compiled by kainjow Mustache.
// So a request pays neither for translation lookups nor for parsing partials.
//
// Escaping: {{x}} escapes & < > " ' ` and = (stricter than kainjow's default); {{{x}}} is raw and
// only for HTML we produced and sanitised ourselves (markdown_to_html output). Always quote
// attribute values.
//
// Lifecycle and thread-safety: built at boot, immutable afterwards; render() may be called from
// any number of threads. kainjow's render is not const (it records errors in the template), so
// each thread renders with its own lazily made copy of a compiled template (thread_local), and no
// lock is taken on the render path.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <kainjow/mustache.hpp>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/embedded.hpp"
#include "render/i18n.hpp"

namespace gh::render {

// Template data: Data is an object, a string, a bool or a list; Object and List build them.
using Data = kainjow::mustache::data;
using Object = kainjow::mustache::object;
using List = kainjow::mustache::list;

// An object from name/value pairs: make_object({{"title", post.title}, {"paid", true}}).
Data make_object(std::initializer_list<std::pair<const std::string, Data>> fields);

// A list with one element per item of `items`, each made by `to_data(item)`.
template <class Range, class ToData>
Data make_list(const Range& items, ToData to_data) {
  List list;
  for (const auto& item : items) {
    list.push_back(to_data(item));
  }
  return Data{list};
}

struct MissingTranslation {
  std::string lang;
  std::string template_name;
  std::string key;
};

class TemplateRegistry {
 public:
  // Compiles every source for every language of `i18n` (just "en" when it has none). Throws
  // std::runtime_error naming the template when one fails to parse or names an unknown or
  // recursive partial. `i18n` is only read during construction.
  TemplateRegistry(const std::vector<std::pair<std::string, std::string>>& sources, const I18n& i18n);
  // The same from embedded template files.
  TemplateRegistry(std::span<const embedded::File> files, const I18n& i18n);

  TemplateRegistry(TemplateRegistry&&) = default;
  TemplateRegistry& operator=(TemplateRegistry&&) = default;
  TemplateRegistry(const TemplateRegistry&) = delete;
  TemplateRegistry& operator=(const TemplateRegistry&) = delete;

  // Renders template `name` ("content/post" or "content/post.html") in `lang` (an unknown
  // language renders in "en", or the first language). Throws std::runtime_error for an unknown
  // template or when kainjow reports an error (e.g. a failing lambda): both are bugs in our code.
  std::string render(std::string_view lang, std::string_view name, const Data& data) const;

  bool contains(std::string_view name) const;
  const std::vector<std::string>& languages() const { return languages_; }
  // [[key]] markers with no translation in their language nor in "en", for a boot-time check.
  const std::vector<MissingTranslation>& missing_translations() const { return missing_; }

 private:
  size_t index_of(std::string_view lang, std::string_view name) const;

  uint64_t id_ = 0;  // Unique per registry; keys the per-thread copies.
  std::vector<std::string> languages_;
  std::vector<std::string> names_;  // Sorted; a template's index in compiled_ is lang * names + name.
  std::vector<kainjow::mustache::mustache> compiled_;
  std::vector<MissingTranslation> missing_;
};

}  // namespace gh::render

#include "render/markdown.hpp"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm-extension_api.h>
#include <cmark-gfm.h>

#include <algorithm>
#include <array>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "core/check.hpp"
#include "core/text.hpp"
#include "render/highlight.hpp"

namespace gh::render {
namespace {

// Safe defaults (raw HTML omitted, dangerous URLs blanked) plus UTF-8 repair. Never UNSAFE.
constexpr int kOptions = CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8;
static_assert((kOptions & CMARK_OPT_UNSAFE) == 0, "raw HTML must never reach our pages");

constexpr std::array<const char*, 5> kExtensions = {"table", "strikethrough", "autolink", "tagfilter", "tasklist"};

// What cmark renders for a code block whose literal and info we emptied. Nothing else in its safe
// output can produce this text: user text has '<' escaped and raw HTML is omitted.
constexpr std::string_view kCodePlaceholder = "<pre><code></code></pre>";
constexpr std::string_view kLinkOpen = "<a href=\"";
constexpr std::string_view kLinkOpenWithRel = "<a rel=\"nofollow ugc noopener\" href=\"";
constexpr size_t kMaxLanguageChars = 32;

// cmark-gfm adds and removes each extension's special characters in a global table during every
// parse, so two parses at once can miss a '~' or a ':'. One lock for everything inside cmark.
std::mutex& cmark_mutex() {
  static std::mutex mutex;
  return mutex;
}

struct ParserFree {
  void operator()(cmark_parser* parser) const { cmark_parser_free(parser); }
};
struct NodeFree {
  void operator()(cmark_node* node) const { cmark_node_free(node); }
};
struct IterFree {
  void operator()(cmark_iter* iter) const { cmark_iter_free(iter); }
};
struct CmarkStringFree {
  void operator()(char* text) const { cmark_get_default_mem_allocator()->free(text); }
};

using IterPtr = std::unique_ptr<cmark_iter, IterFree>;

// A parsed document. The parser outlives the tree because rendering needs its extension list.
// REQUIRES: cmark_mutex() is held for the object's whole life.
struct Document {
  std::unique_ptr<cmark_parser, ParserFree> parser;
  std::unique_ptr<cmark_node, NodeFree> root;
};

Document parse(std::string_view md) {
  static std::once_flag registered;
  // The registration guard inside cmark-gfm is a plain int: never let two threads race on it.
  std::call_once(registered, [] { cmark_gfm_core_extensions_ensure_registered(); });
  Document doc;
  doc.parser.reset(cmark_parser_new(kOptions));
  GH_CHECK(doc.parser != nullptr, "cmark_parser_new failed");
  for (const char* name : kExtensions) {
    cmark_syntax_extension* extension = cmark_find_syntax_extension(name);
    GH_CHECK(extension != nullptr, "a cmark-gfm core extension is missing");
    cmark_parser_attach_syntax_extension(doc.parser.get(), extension);
  }
  if (!md.empty()) {
    cmark_parser_feed(doc.parser.get(), md.data(), md.size());
  }
  doc.root.reset(cmark_parser_finish(doc.parser.get()));
  GH_CHECK(doc.root != nullptr, "cmark_parser_finish returned no document");
  return doc;
}

bool is_block(cmark_node* node) {
  return (static_cast<int>(cmark_node_get_type(node)) & CMARK_NODE_TYPE_MASK) == CMARK_NODE_TYPE_BLOCK;
}

std::string_view literal_of(cmark_node* node) {
  const char* literal = cmark_node_get_literal(node);
  return literal == nullptr ? std::string_view{} : std::string_view{literal};
}

struct CodeBlock {
  std::string literal;
  std::string language;
};

// Collects every code block in document order (the order cmark renders them) and empties it, so
// that each renders as kCodePlaceholder.
std::vector<CodeBlock> take_code_blocks(cmark_node* root) {
  std::vector<CodeBlock> blocks;
  const IterPtr iter(cmark_iter_new(root));
  cmark_event_type event;
  while ((event = cmark_iter_next(iter.get())) != CMARK_EVENT_DONE) {
    cmark_node* node = cmark_iter_get_node(iter.get());
    if (event != CMARK_EVENT_ENTER || cmark_node_get_type(node) != CMARK_NODE_CODE_BLOCK) {
      continue;
    }
    const char* info = cmark_node_get_fence_info(node);
    blocks.push_back(CodeBlock{std::string(literal_of(node)), code_language(info == nullptr ? "" : info)});
    cmark_node_set_literal(node, "");
    cmark_node_set_fence_info(node, "");
  }
  return blocks;
}

std::string code_block_html(const CodeBlock& block) {
  std::string out = "<pre><code";
  if (!block.language.empty()) {
    // code_language() leaves only characters that need no escaping inside a quoted attribute.
    out += " class=\"language-";
    out += block.language;
    out += '"';
  }
  out += '>';
  out += highlight_code(block.literal, block.language);
  out += "</code></pre>";
  return out;
}

// Puts the highlighted code blocks in place of the placeholders and adds rel to every link.
std::string finish_html(const std::string& html, const std::vector<CodeBlock>& blocks) {
  std::string out;
  out.reserve(html.size() + html.size() / 4);
  size_t block_index = 0;
  size_t pos = 0;
  size_t code_at = html.find(kCodePlaceholder);
  size_t link_at = html.find(kLinkOpen);
  while (code_at != std::string::npos || link_at != std::string::npos) {
    if (code_at < link_at) {
      if (block_index >= blocks.size()) {
        throw std::logic_error("markdown: more code placeholders than code blocks");
      }
      out.append(html, pos, code_at - pos);
      out += code_block_html(blocks[block_index++]);
      pos = code_at + kCodePlaceholder.size();
      code_at = html.find(kCodePlaceholder, pos);
    } else {
      out.append(html, pos, link_at - pos);
      out += kLinkOpenWithRel;
      pos = link_at + kLinkOpen.size();
      link_at = html.find(kLinkOpen, pos);
    }
  }
  out.append(html, pos);
  if (block_index != blocks.size()) {
    throw std::logic_error("markdown: a code block was not rendered where expected");
  }
  return out;
}

void collect_text(cmark_node* root, std::string& out) {
  const IterPtr iter(cmark_iter_new(root));
  cmark_event_type event;
  while ((event = cmark_iter_next(iter.get())) != CMARK_EVENT_DONE) {
    cmark_node* node = cmark_iter_get_node(iter.get());
    if (is_block(node)) {
      out += ' ';  // Blocks (paragraphs, items, table cells) are separated by a space.
      continue;
    }
    if (event != CMARK_EVENT_ENTER) {
      continue;
    }
    switch (cmark_node_get_type(node)) {
      case CMARK_NODE_TEXT:
      case CMARK_NODE_CODE: out += literal_of(node); break;
      case CMARK_NODE_SOFTBREAK:
      case CMARK_NODE_LINEBREAK: out += ' '; break;
      case CMARK_NODE_IMAGE:
        cmark_iter_reset(iter.get(), node, CMARK_EVENT_EXIT);  // Skip the alt text.
        break;
      default: break;
    }
  }
}

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string collapse_whitespace(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending_space = false;
  for (char c : s) {
    if (is_ascii_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out += ' ';
      pending_space = false;
    }
    out += c;
  }
  return out;
}

}  // namespace

std::string code_language(std::string_view info) {
  std::string language;
  for (char c : info) {
    if (is_ascii_space(c)) {
      break;
    }
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                         c == '+' || c == '-' || c == '#' || c == '.';
    if (allowed) {
      language += c;
      if (language.size() == kMaxLanguageChars) {
        break;
      }
    }
  }
  return language;
}

std::string markdown_to_html(std::string_view md) {
  std::vector<CodeBlock> blocks;
  std::string html;
  {
    const std::lock_guard lock(cmark_mutex());
    Document doc = parse(md);
    blocks = take_code_blocks(doc.root.get());
    const std::unique_ptr<char, CmarkStringFree> rendered(
        cmark_render_html(doc.root.get(), kOptions, cmark_parser_get_syntax_extensions(doc.parser.get())));
    GH_CHECK(rendered != nullptr, "cmark_render_html failed");
    html = rendered.get();
  }
  return finish_html(html, blocks);
}

std::string plain_excerpt(std::string_view md, size_t max_chars) {
  if (max_chars == 0) {
    return {};
  }
  std::string raw;
  {
    const std::lock_guard lock(cmark_mutex());
    const Document doc = parse(md);
    collect_text(doc.root.get(), raw);
  }
  std::string excerpt = collapse_whitespace(raw);
  if (text::utf8_length(excerpt) <= max_chars) {
    return excerpt;
  }
  std::string cut = text::utf8_truncate(excerpt, max_chars - 1);  // Room for the ellipsis.
  const bool mid_word = cut.size() < excerpt.size() && excerpt[cut.size()] != ' ';
  const size_t space = cut.rfind(' ');
  if (mid_word && space != std::string::npos && space >= cut.size() / 2) {
    cut.resize(space);  // A word boundary near the end reads better than half a word.
  }
  while (!cut.empty() && cut.back() == ' ') {
    cut.pop_back();
  }
  cut += "…";
  return cut;
}

}  // namespace gh::render

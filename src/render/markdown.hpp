// Markdown -> safe HTML, done once when a post or comment is written (never per request).
//
// GitHub-flavoured Markdown through cmark-gfm (tables, strikethrough, autolinks, tag filter,
// task lists) with cmark's safe defaults: raw HTML is dropped and javascript:, vbscript:,
// file: and data: URLs (except data:image/png|gif|jpeg|webp) are blanked. CMARK_OPT_UNSAFE is
// never passed. Fenced code is highlighted here (render/highlight.hpp) and links get
// rel="nofollow ugc noopener".
//
// Thread-safety: both functions may be called from any thread. cmark-gfm keeps a global table of
// special inline characters that every parse with extensions writes, so parsing and rendering
// inside cmark is serialised by one process-wide mutex; highlighting runs outside it. This is the
// write path, so the lock is not on a page view's hot path.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace gh::render {

// Renders `md` to an HTML fragment safe to place in a page with {{{ }}}. Invalid UTF-8 is
// replaced by U+FFFD. Fenced code becomes <pre><code class="language-X"> (X limited to
// [A-Za-z0-9_+#.-], at most 32 characters) holding highlight_code()'s output. Throws
// std::logic_error only if cmark's output breaks an assumption this file relies on (a bug).
std::string markdown_to_html(std::string_view md);

// A plain-text summary of `md` for listings and meta descriptions: the text of paragraphs,
// headings, lists and tables with whitespace collapsed; code blocks, raw HTML and images are
// skipped. At most `max_chars` code points; when cut, it ends at a space if one lies in the second
// half, and with "…" (counted in `max_chars`). The result is NOT escaped: use {{ }} in templates.
std::string plain_excerpt(std::string_view md, size_t max_chars);

// The class-safe language name for a fence info string: its first word, keeping only
// [A-Za-z0-9_+#.-], at most 32 characters. Empty when nothing remains.
std::string code_language(std::string_view info);

}  // namespace gh::render

// Server-side syntax highlighting for fenced code blocks.
//
// A small table-driven lexer: one generic scanner for C-like and script languages, plus two
// special scanners for markup (HTML/XML) and CSS. It recognises comments, strings, numbers,
// keywords, builtin and capitalised types, function names before '(' and preprocessor lines
// (also decorators and Rust attributes), and wraps them in <span class="tok-..."> elements.
// It is a highlighter, not a parser: odd input gives odd colours, never unsafe output.
//
// Stateless and safe to call from any thread (the language tables are immutable statics).
#pragma once

#include <string>
#include <string_view>

namespace gh::render {

// Token classes emitted as span classes, for the CSS to style.
inline constexpr std::string_view kTokenKeyword = "tok-kw";
inline constexpr std::string_view kTokenString = "tok-str";
inline constexpr std::string_view kTokenComment = "tok-com";
inline constexpr std::string_view kTokenNumber = "tok-num";
inline constexpr std::string_view kTokenFunction = "tok-fn";
inline constexpr std::string_view kTokenType = "tok-ty";
inline constexpr std::string_view kTokenPreprocessor = "tok-pre";

// Returns `code` as HTML-escaped text with highlight spans for `language` (matched without
// regard to case: c, cpp/c++, python/py, javascript/js, typescript/ts, go, rust/rs, java, sql,
// bash/sh/shell, json, yaml/yml, html/xml, css and a few aliases). An unknown or empty language
// gives the escaped text without spans. Every byte of `code` reaches the output escaped, so the
// result is safe inside <pre><code>.
std::string highlight_code(std::string_view code, std::string_view language);

// True when `language` has a highlighting table (same matching as highlight_code).
bool is_highlighted_language(std::string_view language);

}  // namespace gh::render

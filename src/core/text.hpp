// Text helpers: UTF-8 validation and the small string rules shared by every capability.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace gh::text {

// Length (1 to 4) of the well-formed, non-NUL UTF-8 sequence starting at `s[i]`, or 0.
size_t utf8_sequence_at(std::string_view s, size_t i);
// True when `s` is well-formed UTF-8 without NUL bytes, overlong forms or surrogates.
bool is_valid_utf8(std::string_view s);
// `s` with each byte that does not start a well-formed sequence (and each NUL) replaced by U+FFFD.
std::string sanitize_utf8(std::string_view s);
// ASCII case-insensitive equality (header names, keywords).
bool iequals_ascii(std::string_view a, std::string_view b);
// Number of Unicode code points; REQUIRES: is_valid_utf8(s).
size_t utf8_length(std::string_view s);
// At most `max_code_points` code points of `s`, never cutting a character in half.
std::string utf8_truncate(std::string_view s, size_t max_code_points);
std::string trim(std::string_view s);
std::string to_lower_ascii(std::string_view s);
// Escapes &, <, >, " and ' for HTML text and attribute values.
std::string html_escape(std::string_view s);
std::vector<std::string> split(std::string_view s, char sep);

}  // namespace gh::text

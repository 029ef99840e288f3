// Mentions: "@username" in Markdown text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace gh::notify {

// At most this many different users are mentioned per item; the rest are ignored, so that one
// comment cannot notify a whole community.
inline constexpr size_t kMaxMentions = 20;

// The usernames mentioned in `markdown`, lower-cased, without duplicates, in order of first
// appearance. A mention is '@' followed by 3-32 username characters (letters, digits, '_',
// '-'; starting with a letter or digit), not preceded by a word character, '.', '/' or '@'
// (so e-mail addresses and URLs are not mentions), and not inside code (fenced blocks,
// indented with a tab or four spaces, or `inline code`).
std::vector<std::string> parse_mentions(std::string_view markdown);

}  // namespace gh::notify

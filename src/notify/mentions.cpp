#include "notify/mentions.hpp"

#include <algorithm>

namespace gh::notify {
namespace {

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_username_char(char c) {
  return is_alnum(c) || c == '_' || c == '-';
}

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// A fence line opens or closes a fenced code block: up to three spaces, then ``` or ~~~.
std::string_view fence_of(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && i < 3 && line[i] == ' ') {
    ++i;
  }
  const auto rest = line.substr(i);
  if (rest.starts_with("```")) {
    return "```";
  }
  if (rest.starts_with("~~~")) {
    return "~~~";
  }
  return {};
}

void scan_line(std::string_view line, std::vector<std::string>& out) {
  bool in_code = false;
  size_t code_ticks = 0;
  for (size_t i = 0; i < line.size() && out.size() < kMaxMentions;) {
    const char c = line[i];
    if (c == '`') {
      size_t n = 0;
      while (i + n < line.size() && line[i + n] == '`') {
        ++n;
      }
      if (!in_code) {
        in_code = true;
        code_ticks = n;
      } else if (n == code_ticks) {
        in_code = false;
      }
      i += n;
      continue;
    }
    if (c != '@' || in_code) {
      ++i;
      continue;
    }
    const char before = i == 0 ? ' ' : line[i - 1];
    if (is_username_char(before) || before == '.' || before == '/' || before == '@') {
      ++i;
      continue;
    }
    size_t end = i + 1;
    while (end < line.size() && is_username_char(line[end])) {
      ++end;
    }
    const auto name = line.substr(i + 1, end - i - 1);
    // "@bob@example.com" and "@bob.smith" are not mentions of "bob" (an address or a longer name).
    const bool followed_by_name =
        end < line.size() &&
        (line[end] == '@' || (line[end] == '.' && end + 1 < line.size() && is_alnum(line[end + 1])));
    if (name.size() >= 3 && name.size() <= 32 && is_alnum(name.front()) && !followed_by_name) {
      std::string lowered;
      lowered.reserve(name.size());
      for (char ch : name) {
        lowered.push_back(lower(ch));
      }
      if (std::find(out.begin(), out.end(), lowered) == out.end()) {
        out.push_back(std::move(lowered));
      }
    }
    i = end;
  }
}

}  // namespace

std::vector<std::string> parse_mentions(std::string_view markdown) {
  std::vector<std::string> out;
  std::string_view open_fence;
  size_t start = 0;
  while (start <= markdown.size() && out.size() < kMaxMentions) {
    size_t end = markdown.find('\n', start);
    if (end == std::string_view::npos) {
      end = markdown.size();
    }
    const auto line = markdown.substr(start, end - start);
    const auto fence = fence_of(line);
    if (!open_fence.empty()) {
      if (fence == open_fence) {
        open_fence = {};
      }
    } else if (!fence.empty()) {
      open_fence = fence;
    } else if (!line.starts_with("    ") && !line.starts_with("\t")) {
      scan_line(line, out);
    }
    if (end == markdown.size()) {
      break;
    }
    start = end + 1;
  }
  return out;
}

}  // namespace gh::notify

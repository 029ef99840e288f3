// Cursors for keyset pagination: a short list of integers (sort key, id) that the client
// passes back as an opaque string. A malformed cursor parses to nullopt (400 at the door).
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gh::cursor {

inline std::string encode(const std::vector<int64_t>& keys) {
  std::string out;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) {
      out += '_';
    }
    out += std::to_string(keys[i]);
  }
  return out;
}

// Exactly `count` integers, or nullopt.
inline std::optional<std::vector<int64_t>> decode(std::string_view text, size_t count) {
  std::vector<int64_t> keys;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find('_', start), text.size());
    int64_t value = 0;
    const auto* first = text.data() + start;
    const auto* last = text.data() + end;
    auto [ptr, ec] = std::from_chars(first, last, value);
    if (ec != std::errc() || ptr != last || first == last) {
      return std::nullopt;
    }
    keys.push_back(value);
    start = end + 1;
    if (keys.size() > count) {
      return std::nullopt;
    }
  }
  if (keys.size() != count) {
    return std::nullopt;
  }
  return keys;
}

}  // namespace gh::cursor

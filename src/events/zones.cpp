#include "events/zones.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace gh::events {
namespace {

// What we need of a TZif file: transition instants (seconds) and the offset after each.
struct Zone {
  std::vector<int64_t> transitions;
  std::vector<int32_t> offsets;  // offsets[i] holds from transitions[i].
  int32_t initial_offset = 0;    // Before the first transition.
};

std::string zone_root() {
  const char* dir = std::getenv("TZDIR");
  return dir != nullptr && *dir != '\0' ? std::string(dir) : std::string("/usr/share/zoneinfo");
}

// Names are path segments of letters, digits, '_', '-' and '+'; nothing that could leave the
// zoneinfo folder.
bool plausible_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || name.front() == '/' || name.back() == '/') {
    return false;
  }
  size_t segment = 0;
  for (char c : name) {
    if (c == '/') {
      if (segment == 0) {
        return false;
      }
      segment = 0;
      continue;
    }
    const bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '+';
    if (!ok || (segment == 0 && (c == '-' || c == '+'))) {
      return false;
    }
    ++segment;
  }
  return true;
}

int64_t read_be(const unsigned char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) {
    v = (v << 8) | p[i];
  }
  if (bytes == 4) {
    return static_cast<int32_t>(static_cast<uint32_t>(v));
  }
  return static_cast<int64_t>(v);
}

std::optional<Zone> parse_tzif(const std::string& data) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  size_t pos = 0;
  auto header = [&](size_t at, int64_t counts[6]) {
    if (data.size() < at + 44 || data.compare(at, 4, "TZif") != 0) {
      return false;
    }
    for (int i = 0; i < 6; ++i) {
      counts[i] = read_be(bytes + at + 20 + 4 * i, 4);
      if (counts[i] < 0) {
        return false;
      }
    }
    return true;
  };
  // counts: isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt.
  int64_t c[6];
  if (!header(0, c)) {
    return std::nullopt;
  }
  const char version = data[4];
  int time_bytes = 4;
  pos = 44;
  if (version >= '2') {
    // Skip the 32-bit block and read the 64-bit one.
    pos += c[3] * 4 + c[3] + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0];
    if (!header(pos, c)) {
      return std::nullopt;
    }
    pos += 44;
    time_bytes = 8;
  }
  const size_t need = c[3] * time_bytes + c[3] + c[4] * 6;
  if (c[4] == 0 || data.size() < pos + need) {
    return std::nullopt;
  }
  Zone zone;
  std::vector<uint8_t> indexes;
  for (int64_t i = 0; i < c[3]; ++i) {
    zone.transitions.push_back(read_be(bytes + pos + i * time_bytes, time_bytes));
  }
  pos += c[3] * time_bytes;
  for (int64_t i = 0; i < c[3]; ++i) {
    indexes.push_back(bytes[pos + i]);
  }
  pos += c[3];
  std::vector<int32_t> type_offsets;
  for (int64_t i = 0; i < c[4]; ++i) {
    type_offsets.push_back(static_cast<int32_t>(read_be(bytes + pos + i * 6, 4)));
  }
  for (auto index : indexes) {
    if (index >= type_offsets.size()) {
      return std::nullopt;
    }
    zone.offsets.push_back(type_offsets[index]);
  }
  zone.initial_offset = type_offsets[0];
  return zone;
}

std::mutex cache_mutex;
std::map<std::string, std::shared_ptr<const Zone>, std::less<>> cache;  // GUARDED_BY(cache_mutex)

std::shared_ptr<const Zone> load(std::string_view name) {
  if (!plausible_name(name)) {
    return nullptr;
  }
  std::lock_guard lock(cache_mutex);
  if (auto it = cache.find(name); it != cache.end()) {
    return it->second;
  }
  std::shared_ptr<const Zone> zone;
  std::ifstream file(zone_root() + "/" + std::string(name), std::ios::binary);
  if (file) {
    std::string data((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (auto parsed = parse_tzif(data)) {
      zone = std::make_shared<const Zone>(std::move(*parsed));
    }
  }
  cache.emplace(std::string(name), zone);  // Unknown names are cached too (as null).
  return zone;
}

int64_t floor_div(int64_t a, int64_t b) {
  return a >= 0 ? a / b : (a - b + 1) / b;
}

}  // namespace

bool valid_zone(std::string_view name) {
  return load(name) != nullptr;
}

int utc_offset_seconds(std::string_view zone_name, Millis utc) {
  auto zone = load(zone_name);
  if (!zone) {
    return 0;
  }
  const int64_t seconds = floor_div(utc, 1000);
  // The last transition at or before `seconds`.
  auto it = std::upper_bound(zone->transitions.begin(), zone->transitions.end(), seconds);
  if (it == zone->transitions.begin()) {
    return zone->initial_offset;
  }
  return zone->offsets[static_cast<size_t>(std::distance(zone->transitions.begin(), it) - 1)];
}

Millis local_to_utc(std::string_view zone, Millis local_as_utc) {
  // The offsets a day either side (zones change at most once in two days) give the candidate
  // instants; a candidate is right when it reads back as the wall time.
  constexpr Millis kDay = 86'400'000;
  const Millis before = local_as_utc - int64_t{utc_offset_seconds(zone, local_as_utc - kDay)} * 1000;
  const Millis after = local_as_utc - int64_t{utc_offset_seconds(zone, local_as_utc + kDay)} * 1000;
  auto reads_back = [&](Millis t) { return t + int64_t{utc_offset_seconds(zone, t)} * 1000 == local_as_utc; };
  const bool before_ok = reads_back(before);
  const bool after_ok = reads_back(after);
  if (before_ok && after_ok) {
    return std::min(before, after);  // A repeated hour: the first.
  }
  if (before_ok || after_ok) {
    return before_ok ? before : after;
  }
  return std::max(before, after);  // A skipped hour: after the jump.
}

std::string format_offset(int offset_seconds) {
  const char sign = offset_seconds < 0 ? '-' : '+';
  const int magnitude = offset_seconds < 0 ? -offset_seconds : offset_seconds;
  char out[24];
  std::snprintf(out, sizeof out, "%c%02d:%02d", sign, magnitude / 3600, magnitude / 60 % 60);
  return out;
}

std::string format_local_input(std::string_view zone, Millis utc) {
  const Millis local = utc + int64_t{utc_offset_seconds(zone, utc)} * 1000;
  return format_rfc3339(local).substr(0, 16);  // "2026-03-01T19:00"
}

std::string format_local(std::string_view zone, Millis utc) {
  auto text = format_local_input(zone, utc);
  text[10] = ' ';
  return text;
}

std::optional<Millis> parse_local_input(std::string_view text) {
  std::string full(text);
  if (full.size() == 16) {
    full += ":00";
  }
  if (full.size() != 19) {
    return std::nullopt;
  }
  return parse_rfc3339(full + "Z");
}

}  // namespace gh::events

// gh::events time zones: IANA zone names validated against the system's zoneinfo files, and
// the UTC offsets needed to show an event's local time and read a local time from a form.
//
// libstdc++ 12 (Debian 12) has no std::chrono::locate_zone, so this reads TZif files
// (RFC 8536) from $TZDIR or /usr/share/zoneinfo itself. Debian ships "fat" TZif files with
// explicit transitions up to 2037; after the last transition the last offset holds (the
// footer's POSIX rule is not interpreted). Parsed zones are cached; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace gh::events {

// Whether `name` is an IANA zone this system knows ("Asia/Shanghai", "UTC").
bool valid_zone(std::string_view name);

// The zone's offset from UTC at the instant `utc`, in seconds (+28800 for Asia/Shanghai).
// REQUIRES: valid_zone(name).
int utc_offset_seconds(std::string_view zone, Millis utc);

// The UTC instant of a local wall time in `zone` ("2026-03-01T19:00" local as if it were
// UTC, in ms). A wall time skipped by a DST jump maps forward; a repeated one takes the first.
Millis local_to_utc(std::string_view zone, Millis local_as_utc);

// "2026-03-01 19:00" in `zone`, and the offset as "+08:00".
std::string format_local(std::string_view zone, Millis utc);
std::string format_offset(int offset_seconds);
// "2026-03-01T19:00" (the value of an <input type="datetime-local">) in `zone`.
std::string format_local_input(std::string_view zone, Millis utc);
// Parses "2026-03-01T19:00" (optionally ":ss") as a wall time, in ms as if it were UTC.
std::optional<Millis> parse_local_input(std::string_view text);

}  // namespace gh::events

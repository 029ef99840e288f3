// gh::events calendars: RFC 5545 iCalendar text for one event and for a community's feed.
//
// Lines end in CRLF and are folded at 75 octets (never inside a UTF-8 sequence); TEXT values
// escape backslash, semicolon, comma and newlines. Times are written in UTC ("...Z"), which
// every client converts to its own zone: a TZID would need a VTIMEZONE with the zone's rules.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace gh::events {

// What a calendar entry shows. `location` is empty unless the reader may see the venue or
// online link (events::location_visible decided it before).
struct CalendarEntry {
  std::string uid;  // "event-12@guild.example.com": stable across exports.
  std::string title;
  std::string description;
  std::string location;
  std::string url;  // The event page.
  Millis starts_at = 0;
  Millis ends_at = 0;
  Millis updated_at = 0;
  bool canceled = false;
};

// TEXT escaping (RFC 5545 3.3.11).
std::string ics_escape(std::string_view text);
// One content line folded at 75 octets, CRLF-terminated (3.1).
std::string ics_fold(std::string_view line);
// "20260301T110000Z".
std::string ics_time(Millis utc);
// A VCALENDAR holding `entries`; `name` becomes X-WR-CALNAME when not empty. `now` is DTSTAMP.
std::string ics_calendar(const std::vector<CalendarEntry>& entries, std::string_view name, Millis now);

}  // namespace gh::events

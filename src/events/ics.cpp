#include "events/ics.hpp"

#include "core/text.hpp"

namespace gh::events {

std::string ics_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    switch (c) {
      case '\\': out += "\\\\"; break;
      case ';': out += "\\;"; break;
      case ',': out += "\\,"; break;
      case '\r':
        if (i + 1 < text.size() && text[i + 1] == '\n') {
          ++i;
        }
        out += "\\n";
        break;
      case '\n': out += "\\n"; break;
      default:
        // Other control characters are not allowed in TEXT.
        if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) {
          out += c;
        }
    }
  }
  return out;
}

std::string ics_fold(std::string_view line) {
  std::string out;
  size_t pos = 0;
  size_t limit = 75;  // The first line holds 75 octets; later ones a space and 74.
  while (line.size() - pos > limit) {
    size_t cut = pos + limit;
    // Back up to the start of a UTF-8 sequence (continuation bytes are 10xxxxxx).
    while (cut > pos && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) {
      --cut;
    }
    out.append(line.substr(pos, cut - pos));
    out += "\r\n ";
    pos = cut;
    limit = 74;
  }
  out.append(line.substr(pos));
  out += "\r\n";
  return out;
}

std::string ics_time(Millis utc) {
  const auto text = format_rfc3339(utc);  // "2026-03-01T11:00:00[.mmm]Z"
  std::string out;
  for (char c : text.substr(0, 19)) {
    if (c != '-' && c != ':') {
      out += c;
    }
  }
  return out + "Z";
}

std::string ics_calendar(const std::vector<CalendarEntry>& entries, std::string_view name, Millis now) {
  std::string out;
  auto line = [&out](std::string_view text) { out += ics_fold(text); };
  line("BEGIN:VCALENDAR");
  line("VERSION:2.0");
  line("PRODID:-//Guildhall//Events//EN");
  line("CALSCALE:GREGORIAN");
  line("METHOD:PUBLISH");
  if (!name.empty()) {
    line("X-WR-CALNAME:" + ics_escape(name));
  }
  for (const auto& e : entries) {
    line("BEGIN:VEVENT");
    line("UID:" + ics_escape(e.uid));
    line("DTSTAMP:" + ics_time(now));
    line("DTSTART:" + ics_time(e.starts_at));
    line("DTEND:" + ics_time(e.ends_at));
    if (e.updated_at > 0) {
      line("LAST-MODIFIED:" + ics_time(e.updated_at));
    }
    line("SUMMARY:" + ics_escape(e.title));
    if (!e.description.empty()) {
      line("DESCRIPTION:" + ics_escape(e.description));
    }
    if (!e.location.empty()) {
      line("LOCATION:" + ics_escape(e.location));
    }
    if (!e.url.empty()) {
      line("URL:" + e.url);  // A URI value: not TEXT-escaped.
    }
    line(e.canceled ? "STATUS:CANCELLED" : "STATUS:CONFIRMED");
    line("END:VEVENT");
  }
  line("END:VCALENDAR");
  return out;
}

}  // namespace gh::events

// RFC 5545 output: escaping, folding at 75 octets, CRLF, UTC times, and a QR image.
#include "events/ics.hpp"

#include <gtest/gtest.h>

#include "events/qr.hpp"

namespace gh::events {
namespace {

TEST(IcsTest, TextIsEscaped) {
  EXPECT_EQ(ics_escape("a,b;c\\d\ne\r\nf"), "a\\,b\\;c\\\\d\\ne\\nf");
  EXPECT_EQ(ics_escape("bell\x07"), "bell");
}

TEST(IcsTest, LongLinesFoldAt75OctetsWithoutSplittingCharacters) {
  const std::string ascii(200, 'x');
  const auto folded = ics_fold(ascii);
  size_t start = 0;
  std::string unfolded;
  while (start < folded.size()) {
    const auto end = folded.find("\r\n", start);
    ASSERT_NE(end, std::string::npos);
    const auto line = folded.substr(start, end - start);
    EXPECT_LE(line.size(), 75u);
    unfolded += start == 0 ? line : line.substr(1);
    if (start > 0) {
      EXPECT_EQ(line[0], ' ');
    }
    start = end + 2;
  }
  EXPECT_EQ(unfolded, ascii);
  // 3-byte characters: no line ends inside one.
  std::string chinese;
  for (int i = 0; i < 60; ++i) {
    chinese += "会";
  }
  const auto folded_cn = ics_fold("SUMMARY:" + chinese);
  for (size_t pos = 0; (pos = folded_cn.find("\r\n ", pos)) != std::string::npos; pos += 3) {
    const auto next = static_cast<unsigned char>(folded_cn[pos + 3]);
    EXPECT_NE(next & 0xC0, 0x80) << "continuation byte after a fold";
  }
  EXPECT_EQ(ics_fold("short"), "short\r\n");
}

TEST(IcsTest, ACalendarHasTheRequiredProperties) {
  CalendarEntry e;
  e.uid = "event-7@guild.example";
  e.title = "Rust, C++; and more";
  e.description = "Line one\nLine two";
  e.url = "https://guild.example/events/7";
  e.starts_at = *parse_rfc3339("2026-03-01T19:00:00+08:00");
  e.ends_at = *parse_rfc3339("2026-03-01T21:00:00+08:00");
  const auto ics = ics_calendar({e}, "Club events", *parse_rfc3339("2026-02-01T00:00:00.250Z"));
  EXPECT_EQ(ics.find("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"), 0u);
  EXPECT_NE(ics.find("\r\nDTSTART:20260301T110000Z\r\n"), std::string::npos);
  EXPECT_NE(ics.find("\r\nDTEND:20260301T130000Z\r\n"), std::string::npos);
  EXPECT_NE(ics.find("\r\nDTSTAMP:20260201T000000Z\r\n"), std::string::npos);
  EXPECT_NE(ics.find("\r\nUID:event-7@guild.example\r\n"), std::string::npos);
  EXPECT_NE(ics.find("\r\nSUMMARY:Rust\\, C++\\; and more\r\n"), std::string::npos);
  EXPECT_NE(ics.find("\r\nDESCRIPTION:Line one\\nLine two\r\n"), std::string::npos);
  EXPECT_EQ(ics.find("LOCATION"), std::string::npos) << "no location unless given";
  EXPECT_TRUE(ics.ends_with("END:VEVENT\r\nEND:VCALENDAR\r\n"));
  // Every newline is part of a CRLF.
  for (size_t i = 0; i < ics.size(); ++i) {
    if (ics[i] == '\n') {
      EXPECT_EQ(ics[i - 1], '\r');
    }
  }
}

TEST(QrTest, ASvgOfModules) {
  const auto svg = qr_svg("ABCDEFGHJKLM");
  EXPECT_EQ(svg.find("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 29 29\""), 0u) << svg.substr(0, 80);
  EXPECT_NE(svg.find("<path d=\"M4,4h1v1h-1z"), std::string::npos) << "the finder pattern's corner";
  EXPECT_TRUE(svg.ends_with("</svg>"));
}

}  // namespace
}  // namespace gh::events

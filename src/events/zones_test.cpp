// Time zones read from the system's TZif files: names, offsets, DST gaps and overlaps.
#include "events/zones.hpp"

#include <gtest/gtest.h>

namespace gh::events {
namespace {

Millis at(const char* rfc3339) {
  return *parse_rfc3339(rfc3339);
}

TEST(ZonesTest, KnownNamesAreValidAndPathsAreNot) {
  for (const char* name : {"Asia/Shanghai", "Europe/Berlin", "America/New_York", "UTC", "Etc/GMT+5"}) {
    EXPECT_TRUE(valid_zone(name)) << name;
  }
  for (const char* name : {"", "Mars/Olympus", "../../etc/passwd", "/etc/passwd", "Asia//Shanghai", "Asia/",
                           "Europe/Berlin/..", "zone.tab", "Asia/Shanghai\n"}) {
    EXPECT_FALSE(valid_zone(name)) << name;
  }
}

TEST(ZonesTest, OffsetsFollowDaylightSavingTime) {
  EXPECT_EQ(utc_offset_seconds("Asia/Shanghai", at("2026-01-15T12:00:00Z")), 8 * 3600);
  EXPECT_EQ(utc_offset_seconds("Asia/Shanghai", at("2026-07-15T12:00:00Z")), 8 * 3600);
  EXPECT_EQ(utc_offset_seconds("Europe/Berlin", at("2026-01-15T12:00:00Z")), 3600);
  EXPECT_EQ(utc_offset_seconds("Europe/Berlin", at("2026-07-15T12:00:00Z")), 7200);
  EXPECT_EQ(utc_offset_seconds("America/New_York", at("2026-07-15T12:00:00Z")), -4 * 3600);
  EXPECT_EQ(utc_offset_seconds("UTC", at("2026-07-15T12:00:00Z")), 0);
  // Berlin springs forward at 01:00 UTC on 2026-03-29.
  EXPECT_EQ(utc_offset_seconds("Europe/Berlin", at("2026-03-29T00:59:59Z")), 3600);
  EXPECT_EQ(utc_offset_seconds("Europe/Berlin", at("2026-03-29T01:00:00Z")), 7200);
  EXPECT_EQ(format_offset(-16200), "-04:30");
  EXPECT_EQ(format_offset(28800), "+08:00");
}

TEST(ZonesTest, LocalWallTimesBecomeInstants) {
  EXPECT_EQ(local_to_utc("Asia/Shanghai", *parse_local_input("2026-03-01T19:00")), at("2026-03-01T11:00:00Z"));
  EXPECT_EQ(local_to_utc("Europe/Berlin", *parse_local_input("2026-07-01T19:00")), at("2026-07-01T17:00:00Z"));
  // 02:30 does not exist on 2026-03-29 in Berlin: it lands after the jump.
  EXPECT_EQ(local_to_utc("Europe/Berlin", *parse_local_input("2026-03-29T02:30")), at("2026-03-29T01:30:00Z"));
  // 02:30 happens twice on 2026-10-25: the first (summer time) is taken.
  EXPECT_EQ(local_to_utc("Europe/Berlin", *parse_local_input("2026-10-25T02:30")), at("2026-10-25T00:30:00Z"));
  EXPECT_EQ(format_local("Asia/Shanghai", at("2026-03-01T11:00:00Z")), "2026-03-01 19:00");
  EXPECT_EQ(format_local_input("Europe/Berlin", at("2026-07-01T17:00:00Z")), "2026-07-01T19:00");
  EXPECT_FALSE(parse_local_input("2026-03-01"));
  EXPECT_FALSE(parse_local_input("2026-03-01T19:00Z"));
}

}  // namespace
}  // namespace gh::events

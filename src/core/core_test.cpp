#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "core/money.hpp"
#include "core/result.hpp"
#include "core/text.hpp"

namespace gh {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) {
    return invalid("test.not_positive", "Must be positive.", "v");
  }
  return v;
}

TEST(ResultTest, HoldsValueOrError) {
  auto ok = parse_positive(3);
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 3);
  auto bad = parse_positive(-1);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ErrorKind::Invalid);
  EXPECT_EQ(bad.error().code, "test.not_positive");
  EXPECT_EQ(bad.error().fields.at("v"), "test.not_positive");
}

TEST(ResultTest, VoidResult) {
  Status ok;
  EXPECT_TRUE(ok);
  Status bad = not_found("x.missing", "Missing.");
  EXPECT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ErrorKind::NotFound);
}

TEST(MoneyTest, RejectsUnknownCurrency) {
  EXPECT_FALSE(Money::create(100, "XXX"));
  EXPECT_FALSE(Money::create(100, "cny"));
  EXPECT_TRUE(Money::create(100, "CNY"));
}

TEST(MoneyTest, FormatsMinorUnitsExactly) {
  EXPECT_EQ(Money::create(1230, "CNY")->format(), "¥12.30");
  EXPECT_EQ(Money::create(5, "USD")->format(), "$0.05");
  EXPECT_EQ(Money::create(-199, "USD")->format(), "-$1.99");
  EXPECT_EQ(Money::create(500, "JPY")->format(), "¥500");
  EXPECT_EQ(Money::create(INT64_MIN, "USD")->format(), "-$92233720368547758.08");
}

TEST(MoneyTest, ParsesDecimalsExactly) {
  EXPECT_EQ(Money::parse_decimal("9.90", "CNY")->amount_minor(), 990);
  EXPECT_EQ(Money::parse_decimal("9.9", "CNY")->amount_minor(), 990);
  EXPECT_EQ(Money::parse_decimal("12", "USD")->amount_minor(), 1200);
  EXPECT_EQ(Money::parse_decimal("0.01", "USD")->amount_minor(), 1);
  EXPECT_EQ(Money::parse_decimal("500", "JPY")->amount_minor(), 500);
  for (const char* bad : {"", "9.999", "-1", "1e3", "9.", ".5", "1,00", "abc", "1234567890123456"}) {
    EXPECT_FALSE(Money::parse_decimal(bad, "CNY")) << bad;
  }
  EXPECT_FALSE(Money::parse_decimal("5.5", "JPY"));
  EXPECT_EQ(Money::parse_decimal("1", "XXX").error().code, "money.unknown_currency");
}

TEST(ClockTest, FormatsAndParsesRfc3339) {
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(1795545717123), "2026-11-24T18:41:57.123Z");
  EXPECT_EQ(parse_rfc3339("2026-11-24T18:41:57.123Z"), 1795545717123);
  EXPECT_EQ(parse_rfc3339("2026-11-25T02:41:57.123+08:00"), 1795545717123);
  EXPECT_EQ(parse_rfc3339("2026-11-24T18:41Z"), 1795545660000);
  EXPECT_EQ(parse_rfc3339("1969-12-31T23:59:59Z"), -1000);
  EXPECT_EQ(format_rfc3339(-1000), "1969-12-31T23:59:59Z");
  for (const char* bad : {"", "2026", "2026-13-01T00:00Z", "2026-11-24T18:41:57", "2026-11-24T18:41:57Zjunk",
                          "2026-11-24T25:00:00Z", "2026-11-24T18:41:57.Z"}) {
    EXPECT_FALSE(parse_rfc3339(bad)) << bad;
  }
}

TEST(ClockTest, AddsCalendarMonths) {
  const auto at = [](const char* s) { return *parse_rfc3339(s); };
  EXPECT_EQ(format_rfc3339(add_months_utc(at("2026-01-31T10:00:00Z"), 1)), "2026-02-28T10:00:00Z");
  EXPECT_EQ(format_rfc3339(add_months_utc(at("2028-01-31T10:00:00Z"), 1)), "2028-02-29T10:00:00Z");
  EXPECT_EQ(format_rfc3339(add_months_utc(at("2026-11-24T18:41:57.123Z"), 12)), "2027-11-24T18:41:57.123Z");
  EXPECT_EQ(format_rfc3339(add_months_utc(at("2026-12-15T00:00:00Z"), 1)), "2027-01-15T00:00:00Z");
  EXPECT_EQ(format_rfc3339(add_months_utc(at("2026-03-31T00:00:00Z"), -1)), "2026-02-28T00:00:00Z");
}

TEST(ClockTest, ManualClockMoves) {
  ManualClock clock(1000);
  clock.advance_ms(500);
  EXPECT_EQ(clock.now_ms(), 1500);
}

TEST(TextTest, ValidatesUtf8) {
  EXPECT_TRUE(text::is_valid_utf8("hello"));
  EXPECT_TRUE(text::is_valid_utf8("知识付费社群 🚀"));
  EXPECT_FALSE(text::is_valid_utf8(std::string("a\0b", 3)));
  EXPECT_FALSE(text::is_valid_utf8("\xff"));
  EXPECT_FALSE(text::is_valid_utf8("\xc0\xaf"));          // Overlong '/'.
  EXPECT_FALSE(text::is_valid_utf8("\xed\xa0\x80"));      // Surrogate.
  EXPECT_FALSE(text::is_valid_utf8("\xe4\xb8"));          // Truncated.
  EXPECT_FALSE(text::is_valid_utf8("\xf4\x90\x80\x80"));  // Above U+10FFFF.
}

TEST(TextTest, TruncatesOnCodePoints) {
  EXPECT_EQ(text::utf8_length("知识ab"), 4u);
  EXPECT_EQ(text::utf8_truncate("知识付费", 2), "知识");
  EXPECT_EQ(text::utf8_truncate("ab", 5), "ab");
}

TEST(TextTest, EscapesHtml) {
  EXPECT_EQ(text::html_escape("<a href=\"x\" onclick='y'>&</a>"),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
}

TEST(TextTest, TrimsAndSplits) {
  EXPECT_EQ(text::trim("  a b \n"), "a b");
  EXPECT_EQ(text::split("a,,b", ','), (std::vector<std::string>{"a", "", "b"}));
}

}  // namespace
}  // namespace gh

#include "core/cursor.hpp"

namespace gh {
namespace {

TEST(CursorTest, RoundTripsAndRejectsJunk) {
  EXPECT_EQ(cursor::decode(cursor::encode({-5, 42}), 2), (std::vector<int64_t>{-5, 42}));
  EXPECT_FALSE(cursor::decode("1_2", 3));
  EXPECT_FALSE(cursor::decode("1_2_3", 2));
  EXPECT_FALSE(cursor::decode("", 1));
  EXPECT_FALSE(cursor::decode("1_", 2));
  EXPECT_FALSE(cursor::decode("x_1", 2));
  EXPECT_FALSE(cursor::decode("99999999999999999999_1", 2));
}

}  // namespace
}  // namespace gh

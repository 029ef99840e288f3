#include "mail/mime.hpp"

#include <gtest/gtest.h>

#include "mail/outbox.hpp"
#include "mail/smtp.hpp"

namespace gh::mail {
namespace {

TEST(MimeTest, Base64MatchesRfc4648Vectors) {
  const std::pair<const char*, const char*> cases[] = {{"", ""},
                                                       {"f", "Zg=="},
                                                       {"fo", "Zm8="},
                                                       {"foo", "Zm9v"},
                                                       {"foob", "Zm9vYg=="},
                                                       {"fooba", "Zm9vYmE="},
                                                       {"foobar", "Zm9vYmFy"}};
  for (const auto& [in, out] : cases) {
    EXPECT_EQ(base64(in), out) << in;
  }
}

TEST(MimeTest, QuotedPrintableEncodesWhatMustBeEncoded) {
  EXPECT_EQ(quoted_printable("plain text"), "plain text");
  EXPECT_EQ(quoted_printable("a=b"), "a=3Db");
  EXPECT_EQ(quoted_printable("trailing \nline"), "trailing=20\r\nline");
  EXPECT_EQ(quoted_printable("one\r\ntwo\rthree"), "one\r\ntwo\r\nthree");
  EXPECT_EQ(quoted_printable("中"), "=E4=B8=AD");
}

TEST(MimeTest, QuotedPrintableLinesStayWithin76Characters) {
  const std::string long_line(300, 'x');
  const std::string zh = [] {
    std::string s;
    for (int i = 0; i < 100; ++i) {
      s += "汉";
    }
    return s;
  }();
  for (const auto& input : {long_line, zh}) {
    const auto encoded = quoted_printable(input);
    size_t start = 0;
    std::string decoded;
    while (start < encoded.size()) {
      auto end = encoded.find("\r\n", start);
      if (end == std::string::npos) {
        end = encoded.size();
      }
      EXPECT_LE(end - start, 76u);
      start = end + 2;
    }
    // Never a soft break inside an escape.
    EXPECT_EQ(encoded.find("=\r\n\r\n"), std::string::npos);
    for (size_t i = 0; i + 3 < encoded.size(); ++i) {
      if (encoded[i] == '=' && encoded[i + 1] != '\r') {
        EXPECT_NE(encoded[i + 1], '\r');
        EXPECT_NE(encoded[i + 2], '\r');
      }
    }
  }
}

TEST(MimeTest, HeaderTextIsEncodedOnlyWhenNeeded) {
  EXPECT_EQ(encode_header_text("Weekly digest"), "Weekly digest");
  EXPECT_EQ(encode_header_text("Guildhall 每周摘要"), "=?UTF-8?B?R3VpbGRoYWxsIOavj+WRqOaRmOimgQ==?=");
  // Header injection is impossible: line breaks become spaces.
  EXPECT_EQ(encode_header_text("a\r\nBcc: x@y"), "a  Bcc: x@y");
}

TEST(MimeTest, LongHeaderTextSplitsBetweenCharacters) {
  std::string subject;
  for (int i = 0; i < 40; ++i) {
    subject += "摘";
  }
  const auto encoded = encode_header_text(subject);
  std::string decoded;
  size_t start = 0;
  while (start < encoded.size()) {
    auto end = encoded.find("\r\n ", start);
    if (end == std::string::npos) {
      end = encoded.size();
    }
    const auto word = encoded.substr(start, end - start);
    EXPECT_LE(word.size(), 75u);
    ASSERT_EQ(word.rfind("=?UTF-8?B?", 0), 0u);
    const auto payload = word.substr(10, word.size() - 12);
    // Each word holds whole characters (3 bytes each here): a multiple of 4 base64 characters
    // without padding.
    EXPECT_EQ(payload.size() % 4, 0u);
    EXPECT_EQ(payload.find('='), std::string::npos);
    start = end + 3;
  }
}

TEST(MimeTest, AddressesAreQuotedOrEncoded) {
  EXPECT_EQ(format_address({"", "a@example.com"}), "<a@example.com>");
  EXPECT_EQ(format_address({"Guildhall", "a@example.com"}), "Guildhall <a@example.com>");
  EXPECT_EQ(format_address({"Ann, B.", "a@example.com"}), "\"Ann, B.\" <a@example.com>");
  EXPECT_EQ(format_address({"张三", "a@example.com"}), "=?UTF-8?B?5byg5LiJ?= <a@example.com>");
  const auto parsed = parse_address("\"Guild Hall\" <noreply@guild.example>");
  EXPECT_EQ(parsed.name, "Guild Hall");
  EXPECT_EQ(parsed.email, "noreply@guild.example");
  EXPECT_EQ(parse_address("x@y").email, "x@y");
}

TEST(MimeTest, DateIsRfc5322) {
  EXPECT_EQ(format_date(1795552433000), "Tue, 24 Nov 2026 20:33:53 +0000");
}

TEST(MimeTest, MessageIsMultipartAlternativeWithCrlfLines) {
  Message m;
  m.from = {"Guildhall", "noreply@guild.example"};
  m.to = {"Ann", "ann@example.com"};
  m.subject = "你好";
  m.text = "Hello\nworld";
  m.html = "<p>Hello</p>";
  m.date = 1795552433000;
  m.message_id = "abc@guild.example";
  m.extra = {{"List-Unsubscribe", "<https://guild.example/unsubscribe/t>"}};
  const auto raw = build_message(m, "seed");
  EXPECT_NE(raw.find("Date: Tue, 24 Nov 2026 20:33:53 +0000\r\n"), std::string::npos);
  EXPECT_NE(raw.find("Message-ID: <abc@guild.example>\r\n"), std::string::npos);
  EXPECT_NE(raw.find("Subject: =?UTF-8?B?5L2g5aW9?=\r\n"), std::string::npos);
  EXPECT_NE(raw.find("List-Unsubscribe: <https://guild.example/unsubscribe/t>\r\n"), std::string::npos);
  EXPECT_NE(raw.find("Content-Type: multipart/alternative; boundary=\"=_gh_seed\"\r\n"), std::string::npos);
  EXPECT_NE(raw.find("--=_gh_seed\r\nContent-Type: text/plain; charset=UTF-8\r\n"), std::string::npos);
  EXPECT_NE(raw.find("Content-Type: text/html; charset=UTF-8\r\n"), std::string::npos);
  EXPECT_NE(raw.find("Hello\r\nworld"), std::string::npos);
  EXPECT_NE(raw.find("--=_gh_seed--\r\n"), std::string::npos);
  // No bare LF anywhere.
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\n') {
      ASSERT_GT(i, 0u);
      EXPECT_EQ(raw[i - 1], '\r') << "bare LF at " << i;
    }
  }
}

TEST(BackoffTest, DoublesFromTheBaseUpToTheCap) {
  RetryPolicy policy;
  policy.base_ms = 1000;
  policy.cap_ms = 10'000;
  EXPECT_EQ(backoff_ms(1, policy), 1000);
  EXPECT_EQ(backoff_ms(2, policy), 2000);
  EXPECT_EQ(backoff_ms(3, policy), 4000);
  EXPECT_EQ(backoff_ms(4, policy), 8000);
  EXPECT_EQ(backoff_ms(5, policy), 10'000);
  EXPECT_EQ(backoff_ms(60, policy), 10'000);
}

TEST(SmtpTest, FourHundredsAreTemporaryFiveHundredsPermanent) {
  EXPECT_EQ(classify_smtp_reply(0), SendOutcome::Status::Temporary);
  EXPECT_EQ(classify_smtp_reply(421), SendOutcome::Status::Temporary);
  EXPECT_EQ(classify_smtp_reply(451), SendOutcome::Status::Temporary);
  EXPECT_EQ(classify_smtp_reply(550), SendOutcome::Status::Permanent);
}

}  // namespace
}  // namespace gh::mail

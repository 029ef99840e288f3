#include <gtest/gtest.h>

#include "http/internal.hpp"

namespace gh::http::detail {
namespace {

TEST(TargetTest, SplitsOriginForm) {
  const auto parts = split_target("/c/rust?sort=top&x");
  ASSERT_TRUE(parts.has_value());
  EXPECT_EQ(parts->raw_path, "/c/rust");
  EXPECT_EQ(parts->query, "sort=top&x");
  EXPECT_EQ(split_target("/plain")->query, "");
  EXPECT_EQ(split_target("/q?")->query, "");
}

TEST(TargetTest, SplitsAbsoluteForm) {
  EXPECT_EQ(split_target("http://example.com/a/b?x=1")->raw_path, "/a/b");
  EXPECT_EQ(split_target("http://example.com/a/b?x=1")->query, "x=1");
  EXPECT_EQ(split_target("http://example.com")->raw_path, "/");
  EXPECT_EQ(split_target("https://example.com?q")->query, "q");
}

TEST(TargetTest, RefusesOtherForms) {
  EXPECT_FALSE(split_target("").has_value());
  EXPECT_FALSE(split_target("*").has_value());
  EXPECT_FALSE(split_target("example.com:443").has_value());
  EXPECT_FALSE(split_target("://x/").has_value());
}

TEST(PathTest, DecodesPercentEncodingButNotPlus) {
  EXPECT_EQ(decode_path("/c/caf%C3%A9"), "/c/café");
  EXPECT_EQ(decode_path("/a+b%20c"), "/a+b c");
  EXPECT_EQ(decode_path("/a%2Fb"), "/a/b");
  EXPECT_EQ(decode_path("/plain/path"), "/plain/path");
}

TEST(PathTest, RefusesBadEncodingNulAndInvalidUtf8) {
  EXPECT_FALSE(decode_path("/a%zz").has_value());
  EXPECT_FALSE(decode_path("/a%4").has_value());
  EXPECT_FALSE(decode_path("/a%").has_value());
  EXPECT_FALSE(decode_path("/a%00b").has_value());
  EXPECT_FALSE(decode_path("/a%FF").has_value());
  EXPECT_FALSE(decode_path("/a%C0%AF").has_value());
  EXPECT_FALSE(decode_path("/\xFF").has_value());
  EXPECT_FALSE(decode_path("relative").has_value());
}

TEST(RequestIdTest, AcceptsOnlySaneIncomingIds) {
  EXPECT_TRUE(is_sane_request_id("abc-DEF_123"));
  EXPECT_TRUE(is_sane_request_id(std::string(64, 'a')));
  EXPECT_FALSE(is_sane_request_id(std::string(65, 'a')));
  EXPECT_FALSE(is_sane_request_id(""));
  EXPECT_FALSE(is_sane_request_id("has space"));
  EXPECT_FALSE(is_sane_request_id("semi;colon"));
  EXPECT_FALSE(is_sane_request_id("new\nline"));
  EXPECT_EQ(choose_request_id("keep-me"), "keep-me");
}

TEST(RequestIdTest, NewIdsAreSixteenHexDigitsAndDiffer) {
  const std::string a = new_request_id();
  const std::string b = choose_request_id("bad id");
  EXPECT_EQ(a.size(), 16u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(b.size(), 16u);
  EXPECT_NE(a, b);
}

TEST(ErrorResponseTest, JsonForApiOrJsonAccept) {
  EXPECT_TRUE(wants_json("/api/v1/x", ""));
  EXPECT_TRUE(wants_json("/page", "text/html, Application/JSON;q=0.9"));
  EXPECT_FALSE(wants_json("/apis", "text/html"));
  const Response json = error_response(413, "http.body_too_large", "Too large", "rid1", true);
  EXPECT_EQ(json.status, 413);
  EXPECT_EQ(json.headers.get("Content-Type"), "application/json");
  EXPECT_EQ(json.body, R"({"error":{"code":"http.body_too_large","message":"Too large","request_id":"rid1"}})");
  const Response html = error_response(500, "internal", "Internal error", "rid2", false);
  EXPECT_EQ(html.headers.get("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(html.body.find("rid2"), std::string::npos);
}

TEST(ResponseHeadTest, WritesServerOwnedHeaders) {
  Response response = Response::text(200, "hello");
  response.headers.add("Content-Length", "999");
  response.headers.add("X-Request-Id", "spoofed");
  response.headers.add("Set-Cookie", "a=1");
  std::string head;
  HeadInput input;
  input.request_id = "rid";
  const HeadOutput output = write_response_head(head, response, input);
  EXPECT_EQ(output.body_bytes, 5u);
  EXPECT_TRUE(output.keep_alive);
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  EXPECT_NE(head.find("\r\nContent-Length: 5\r\n"), std::string::npos);
  EXPECT_EQ(head.find("999"), std::string::npos);
  EXPECT_EQ(head.find("spoofed"), std::string::npos);
  EXPECT_NE(head.find("\r\nX-Request-Id: rid\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nSet-Cookie: a=1\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nServer: guildhall\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nDate: "), std::string::npos);
  EXPECT_EQ(head.find("Connection:"), std::string::npos);
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n");
}

TEST(ResponseHeadTest, HeadRequestSendsLengthButNoBody) {
  std::string head;
  HeadInput input;
  input.request_id = "r";
  input.head_request = true;
  const HeadOutput output = write_response_head(head, Response::text(200, "12345"), input);
  EXPECT_EQ(output.body_bytes, 0u);
  EXPECT_NE(head.find("Content-Length: 5\r\n"), std::string::npos);
}

TEST(ResponseHeadTest, NoContentAndNotModifiedHaveNoLength) {
  for (int status : {204, 304}) {
    std::string head;
    HeadInput input;
    input.request_id = "r";
    Response response;
    response.status = status;
    response.body = "ignored";
    EXPECT_EQ(write_response_head(head, response, input).body_bytes, 0u);
    EXPECT_EQ(head.find("Content-Length"), std::string::npos) << status;
  }
}

TEST(ResponseHeadTest, ConnectionCloseAndHttp10KeepAlive) {
  std::string head;
  HeadInput input;
  input.request_id = "r";
  input.keep_alive = false;
  EXPECT_FALSE(write_response_head(head, Response::text(200, ""), input).keep_alive);
  EXPECT_NE(head.find("Connection: close\r\n"), std::string::npos);

  head.clear();
  input.keep_alive = true;
  input.http10 = true;
  EXPECT_TRUE(write_response_head(head, Response::text(200, ""), input).keep_alive);
  EXPECT_NE(head.find("Connection: keep-alive\r\n"), std::string::npos);

  head.clear();
  input.http10 = false;
  Response closing = Response::text(200, "");
  closing.headers.add("Connection", "close");
  EXPECT_FALSE(write_response_head(head, closing, input).keep_alive);
  EXPECT_NE(head.find("Connection: close\r\n"), std::string::npos);
}

TEST(ResponseHeadTest, DropsHeadersThatCouldSplitTheResponse) {
  Response response = Response::text(302, "");
  response.headers.add("Location", "/x\r\nSet-Cookie: evil=1");
  response.headers.add("Bad Name", "v");
  response.headers.add("X-Ok", "fine");
  std::string head;
  HeadInput input;
  input.request_id = "r";
  write_response_head(head, response, input);
  EXPECT_EQ(head.find("evil"), std::string::npos);
  EXPECT_EQ(head.find("Bad Name"), std::string::npos);
  EXPECT_NE(head.find("X-Ok: fine\r\n"), std::string::npos);
  EXPECT_EQ(head.rfind("HTTP/1.1 302 Found\r\n", 0), 0u);
}

TEST(ResponseHeadTest, HandlerServerAndDateWin) {
  Response response = Response::text(200, "");
  response.headers.add("Server", "custom");
  response.headers.add("Date", "Thu, 01 Jan 1970 00:00:00 GMT");
  std::string head;
  HeadInput input;
  input.request_id = "r";
  write_response_head(head, response, input);
  EXPECT_EQ(head.find("guildhall"), std::string::npos);
  EXPECT_NE(head.find("Server: custom\r\n"), std::string::npos);
  EXPECT_EQ(head.find("Date: "), head.rfind("Date: "));
}

TEST(AccessLogTest, FormatsOneLogfmtLine) {
  AccessRecord record;
  record.method = "GET";
  record.raw_path = "/c/rust";
  record.status = 200;
  record.duration = std::chrono::microseconds(420);
  record.request_id = "ab12";
  record.remote_addr = "127.0.0.1";
  record.body_bytes = 1234;
  EXPECT_EQ(format_access_line(record),
            "method=GET path=/c/rust status=200 dur_ms=0.42 rid=ab12 ip=127.0.0.1 bytes=1234");
}

TEST(AccessLogTest, QuotesOddValues) {
  AccessRecord record;
  record.raw_path = "/a\"b c\n";
  record.duration = std::chrono::milliseconds(12);
  const std::string line = format_access_line(record);
  EXPECT_NE(line.find(R"(path="/a\"b c\x0a")"), std::string::npos) << line;
  EXPECT_NE(line.find("method=- "), std::string::npos) << line;
  EXPECT_NE(line.find("dur_ms=12.00"), std::string::npos) << line;
  EXPECT_NE(line.find(R"(rid="")"), std::string::npos) << line;
}

}  // namespace
}  // namespace gh::http::detail

#include <gtest/gtest.h>

#include "core/text.hpp"
#include "http/http.hpp"

namespace gh::http {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST(HeadersTest, LookupIgnoresCase) {
  Headers headers;
  headers.add("Content-Type", "text/plain");
  EXPECT_EQ(headers.get("content-type"), "text/plain");
  EXPECT_EQ(headers.get("CONTENT-TYPE"), "text/plain");
  EXPECT_FALSE(headers.get("Content-Length").has_value());
}

TEST(HeadersTest, SetReplacesFirstAndDropsDuplicates) {
  Headers headers;
  headers.add("X-A", "1");
  headers.add("x-a", "2");
  headers.add("Other", "o");
  headers.set("X-a", "3");
  ASSERT_EQ(headers.items().size(), 2u);
  EXPECT_EQ(headers.get("x-a"), "3");
  headers.set("New", "n");
  EXPECT_EQ(headers.get("new"), "n");
}

TEST(FormTest, ParsesPairsWithPlusAndPercent) {
  EXPECT_EQ(parse_form("a=1&b=hello+world&c=%41%42&empty=&flag"),
            (Pairs{{"a", "1"}, {"b", "hello world"}, {"c", "AB"}, {"empty", ""}, {"flag", ""}}));
}

TEST(FormTest, SkipsEmptyPairsAndKeepsOrderAndDuplicates) {
  EXPECT_EQ(parse_form("&&x=1&&x=2&"), (Pairs{{"x", "1"}, {"x", "2"}}));
  EXPECT_TRUE(parse_form("").empty());
}

TEST(FormTest, DecodesNamesAndKeepsEqualsInValues) {
  EXPECT_EQ(parse_form("first+name=J%C3%BCrgen&q=a=b"), (Pairs{{"first name", "Jürgen"}, {"q", "a=b"}}));
}

TEST(FormTest, MalformedPercentEncodingStaysLiteral) {
  EXPECT_EQ(parse_form("a=%zz&b=%4&c=100%&d=%%41"), (Pairs{{"a", "%zz"}, {"b", "%4"}, {"c", "100%"}, {"d", "%A"}}));
}

TEST(FormTest, InvalidUtf8AndNulBecomeReplacementCharacters) {
  const auto fields = parse_form("a=%FF&b=%C3&c=x%00y&d=%ED%A0%80&e=%C0%AF&f=%F0%9F%98%80");
  ASSERT_EQ(fields.size(), 6u);
  EXPECT_EQ(fields[0].second, "\xEF\xBF\xBD");
  EXPECT_EQ(fields[1].second, "\xEF\xBF\xBD");
  EXPECT_EQ(fields[2].second, "x\xEF\xBF\xBDy");
  EXPECT_EQ(fields[3].second, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // A surrogate.
  EXPECT_EQ(fields[4].second, "\xEF\xBF\xBD\xEF\xBF\xBD");              // An overlong '/'.
  EXPECT_EQ(fields[5].second, "\xF0\x9F\x98\x80");                      // A valid emoji survives.
  for (const auto& [name, value] : fields) {
    EXPECT_TRUE(gh::text::is_valid_utf8(value)) << name;
  }
}

TEST(UrlTest, EncodeKeepsUnreservedOnly) {
  EXPECT_EQ(url_encode("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(url_encode("a b/c?d=e&f+g%"), "a%20b%2Fc%3Fd%3De%26f%2Bg%25");
  EXPECT_EQ(url_encode("é"), "%C3%A9");
}

TEST(UrlTest, DecodeIsTheInverseOfEncode) {
  const std::string samples[] = {"", "plain", "a b+c", "100%", "日本語/路径?x=1&y", std::string("nul\0byte", 8)};
  for (const auto& sample : samples) {
    EXPECT_EQ(url_decode(url_encode(sample)), sample);
  }
}

TEST(UrlTest, DecodeKeepsPlusAndMalformedSequences) {
  EXPECT_EQ(url_decode("a+b"), "a+b");
  EXPECT_EQ(url_decode("%41%zz%4"), "A%zz%4");
  EXPECT_EQ(url_decode("%e6%97%a5"), "日");
}

Request request_with_query(std::string query) {
  Request request;
  request.query = std::move(query);
  return request;
}

TEST(RequestTest, QueryParamDecodesFirstOccurrence) {
  const Request request = request_with_query("q=rust+lang&page=2&q=second&na%6De=x&e=");
  EXPECT_EQ(request.query_param("q"), "rust lang");
  EXPECT_EQ(request.query_param("page"), "2");
  EXPECT_EQ(request.query_param("name"), "x");
  EXPECT_EQ(request.query_param("e"), "");
  EXPECT_FALSE(request.query_param("missing").has_value());
  EXPECT_FALSE(request_with_query("").query_param("q").has_value());
}

TEST(RequestTest, CookieParsesHeaderPairs) {
  Request request;
  request.headers.add("Cookie", "theme=dark;  sid=abc123 ; quoted=\"v\"; enc=a%3Bb; broken; =x");
  EXPECT_EQ(request.cookie("sid"), "abc123");
  EXPECT_EQ(request.cookie("theme"), "dark");
  EXPECT_EQ(request.cookie("quoted"), "v");
  EXPECT_EQ(request.cookie("enc"), "a;b");
  EXPECT_FALSE(request.cookie("broken").has_value());
  EXPECT_FALSE(request.cookie("missing").has_value());
}

TEST(RequestTest, CookieLooksAtEveryCookieHeader) {
  Request request;
  request.headers.add("cookie", "a=1");
  request.headers.add("COOKIE", "b=2");
  EXPECT_EQ(request.cookie("b"), "2");
}

TEST(RequestTest, MissingParamThrowsInsteadOfAborting) {
  Request request;
  request.params["slug"] = "rust";
  EXPECT_EQ(request.param("slug"), "rust");
  EXPECT_THROW(request.param("other"), std::logic_error);
}

TEST(ResponseTest, HelpersSetStatusTypeAndLocation) {
  const Response json = Response::json(201, "{}");
  EXPECT_EQ(json.status, 201);
  EXPECT_EQ(json.headers.get("content-type"), "application/json");
  EXPECT_EQ(Response::html(200, "<p>").headers.get("Content-Type"), "text/html; charset=utf-8");
  const Response redirect = Response::redirect("/next");
  EXPECT_EQ(redirect.status, 303);
  EXPECT_EQ(redirect.headers.get("Location"), "/next");
  EXPECT_TRUE(redirect.body.empty());
}

TEST(CookieTest, SetCookieHeaderCarriesAttributes) {
  CookieOptions options;
  options.max_age_seconds = 3600;
  options.secure = true;
  EXPECT_EQ(set_cookie_header("sid", "abc", options), "sid=abc; Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=Lax");
}

TEST(CookieTest, SessionCookieAndDeletion) {
  CookieOptions session;
  session.http_only = false;
  session.same_site = "Strict";
  EXPECT_EQ(set_cookie_header("a", "1", session), "a=1; Path=/; SameSite=Strict");
  CookieOptions remove;
  remove.max_age_seconds = 0;
  remove.same_site = "";
  EXPECT_EQ(set_cookie_header("a", "", remove), "a=; Path=/; Max-Age=0; HttpOnly");
}

TEST(CookieTest, ValuesOutsideCookieOctetsRoundTrip) {
  const std::string value = "a b;c,\"d\\e%f=g\xC3\xA9";
  const std::string header = set_cookie_header("v", value, CookieOptions{});
  const std::string pair = header.substr(0, header.find(';'));
  EXPECT_EQ(pair.find_first_of(" ,\"\\"), std::string::npos) << pair;
  Request request;
  request.headers.add("Cookie", pair);
  EXPECT_EQ(request.cookie("v"), value);
}

TEST(CookieDeathTest, RejectsNonTokenName) {
  EXPECT_DEATH(set_cookie_header("bad name", "x", CookieOptions{}), "token");
}

}  // namespace
}  // namespace gh::http

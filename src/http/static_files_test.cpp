#include <gtest/gtest.h>

#include "http/http.hpp"

namespace gh::http {
namespace {

constexpr std::string_view kCss = "body { color: black; }\n";
constexpr std::string_view kJs = "console.log('hi');\n";

StaticFiles make_files() {
  StaticFiles files;
  files.add("css/app.css", kCss);
  files.add("js/app.js", kJs);
  return files;
}

TEST(StaticFilesTest, ServesBytesWithTypeEtagAndCaching) {
  const StaticFiles files = make_files();
  const auto response = files.serve("css/app.css", Request{});
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, kCss);
  EXPECT_EQ(response->headers.get("Content-Type"), "text/css; charset=utf-8");
  EXPECT_EQ(response->headers.get("Cache-Control"), "public, max-age=3600");
  const auto etag = response->headers.get("ETag");
  ASSERT_TRUE(etag.has_value());
  EXPECT_EQ(etag->size(), 18u);
  EXPECT_EQ(etag->front(), '"');
  EXPECT_EQ(etag->back(), '"');
  EXPECT_EQ(*etag, "\"" + *files.version("css/app.css") + "\"");
}

TEST(StaticFilesTest, EtagDependsOnContentOnly) {
  StaticFiles files;
  files.add("a.txt", "same");
  files.add("b.txt", "same");
  files.add("c.txt", "other");
  EXPECT_EQ(files.version("a.txt"), files.version("b.txt"));
  EXPECT_NE(files.version("a.txt"), files.version("c.txt"));
  EXPECT_FALSE(files.version("missing.txt").has_value());
}

TEST(StaticFilesTest, UnknownNameIsNotFound) {
  const StaticFiles files = make_files();
  EXPECT_FALSE(files.serve("css/missing.css", Request{}).has_value());
  EXPECT_FALSE(files.serve("", Request{}).has_value());
}

TEST(StaticFilesTest, AnswersNotModifiedWhenEtagMatches) {
  const StaticFiles files = make_files();
  const std::string etag = "\"" + *files.version("js/app.js") + "\"";
  const std::string matching[] = {etag, "W/" + etag, "\"other\", " + etag, "\"x\",W/" + etag + " ,\"y\"", "*"};
  for (const auto& value : matching) {
    Request request;
    request.headers.add("If-None-Match", value);
    const auto response = files.serve("js/app.js", request);
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 304) << value;
    EXPECT_TRUE(response->body.empty());
    EXPECT_EQ(response->headers.get("ETag"), etag);
  }
  Request stale;
  stale.headers.add("If-None-Match", "\"0000000000000000\"");
  EXPECT_EQ(files.serve("js/app.js", stale)->status, 200);
}

TEST(StaticFilesTest, TraversalNamesAreNeverFound) {
  StaticFiles files = make_files();
  files.add("secret.txt", "top");
  const std::string names[] = {"../secret.txt",    "css/../secret.txt",
                               "/secret.txt",      "css\\app.css",
                               "css/..\\app.css",  "..",
                               "css/app.css/..",   std::string("secret.txt\0", 11),
                               "./../css/app.css", "//css/app.css"};
  for (const auto& name : names) {
    EXPECT_FALSE(files.serve(name, Request{}).has_value()) << name;
  }
  EXPECT_TRUE(files.serve("secret.txt", Request{}).has_value());
}

TEST(StaticFilesTest, ContentTypeByExtension) {
  const std::pair<std::string, std::string> cases[] = {
      {"a.css", "text/css; charset=utf-8"},
      {"a.js", "text/javascript; charset=utf-8"},
      {"a.mjs", "text/javascript; charset=utf-8"},
      {"a.svg", "image/svg+xml"},
      {"a.png", "image/png"},
      {"a.jpg", "image/jpeg"},
      {"a.JPEG", "image/jpeg"},
      {"a.gif", "image/gif"},
      {"a.webp", "image/webp"},
      {"favicon.ico", "image/x-icon"},
      {"f.woff2", "font/woff2"},
      {"m.json", "application/json"},
      {"robots.txt", "text/plain; charset=utf-8"},
      {"i.html", "text/html; charset=utf-8"},
      {"a.js.map", "application/json"},
      {"noext", "application/octet-stream"},
      {"dir.d/noext", "application/octet-stream"},
      {"a.bin", "application/octet-stream"},
  };
  StaticFiles files;
  for (const auto& [name, type] : cases) {
    files.add(name, "x");
  }
  for (const auto& [name, type] : cases) {
    const auto response = files.serve(name, Request{});
    ASSERT_TRUE(response.has_value()) << name;
    EXPECT_EQ(response->headers.get("Content-Type"), type) << name;
  }
}

TEST(StaticFilesTest, VersionedUrlIsImmutable) {
  const StaticFiles files = make_files();
  Request versioned;
  versioned.query = "v=" + *files.version("css/app.css");
  EXPECT_EQ(files.serve("css/app.css", versioned)->headers.get("Cache-Control"), "public, max-age=31536000, immutable");
  // A stale or foreign version revalidates: the URL is not pinned to these bytes.
  Request stale;
  stale.query = "v=0123456789abcdef";
  EXPECT_EQ(files.serve("css/app.css", stale)->headers.get("Cache-Control"), "public, max-age=3600");
  // Apps that version URLs another way (a build id) ask for it explicitly.
  EXPECT_EQ(files.serve("css/app.css", stale, StaticFiles::Caching::Immutable)->headers.get("Cache-Control"),
            "public, max-age=31536000, immutable");
  EXPECT_EQ(files.serve("css/app.css", versioned, StaticFiles::Caching::Revalidate)->headers.get("Cache-Control"),
            "public, max-age=3600");
}

TEST(StaticFilesDeathTest, AddRefusesUnsafeNames) {
  EXPECT_DEATH(StaticFiles().add("/abs.css", "x"), "static file name");
  EXPECT_DEATH(StaticFiles().add("a/../b.css", "x"), "static file name");
}

}  // namespace
}  // namespace gh::http

#include <gtest/gtest.h>

#include "http/http.hpp"

namespace gh::http {
namespace {

Handler named(std::string name) {
  return [name](Request&) { return Response::text(200, name); };
}

Request make_request(std::string method, std::string path) {
  Request request;
  request.method = std::move(method);
  request.path = std::move(path);
  return request;
}

// The body the matched handler answers, or "" when nothing matched.
std::string matched_name(const Router& router, Request& request) {
  const Router::Match match = router.match(request);
  return match.route ? match.route->handler(request).body : "";
}

TEST(RouterTest, MatchesStaticRoutes) {
  Router router;
  router.add("GET", "/", named("root"));
  router.add("GET", "/about", named("about"));
  router.add("GET", "/c/new", named("new"));
  auto root = make_request("GET", "/");
  auto about = make_request("GET", "/about");
  auto nested = make_request("GET", "/c/new");
  auto missing = make_request("GET", "/nope");
  EXPECT_EQ(matched_name(router, root), "root");
  EXPECT_EQ(matched_name(router, about), "about");
  EXPECT_EQ(matched_name(router, nested), "new");
  EXPECT_EQ(matched_name(router, missing), "");
}

TEST(RouterTest, TrailingSlashIsADifferentPath) {
  Router router;
  router.add("GET", "/about", named("about"));
  auto request = make_request("GET", "/about/");
  const auto match = router.match(request);
  EXPECT_EQ(match.route, nullptr);
  EXPECT_FALSE(match.path_matched);
}

TEST(RouterTest, FillsParameters) {
  Router router;
  router.add("GET", "/c/{slug}/p/{id}", named("post"));
  auto request = make_request("GET", "/c/rust/p/42");
  EXPECT_EQ(matched_name(router, request), "post");
  EXPECT_EQ(request.param("slug"), "rust");
  EXPECT_EQ(request.param("id"), "42");
}

TEST(RouterTest, ParameterNeverMatchesAnEmptySegment) {
  Router router;
  router.add("GET", "/c/{slug}", named("community"));
  auto request = make_request("GET", "/c/");
  EXPECT_EQ(router.match(request).route, nullptr);
}

TEST(RouterTest, StaticSegmentBeatsParameter) {
  Router router;
  router.add("GET", "/c/{slug}", named("param"));
  router.add("GET", "/c/new", named("static"));
  router.add("GET", "/{any}/new", named("late-static"));
  auto fixed = make_request("GET", "/c/new");
  auto other = make_request("GET", "/c/rust");
  auto late = make_request("GET", "/x/new");
  EXPECT_EQ(matched_name(router, fixed), "static");
  EXPECT_EQ(matched_name(router, other), "param");
  EXPECT_EQ(matched_name(router, late), "late-static");
  EXPECT_EQ(other.param("slug"), "rust");
}

TEST(RouterTest, EarlierStaticSegmentWins) {
  Router router;
  router.add("GET", "/{a}/b", named("param-first"));
  router.add("GET", "/x/{c}", named("static-first"));
  auto request = make_request("GET", "/x/b");
  EXPECT_EQ(matched_name(router, request), "static-first");
}

TEST(RouterTest, RestTakesTheRemainder) {
  Router router;
  router.add("GET", "/static/{path...}", named("static"));
  router.add("GET", "/static/app.css", named("exact"));
  auto deep = make_request("GET", "/static/css/site/app.css");
  EXPECT_EQ(matched_name(router, deep), "static");
  EXPECT_EQ(deep.param("path"), "css/site/app.css");
  auto exact = make_request("GET", "/static/app.css");
  EXPECT_EQ(matched_name(router, exact), "exact");
  auto bare = make_request("GET", "/static");
  EXPECT_EQ(matched_name(router, bare), "");
  auto slash = make_request("GET", "/static/");
  EXPECT_EQ(matched_name(router, slash), "static");
  EXPECT_EQ(slash.param("path"), "");
}

TEST(RouterTest, ParameterBeatsRest) {
  Router router;
  router.add("GET", "/f/{rest...}", named("rest"));
  router.add("GET", "/f/{one}", named("one"));
  auto single = make_request("GET", "/f/a");
  auto deeper = make_request("GET", "/f/a/b");
  EXPECT_EQ(matched_name(router, single), "one");
  EXPECT_EQ(matched_name(router, deeper), "rest");
  EXPECT_EQ(deeper.param("rest"), "a/b");
}

TEST(RouterTest, ReportsAllowedMethodsFor405) {
  Router router;
  router.add("GET", "/c/{slug}", named("show"));
  router.add("POST", "/c/{slug}", named("update"));
  router.add("DELETE", "/c/new", named("delete-new"));
  auto request = make_request("PUT", "/c/new");
  const auto match = router.match(request);
  EXPECT_EQ(match.route, nullptr);
  EXPECT_TRUE(match.path_matched);
  EXPECT_EQ(match.allowed_methods, (std::vector<std::string>{"DELETE", "GET", "HEAD", "POST"}));
}

TEST(RouterTest, MethodFallsBackToLessSpecificRoute) {
  Router router;
  router.add("GET", "/users/me", named("me"));
  router.add("POST", "/users/{id}", named("update"));
  auto request = make_request("POST", "/users/me");
  EXPECT_EQ(matched_name(router, request), "update");
  EXPECT_EQ(request.param("id"), "me");
}

TEST(RouterTest, HeadUsesGetRouteUnlessDeclared) {
  Router router;
  router.add("GET", "/a", named("get-a"));
  router.add("GET", "/b", named("get-b"));
  router.add("HEAD", "/b", named("head-b"));
  auto head_a = make_request("HEAD", "/a");
  auto head_b = make_request("HEAD", "/b");
  EXPECT_EQ(matched_name(router, head_a), "get-a");
  EXPECT_EQ(matched_name(router, head_b), "head-b");
}

TEST(RouterTest, MatchesDecodedSegments) {
  // The server percent-decodes request.path before routing.
  Router router;
  router.add("GET", "/c/café", named("static"));
  router.add("GET", "/t/{tag}", named("tag"));
  auto accent = make_request("GET", "/c/café");
  auto tag = make_request("GET", "/t/c++ & more");
  EXPECT_EQ(matched_name(router, accent), "static");
  EXPECT_EQ(matched_name(router, tag), "tag");
  EXPECT_EQ(tag.param("tag"), "c++ & more");
}

TEST(RouterTest, NoRoutesAndOddPaths) {
  Router empty;
  auto request = make_request("GET", "/");
  EXPECT_FALSE(empty.match(request).path_matched);
  Router router;
  router.add("GET", "/a", named("a"));
  auto relative = make_request("GET", "a");
  auto blank = make_request("GET", "");
  EXPECT_EQ(router.match(relative).route, nullptr);
  EXPECT_EQ(router.match(blank).route, nullptr);
}

TEST(RouterTest, KeepsRoutesInAddOrder) {
  Router router;
  router.add("GET", "/b/{x}", named("1"));
  router.add("GET", "/a", named("2"));
  ASSERT_EQ(router.routes().size(), 2u);
  EXPECT_EQ(router.routes()[0].pattern, "/b/{x}");
  EXPECT_EQ(router.routes()[1].pattern, "/a");
}

TEST(RouterDeathTest, RefusesBadPatterns) {
  EXPECT_DEATH(Router().add("GET", "no-slash", named("x")), "start with");
  EXPECT_DEATH(Router().add("GET", "/{rest...}/x", named("x")), "last segment");
  EXPECT_DEATH(Router().add("GET", "/{a}/{a}", named("x")), "duplicate route parameter");
  EXPECT_DEATH(
      {
        Router router;
        router.add("GET", "/c/{slug}", named("x"));
        router.add("GET", "/c/{other}", named("y"));
      },
      "duplicate route");
}

}  // namespace
}  // namespace gh::http

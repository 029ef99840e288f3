// Helpers shared by every door file: JSON bodies, responses, cookies, pagination parameters.
#include <charconv>

#include "web/json.hpp"
#include "web/routes.hpp"

namespace gh::web {

void set_session_cookie(const Context& ctx, http::Response& response, const std::string& token) {
  http::CookieOptions options;
  options.secure = ctx.secure;
  options.max_age_seconds = 30LL * 24 * 3600;
  response.headers.add("Set-Cookie", http::set_cookie_header("gh_session", token, options));
}

void clear_session_cookie(const Context& ctx, http::Response& response) {
  http::CookieOptions options;
  options.secure = ctx.secure;
  options.max_age_seconds = 0;
  response.headers.add("Set-Cookie", http::set_cookie_header("gh_session", "", options));
}

JsonInput json_body(const Context& ctx) {
  const auto content_type = ctx.request.header("Content-Type").value_or("");
  if (content_type.find("application/json") == std::string_view::npos) {
    throw invalid("request.json_required", "Send the body as application/json.");
  }
  return take(JsonInput::parse(ctx.request.body));
}

void check(const JsonInput& in) {
  if (in.error()) {
    throw *in.error();
  }
}

http::Response json_response(int status, const boost::json::object& body) {
  return http::Response::json(status, boost::json::serialize(body));
}

int limit_param(const http::Request& request, int fallback) {
  auto text = request.query_param("limit");
  if (!text) {
    return fallback;
  }
  int value = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || ptr != text->data() + text->size()) {
    throw invalid("pagination.invalid_limit", "limit is an integer.", "limit");
  }
  return value;
}

int64_t id_param(const http::Request& request) {
  const auto& text = request.param("id");
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value <= 0) {
    throw not_found("http.not_found", "Nothing lives at this address.");
  }
  return value;
}

boost::json::value cursor_json(const std::optional<std::string>& cursor) {
  return cursor ? boost::json::value(*cursor) : boost::json::value(nullptr);
}

}  // namespace gh::web

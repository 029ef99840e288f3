#include "web/errors.hpp"

#include <boost/json.hpp>

#include "web/pages.hpp"

namespace gh::web {

int status_of(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Invalid: return 400;
    case ErrorKind::Unauthenticated: return 401;
    case ErrorKind::Forbidden: return 403;
    case ErrorKind::NotFound: return 404;
    case ErrorKind::Conflict: return 409;
    case ErrorKind::PaymentRequired: return 402;
    case ErrorKind::TooLarge: return 413;
    case ErrorKind::RateLimited: return 429;
    case ErrorKind::Unavailable: return 503;
    case ErrorKind::BadGateway: return 502;
    case ErrorKind::Internal: return 500;
  }
  return 500;
}

http::Response api_error(const Error& error) {
  boost::json::object fields;
  for (const auto& [field, code] : error.fields) {
    fields[field] = code;
  }
  boost::json::object body{
      {"error", boost::json::object{{"code", error.code}, {"message", error.message}, {"fields", std::move(fields)}}}};
  auto response = http::Response::json(status_of(error.kind), boost::json::serialize(body));
  if (error.kind == ErrorKind::RateLimited) {
    response.headers.set("Retry-After", std::to_string(std::max(1, error.retry_after_seconds)));
  }
  return response;
}

http::Response page_error(Context& ctx, Services& services, const Error& error) {
  auto response = render_error_page(ctx, services, status_of(error.kind), error);
  if (error.kind == ErrorKind::RateLimited) {
    response.headers.set("Retry-After", std::to_string(std::max(1, error.retry_after_seconds)));
  }
  return response;
}

}  // namespace gh::web

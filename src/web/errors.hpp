// The ONE mapping from an Error to an HTTP status, a JSON error body and an error page.
#pragma once

#include "core/error.hpp"
#include "http/http.hpp"
#include "web/web.hpp"

namespace gh::web {

int status_of(ErrorKind kind);
// {"error":{"code","message","fields":{...}}}, with Retry-After for RateLimited.
http::Response api_error(const Error& error);
// A full page in the viewer's language explaining the error.
http::Response page_error(Context& ctx, Services& services, const Error& error);

}  // namespace gh::web

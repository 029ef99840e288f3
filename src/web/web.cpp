#include "web/web.hpp"

#include <sodium.h>

#include "core/text.hpp"
#include "web/errors.hpp"
#include "web/routes.hpp"

namespace gh::web {
namespace {

constexpr std::string_view kSessionCookie = "gh_session";
constexpr std::string_view kCsrfCookie = "gh_csrf";
constexpr std::string_view kLangCookie = "gh_lang";

bool is_state_changing(std::string_view method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

bool equal_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && !a.empty() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string form_field(const http::Request& request, std::string_view name) {
  const auto content_type = request.header("Content-Type").value_or("");
  if (content_type.find("application/x-www-form-urlencoded") == std::string_view::npos) {
    return {};
  }
  for (auto& [k, v] : http::parse_form(request.body)) {
    if (k == name) {
      return v;
    }
  }
  return {};
}

// Stands in for the visitor's CSRF token in cached pages; replaced on the way out.
constexpr std::string_view kCsrfPlaceholder = "gh-csrf-placeholder-7f3a9c";

void replace_all(std::string& text, std::string_view from, std::string_view to) {
  for (size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
}

}  // namespace

WebApp::WebApp(Services services) : services_(std::move(services)), page_cache_(services_.clock, 2000, 20000) {
  register_identity_routes(*this);
  register_community_routes(*this);
  register_content_routes(*this);
  register_billing_routes(*this);
  register_books_routes(*this);
  register_offer_routes(*this);
  register_page_routes(*this);
  register_refund_routes(*this);
  register_webhook_routes(*this);
  register_mail_routes(*this);
  register_qa_routes(*this);
  register_engage_routes(*this);
  register_moderation_routes(*this);
  register_learn_routes(*this);
  register_feedback_routes(*this);
  register_notify_routes(*this);
  register_expert_routes(*this);
  register_event_routes(*this);
  register_files_routes(*this);
}

void WebApp::route(Door door, std::string method, std::string pattern, Auth auth, Handler handler, Caching caching) {
  router_.add(std::move(method), std::move(pattern),
              [this, door, auth, handler = std::move(handler), caching = std::move(caching)](http::Request& request) {
                return run(door, auth, handler, caching, request);
              });
}

uint64_t WebApp::spool_limit(std::string_view method, std::string_view path) const {
  return upload_spool_limit(services_, method, path);
}

std::optional<http::Response> WebApp::admit_spooled(http::Request& head) {
  bool admitted = false;
  auto response = run(
      Door::Api, Auth::Required,
      [&](Context& ctx) {
        take(admit_upload(ctx, services_));
        admitted = true;
        return http::Response{};
      },
      {}, head);
  if (admitted) {
    return std::nullopt;
  }
  return response;
}

void WebApp::raw_route(std::string method, std::string pattern, http::Handler handler) {
  router_.add(std::move(method), std::move(pattern), std::move(handler));
}

http::Response WebApp::handle(http::Request& request) {
  auto match = router_.match(request);
  if (match.route) {
    auto response = match.route->handler(request);
    if (request.method == "HEAD") {
      response.body.clear();
    }
    return response;
  }
  const bool api = request.path.rfind("/api/", 0) == 0;
  if (match.path_matched) {
    std::string allow;
    for (const auto& m : match.allowed_methods) {
      allow += (allow.empty() ? "" : ", ") + m;
    }
    auto response = api ? api_error(Error{ErrorKind::Invalid, "http.method_not_allowed", "Method not allowed.", {}, 0})
                        : http::Response::text(405, "Method not allowed.\n");
    response.status = 405;
    response.headers.set("Allow", allow);
    return response;
  }
  const auto not_found_error = not_found("http.not_found", "Nothing lives at this address.");
  if (api) {
    return api_error(not_found_error);
  }
  return run(
      Door::Page, Auth::Optional, [&](Context&) -> http::Response { throw not_found_error; }, {}, request);
}

http::Response WebApp::run(Door door, Auth auth, const Handler& handler, const Caching& caching,
                           http::Request& request) {
  Context ctx{request};
  ctx.client_ip = request.remote_addr;
  ctx.secure = services_.config.public_url.rfind("https://", 0) == 0;
  if (services_.config.trust_proxy) {
    if (auto forwarded = request.header("X-Forwarded-For")) {
      ctx.client_ip = text::trim(forwarded->substr(0, forwarded->find(',')));
    }
    if (request.header("X-Forwarded-Proto").value_or("") == "https") {
      ctx.secure = true;
    }
  }

  // Who is asking: a Bearer token (API clients) or the session cookie (browsers).
  if (auto authorization = request.header("Authorization")) {
    if (authorization->rfind("Bearer ", 0) == 0) {
      ctx.user = services_.identity.find_user_by_api_token(text::trim(authorization->substr(7)));
      if (!ctx.user) {
        auto error = unauthenticated("auth.invalid_token", "This API token is not valid.");
        return door == Door::Api ? api_error(error) : page_error(ctx, services_, error);
      }
      ctx.via_token = true;
    }
  }
  if (!ctx.via_token) {
    if (auto token = request.cookie(kSessionCookie)) {
      if (auto session = services_.identity.find_session(*token)) {
        ctx.user = session->user;
        ctx.session_token = *token;
        ctx.csrf_token = session->csrf_token;
      }
    }
    if (!ctx.user) {
      // Anonymous forms (sign-up, log-in) use a double-submit cookie.
      auto cookie = request.cookie(kCsrfCookie);
      if (cookie && cookie->size() >= 32 && cookie->size() <= 64) {
        ctx.csrf_token = *cookie;
      } else {
        ctx.csrf_token = identity::random_token();
        ctx.new_csrf_cookie = true;
      }
    }
  }

  // Language: the switch's cookie, then Accept-Language.
  ctx.lang = render::I18n::negotiate(request.header("Accept-Language").value_or(""),
                                     request.cookie(kLangCookie).value_or(""), services_.i18n.languages());

  if (auto theme = request.cookie("gh_theme"); theme && (*theme == "dark" || *theme == "light")) {
    ctx.theme = *theme;
  }

  auto fail = [&](const Error& error) {
    auto response = door == Door::Api ? api_error(error) : page_error(ctx, services_, error);
    finish_response(ctx, services_, response);
    return response;
  };

  // CSRF. Pages: every state-changing form carries the token (form field or X-CSRF-Token).
  // API: a browser can send a cross-site request with our cookies only as a "simple" request
  // (POST with a form or text/plain body); JSON bodies and other methods need a CORS preflight
  // that we never grant. So API writes need the token only when they look simple. Bearer
  // requests carry no ambient credentials and need nothing.
  if (is_state_changing(request.method) && !ctx.via_token) {
    bool needs_token = door == Door::Page;
    if (door == Door::Api) {
      const auto content_type = request.header("Content-Type").value_or("");
      const bool json = content_type.find("application/json") != std::string_view::npos;
      needs_token = request.method == "POST" && !json;
    }
    if (needs_token) {
      const auto header_token = request.header("X-CSRF-Token");
      const std::string sent = header_token ? std::string(*header_token) : form_field(request, "_csrf");
      if (ctx.new_csrf_cookie || !equal_secret(sent, ctx.csrf_token)) {
        return fail(forbidden("auth.csrf", "This form has expired or did not come from this site. Reload and retry."));
      }
    }
  }

  if (auth == Auth::Required && !ctx.user) {
    if (door == Door::Page) {
      auto response = http::Response::redirect("/login?next=" + http::url_encode(request.target));
      finish_response(ctx, services_, response);
      return response;
    }
    return fail(unauthenticated());
  }

  const bool shared = caching.anonymous && request.method == "GET" && !ctx.user && !ctx.via_token;
  http::Response response;
  std::string cache_key;
  std::optional<http::Response> hit;
  if (shared) {
    cache_key = ctx.lang + ' ' + ctx.theme + ' ' + request.target;
    hit = page_cache_.find(cache_key);
  }
  if (hit) {
    response = std::move(*hit);
    if (caching.on_hit) {
      caching.on_hit(request);
    }
  } else {
    const std::string visitor_token = ctx.csrf_token;
    if (shared) {
      ctx.csrf_token = kCsrfPlaceholder;
    }
    try {
      response = handler(ctx);
    } catch (const Error& error) {
      if (is_state_changing(request.method)) {
        page_cache_.bump();
      }
      return fail(error);
    }
    if (shared) {
      ctx.csrf_token = visitor_token;
      if (response.status == 200) {
        page_cache_.store(cache_key, response);
      }
    }
  }
  if (shared) {
    // Only a page with a form needs the visitor's token (and so, perhaps, a new cookie).
    if (response.body.find(kCsrfPlaceholder) == std::string::npos) {
      ctx.new_csrf_cookie = false;
    } else {
      replace_all(response.body, kCsrfPlaceholder, ctx.csrf_token);
    }
  }
  if (is_state_changing(request.method)) {
    page_cache_.bump();
  }
  finish_response(ctx, services_, response);
  return response;
}

void finish_response(const Context& ctx, const Services& services, http::Response& response) {
  (void)services;
  if (ctx.new_csrf_cookie) {
    http::CookieOptions options;
    options.secure = ctx.secure;
    options.max_age_seconds = 24 * 3600;
    response.headers.add("Set-Cookie", http::set_cookie_header(kCsrfCookie, ctx.csrf_token, options));
  }
  if (!response.headers.get("Content-Security-Policy")) {
    response.headers.set("Content-Security-Policy",
                         "default-src 'self'; img-src 'self' https: data:; style-src 'self'; script-src 'self'; "
                         "frame-src https://www.youtube-nocookie.com https://player.vimeo.com "
                         "https://player.bilibili.com; object-src 'none'; base-uri 'none'; form-action 'self'; "
                         "frame-ancestors 'none'");
    response.headers.set("X-Content-Type-Options", "nosniff");
    response.headers.set("Referrer-Policy", "same-origin");
  }
  if (!response.headers.get("Cache-Control")) {
    // Pages embed the viewer's CSRF token and, when signed in, their own view: never shared.
    response.headers.set("Cache-Control", ctx.user ? "private, no-store" : "private, no-cache");
  }
}

}  // namespace gh::web

// gh::web: the doors. Each handler parses a request, calls one service, and renders a page or
// JSON. Nothing here decides a business rule: services do, and access/ decides who sees what.
//
// WebApp owns the route table and the request pipeline (viewer from session or API token,
// CSRF check, language), and maps errors to responses in one place (errors.cpp).
// Constructed once at boot by app/; handle() is thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "billing/books.hpp"
#include "billing/checkout.hpp"
#include "billing/codes.hpp"
#include "billing/offers.hpp"
#include "billing/refunds.hpp"
#include "billing/stripe_events.hpp"
#include "billing/tiers.hpp"
#include "community/community.hpp"
#include "content/content.hpp"
#include "content/qa.hpp"
#include "content/tag_follows.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "engage/challenges.hpp"
#include "engage/engagement.hpp"
#include "events/events.hpp"
#include "expert/expert.hpp"
#include "files/files.hpp"
#include "http/http.hpp"
#include "identity/identity.hpp"
#include "learn/courses.hpp"
#include "mail/mailer.hpp"
#include "moderation/disputes.hpp"
#include "moderation/feedback.hpp"
#include "moderation/moderation.hpp"
#include "moderation/surveys.hpp"
#include "notify/hub.hpp"
#include "notify/notifications.hpp"
#include "render/i18n.hpp"
#include "render/templates.hpp"
#include "web/page_cache.hpp"

namespace gh::web {

struct Config {
  std::string site_name = "Guildhall";
  std::string public_url;    // "https://guild.example.com": cookies get Secure when https.
  bool trust_proxy = false;  // Honour X-Forwarded-For / X-Forwarded-Proto from a proxy.
};

struct Services {
  db::Database& db;
  const Clock& clock;
  identity::Identity& identity;
  community::Communities& communities;
  content::Posts& posts;
  billing::Tiers& tiers;
  billing::Checkouts& checkouts;
  billing::Books& books;
  billing::Offers& offers;
  billing::Codes& codes;
  billing::Refunds& refunds;
  billing::StripeEvents& stripe_events;
  mail::Mailer& mailer;
  content::Questions& questions;
  engage::Engagement& engagement;
  engage::Challenges& challenges;
  moderation::Moderation& moderation;
  moderation::Feedback& feedback;
  moderation::Surveys& surveys;
  moderation::Disputes& disputes;
  const render::TemplateRegistry& templates;
  const render::I18n& i18n;
  http::StaticFiles& static_files;
  Config config;
  notify::Notifications& notifications;
  content::TagFollows& tag_follows;
  notify::Hub& hub;          // Live delivery (GET /ws subscribes; producers publish via db::Tx::notify).
  expert::Experts& experts;  // Paid questions to an expert.
  learn::Courses& courses;   // Courses, lessons, quizzes, certificates, cohorts.
  events::Events& events;    // Events, tickets, waitlists, check-in, calendars.
  files::Files& files;       // Stored files, signed media links.
};

// What a handler knows about the request beyond its bytes.
struct Context {
  http::Request& request;
  std::optional<identity::User> user;
  bool via_token = false;     // Authenticated by Authorization: Bearer.
  std::string session_token;  // When authenticated by the session cookie.
  std::string csrf_token;     // To embed in forms.
  bool new_csrf_cookie = false;
  std::string lang = "en";
  std::string theme;  // "dark", "light" or "" (follow the system), from the gh_theme cookie.
  std::string client_ip;
  bool secure = false;  // The client reached us over HTTPS.

  std::optional<UserId> user_id() const { return user ? std::optional<UserId>(user->id) : std::nullopt; }
};

using Handler = std::function<http::Response(Context&)>;

enum class Door { Page, Api };
enum class Auth { Optional, Required };

// Whether anonymous viewers may share a rendered page (see PageCache), and what must still
// happen on a cache hit (counting a view).
struct Caching {
  bool anonymous = false;
  std::function<void(const http::Request&)> on_hit;
};

class WebApp {
 public:
  explicit WebApp(Services services);
  http::Response handle(http::Request& request);
  const http::Router& router() const { return router_; }

  // Registration, used by the register_* functions of each capability's file.
  void route(Door door, std::string method, std::string pattern, Auth auth, Handler handler, Caching caching = {});
  // A route outside the viewer pipeline (no session lookup, no CSRF, no cookies): static
  // files and health checks, which must stay cheap and cacheable.
  void raw_route(std::string method, std::string pattern, http::Handler handler);

  Services& services() { return services_; }
  // For http::ServerOptions::spool_limit: the upload route's body goes to disk, with the
  // files' size limit; every other request gets 0 (in memory, the server's body_limit).
  uint64_t spool_limit(std::string_view method, std::string_view path) const;
  // For http::ServerOptions::spool_admit: runs the viewer pipeline (token or session, CSRF,
  // sign-in) and the upload route's permission check on the head alone; the refusal to send,
  // or nullopt to read the body.
  std::optional<http::Response> admit_spooled(http::Request& head);

 private:
  http::Response run(Door door, Auth auth, const Handler& handler, const Caching& caching, http::Request& request);

  Services services_;
  http::Router router_;
  PageCache page_cache_;
};

// Sets the cookies a response must carry for this context (CSRF for anonymous forms).
void finish_response(const Context& ctx, const Services& services, http::Response& response);

}  // namespace gh::web

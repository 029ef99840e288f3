#include "app/app.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

#include "app/config.hpp"
#include "app/demo.hpp"
#include "billing/books.hpp"
#include "content/digest_source.hpp"
#include "core/embedded.hpp"
#include "engage/points.hpp"
#include "events/events.hpp"
#include "events/ticket_product.hpp"
#include "expert/expert.hpp"
#include "files/files.hpp"
#include "learn/course_product.hpp"
#include "learn/courses.hpp"
#include "ledger/ledger.hpp"
#include "mail/mailer.hpp"
#include "mail/preferences.hpp"
#include "mail/worker.hpp"
#include "notify/hub.hpp"
#include "notify/notifications.hpp"
#include "web/web.hpp"

namespace gh::app {
namespace {

constexpr const char* kUsage =
    "Guildhall: paid knowledge communities for programmers.\n\n"
    "Usage: guildhall <command> [options]\n\n"
    "Commands:\n"
    "  serve     Run the web server (migrates the database first).\n"
    "  migrate   Apply database migrations and exit.\n"
    "  demo      Fill the database with demo data.\n"
    "  routes    Print the route table.\n"
    "  ledger    'ledger check': verify the books.\n\n"
    "Run 'guildhall <command> --help' for a command's options.\n";

constexpr const char* kCommonOptions =
    "  --database URL        sqlite:PATH (default sqlite:data/guildhall.db) or postgresql://...\n"
    "  --config PATH         Optional config file of 'key = value' lines (same keys as the flags).\n"
    "Every option may also come from the environment as GUILDHALL_<NAME> (e.g. GUILDHALL_DATABASE);\n"
    "flags win over the environment, which wins over the config file.\n";

constexpr const char* kServeUsage =
    "Usage: guildhall serve [options]\n\n"
    "  --listen HOST:PORT    Address to listen on (default 127.0.0.1:8080; port 0 picks a free one).\n"
    "  --threads N           I/O threads (default: one per core).\n"
    "  --public-url URL      The URL users reach (https:// makes cookies Secure).\n"
    "  --trust-proxy         Honour X-Forwarded-For / X-Forwarded-Proto from a reverse proxy.\n"
    "  --default-currency C  Currency for new communities (default CNY).\n"
    "  --platform-fee-bps N  The platform's share of each payment, in basis points (default 500).\n"
    "  --refund-window-hours N  How long buyers may refund their own payments (default 72).\n"
    "  --new-account-hours N    Accounts younger than this are new (default 24); 0 for any limit turns it off.\n"
    "  --new-account-posts-per-hour N     Posts per hour by a new account (default 3).\n"
    "  --new-account-comments-per-hour N  Comments per hour by a new account (default 10).\n"
    "  --new-account-max-links N  Links in one post or comment of a new account (default 2).\n"
    "  --posts-per-hour N       Posts per hour by older accounts (default 20).\n"
    "  --comments-per-hour N    Comments per hour by older accounts (default 120).\n"
    "  --stripe-secret-key K      Stripe secret key (sk_...): enables card payments through Stripe.\n"
    "  --stripe-webhook-secret S  Signing secret (whsec_...) of the endpoint POST /webhooks/stripe.\n"
    "  --stripe-api-base URL      Stripe's API (default https://api.stripe.com).\n"
    "  --smtp-url URL        SMTP server for e-mail: smtp://host:587 (STARTTLS when offered) or\n"
    "                        smtps://host:465; without it no e-mail is sent.\n"
    "  --smtp-user U         SMTP login (or GUILDHALL_SMTP_USER).\n"
    "  --smtp-password P     SMTP password (or GUILDHALL_SMTP_PASSWORD).\n"
    "  --smtp-starttls       Require STARTTLS on smtp:// (never send in clear text).\n"
    "  --mail-from ADDR      Sender, e.g. 'Guildhall <noreply@guild.example>' (needed with --smtp-url).\n"
    "  --mail-poll-ms N      How often the mail worker looks for due mail and digests (default 5000).\n"
    "  --mail-retry-base-ms N  Wait after a failed delivery, doubling per attempt (default 60000).\n"
    "  --mail-max-attempts N Attempts before a message is given up (default 8).\n"
    "  --data-dir PATH       Where uploaded files are kept (default: the SQLite database's folder,\n"
    "                        else ./data); files go to PATH/files/.\n"
    "  --max-upload-mb N     Largest file upload in MiB (default 512).\n"
    "  --demo-if-empty       Fill an empty database with demo data first.\n"
    "  --access-log BOOL     One log line per request (default true).\n";

constexpr const char* kRoutesUsage = "Usage: guildhall routes\n\nPrints every route as 'METHOD PATTERN'.\n\n";

constexpr const char* kLedgerUsage =
    "Usage: guildhall ledger check [options]\n\n"
    "Verifies that every ledger transaction balances per currency, that reversals negate their\n"
    "originals, and that each community's income matches its revenue accounts; then that the\n"
    "books match the payments and memberships: every payment booked with its amount and fee,\n"
    "refunds netting to zero, each clearing account holding exactly the payments not refunded,\n"
    "no access left from a refund; and that each member's points balance is the sum of its\n"
    "entries. Exits 1 on any difference.\n\n";

constexpr const char* kMigrateUsage = "Usage: guildhall migrate [options]\n\n";

constexpr const char* kDemoUsage =
    "Usage: guildhall demo [options]\n\n"
    "  --communities N       Communities to create (default 12).\n"
    "  --users N             Users to create (default 200); all share the password 'guildhall-demo'.\n"
    "  --posts N             Posts to create (default 2000).\n"
    "  --quiet               No progress bar.\n";

std::vector<db::Migration> embedded_migrations() {
  std::vector<db::Migration> out;
  for (const auto& file : embedded::migrations()) {
    out.push_back(db::Migration{std::string(file.name), std::string(file.bytes)});
  }
  return out;
}

std::unique_ptr<db::Database> open_database(const Config& config) {
  const auto url = config.get_or("database", "sqlite:data/guildhall.db");
  if (url.rfind("sqlite:", 0) == 0 && url != "sqlite::memory:") {
    const std::filesystem::path path = url.substr(7);
    if (path.has_parent_path()) {
      std::filesystem::create_directories(path.parent_path());
    }
  }
  return db::Database::open({url, 16, 5000});
}

void apply_migrations(db::Database& db) {
  const auto applied = db::migrate(db, embedded_migrations());
  for (const auto& name : applied) {
    spdlog::info("migrated: {}", name);
  }
}

int print_error(const Error& error) {
  std::fprintf(stderr, "guildhall: %s\n", error.message.c_str());
  return 2;
}

// The platform's share of each payment in basis points (--platform-fee-bps, default 500 = 5%).
int64_t platform_fee_bps(const Config& config) {
  auto bps = config.integer("platform-fee-bps", 500);
  if (!bps || *bps < 0 || *bps > 10'000) {
    throw std::runtime_error("--platform-fee-bps is an integer from 0 to 10000");
  }
  return *bps;
}

// How long a buyer may refund their own payment (--refund-window-hours, default 72).
int64_t refund_window_hours(const Config& config) {
  auto hours = config.integer("refund-window-hours", 72);
  if (!hours || *hours < 0 || *hours > 24 * 366) {
    throw std::runtime_error("--refund-window-hours is an integer from 0 to 8784");
  }
  return *hours;
}

// Spam limits by account age (src/access/README.md); each has a flag, 0 turns it off.
access::ContributionLimits contribution_limits(const Config& config) {
  auto limits = access::ContributionLimits::defaults();
  const std::pair<const char*, int64_t*> flags[] = {
      {"new-account-hours", &limits.new_account_hours},
      {"new-account-posts-per-hour", &limits.new_posts_per_hour},
      {"new-account-comments-per-hour", &limits.new_comments_per_hour},
      {"new-account-max-links", &limits.new_max_links},
      {"posts-per-hour", &limits.posts_per_hour},
      {"comments-per-hour", &limits.comments_per_hour},
  };
  for (const auto& [name, value] : flags) {
    auto n = config.integer(name, *value);
    if (!n || *n < 0 || *n > 1'000'000) {
      throw std::runtime_error(std::string("--") + name + " is an integer from 0 to 1000000");
    }
    *value = *n;
  }
  return limits;
}

billing::StripeConfig stripe_config(const Config& config) {
  billing::StripeConfig stripe;
  stripe.api_base = config.get_or("stripe-api-base", stripe.api_base);
  stripe.secret_key = config.get_or("stripe-secret-key", "");
  stripe.webhook_secret = config.get_or("stripe-webhook-secret", "");
  return stripe;
}

// Mail settings (--smtp-url, --mail-from...): without an SMTP server the mailer is disabled.
mail::Options mail_options(const Config& config) {
  mail::Options options;
  options.enabled = !config.get_or("smtp-url", "").empty();
  if (options.enabled) {
    const auto from = config.get_or("mail-from", "");
    options.from = mail::parse_address(from);
    if (from.empty() || options.from.email.find('@') == std::string::npos) {
      throw std::runtime_error("--mail-from 'Name <address>' is needed with --smtp-url");
    }
  }
  options.base_url = config.get_or("public-url", "");
  while (!options.base_url.empty() && options.base_url.back() == '/') {
    options.base_url.pop_back();
  }
  return options;
}

mail::WorkerOptions mail_worker_options(const Config& config) {
  mail::WorkerOptions options;
  auto poll = config.integer("mail-poll-ms", options.poll_ms);
  auto base = config.integer("mail-retry-base-ms", options.retry.base_ms);
  auto attempts = config.integer("mail-max-attempts", options.retry.max_attempts);
  if (!poll || *poll < 10 || !base || *base < 1 || !attempts || *attempts < 1 || *attempts > 100) {
    throw std::runtime_error(
        "--mail-poll-ms (>= 10), --mail-retry-base-ms (>= 1) and --mail-max-attempts (1-100)"
        " are integers");
  }
  options.poll_ms = *poll;
  options.retry.base_ms = *base;
  options.retry.max_attempts = static_cast<int>(*attempts);
  return options;
}

// Where uploaded files live: --data-dir, else the folder of a SQLite database file, else ./data;
// and the upload limit (--max-upload-mb, default 512).
files::Options files_options(const Config& config) {
  files::Options options;
  const auto url = config.get_or("database", "sqlite:data/guildhall.db");
  std::string fallback = "data";
  if (url.rfind("sqlite:", 0) == 0 && url != "sqlite::memory:") {
    const std::filesystem::path path = url.substr(7);
    fallback = path.has_parent_path() ? path.parent_path().string() : ".";
  }
  options.data_dir = config.get_or("data-dir", fallback);
  auto megabytes = config.integer("max-upload-mb", 512);
  if (!megabytes || *megabytes < 1 || *megabytes > 1024 * 1024) {
    throw std::runtime_error("--max-upload-mb is a whole number of MiB from 1 to 1048576");
  }
  options.max_upload_bytes = static_cast<int64_t>(*megabytes) * 1024 * 1024;
  return options;
}

// Every long-lived object of a running server, built once in dependency order.
struct Runtime {
  explicit Runtime(const Config& config)
      : db(open_database(config)),
        identity(*db, clock, {}),
        communities(*db, clock, {config.get_or("default-currency", "CNY")}),
        posts(*db, clock, contribution_limits(config)),
        tiers(*db, clock),
        stripe(stripe_config(config)),
        checkouts(*db, clock, communities, billing::CheckoutOptions{platform_fee_bps(config), &stripe, &catalog}),
        books(*db, clock),
        offers(*db, clock, communities, tiers),
        codes(*db, clock, communities, tiers),
        refunds(*db, clock, billing::RefundOptions{refund_window_hours(config), &stripe, &catalog}),
        stripe_events(*db, clock, checkouts, refunds, stripe.config().webhook_secret),
        questions(*db, clock, posts),
        engagement(*db, clock),
        challenges(*db, clock),
        moderation(*db, clock, posts),
        feedback(*db, clock),
        surveys(*db, clock),
        disputes(*db, clock, refunds),
        notifications(*db, clock),
        tag_follows(*db, clock),
        events(*db, clock, communities, checkouts, events_options),
        ticket_product(events_options),
        i18n(load_i18n()),
        templates(embedded::templates(), i18n),
        mailer(*db, clock, templates, i18n, mail_options(config)),
        missed_posts(*db, posts),
        experts(*db, clock, checkouts, refunds, posts, questions),
        courses(*db, clock),
        course_product(communities),
        files(*db, clock, files_options(config)) {
    // Products sold through billing's checkout by the layers above it.
    catalog.add(std::string(expert::kProductKind), question_product);
    catalog.add("course", course_product);
    catalog.add("ticket", ticket_product);
    for (const auto& f : embedded::static_files()) {
      static_files.add(std::string(f.name), f.bytes);
    }
    web::Config web_config;
    web_config.public_url = config.get_or("public-url", "");
    web_config.trust_proxy = config.flag("trust-proxy");
    // Messages of committed transactions (db::Tx::notify) go to the live-delivery hub.
    db->set_notify_listener(
        [this](std::string_view channel, std::string_view payload) { hub.publish(channel, std::string(payload)); });
    // PostgreSQL: through LISTEN/NOTIFY, so that every app node's pages hear every node's commits.
    if (db->broadcast_notifications()) {
      spdlog::info("live delivery: PostgreSQL LISTEN/NOTIFY");
    }
    // Notifications also go out by e-mail to members who want that kind (their mail preferences).
    notify::set_delivery([this](db::Tx& tx, const notify::Notification& n) { email_notice(tx, n); });
    web = std::make_unique<web::WebApp>(web::Services{
        *db,           clock,       identity, communities,   posts,     tiers,     checkouts,    books,
        offers,        codes,       refunds,  stripe_events, mailer,    questions, engagement,   challenges,
        moderation,    feedback,    surveys,  disputes,      templates, i18n,      static_files, web_config,
        notifications, tag_follows, hub,      experts,       courses,   events,    files});
  }

  ~Runtime() { notify::set_delivery({}); }  // Nothing may call into a gone Runtime.
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // The mail preference kind a notification belongs to ("" for kinds not sent by e-mail).
  static std::string mail_kind_of(std::string_view kind) {
    if (kind == notify::kReplyToPost || kind == notify::kReplyToComment) {
      return "replies";
    }
    if (kind == notify::kMention) {
      return "mentions";
    }
    if (kind == "answer_accepted") {
      return "answers";
    }
    if (kind == expert::kNotifyAsked || kind == expert::kNotifyAnswered) {
      return "answers";
    }
    // A paid question's refund is e-mailed once, as the payment's refund (payment_refunded). A
    // seat from an event's waitlist (free, or to pay within the hold) is about a purchase.
    if (kind == notify::kPaymentSucceeded || kind == notify::kPaymentRefunded || kind.starts_with("dispute_") ||
        kind == "event_seat" || kind == "event_seat_pay" || kind == "event_canceled") {
      return "payments";
    }
    if (kind.starts_with("feedback_")) {
      return "replies";
    }
    if (kind == notify::kBountyReturned) {
      return "answers";
    }
    return "";
  }

  // One notification as an e-mail in the recipient's language, in the notification's own
  // transaction. Its title and text are what the producer let this recipient read, nothing more.
  void email_notice(db::Tx& tx, const notify::Notification& n) {
    const std::string kind = mail_kind_of(n.kind);
    if (kind.empty() || !mailer.enabled()) {
      return;
    }
    const std::string lang = mailer.language_of(tx, n.user, mail::load_preferences(tx, n.user));
    const std::string who =
        n.actor ? (n.actor->display_name.empty() ? n.actor->username : n.actor->display_name) : std::string();
    std::string subject = i18n.t(lang, "notify.kind." + n.kind);
    if (!who.empty()) {
      subject = who + " " + subject;
    }
    if (!n.title.empty()) {
      subject += ": " + n.title;
    }
    const std::string body = n.text.empty() ? subject : subject + "\n\n" + n.text;
    if (auto queued = mailer.enqueue_notice(tx, n.user, kind, subject, body, n.link); !queued) {
      spdlog::warn("notification {} not e-mailed: {}", n.id, queued.error().message);
    }
  }

  static render::I18n load_i18n() {
    auto i18n = render::I18n::create(embedded::locales());
    if (!i18n) {
      throw std::runtime_error("locales: " + i18n.error().message);
    }
    return std::move(i18n).value();
  }

  SystemClock clock;
  notify::InProcessHub hub;  // Before db: the database's notify listener publishes here.
  std::unique_ptr<db::Database> db;
  identity::Identity identity;
  community::Communities communities;
  content::Posts posts;
  billing::Tiers tiers;
  billing::StripeClient stripe;
  // What the layers above billing sell through checkout (billing/products.hpp), registered below.
  billing::Catalog catalog;
  billing::Checkouts checkouts;
  billing::Books books;
  billing::Offers offers;
  billing::Codes codes;
  billing::Refunds refunds;
  billing::StripeEvents stripe_events;
  content::Questions questions;
  engage::Engagement engagement;
  engage::Challenges challenges;
  moderation::Moderation moderation;
  moderation::Feedback feedback;
  moderation::Surveys surveys;
  moderation::Disputes disputes;
  notify::Notifications notifications;
  content::TagFollows tag_follows;
  events::EventsOptions events_options;
  events::Events events;
  events::TicketProduct ticket_product;  // Sold through the checkout (catalog kind "ticket").
  render::I18n i18n;
  render::TemplateRegistry templates;
  mail::Mailer mailer;
  content::MissedPosts missed_posts;
  expert::QuestionProduct question_product;
  expert::Experts experts;
  learn::Courses courses;
  learn::CourseProduct course_product;  // Sold through `catalog` (kind "course").
  http::StaticFiles static_files;
  files::Files files;
  std::unique_ptr<web::WebApp> web;
};

int serve(const Config& config) {
  auto listen = parse_listen(config.get_or("listen", "127.0.0.1:8080"));
  if (!listen) {
    return print_error(listen.error());
  }
  auto threads = config.integer("threads", 0);
  if (!threads) {
    return print_error(threads.error());
  }
  Runtime runtime(config);
  apply_migrations(*runtime.db);
  auto& db = runtime.db;
  auto& posts = runtime.posts;
  auto& questions = runtime.questions;
  auto& app = *runtime.web;

  if (config.flag("demo-if-empty") && !db->read([](db::Tx& tx) { return tx.one("SELECT 1 FROM users LIMIT 1"); })) {
    spdlog::info("empty database: writing demo data (log in as 'demo' / 'guildhall-demo')");
    write_demo_data(*db, runtime.identity, runtime.clock, DemoOptions{});
  }

  http::ServerOptions options;
  options.host = listen->first;
  options.port = listen->second;
  options.threads = static_cast<int>(*threads);
  options.access_log = config.get_or("access-log", "true") != "false";
  // File uploads stream to disk with their own limit; every other body stays under 1 MiB.
  runtime.files.prepare();
  options.spool_dir = runtime.files.upload_dir();
  options.spool_limit = [&app](std::string_view method, std::string_view path) {
    return app.spool_limit(method, path);
  };
  options.spool_admit = [&app](http::Request& head) { return app.admit_spooled(head); };
  http::Server server(options, [&app](http::Request& request) { return app.handle(request); });
  server.listen();
  spdlog::info("guildhall listening on http://{}:{}", options.host, server.port());
  // The port line on stdout lets scripts and tests find a server started with port 0.
  std::printf("listening on %s:%u\n", options.host.c_str(), static_cast<unsigned>(server.port()));
  std::fflush(stdout);

  // The mail worker sends the outbox and the digests; links in mail need an absolute URL.
  std::unique_ptr<mail::SmtpTransport> smtp;
  std::unique_ptr<mail::Worker> mail_worker;
  if (runtime.mailer.enabled()) {
    if (runtime.mailer.options().base_url.empty()) {
      runtime.mailer.set_base_url("http://" + options.host + ":" + std::to_string(server.port()));
    }
    mail::SmtpConfig smtp_config;
    smtp_config.url = config.get_or("smtp-url", "");
    smtp_config.user = config.get_or("smtp-user", "");
    smtp_config.password = config.get_or("smtp-password", "");
    smtp_config.require_starttls = config.flag("smtp-starttls");
    smtp = std::make_unique<mail::SmtpTransport>(smtp_config);
    mail_worker = std::make_unique<mail::Worker>(*db, runtime.clock, *smtp, runtime.mailer, &runtime.missed_posts,
                                                 mail_worker_options(config));
    mail_worker->start();
    spdlog::info("mail: sending through {}", smtp_config.url);
  }

  // View counts are buffered in memory and written every few seconds (and at shutdown).
  std::mutex mutex;
  std::condition_variable wake;
  bool stopping = false;
  std::thread flusher([&] {
    std::unique_lock lock(mutex);
    while (!wake.wait_for(lock, std::chrono::seconds(5), [&] { return stopping; })) {
      lock.unlock();
      try {
        posts.flush_views();
      } catch (const std::exception& e) {
        spdlog::warn("flushing view counts failed: {}", e.what());
      }
      // Bounties of questions unanswered by their deadline go back to their askers.
      try {
        questions.settle_due(runtime.clock.now_ms());
      } catch (const std::exception& e) {
        spdlog::warn("settling bounties failed: {}", e.what());
      }
      // Paid questions unanswered by their deadline are refunded (and failed refunds retried).
      try {
        runtime.experts.sweep(runtime.clock.now_ms());
      } catch (const std::exception& e) {
        spdlog::warn("refunding overdue paid questions failed: {}", e.what());
      }
      // Paid seats held past their time go back, and the waitlists move up.
      try {
        runtime.events.release_expired_holds(runtime.clock.now_ms());
      } catch (const std::exception& e) {
        spdlog::warn("releasing ticket holds failed: {}", e.what());
      }
      // Paid tickets of canceled events are refunded (a failed provider call is retried here).
      try {
        for (const auto payment : runtime.events.payments_to_refund()) {
          if (auto refunded = runtime.refunds.refund_claimed(payment); !refunded) {
            spdlog::warn("refunding ticket payment {} of a canceled event failed: {}", payment,
                         refunded.error().message);
          }
        }
      } catch (const std::exception& e) {
        spdlog::warn("refunding tickets of canceled events failed: {}", e.what());
      }
      lock.lock();
    }
  });

  server.run(true);
  {
    std::lock_guard lock(mutex);
    stopping = true;
  }
  wake.notify_all();
  flusher.join();
  if (mail_worker) {
    mail_worker->stop();
  }
  posts.flush_views();
  spdlog::info("guildhall stopped");
  return 0;
}

// Prints the route table ("METHOD PATTERN" per line): for operators, and for the test that
// checks docs/openapi.yaml describes every API route.
int routes(const Config&) {
  Runtime runtime(*Config::load({"--database", "sqlite::memory:"}, {}));
  for (const auto& route : runtime.web->router().routes()) {
    std::printf("%s %s\n", route.method.c_str(), route.pattern.c_str());
  }
  return 0;
}

// `guildhall ledger check`: every transaction balances per currency, reversals negate their
// originals, each community's income matches its revenue accounts, and the books agree with
// payments and memberships (billing::check_books). Exit 1 on any problem.
int ledger_command(const Config& config) {
  auto db = open_database(config);
  apply_migrations(*db);
  const auto report = db->read([](db::Tx& tx) {
    auto books = ledger::check(tx);
    auto billing = billing::check_books(tx);
    books.ok = books.ok && billing.ok;
    books.problems.insert(books.problems.end(), billing.problems.begin(), billing.problems.end());
    // Points are not money, but their books must hold too: each balance is its entries' sum.
    const auto points = engage::check_balances(tx);
    books.ok = books.ok && points.empty();
    books.problems.insert(books.problems.end(), points.begin(), points.end());
    // Paid questions: the held money and the releases to experts.
    const auto questions = expert::check_books(tx);
    books.ok = books.ok && questions.empty();
    books.problems.insert(books.problems.end(), questions.begin(), questions.end());
    return books;
  });
  for (const auto& problem : report.problems) {
    std::printf("problem: %s\n", problem.c_str());
  }
  std::printf("ledger check: %s\n", report.ok ? "ok" : "FAILED");
  return report.ok ? 0 : 1;
}

int migrate(const Config& config) {
  auto db = open_database(config);
  const auto applied = db::migrate(*db, embedded_migrations());
  std::printf("%zu migration(s) applied; %zu in total.\n", applied.size(), db::applied_migrations(*db).size());
  return 0;
}

int demo(const Config& config) {
  DemoOptions options;
  auto communities = config.integer("communities", options.communities);
  auto users = config.integer("users", options.users);
  auto posts = config.integer("posts", options.posts);
  for (auto* r : {&communities, &users, &posts}) {
    if (!*r) {
      return print_error(r->error());
    }
    if (**r < 0 || **r > 10'000'000) {
      return print_error(invalid("demo.out_of_range", "Counts are between 0 and 10,000,000."));
    }
  }
  options.communities = static_cast<int>(*communities);
  options.users = std::max(1, static_cast<int>(*users));
  options.posts = static_cast<int>(*posts);
  options.progress = !config.flag("quiet");
  SystemClock clock;
  auto db = open_database(config);
  apply_migrations(*db);
  identity::Identity identity(*db, clock, {});
  const auto started = std::chrono::steady_clock::now();
  const auto counts = write_demo_data(*db, identity, clock, options);
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("demo data: %d communities, %d users, %d posts, %d comments in %.1f s\n", counts.communities,
              counts.users, counts.posts, counts.comments, seconds);
  std::printf("log in as 'demo' with the password 'guildhall-demo'\n");
  return 0;
}

}  // namespace

int run(int argc, char** argv) {
  // Logs go to stderr; stdout is for a command's own output (the "listening on" line, counts).
  spdlog::set_default_logger(spdlog::stderr_color_mt("guildhall"));
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  const auto command = args[0];
  args.erase(args.begin());
  if (command == "ledger") {
    if (args.empty() || (args[0] != "check" && args[0] != "--help" && args[0] != "-h")) {
      std::fprintf(stderr, "usage: guildhall ledger check [--database URL]\n");
      return 2;
    }
    if (args[0] == "check") {
      args.erase(args.begin());
    }
  }
  const bool help = std::find(args.begin(), args.end(), "--help") != args.end() ||
                    std::find(args.begin(), args.end(), "-h") != args.end();
  struct Command {
    const char* name;
    const char* usage;
    std::vector<std::string> switches;
    int (*run)(const Config&);
  };
  const Command commands[] = {
      {"serve", kServeUsage, {"trust-proxy", "demo-if-empty", "smtp-starttls"}, serve},
      {"migrate", kMigrateUsage, {}, migrate},
      {"demo", kDemoUsage, {"quiet"}, demo},
      {"routes", kRoutesUsage, {}, routes},
      {"ledger", kLedgerUsage, {}, ledger_command},
  };
  for (const auto& c : commands) {
    if (command != c.name) {
      continue;
    }
    if (help) {
      std::printf("%s%s", c.usage, kCommonOptions);
      return 0;
    }
    auto config = Config::load(args, c.switches);
    if (!config) {
      std::fprintf(stderr, "guildhall %s: %s\n\n%s", c.name, config.error().message.c_str(), c.usage);
      return 2;
    }
    try {
      return c.run(*config);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "guildhall %s: %s\n", c.name, e.what());
      return 1;
    }
  }
  std::fprintf(stderr, "guildhall: unknown command '%s'\n\n%s", command.c_str(), kUsage);
  return 2;
}

}  // namespace gh::app

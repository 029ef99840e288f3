// Doors to a community's books for its owners and admins: balance, ledger (JSON and CSV),
// daily revenue (API), and the revenue page with an SVG chart drawn on the server.
#include <algorithm>

#include "core/text.hpp"
#include "web/errors.hpp"
#include "web/json.hpp"
#include "web/page_views.hpp"
#include "web/pages.hpp"
#include "web/routes.hpp"

namespace gh::web {
namespace {

constexpr std::string_view kTemplateRevenue = "billing/revenue.html";
constexpr int kChartDays = 30;
// The chart's drawing area in SVG user units (the SVG scales to its container).
constexpr int kChartWidth = 600;
constexpr int kChartHeight = 160;

int limit_param(const http::Request& request) {
  const auto text = request.query_param("limit");
  if (!text) {
    return 50;
  }
  char* end = nullptr;
  const long value = std::strtol(text->c_str(), &end, 10);
  if (text->empty() || *end != '\0' || value < 1 || value > 100) {
    throw invalid("request.invalid_limit", "limit is an integer from 1 to 100.", "limit");
  }
  return static_cast<int>(value);
}

boost::json::object transaction_json(const ledger::TransactionView& t) {
  boost::json::array entries;
  for (const auto& e : t.entries) {
    entries.push_back(
        {{"account", e.account_code}, {"amount", money_json(Money::create(e.amount_minor, e.currency).value())}});
  }
  boost::json::object out{{"id", t.id.value},
                          {"kind", t.kind},
                          {"memo", t.memo},
                          {"reference", t.reference},
                          {"created_at", format_rfc3339(t.created_at)},
                          {"entries", std::move(entries)}};
  out["reverses"] = t.reverses ? boost::json::value(t.reverses->value) : boost::json::value(nullptr);
  return out;
}

boost::json::object currency_json(const billing::CurrencySummary& c) {
  const auto money = [&](int64_t minor) { return money_json(Money::create(minor, c.currency).value()); };
  return {{"currency", c.currency},      {"gross", money(c.gross_minor)},
          {"fees", money(c.fees_minor)}, {"refunded", money(c.refunded_minor)},
          {"net", money(c.net_minor)},   {"payments", c.payments},
          {"refunds", c.refunds}};
}

http::Response csv_response(const std::string& slug, std::string body) {
  auto response = http::Response::text(200, std::move(body), "text/csv; charset=utf-8");
  response.headers.set("Content-Disposition", "attachment; filename=\"" + slug + "-ledger.csv\"");
  response.headers.set("Cache-Control", "private, no-store");
  return response;
}

// Bars of net revenue per day, scaled to the largest absolute value; refunds (negative days)
// hang below the zero line.
render::Data chart_data(const std::vector<billing::DayRevenue>& days, const std::string& currency) {
  int64_t top = 0;
  int64_t bottom = 0;
  for (const auto& d : days) {
    top = std::max(top, d.net_minor);
    bottom = std::min(bottom, d.net_minor);
  }
  const int64_t span = std::max<int64_t>(top - bottom, 1);
  const int zero_y = static_cast<int>(top * kChartHeight / span);
  const int slot = kChartWidth / static_cast<int>(std::max<size_t>(days.size(), 1));
  render::Data bars{render::Data::type::list};
  for (size_t i = 0; i < days.size(); ++i) {
    const auto& d = days[i];
    if (d.net_minor == 0) {
      continue;
    }
    const int height =
        std::max(1, static_cast<int>((d.net_minor < 0 ? -d.net_minor : d.net_minor) * kChartHeight / span));
    render::Data bar;
    bar.set("x", std::to_string(static_cast<int>(i) * slot + 1));
    bar.set("y", std::to_string(d.net_minor > 0 ? zero_y - height : zero_y));
    bar.set("width", std::to_string(std::max(slot - 2, 1)));
    bar.set("height", std::to_string(height));
    bar.set("negative", d.net_minor < 0);
    bar.set("label",
            format_rfc3339(d.day_start).substr(0, 10) + ": " + Money::create(d.net_minor, currency).value().format());
    bars.push_back(bar);
  }
  render::Data chart;
  chart.set("bars", bars);
  chart.set("has_bars", !bars.is_empty_list());
  chart.set("width", std::to_string(kChartWidth));
  chart.set("height", std::to_string(kChartHeight));
  chart.set("zero_y", std::to_string(zero_y));
  chart.set("top", Money::create(top, currency).value().format());
  chart.set("bottom", Money::create(bottom, currency).value().format());
  chart.set("has_bottom", bottom < 0);
  if (!days.empty()) {
    chart.set("first_day", format_rfc3339(days.front().day_start).substr(0, 10));
    chart.set("last_day", format_rfc3339(days.back().day_start).substr(0, 10));
  }
  return chart;
}

}  // namespace

void register_books_routes(WebApp& app) {
  auto& s = app.services();

  app.route(Door::Api, "GET", "/api/v1/communities/{slug}/balance", Auth::Required, [&s](Context& ctx) {
    auto summary = take(s.books.summary(ctx.user->id, ctx.request.param("slug")));
    boost::json::array currencies;
    for (const auto& c : summary.currencies) {
      currencies.push_back(currency_json(c));
    }
    boost::json::array accounts;
    for (const auto& a : summary.accounts) {
      accounts.push_back({{"code", a.code},
                          {"kind", std::string(ledger::to_string(a.kind))},
                          {"balance", money_json(Money::create(a.balance_minor, a.currency).value())}});
    }
    return json_response(200, {{"community", summary.community_slug},
                               {"balances", std::move(currencies)},
                               {"accounts", std::move(accounts)}});
  });

  app.route(Door::Api, "GET", "/api/v1/communities/{slug}/ledger", Auth::Required, [&s](Context& ctx) {
    const auto& slug = ctx.request.param("slug");
    if (ctx.request.query_param("format").value_or("json") == "csv") {
      return csv_response(slug, take(s.books.csv(ctx.user->id, slug)));
    }
    auto page =
        take(s.books.transactions(ctx.user->id, slug, ctx.request.query_param("cursor"), limit_param(ctx.request)));
    boost::json::array list;
    for (const auto& t : page.transactions) {
      list.push_back(transaction_json(t));
    }
    boost::json::object out{{"transactions", std::move(list)}};
    out["next_cursor"] = page.next_cursor ? boost::json::value(*page.next_cursor) : boost::json::value(nullptr);
    return json_response(200, std::move(out));
  });

  app.route(Door::Api, "GET", "/api/v1/communities/{slug}/ledger.csv", Auth::Required, [&s](Context& ctx) {
    const auto& slug = ctx.request.param("slug");
    return csv_response(slug, take(s.books.csv(ctx.user->id, slug)));
  });

  app.route(Door::Api, "GET", "/api/v1/communities/{slug}/revenue", Auth::Required, [&s](Context& ctx) {
    const auto& slug = ctx.request.param("slug");
    int days = kChartDays;
    if (const auto text = ctx.request.query_param("days")) {
      days = std::atoi(text->c_str());
      if (days < 1 || days > 366) {
        throw invalid("request.invalid_days", "days is an integer from 1 to 366.", "days");
      }
    }
    // Default: the community's own currency (Books::daily decides who may see it).
    const auto community = s.communities.find(slug);
    const std::string currency =
        ctx.request.query_param("currency").value_or(community ? community->currency : std::string("CNY"));
    if (!Money::is_known_currency(currency)) {
      throw invalid("money.unknown_currency", "Unknown currency.", "currency");
    }
    boost::json::array list;
    for (const auto& d : take(s.books.daily(ctx.user->id, slug, currency, days))) {
      list.push_back({{"date", format_rfc3339(d.day_start).substr(0, 10)},
                      {"net", money_json(Money::create(d.net_minor, currency).value())}});
    }
    return json_response(200, {{"currency", currency}, {"days", std::move(list)}});
  });

  app.route(Door::Page, "GET", "/c/{slug}/revenue", Auth::Required, [&s](Context& ctx) {
    const auto& slug = ctx.request.param("slug");
    auto summary = take(s.books.summary(ctx.user->id, slug));
    render::Data data;
    data.set("slug", summary.community_slug);
    data.set("name", summary.community_name);
    render::Data cards{render::Data::type::list};
    for (const auto& c : summary.currencies) {
      const auto fmt = [&](int64_t minor) { return Money::create(minor, c.currency).value().format(); };
      render::Data card;
      card.set("currency", c.currency);
      card.set("net", fmt(c.net_minor));
      card.set("gross", fmt(c.gross_minor));
      card.set("fees", fmt(c.fees_minor));
      card.set("refunded", fmt(c.refunded_minor));
      card.set("payments", std::to_string(c.payments));
      card.set("refunds", std::to_string(c.refunds));
      cards.push_back(card);
    }
    data.set("currencies", cards);
    const std::string currency = summary.currencies.front().currency;
    data.set("chart_currency", currency);
    data.set("chart", chart_data(take(s.books.daily(ctx.user->id, slug, currency, kChartDays)), currency));

    auto page = take(s.books.transactions(ctx.user->id, slug, std::nullopt, 20));
    render::Data rows{render::Data::type::list};
    for (const auto& t : page.transactions) {
      render::Data row;
      row.set("id", std::to_string(t.id.value));
      row.set("date", format_rfc3339(t.created_at).substr(0, 16).replace(10, 1, " "));
      row.set("kind", t.kind);
      row.set("memo", t.memo);
      row.set("reference", t.reference);
      // What the transaction did to the community's own revenue (net of the platform's fee).
      int64_t net = 0;
      std::string entry_currency = currency;
      for (const auto& e : t.entries) {
        if (e.account_code.starts_with("community:")) {
          net -= e.amount_minor;
          entry_currency = e.currency;
        }
      }
      row.set("net", Money::create(net, entry_currency).value().format());
      row.set("negative", net < 0);
      rows.push_back(row);
    }
    data.set("transactions", rows);
    data.set("has_transactions", !page.transactions.empty());
    return render_page(ctx, s, kTemplateRevenue, data,
                       PageMeta{s.i18n.t(ctx.lang, "revenue.title") + " · " + summary.community_name, "", 200});
  });
}

}  // namespace gh::web

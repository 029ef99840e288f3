// Doors of notifications and live delivery: the API and page of one's notifications, following
// tags (API, and the button on tag pages), and GET /ws, the WebSocket a signed-in page opens
// to receive its notifications and the new comments of the post it shows.
#include <atomic>
#include <boost/json/parse.hpp>
#include <cctype>
#include <charconv>

#include "notify/hub.hpp"
#include "web/json.hpp"
#include "web/page_views.hpp"
#include "web/pages.hpp"
#include "web/routes.hpp"

namespace gh::web {
namespace {

using render::Data;

constexpr std::string_view kTemplateNotifications = "notify/list.html";

boost::json::object notification_page_json(const notify::NotificationPage& page) {
  boost::json::array list;
  for (const auto& n : page.notifications) {
    list.push_back(notify::notification_json(n));
  }
  return {{"notifications", std::move(list)}, {"unread", page.unread}, {"next_cursor", cursor_json(page.next_cursor)}};
}

std::string send_json(const boost::json::object& object) {
  return boost::json::serialize(object);
}

// One live page. Runs on its connection's strand (http::WebSocketSession). Hub callbacks
// capture only the sender, which never keeps a connection alive; the subscriptions end in
// on_close (or with this object), after which the hub never calls them again.
class LiveSession final : public http::WebSocketSession {
 public:
  LiveSession(Services& services, UserId user) : s_(services), user_(user) {}

  void on_open(std::shared_ptr<http::WebSocketSender> sender) override {
    sender_ = std::move(sender);
    // A message that the user's access may have shrunk closes the post stream's gate (the page
    // subscribes again and is checked anew); every message still goes to the page.
    user_subscription_ =
        s_.hub.subscribe(notify::user_topic(user_), [sender = sender_, gate = gate_](const notify::Message& message) {
          if (*message == notify::kAccessChangedMessage) {
            gate->changes.fetch_add(1);
          }
          sender->send(message);
        });
    // The count at connect time, so a page that reconnects is right again.
    send({{"type", "hello"}, {"unread", s_.notifications.unread_count(user_)}});
  }

  void on_message(std::string_view text) override {
    boost::system::error_code ec;
    auto value = boost::json::parse(text, ec);
    const auto* object = ec ? nullptr : value.if_object();
    const auto* type = object ? object->if_contains("type") : nullptr;
    if (!type || !type->is_string()) {
      send({{"type", "error"}, {"code", "live.invalid_message"}});
      return;
    }
    if (type->as_string() == "subscribe") {
      const auto* id = object->if_contains("post_id");
      if (!id || !id->is_int64() || id->as_int64() <= 0) {
        send({{"type", "error"}, {"code", "live.invalid_message"}});
        return;
      }
      subscribe_post(PostId(id->as_int64()));
    } else if (type->as_string() == "subscribe_event") {
      const auto* id = object->if_contains("event_id");
      if (!id || !id->is_int64() || id->as_int64() <= 0) {
        send({{"type", "error"}, {"code", "live.invalid_message"}});
        return;
      }
      subscribe_event(id->as_int64());
    } else if (type->as_string() == "unsubscribe") {
      post_subscription_.reset();
      event_subscription_.reset();
    } else if (type->as_string() == "ping") {
      send({{"type", "pong"}});
    } else {
      send({{"type", "error"}, {"code", "live.unknown_type"}});
    }
  }

  void on_close() override {
    event_subscription_.reset();
    post_subscription_.reset();
    user_subscription_.reset();
  }

 private:
  // Comments are part of the post: only a viewer who reads the whole post gets them, the same
  // decision as the page (content::Posts::get, which asks access/). One post per page. The
  // stream flows while no access change arrived since the check: a change during the check
  // closes it too, so a refund can never be overtaken by a stale "allowed".
  void subscribe_post(PostId post_id) {
    post_subscription_.reset();
    const uint64_t before = gate_->changes.load();
    auto post = s_.posts.get(user_, post_id, content::Posts::CountView::No);
    if (!post || post->locked) {
      send({{"type", "error"}, {"code", "live.not_allowed"}, {"post_id", post_id.value}});
      return;
    }
    gate_->checked_at.store(before);
    post_subscription_ =
        s_.hub.subscribe(notify::post_topic(post_id), [sender = sender_, gate = gate_](const notify::Message& message) {
          if (gate->checked_at.load() == gate->changes.load()) {
            sender->send(message);
          }
        });
    send({{"type", "subscribed"}, {"post_id", post_id.value}});
  }

  // An event's live check-in count is for its organisers (the check-in page), the same
  // decision as that page (events::can_manage through Events::get).
  void subscribe_event(int64_t event_id) {
    event_subscription_.reset();
    auto event = s_.events.get(user_, event_id);
    if (!event || !event->can_manage) {
      send({{"type", "error"}, {"code", "live.not_allowed"}, {"event_id", event_id}});
      return;
    }
    event_subscription_ = s_.hub.subscribe(
        events::checkin_topic(event_id), [sender = sender_](const notify::Message& message) { sender->send(message); });
    send({{"type", "subscribed"}, {"event_id", event_id}});
  }

  void send(const boost::json::object& object) {
    sender_->send(std::make_shared<const std::string>(send_json(object)));
  }

  Services& s_;
  const UserId user_;
  // Shared with the hub callbacks (which run on publishers' threads): access changes seen, and
  // how many had been seen when the post stream's access check began.
  struct Gate {
    std::atomic<uint64_t> changes{0};
    std::atomic<uint64_t> checked_at{0};
  };
  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
  std::shared_ptr<http::WebSocketSender> sender_;
  notify::Subscription user_subscription_;
  notify::Subscription post_subscription_;
  notify::Subscription event_subscription_;
};

// "https://host:port" of a URL (its scheme and authority), lower-cased.
std::string origin_of(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return {};
  }
  const auto path = url.find('/', scheme_end + 3);
  std::string out(url.substr(0, path));
  for (auto& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

Data notification_data(const Context& ctx, const Services& s, const notify::Notification& n) {
  Data d;
  d.set("id", std::to_string(n.id));
  d.set("kind_text", s.i18n.t(ctx.lang, "notify.kind." + n.kind));
  d.set("has_actor", n.actor.has_value());
  if (n.actor) {
    d.set("actor_name", n.actor->display_name);
    d.set("actor_username", n.actor->username);
  }
  // A badge's title is its key, translated here.
  d.set("title", n.kind == notify::kBadge ? s.i18n.t(ctx.lang, "badge." + n.title) : n.title);
  d.set("has_text", !n.text.empty());
  d.set("text", n.text);
  d.set("link", n.link);
  d.set("unread", !n.read_at.has_value());
  d.set("when", relative_time(ctx, s, n.created_at));
  d.set("when_iso", format_rfc3339(n.created_at));
  d.set("csrf", ctx.csrf_token);
  return d;
}

}  // namespace

void add_tag_follow_data(Context& ctx, Services& s, const community::Community& community, const std::string& tag,
                         render::Data& data) {
  Data follow;
  follow.set("slug", community.slug);
  follow.set("tag", tag);
  follow.set("signed_in", ctx.user.has_value());
  follow.set("following", ctx.user && s.tag_follows.follows(ctx.user->id, community.id, tag));
  follow.set("csrf", ctx.csrf_token);
  data.set("tag_follow", follow);
}

void register_notify_routes(WebApp& app) {
  auto& s = app.services();

  app.route(Door::Api, "GET", "/api/v1/me/notifications", Auth::Required, [&s](Context& ctx) {
    auto page =
        take(s.notifications.list(ctx.user->id, ctx.request.query_param("cursor"), limit_param(ctx.request, 20)));
    return json_response(200, notification_page_json(page));
  });

  app.route(Door::Api, "POST", "/api/v1/me/notifications/read", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    const auto all = in.boolean("all");
    const auto ids = in.int_list("ids");
    check(in);
    if (all.value_or(false)) {
      return json_response(200, {{"unread", s.notifications.mark_all_read(ctx.user->id)}});
    }
    if (!ids) {
      throw invalid("notify.ids_required", "Send ids (a list of notification ids) or all: true.", "ids");
    }
    return json_response(200, {{"unread", take(s.notifications.mark_read(ctx.user->id, *ids))}});
  });

  app.route(Door::Api, "GET", "/api/v1/me/followed-tags", Auth::Required, [&s](Context& ctx) {
    boost::json::array tags;
    for (const auto& t : s.tag_follows.followed(ctx.user->id)) {
      tags.push_back(boost::json::object{
          {"community", boost::json::object{{"slug", t.community_slug}, {"name", t.community_name}}}, {"tag", t.tag}});
    }
    return json_response(200, {{"tags", std::move(tags)}});
  });

  app.route(Door::Api, "PUT", "/api/v1/communities/{slug}/tags/{tag}/follow", Auth::Required, [&s](Context& ctx) {
    take(s.tag_follows.follow(ctx.user->id, ctx.request.param("slug"), ctx.request.param("tag")));
    return json_response(200, {{"following", true}});
  });

  app.route(Door::Api, "DELETE", "/api/v1/communities/{slug}/tags/{tag}/follow", Auth::Required, [&s](Context& ctx) {
    take(s.tag_follows.unfollow(ctx.user->id, ctx.request.param("slug"), ctx.request.param("tag")));
    return json_response(200, {{"following", false}});
  });

  // Pages.
  app.route(Door::Page, "GET", "/notifications", Auth::Required, [&s](Context& ctx) {
    auto page = take(s.notifications.list(ctx.user->id, ctx.request.query_param("cursor"), 30));
    std::vector<Data> items;
    for (const auto& n : page.notifications) {
      items.push_back(notification_data(ctx, s, n));
    }
    Data data;
    Data list{Data::type::list};
    for (auto& item : items) {
      list.push_back(item);
    }
    data.set("notifications", list);
    data.set("has_notifications", !items.empty());
    data.set("has_unread", page.unread > 0);
    if (page.next_cursor) {
      data.set("next_url", "/notifications?cursor=" + http::url_encode(*page.next_cursor));
    }
    return render_page(ctx, s, kTemplateNotifications, data, PageMeta{s.i18n.t(ctx.lang, "notify.title"), "", 200});
  });

  app.route(Door::Page, "POST", "/notifications/read", Auth::Required, [&s](Context& ctx) {
    const Form form(ctx.request);
    if (form.get("all") == "1") {
      s.notifications.mark_all_read(ctx.user->id);
    } else {
      int64_t id = 0;
      const auto text = form.get("id");
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
      if (ec == std::errc() && ptr == text.data() + text.size()) {
        take(s.notifications.mark_read(ctx.user->id, {id}));
      }
    }
    return http::Response::redirect(safe_next(form.get("next").empty() ? "/notifications" : form.get("next")), 303);
  });

  app.route(Door::Page, "POST", "/c/{slug}/tags/{tag}/follow", Auth::Required, [&s](Context& ctx) {
    const Form form(ctx.request);
    const auto& slug = ctx.request.param("slug");
    const auto& tag = ctx.request.param("tag");
    if (form.get("follow") == "0") {
      take(s.tag_follows.unfollow(ctx.user->id, slug, tag));
    } else {
      take(s.tag_follows.follow(ctx.user->id, slug, tag));
    }
    return http::Response::redirect("/c/" + http::url_encode(slug) + "/tags/" + http::url_encode(tag), 303);
  });

  // Live delivery. The session cookie (with an Origin of this site: a WebSocket is not covered
  // by CORS, so another site's page could otherwise open one with our cookie), or an API token
  // in ?token= (browsers cannot set headers on a WebSocket). Anonymous: 401 before the upgrade.
  app.route(Door::Api, "GET", "/ws", Auth::Optional, [&s](Context& ctx) {
    std::optional<UserId> user = ctx.user_id();
    bool by_token = ctx.via_token;
    if (!user) {
      if (auto token = ctx.request.query_param("token")) {
        if (auto found = s.identity.find_user_by_api_token(*token)) {
          user = found->id;
          by_token = true;
        }
      }
    }
    if (!user) {
      throw unauthenticated();
    }
    if (!by_token) {
      const auto origin = origin_of(ctx.request.header("Origin").value_or(""));
      if (origin.empty() || origin != origin_of(public_base(ctx, s))) {
        throw forbidden("live.bad_origin", "Live updates are for pages of this site.");
      }
    }
    return http::Response::accept_websocket(std::make_shared<LiveSession>(s, *user));
  });
}

}  // namespace gh::web

#include "notify/notifications.hpp"

#include <boost/json/serialize.hpp>

#include "core/cursor.hpp"
#include "core/text.hpp"
#include "notify/hub.hpp"

namespace gh::notify {
namespace {

constexpr std::string_view kColumns =
    "n.id, n.user_id, n.kind, n.actor_id, u.username, u.display_name, n.community_id, c.slug, c.name, "
    "n.target_type, n.target_id, n.title, n.text, n.link, n.created_at, n.read_at";
constexpr std::string_view kFrom =
    " FROM notifications n LEFT JOIN users u ON u.id = n.actor_id LEFT JOIN communities c ON c.id = n.community_id";
constexpr size_t kMaxIds = 500;

Notification from_row(const db::Row& r) {
  Notification n;
  n.id = r.i64(0);
  n.user = UserId(r.i64(1));
  n.kind = r.text(2);
  if (!r.is_null(3) && !r.is_null(4)) {
    n.actor = Actor{UserId(r.i64(3)), r.text(4), r.text(5)};
  }
  if (!r.is_null(6)) {
    n.community = CommunityId(r.i64(6));
    n.community_slug = r.text(7);
    n.community_name = r.text(8);
  }
  n.target_type = r.text(9);
  n.target_id = r.i64(10);
  n.title = r.text(11);
  n.text = r.text(12);
  n.link = r.text(13);
  n.created_at = r.i64(14);
  n.read_at = r.opt_i64(15);
  return n;
}

int64_t count_unread(db::Tx& tx, UserId user) {
  return tx.scalar_i64("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL", {user.value})
      .value_or(0);
}

}  // namespace

namespace {
Delivery& delivery() {
  static Delivery installed;
  return installed;
}
}  // namespace

void set_delivery(Delivery d) {
  delivery() = std::move(d);
}

bool add(db::Tx& tx, const NewNotification& input, Millis now) {
  const std::string text = text::utf8_truncate(text::sanitize_utf8(input.text), kMaxTextChars);
  auto id = tx.scalar_i64(
      "INSERT INTO notifications (user_id, kind, actor_id, community_id, target_type, target_id, title, text, link, "
      "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
      "ON CONFLICT (user_id, target_type, target_id) DO NOTHING RETURNING id",
      {input.user.value, input.kind, input.actor ? std::optional<int64_t>(input.actor->value) : std::nullopt,
       input.community ? std::optional<int64_t>(input.community->value) : std::nullopt, input.target_type,
       input.target_id, input.title, text, input.link, now});
  if (!id) {
    return false;
  }
  auto row = tx.one(std::string("SELECT ") + std::string(kColumns) + std::string(kFrom) + " WHERE n.id = $1", {*id});
  const auto stored = from_row(row->row());
  boost::json::object message{{"type", "notification"}, {"notification", notification_json(stored)}};
  tx.notify(user_topic(input.user), boost::json::serialize(message));
  if (delivery()) {
    delivery()(tx, stored);
  }
  return true;
}

Result<NotificationPage> Notifications::list(UserId user, const std::optional<std::string>& cursor, int limit) const {
  if (limit < 1 || limit > 100) {
    return invalid("pagination.invalid_limit", "limit is between 1 and 100.", "limit");
  }
  std::optional<int64_t> before;
  if (cursor && !cursor->empty()) {
    auto keys = gh::cursor::decode(*cursor, 1);
    if (!keys) {
      return invalid("pagination.invalid_cursor", "This cursor is not valid.", "cursor");
    }
    before = keys->front();
  }
  return db_.read([&](db::Tx& tx) -> Result<NotificationPage> {
    NotificationPage page;
    std::string sql = std::string("SELECT ") + std::string(kColumns) + std::string(kFrom) + " WHERE n.user_id = $1";
    std::vector<db::Param> params{user.value};
    if (before) {
      sql += " AND n.id < $3";
      params.emplace_back(limit + 1);
      params.emplace_back(*before);
    } else {
      params.emplace_back(limit + 1);
    }
    sql += " ORDER BY n.id DESC LIMIT $2";
    for (auto r : tx.exec(sql, params)) {
      page.notifications.push_back(from_row(r));
    }
    if (page.notifications.size() > static_cast<size_t>(limit)) {
      page.notifications.pop_back();
      page.next_cursor = gh::cursor::encode({page.notifications.back().id});
    }
    page.unread = count_unread(tx, user);
    return page;
  });
}

int64_t Notifications::unread_count(UserId user) const {
  return db_.read([&](db::Tx& tx) { return count_unread(tx, user); });
}

Result<int64_t> Notifications::mark_read(UserId user, const std::vector<int64_t>& ids) {
  if (ids.size() > kMaxIds) {
    return invalid("notify.too_many_ids", "Mark at most 500 notifications at once.", "ids");
  }
  return db_.write([&](db::Tx& tx) -> Result<int64_t> {
    if (!ids.empty()) {
      std::string sql = "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL AND id IN (";
      std::vector<db::Param> params{clock_.now_ms(), user.value};
      for (size_t i = 0; i < ids.size(); ++i) {
        sql += (i ? ", $" : "$") + std::to_string(i + 3);
        params.emplace_back(ids[i]);
      }
      sql += ")";
      tx.exec(sql, params);
    }
    return count_unread(tx, user);
  });
}

int64_t Notifications::mark_all_read(UserId user) {
  return db_.write([&](db::Tx& tx) {
    tx.exec("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL",
            {clock_.now_ms(), user.value});
    return count_unread(tx, user);
  });
}

boost::json::object notification_json(const Notification& n) {
  boost::json::object out{
      {"id", n.id},
      {"kind", n.kind},
      {"target", boost::json::object{{"type", n.target_type}, {"id", n.target_id}}},
      {"title", n.title},
      {"text", n.text},
      {"link", n.link},
      {"created_at", format_rfc3339(n.created_at)},
      {"read_at", n.read_at ? boost::json::value(format_rfc3339(*n.read_at)) : boost::json::value(nullptr)},
  };
  out["actor"] = n.actor ? boost::json::value(boost::json::object{{"username", n.actor->username},
                                                                  {"display_name", n.actor->display_name}})
                         : boost::json::value(nullptr);
  out["community"] =
      n.community ? boost::json::value(boost::json::object{{"slug", n.community_slug}, {"name", n.community_name}})
                  : boost::json::value(nullptr);
  return out;
}

std::string comment_message(const CommentEvent& c) {
  boost::json::object comment{
      {"id", c.id},
      {"post_id", c.post_id},
      {"parent_id", c.parent_id ? boost::json::value(*c.parent_id) : boost::json::value(nullptr)},
      {"author", boost::json::object{{"username", c.author_username}, {"display_name", c.author_display_name}}},
      {"body_md", c.body_md},
      {"body_html", c.body_html},
      {"deleted", false},
      {"created_at", format_rfc3339(c.created_at)},
  };
  return boost::json::serialize(boost::json::object{{"type", "comment"}, {"comment", std::move(comment)}});
}

}  // namespace gh::notify

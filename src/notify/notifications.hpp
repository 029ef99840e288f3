// gh::notify: notifications stored per user, added inside the transaction that caused them.
//
// A notification is a row (kind, actor, community, target, title, text, link, created_at,
// read_at). Producers (content/, billing/) call add(tx, ...) in their own transaction, so a
// notification commits with its cause or not at all; add() also queues the live message with
// db::Tx::notify, which the database hands to the hub only after the commit.
//
// Paid content: a producer puts in `title` and `text` only what the recipient may read (the
// post's title and its preview-derived excerpt, a comment's text only for readers of the whole
// post). Everything here repeats those strings and nothing else, so every later channel (page,
// API, WebSocket, e-mail) is as safe as the producer was.
//
// Notifications is thread-safe (state lives in the database).
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/result.hpp"
#include "db/db.hpp"

namespace gh::notify {

// Kinds. The page translates each as "notify.kind.<kind>"; e-mail uses kind, title and link.
inline constexpr std::string_view kReplyToPost = "reply_post";              // Target: the comment.
inline constexpr std::string_view kReplyToComment = "reply_comment";        // Target: the reply.
inline constexpr std::string_view kMention = "mention";                     // Target: post or comment.
inline constexpr std::string_view kTagPost = "tag_post";                    // Target: the post.
inline constexpr std::string_view kPaymentSucceeded = "payment_succeeded";  // Target: the payment.
inline constexpr std::string_view kPaymentRefunded = "payment_refunded";    // Target: the refund.
inline constexpr std::string_view kBadge = "badge";  // Target: ("badge:<key>", community id); title: the key.
inline constexpr std::string_view kBountyReturned = "bounty_returned";  // Target: the question post.

inline constexpr size_t kMaxTextChars = 280;

struct NewNotification {
  UserId user;  // The recipient.
  std::string kind;
  std::optional<UserId> actor;  // Who caused it (none for payments).
  std::optional<CommunityId> community;
  // What it is about: ("comment", id), ("post", id), ("payment", id), ("refund", id). A user
  // gets at most one notification per target: a reply that also mentions its post's author
  // notifies them once.
  std::string target_type;
  int64_t target_id = 0;
  std::string title;  // The post title, the item bought.
  std::string text;   // A short excerpt the recipient may read; cut to kMaxTextChars.
  std::string link;   // A path on this site ("/p/12#comment-34"); e-mail prefixes the public URL.
};

struct Actor {
  UserId id;
  std::string username;
  std::string display_name;
};

struct Notification {
  int64_t id = 0;
  UserId user;
  std::string kind;
  std::optional<Actor> actor;
  std::optional<CommunityId> community;
  std::string community_slug;
  std::string community_name;
  std::string target_type;
  int64_t target_id = 0;
  std::string title;
  std::string text;
  std::string link;
  Millis created_at = 0;
  std::optional<Millis> read_at;
};

// Adds one notification in the caller's transaction, unless the recipient already has one for
// the same target. Returns whether it was added. The live message {"type":"notification",...}
// goes to the recipient's topic after the commit.
bool add(db::Tx& tx, const NewNotification& notification, Millis now);

// Further delivery of each notification added (e-mail), called by add() in the same
// transaction, after the row is written: an e-mail exists only if its notification committed.
// Installed once at start-up by the composition root (app/), before any thread runs, and read-only
// afterwards; none is installed in unit tests. It must not fail the transaction for a
// recipient's preference (it simply enqueues nothing).
using Delivery = std::function<void(db::Tx& tx, const Notification& notification)>;
void set_delivery(Delivery delivery);

struct NotificationPage {
  std::vector<Notification> notifications;
  std::optional<std::string> next_cursor;
  int64_t unread = 0;
};

class Notifications {
 public:
  Notifications(db::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Newest first, keyset-paginated by id. limit 1..100.
  Result<NotificationPage> list(UserId user, const std::optional<std::string>& cursor, int limit) const;
  // One indexed COUNT (a partial index holds only unread rows).
  int64_t unread_count(UserId user) const;
  // Marks the user's notifications with these ids read (others' ids are ignored). Returns the
  // unread count afterwards. At most 500 ids.
  Result<int64_t> mark_read(UserId user, const std::vector<int64_t>& ids);
  int64_t mark_all_read(UserId user);

 private:
  db::Database& db_;
  const Clock& clock_;
};

// The JSON shape shared by the API and the live message.
boost::json::object notification_json(const Notification& notification);

// The live message for a new comment on a post ({"type":"comment","comment":{...}}), with the
// same fields as the API's comment. Sent to post_topic() subscribers, who were checked to read
// the whole post.
struct CommentEvent {
  int64_t id = 0;
  int64_t post_id = 0;
  std::optional<int64_t> parent_id;
  std::string author_username;
  std::string author_display_name;
  std::string body_md;
  std::string body_html;
  Millis created_at = 0;
};
std::string comment_message(const CommentEvent& comment);

}  // namespace gh::notify

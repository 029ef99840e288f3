// Notification producers of content/: who hears of a new comment or post, and what they are
// told. Run inside the transaction that writes the comment or post (a notification commits
// with its cause), after the write.
//
// The access rule, in one place: a recipient must pass load_for() (the single-read decision of
// access/) as if they opened the post now. Replies and mentions need the whole post (comments
// are part of a gated post: a locked reader sees none), so their text may quote the comment.
// New posts in a followed tag need only a readable post, and say nothing but its title and
// excerpt, which for a gated post come from the free preview alone (render_body).
#include <set>

#include "content/content.hpp"
#include "notify/hub.hpp"
#include "notify/mentions.hpp"
#include "notify/notifications.hpp"
#include "render/markdown.hpp"

namespace gh::content {
namespace {

constexpr size_t kCommentExcerptChars = 140;
// A new post notifies at most this many followers of its tags inside the request; beyond it
// the rest wait for the durable job queue (not built yet), see src/notify/README.md.
constexpr int kMaxTagFollowers = 2000;

std::vector<UserId> users_named(db::Tx& tx, const std::vector<std::string>& usernames) {
  std::vector<UserId> out;
  if (usernames.empty()) {
    return out;
  }
  std::string sql = "SELECT id FROM users WHERE username_lower IN (";
  std::vector<db::Param> params;
  for (size_t i = 0; i < usernames.size(); ++i) {
    sql += (i ? ", $" : "$") + std::to_string(i + 1);
    params.emplace_back(usernames[i]);
  }
  sql += ") ORDER BY id";
  for (auto r : tx.exec(sql, params)) {
    out.emplace_back(r.i64(0));
  }
  return out;
}

}  // namespace

void Posts::notify_comment(db::Tx& tx, const Post& post, const Comment& comment, std::optional<UserId> parent_author) {
  const Millis now = clock_.now_ms();
  const std::string link = "/p/" + std::to_string(post.id.value) + "#comment-" + std::to_string(comment.id.value);
  const std::string excerpt = render::plain_excerpt(comment.body_md, kCommentExcerptChars);
  std::set<int64_t> asked;  // Each recipient is checked (and notified) once per comment.
  auto tell = [&](UserId to, std::string_view kind) {
    if (to == comment.author.id || !asked.insert(to.value).second) {
      return;
    }
    auto seen = load_for(tx, to, post.id);
    if (!seen || seen->locked) {
      return;
    }
    notify::add(tx,
                {to, std::string(kind), comment.author.id, post.community_id, "comment", comment.id.value, post.title,
                 excerpt, link},
                now);
  };
  // The most specific reason first: a post's author replied to in a thread hears "reply to
  // your comment"; the target (the comment) then keeps them from a second notification.
  if (parent_author) {
    tell(*parent_author, notify::kReplyToComment);
  }
  tell(post.author.id, notify::kReplyToPost);
  for (const auto& user : users_named(tx, notify::parse_mentions(comment.body_md))) {
    tell(user, notify::kMention);
  }
  // Live: to the pages showing this post (their viewers were checked to read it whole).
  notify::CommentEvent event;
  event.id = comment.id.value;
  event.post_id = post.id.value;
  if (comment.parent_id) {
    event.parent_id = comment.parent_id->value;
  }
  event.author_username = comment.author.username;
  event.author_display_name = comment.author.display_name;
  event.body_md = comment.body_md;
  event.body_html = comment.body_html;
  event.created_at = comment.created_at;
  tx.notify(notify::post_topic(post.id), notify::comment_message(event));
}

void Posts::notify_post(db::Tx& tx, const Post& post, std::string_view body_md) {
  // A scheduled post is announced by nobody yet: its readers cannot open it before publish_at
  // (a job at that time will do it once jobs/ exists).
  if (post.status != "published" || post.scheduled) {
    return;
  }
  const Millis now = clock_.now_ms();
  const std::string link = "/p/" + std::to_string(post.id.value);
  std::set<int64_t> told{post.author.id.value};
  auto tell = [&](UserId to, std::string_view kind, bool whole) {
    if (told.count(to.value) > 0) {
      return;
    }
    // A locked reader refused a mention may still hear of the post through a followed tag.
    auto seen = load_for(tx, to, post.id);
    if (!seen || (whole && seen->locked)) {
      return;
    }
    told.insert(to.value);
    notify::add(tx,
                {to, std::string(kind), post.author.id, post.community_id, "post", post.id.value, post.title,
                 post.excerpt, link},
                now);
  };
  // Mentions may sit in the paid part: only readers of the whole post hear of them.
  for (const auto& user : users_named(tx, notify::parse_mentions(body_md))) {
    tell(user, notify::kMention, true);
  }
  if (post.tags.empty()) {
    return;
  }
  std::string sql = "SELECT DISTINCT user_id FROM tag_follows WHERE community_id = $1 AND tag IN (";
  std::vector<db::Param> params{post.community_id.value};
  for (size_t i = 0; i < post.tags.size(); ++i) {
    sql += (i ? ", $" : "$") + std::to_string(i + 3);
    params.emplace_back(post.tags[i]);
  }
  sql += ") ORDER BY user_id LIMIT $2";
  params.insert(params.begin() + 1, db::Param(kMaxTagFollowers));
  for (auto r : tx.exec(sql, params)) {
    tell(UserId(r.i64(0)), notify::kTagPost, false);
  }
}

}  // namespace gh::content

#include "content/qa.hpp"

#include "engage/badges.hpp"
#include "engage/points.hpp"
#include "notify/notifications.hpp"

namespace gh::content {
namespace {

struct CommentFacts {
  PostId post_id;
  UserId author;
  bool is_reply = false;
};

std::optional<CommentFacts> live_comment(db::Tx& tx, CommentId id) {
  auto row = tx.one("SELECT post_id, author_id, parent_id, deleted_at FROM comments WHERE id = $1", {id.value});
  if (!row || !row->row().is_null(3)) {
    return std::nullopt;
  }
  return CommentFacts{PostId(row->row().i64(0)), UserId(row->row().i64(1)), !row->row().is_null(2)};
}

Error comment_not_found() {
  return not_found("content.comment_not_found", "No such comment.");
}

// A live comment and its post as the viewer may load it (`load`: Posts::load_for for them);
// either missing reads as "no such comment".
struct CommentInPost {
  CommentFacts comment;
  Post post;
};
template <class Load>
Result<CommentInPost> comment_in_post(db::Tx& tx, CommentId id, Load load) {
  auto comment = live_comment(tx, id);
  if (!comment) {
    return comment_not_found();
  }
  auto post = load(comment->post_id);
  if (!post) {
    return comment_not_found();
  }
  return CommentInPost{*comment, std::move(*post)};
}

Error locked() {
  return Error{
      ErrorKind::PaymentRequired, "access.locked", "This post is for members with access; join or buy it.", {}, 0};
}

// Pays an open bounty of `post` to `answerer`; 0 when there is none, it is settled, or its
// deadline passed (the sweep returns it).
int64_t pay_bounty(db::Tx& tx, PostId post, UserId answerer, Millis now) {
  auto bounty = tx.one("SELECT community_id, points FROM bounties WHERE post_id = $1", {post.value});
  if (!bounty) {
    return 0;
  }
  const auto won = tx.exec(
      "UPDATE bounties SET status = 'paid', paid_to = $1, settled_at = $2 WHERE post_id = $3 AND status = 'open' "
      "AND deadline_at > $2",
      {answerer.value, now, post.value});
  if (won.affected != 1) {
    return 0;
  }
  const int64_t points = bounty->row().i64(1);
  engage::post_transfer(tx, answerer, CommunityId(bounty->row().i64(0)), points, "bounty_paid", "post", post.value,
                        now);
  return points;
}

std::optional<Bounty> load_bounty(db::Tx& tx, PostId post) {
  auto row =
      tx.one("SELECT asker_id, points, deadline_at, status, paid_to FROM bounties WHERE post_id = $1", {post.value});
  if (!row) {
    return std::nullopt;
  }
  const auto& r = row->row();
  Bounty b{post, UserId(r.i64(0)), r.i64(1), r.i64(2), r.text(3), std::nullopt};
  if (!r.is_null(4)) {
    b.paid_to = UserId(r.i64(4));
  }
  return b;
}

}  // namespace

Status hold_bounty(db::Tx& tx, PostId post, CommunityId community, UserId asker, int64_t points, int64_t days,
                   Millis now) {
  if (points < 1 || points > kMaxBountyPoints) {
    return invalid("qa.invalid_bounty", "A bounty is 1 to 10,000 points.", "bounty_points");
  }
  if (days < 1 || days > kMaxBountyDays) {
    return invalid("qa.invalid_bounty_days", "A bounty runs 1 to 30 days.", "bounty_days");
  }
  // The balance row lock makes "enough points" hold until this transaction commits.
  if (engage::lock_balance(tx, asker, community) < points) {
    return conflict("points.insufficient", "You do not have enough points in this community for this bounty.",
                    "bounty_points");
  }
  auto inserted = tx.exec(
      "INSERT INTO bounties (post_id, community_id, asker_id, points, deadline_at, created_at) "
      "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
      {post.value, community.value, asker.value, points, now + days * engage::kDayMs, now});
  if (inserted.affected != 1) {
    return conflict("qa.bounty_exists", "This question has a bounty already.");
  }
  engage::post_transfer(tx, asker, community, -points, "bounty_hold", "post", post.value, now);
  return {};
}

Questions::Questions(db::Database& db, const Clock& clock, Posts& posts) : db_(db), clock_(clock), posts_(posts) {}

Result<Acceptance> Questions::accept(UserId actor, CommentId answer) {
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<Acceptance> {
    auto found = comment_in_post(tx, answer, [&](PostId p) { return posts_.load_for(tx, actor, p); });
    if (!found) {
      return std::move(found).error();
    }
    const auto* comment = &found->comment;
    const auto* post = &found->post;
    if (post->locked) {
      return locked();
    }
    if (post->kind != "question") {
      return invalid("qa.not_a_question", "Only answers to questions are accepted.");
    }
    if (comment->is_reply) {
      return invalid("qa.not_an_answer", "Replies are not answers; accept a top-level answer.");
    }
    if (actor != post->author.id && !post->viewer_can_moderate) {
      return forbidden("qa.not_asker", "Only the asker or a moderator accepts an answer.");
    }
    if (comment->author == post->author.id) {
      return forbidden("qa.own_answer", "The asker cannot accept their own answer.");
    }
    // Lock the question row: concurrent acceptances of one question happen one at a time.
    tx.exec("UPDATE posts SET accepted_comment_id = accepted_comment_id WHERE id = $1", {post->id.value});
    auto current = tx.one("SELECT accepted_comment_id FROM posts WHERE id = $1", {post->id.value});
    Acceptance out{post->id, answer, comment->author, std::nullopt, 0, 0, {}};
    if (!current->row().is_null(0)) {
      const CommentId previous(current->row().i64(0));
      if (previous == answer) {
        return out;
      }
      out.previous = previous;
      if (auto old = tx.one("SELECT author_id FROM comments WHERE id = $1", {previous.value})) {
        engage::reverse_award(tx,
                              engage::AwardInput{UserId(old->row().i64(0)), post->community_id,
                                                 engage::Act::AnswerAccepted, "comment", previous.value, actor, now},
                              "answer_unaccepted");
      }
    }
    tx.exec("UPDATE posts SET accepted_comment_id = $1 WHERE id = $2", {answer.value, post->id.value});
    out.points = engage::award(tx, engage::AwardInput{comment->author, post->community_id, engage::Act::AnswerAccepted,
                                                      "comment", answer.value, actor, now});
    out.bounty_paid = pay_bounty(tx, post->id, comment->author, now);
    const int64_t accepted = *tx.scalar_i64(
        "SELECT COUNT(*) FROM posts p JOIN comments c ON c.id = p.accepted_comment_id "
        "WHERE c.author_id = $1 AND p.community_id = $2 AND p.status = 'published'",
        {comment->author.value, post->community_id.value});
    for (const auto& [count, badge] :
         {std::pair<int64_t, std::string_view>{1, "first_accepted"}, {10, "ten_accepted"}}) {
      if (accepted >= count && engage::grant_badge(tx, comment->author, post->community_id, badge, now)) {
        out.new_badges.emplace_back(badge);
      }
    }
    // The answerer hears that their answer was accepted (they can read the question: they answered it).
    notify::add(tx,
                {comment->author, "answer_accepted", actor, post->community_id, "comment", answer.value, post->title,
                 "", "/p/" + std::to_string(post->id.value) + "#comment-" + std::to_string(answer.value)},
                now);
    return out;
  });
}

Status Questions::unaccept(UserId actor, CommentId answer) {
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Status {
    auto found = comment_in_post(tx, answer, [&](PostId p) { return posts_.load_for(tx, actor, p); });
    if (!found) {
      return std::move(found).error();
    }
    const auto* comment = &found->comment;
    const auto* post = &found->post;
    if (actor != post->author.id && !post->viewer_can_moderate) {
      return forbidden("qa.not_asker", "Only the asker or a moderator accepts an answer.");
    }
    const auto cleared =
        tx.exec("UPDATE posts SET accepted_comment_id = NULL WHERE id = $1 AND accepted_comment_id = $2",
                {post->id.value, answer.value});
    if (cleared.affected == 1) {
      engage::reverse_award(tx,
                            engage::AwardInput{comment->author, post->community_id, engage::Act::AnswerAccepted,
                                               "comment", answer.value, actor, now},
                            "answer_unaccepted");
    }
    return {};
  });
}

Result<int64_t> Questions::upvote(UserId user, CommentId id) {
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<int64_t> {
    auto found = comment_in_post(tx, id, [&](PostId p) { return posts_.load_for(tx, user, p); });
    if (!found) {
      return std::move(found).error();
    }
    const auto* comment = &found->comment;
    const auto* post = &found->post;
    if (post->locked) {
      return locked();
    }
    if (comment->author == user) {
      return forbidden("content.self_vote", "You cannot upvote your own comment.");
    }
    if (!access::allows(post->viewer_role, access::Action::Vote)) {
      return forbidden("community.members_only", "Join the community to vote.");
    }
    auto inserted = tx.exec(
        "INSERT INTO comment_votes (comment_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        {id.value, user.value, now});
    if (inserted.affected == 1) {
      tx.exec("UPDATE comments SET upvotes = upvotes + 1 WHERE id = $1", {id.value});
      engage::award(tx, engage::AwardInput{comment->author, post->community_id, engage::Act::UpvoteReceived, "comment",
                                           id.value, user, now});
    }
    return *tx.scalar_i64("SELECT upvotes FROM comments WHERE id = $1", {id.value});
  });
}

Result<int64_t> Questions::remove_upvote(UserId user, CommentId id) {
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<int64_t> {
    auto found = comment_in_post(tx, id, [&](PostId p) { return posts_.load_for(tx, user, p); });
    if (!found) {
      return std::move(found).error();
    }
    const auto* comment = &found->comment;
    const auto* post = &found->post;
    auto removed = tx.exec("DELETE FROM comment_votes WHERE comment_id = $1 AND user_id = $2", {id.value, user.value});
    if (removed.affected == 1) {
      tx.exec("UPDATE comments SET upvotes = upvotes - 1 WHERE id = $1", {id.value});
      engage::reverse_award(tx,
                            engage::AwardInput{comment->author, post->community_id, engage::Act::UpvoteReceived,
                                               "comment", id.value, user, now},
                            "upvote_removed");
    }
    return *tx.scalar_i64("SELECT upvotes FROM comments WHERE id = $1", {id.value});
  });
}

Result<Bounty> Questions::offer_bounty(UserId actor, PostId question, int64_t points, int64_t days) {
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<Bounty> {
    auto post = posts_.load_for(tx, actor, question);
    if (!post) {
      return std::move(post).error();
    }
    if (post->kind != "question" || post->status != "published") {
      return invalid("qa.not_a_question", "Bounties go on published questions.");
    }
    if (post->author.id != actor) {
      return forbidden("qa.not_asker", "Only the asker offers a bounty.");
    }
    if (tx.one("SELECT 1 FROM posts WHERE id = $1 AND accepted_comment_id IS NOT NULL", {question.value})) {
      return conflict("qa.already_answered", "This question has an accepted answer.");
    }
    if (auto held = hold_bounty(tx, question, post->community_id, actor, points, days, now); !held) {
      return held.error();
    }
    return *load_bounty(tx, question);
  });
}

std::optional<Bounty> Questions::bounty(PostId question) {
  return db_.read([&](db::Tx& tx) { return load_bounty(tx, question); });
}

std::vector<Settlement> Questions::settle_due(Millis now) {
  auto due = db_.read([&](db::Tx& tx) {
    std::vector<int64_t> ids;
    for (auto r : tx.exec("SELECT post_id FROM bounties WHERE status = 'open' AND deadline_at <= $1 "
                          "ORDER BY deadline_at LIMIT 200",
                          {now})) {
      ids.push_back(r.i64(0));
    }
    return ids;
  });
  std::vector<Settlement> settled;
  for (const auto id : due) {
    db_.write([&](db::Tx& tx) {
      auto row = tx.one("SELECT community_id, asker_id, points FROM bounties WHERE post_id = $1", {id});
      const auto won = tx.exec(
          "UPDATE bounties SET status = 'returned', settled_at = $1 WHERE post_id = $2 AND status = 'open' "
          "AND deadline_at <= $1",
          {now, id});
      if (won.affected != 1) {
        return;
      }
      const UserId asker(row->row().i64(1));
      const int64_t points = row->row().i64(2);
      engage::post_transfer(tx, asker, CommunityId(row->row().i64(0)), points, "bounty_returned", "post", id, now);
      // The asker learns that nobody's answer was accepted in time and the points are back.
      auto title = tx.one("SELECT title FROM posts WHERE id = $1", {id});
      notify::add(
          tx,
          {asker, std::string(notify::kBountyReturned), std::nullopt, CommunityId(row->row().i64(0)), "bounty", id,
           title ? title->row().text(0) : std::string(), "+" + std::to_string(points), "/p/" + std::to_string(id)},
          now);
      settled.push_back(Settlement{PostId(id), asker, points});
    });
  }
  return settled;
}

}  // namespace gh::content

// gh::content Q&A: questions are posts of kind "question"; answers are their top-level
// comments. The asker (or a moderator and up) accepts one answer (accepting another moves
// it); members upvote answers (and any comment) once, never their own. A question may carry a
// point bounty, held from the asker's balance when offered, then paid to the author of the
// first accepted answer, or returned to the asker when nothing is accepted before the
// deadline (settle_due, called periodically by app/). Each bounty settles exactly once: its
// row leaves 'open' by a conditional UPDATE, which an acceptance and the sweep cannot both win.
// Thread-safe: state lives in the database.
#pragma once

#include <optional>
#include <vector>

#include "content/content.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "db/db.hpp"

namespace gh::content {

inline constexpr int64_t kMaxBountyPoints = 10'000;
inline constexpr int64_t kDefaultBountyDays = 7;
inline constexpr int64_t kMaxBountyDays = 30;

struct Bounty {
  PostId post_id;
  UserId asker;
  int64_t points = 0;
  Millis deadline_at = 0;
  std::string status;  // open | paid | returned
  std::optional<UserId> paid_to;
};

// What an acceptance changed, for the caller's notifications.
struct Acceptance {
  PostId post_id;
  CommentId comment_id;
  UserId answerer;
  std::optional<CommentId> previous;  // The answer it replaced.
  int64_t points = 0;                 // Points the answerer earned for it.
  int64_t bounty_paid = 0;            // Bounty points paid to the answerer now.
  std::vector<std::string> new_badges;
};

struct Settlement {
  PostId post_id;
  UserId asker;
  int64_t points = 0;
};

// Holds `points` from the asker for question `post` (in the caller's transaction).
// REQUIRES: the caller checked that `asker` asked `post`, a published question.
Status hold_bounty(db::Tx& tx, PostId post, CommunityId community, UserId asker, int64_t points, int64_t days,
                   Millis now);

class Questions {
 public:
  Questions(db::Database& db, const Clock& clock, Posts& posts);

  Result<Acceptance> accept(UserId actor, CommentId answer);
  Status unaccept(UserId actor, CommentId answer);

  // Idempotent; the comment's upvote count after the change.
  Result<int64_t> upvote(UserId user, CommentId comment);
  Result<int64_t> remove_upvote(UserId user, CommentId comment);

  // The asker offers a bounty later (one per question, while unanswered).
  Result<Bounty> offer_bounty(UserId actor, PostId question, int64_t points, int64_t days);
  std::optional<Bounty> bounty(PostId question);

  // Returns the bounties of questions with nothing accepted by their deadline (at `now`) to
  // their askers. Safe to run on several servers at once.
  std::vector<Settlement> settle_due(Millis now);

 private:
  db::Database& db_;
  const Clock& clock_;
  Posts& posts_;
};

}  // namespace gh::content

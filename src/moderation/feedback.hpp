// gh::moderation feedback: a member's feedback or complaint to a community's owners, as a
// ticket with a subject, a thread of messages and a status (open | answered | closed).
//
// Owners and admins see and answer every ticket of their community; everyone else only their
// own. An answer by the owners makes the ticket "answered"; a new message by its author opens
// it again; either side may close it, and a closed ticket takes no more messages. Banned
// members may still write (to appeal). Thread-safe; state lives in the database.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "content/content.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "db/db.hpp"

namespace gh::moderation {

inline constexpr size_t kMaxSubjectChars = 200;
inline constexpr size_t kMaxMessageChars = 10'000;

struct Message {
  int64_t id = 0;
  content::Author author;
  std::string body;
  bool from_staff = false;  // Written by an owner or admin of the community.
  Millis created_at = 0;
};

struct Ticket {
  int64_t id = 0;
  CommunityId community;
  std::string community_slug;
  std::string community_name;
  content::Author author;
  std::string subject;
  std::string status;  // open | answered | closed
  Millis created_at = 0;
  Millis updated_at = 0;
  std::vector<Message> messages;  // Loaded by get() and the writes, not by list().
  bool viewer_is_staff = false;
};

class Feedback {
 public:
  Feedback(db::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Any signed-in user who can see the community. Errors: feedback.invalid_subject,
  // feedback.invalid_body (Invalid, with the field), community.not_found.
  Result<Ticket> open(UserId author, std::string_view community_slug, std::string_view subject, std::string_view body);
  // Staff: every ticket of the community; others: their own. Most recently active first.
  Result<std::vector<Ticket>> list(UserId viewer, std::string_view community_slug);
  // feedback.not_found for tickets the viewer may not see.
  Result<Ticket> get(UserId viewer, int64_t id);
  // feedback.closed (Conflict) once closed.
  Result<Ticket> reply(UserId viewer, int64_t id, std::string_view body);
  Result<Ticket> close(UserId viewer, int64_t id);

 private:
  Result<Ticket> load(db::Tx& tx, UserId viewer, int64_t id);

  db::Database& db_;
  const Clock& clock_;
};

// Checks a message text: trimmed, 1..kMaxMessageChars characters.
// The community's owners and admins: who hears of new feedback and disputes.
std::vector<UserId> community_managers(db::Tx& tx, CommunityId community);
// Tells each of `recipients` but `actor` of a new message in a thread (a ticket or a dispute):
// target (`target_type`, message id), so every message notifies once.
void notify_message(db::Tx& tx, const std::vector<UserId>& recipients, UserId actor, std::string_view kind,
                    CommunityId community, std::string_view target_type, int64_t message_id, std::string_view title,
                    std::string_view text, std::string link, Millis now);

Result<std::string> clean_message(std::string_view body, std::string_view code_prefix);

}  // namespace gh::moderation

// gh::moderation: reports, the moderation queue, acts on content and members, the audit log.
//
// Members report posts, comments and members; moderators and up of the community see open
// reports grouped by target (the queue), hide and restore posts and comments, warn, mute, ban
// and unban members, and resolve reports. Every act is one row of the audit log in the same
// transaction as its effect. Rank rules: nobody acts on the owner (nor on themselves);
// moderators do not act on admins. What a mute or ban forbids is decided in access/
// (sanctions.hpp), where posting, commenting, voting and joining are decided.
//
// Concurrency: acts are conditional writes (`... WHERE status = 'open'`, `hidden_at IS NULL`,
// `ON CONFLICT DO NOTHING`), so two moderators doing the same thing at once record it once and
// the second gets a Conflict. Thread-safe; state lives in the database.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "access/access.hpp"
#include "content/content.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "db/db.hpp"

namespace gh::moderation {

inline constexpr size_t kMaxReasonChars = 1000;
inline constexpr int64_t kMaxMuteMinutes = 60 * 24 * 365;

using content::Author;

struct Report {
  int64_t id = 0;
  CommunityId community;
  std::string community_slug;
  Author reporter;
  std::string target_type;  // post | comment | user
  int64_t target_id = 0;
  std::string reason;
  std::string status;  // open | actioned | dismissed
  Millis created_at = 0;
  std::optional<Millis> resolved_at;
  std::string resolution_note;
};

struct ReportInput {
  std::string target_type;
  int64_t target_id = 0;        // Post or comment id, or the user id.
  std::string target_username;  // For target_type user: instead of target_id.
  std::string community_slug;   // For target_type user: where they misbehaved.
  std::string reason;
};

// One reported target with its open reports, newest first.
struct QueueItem {
  std::string target_type;
  int64_t target_id = 0;
  Author target_user;
  int64_t post_id = 0;  // The post, or the comment's post; 0 for members.
  std::string title;    // The post's title (moderators may read it whole anyway).
  bool hidden = false;
  Millis latest_at = 0;
  std::vector<Report> reports;
};

struct LogEntry {
  int64_t id = 0;
  CommunityId community;
  Author actor;
  std::string action;       // hide_post | restore_post | hide_comment | restore_comment | warn | mute |
                            // unmute | ban | unban | resolve_report | dismiss_report
  std::string target_type;  // post | comment | user | report
  int64_t target_id = 0;
  std::optional<Author> target_user;
  std::string reason;
  std::optional<Millis> ends_at;  // Mutes.
  Millis created_at = 0;
};

struct LogPage {
  std::vector<LogEntry> entries;
  std::optional<std::string> next_cursor;
};

// What a viewer may do on a community's moderation pages.
struct Standing {
  access::Role role = access::Role::None;
  bool banned = false;
  std::optional<Millis> muted_until;
};

class Moderation {
 public:
  Moderation(db::Database& db, const Clock& clock, content::Posts& posts) : db_(db), clock_(clock), posts_(posts) {}

  // Any signed-in user who can see the target. Errors: moderation.invalid_target (Invalid),
  // moderation.reason_required / reason_too_long (Invalid, field reason), NotFound for a
  // target the reporter cannot see (as if absent), moderation.self_report (Invalid),
  // moderation.already_reported (Conflict: an open report by the same reporter on it).
  // The answer names the target only, never its content.
  Result<Report> report(UserId reporter, const ReportInput& input);

  // Moderators and up: open reports grouped by target, most recently reported first.
  Result<std::vector<QueueItem>> queue(UserId viewer, std::string_view community_slug);

  // Moderators and up: actioned | dismissed. moderation.report_resolved (Conflict) when
  // another moderator resolved it first.
  Result<Report> resolve(UserId actor, int64_t report_id, std::string_view resolution, std::string_view note);

  // Moderators and up of the post's community. Hiding also marks the target's open reports
  // actioned. moderation.already_hidden / not_hidden (Conflict).
  Result<LogEntry> hide_post(UserId actor, PostId id, std::string_view reason);
  Result<LogEntry> restore_post(UserId actor, PostId id, std::string_view reason);
  Result<LogEntry> hide_comment(UserId actor, CommentId id, std::string_view reason);
  Result<LogEntry> restore_comment(UserId actor, CommentId id, std::string_view reason);

  // Moderators and up, on a user by username. A warning needs a message (reason).
  Result<LogEntry> warn(UserId actor, std::string_view community_slug, std::string_view username,
                        std::string_view message);
  // 1 minute to a year; a new mute replaces the one in force.
  Result<LogEntry> mute(UserId actor, std::string_view community_slug, std::string_view username, int64_t minutes,
                        std::string_view reason);
  Result<LogEntry> unmute(UserId actor, std::string_view community_slug, std::string_view username,
                          std::string_view reason);
  // moderation.already_banned / not_banned (Conflict).
  Result<LogEntry> ban(UserId actor, std::string_view community_slug, std::string_view username,
                       std::string_view reason);
  Result<LogEntry> unban(UserId actor, std::string_view community_slug, std::string_view username,
                         std::string_view reason);

  // Moderators and up: the audit log, newest first, by cursor.
  Result<LogPage> log(UserId viewer, std::string_view community_slug, std::optional<std::string> cursor, int limit);

  // A user's warnings in a community (their own, or any for moderators and up).
  Result<std::vector<LogEntry>> warnings(UserId viewer, std::string_view community_slug, std::string_view username);

  Standing standing(std::optional<UserId> viewer, CommunityId community);

 private:
  struct Target {
    CommunityId community;
    UserId user;
  };
  Result<LogEntry> act_on_user(UserId actor, std::string_view community_slug, std::string_view username,
                               std::string_view action, std::string_view reason, std::optional<Millis> ends_at);
  Result<LogEntry> set_hidden(UserId actor, std::string_view target_type, int64_t id, bool hide,
                              std::string_view reason);

  db::Database& db_;
  const Clock& clock_;
  content::Posts& posts_;
};

// Checks a free-text reason: trimmed, 1..kMaxReasonChars characters when `required`.
Result<std::string> clean_reason(std::string_view reason, bool required, std::string_view field = "reason");

}  // namespace gh::moderation

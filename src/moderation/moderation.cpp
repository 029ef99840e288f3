#include "moderation/moderation.hpp"

#include <algorithm>
#include <map>

#include "access/sanctions.hpp"
#include "core/cursor.hpp"
#include "core/text.hpp"
#include "engage/points.hpp"
#include "notify/hub.hpp"
#include "notify/notifications.hpp"

namespace gh::moderation {
namespace {

Error not_moderator() {
  return forbidden("moderation.moderators_only", "Only moderators and up of this community moderate it.");
}

std::optional<CommunityId> find_community(db::Tx& tx, std::string_view slug) {
  auto id = tx.scalar_i64("SELECT id FROM communities WHERE slug = $1", {std::string(slug)});
  return id ? std::optional<CommunityId>(CommunityId(*id)) : std::nullopt;
}

Author author_of(db::Tx& tx, UserId user) {
  auto row = tx.one("SELECT username, display_name FROM users WHERE id = $1", {user.value});
  return row ? Author{user, row->row().text(0), row->row().text(1)} : Author{user, "", ""};
}

// The raw role of the target (a banned admin is still an admin for the rank rule).
access::Role stored_role(db::Tx& tx, UserId user, CommunityId community) {
  auto row = tx.one("SELECT role FROM members WHERE community_id = $1 AND user_id = $2", {community.value, user.value});
  return row ? access::parse_role(row->row().text(0)).value_or(access::Role::None) : access::Role::None;
}

// The rank rule: moderators and up act; nobody on the owner or on themselves; only admins and
// the owner on admins.
Status may_act_on(db::Tx& tx, UserId actor, UserId target, CommunityId community) {
  const auto actor_role = access::role_in(tx, actor, community);
  if (!access::allows(actor_role, access::Action::Moderate)) {
    return not_moderator();
  }
  if (actor == target) {
    return forbidden("moderation.self", "You cannot moderate yourself.");
  }
  const auto target_role = stored_role(tx, target, community);
  if (target_role == access::Role::Owner) {
    return forbidden("moderation.target_owner", "Nobody moderates the community's owner.");
  }
  if (target_role == access::Role::Admin && actor_role < access::Role::Admin) {
    return forbidden("moderation.target_outranks", "Moderators cannot act on admins.");
  }
  return {};
}

constexpr std::string_view kLogColumns =
    "l.id, l.community_id, a.id, a.username, a.display_name, l.action, l.target_type, l.target_id, t.id, "
    "t.username, t.display_name, l.reason, l.ends_at, l.created_at FROM moderation_log l JOIN users a ON a.id = "
    "l.actor_id LEFT JOIN users t ON t.id = l.target_user_id";

LogEntry log_from_row(const db::Row& r) {
  LogEntry e;
  e.id = r.i64(0);
  e.community = CommunityId(r.i64(1));
  e.actor = Author{UserId(r.i64(2)), r.text(3), r.text(4)};
  e.action = r.text(5);
  e.target_type = r.text(6);
  e.target_id = r.i64(7);
  if (!r.is_null(8)) {
    e.target_user = Author{UserId(r.i64(8)), r.text(9), r.text(10)};
  }
  e.reason = r.text(11);
  e.ends_at = r.opt_i64(12);
  e.created_at = r.i64(13);
  return e;
}

LogEntry record(db::Tx& tx, CommunityId community, UserId actor, std::string_view action, std::string_view target_type,
                int64_t target_id, std::optional<UserId> target_user, std::string_view reason,
                std::optional<Millis> ends_at, Millis now) {
  auto id = tx.scalar_i64(
      "INSERT INTO moderation_log (community_id, actor_id, action, target_type, target_id, target_user_id, reason, "
      "ends_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
      {community.value, actor.value, std::string(action), std::string(target_type), target_id,
       target_user ? std::optional<int64_t>(target_user->value) : std::nullopt, std::string(reason), ends_at, now});
  auto row = tx.one("SELECT " + std::string(kLogColumns) + " WHERE l.id = $1", {*id});
  // The member acted on hears of it, with the moderator's reason, in the same transaction.
  static constexpr std::string_view kTold[] = {
      "hide_post", "restore_post", "hide_comment", "restore_comment", "warn", "mute", "unmute", "ban", "unban"};
  if (target_user && *target_user != actor &&
      std::find(std::begin(kTold), std::end(kTold), action) != std::end(kTold)) {
    auto where = tx.one("SELECT slug, name FROM communities WHERE id = $1", {community.value});
    const std::string link = target_type == "post" ? "/p/" + std::to_string(target_id) : "/c/" + where->row().text(0);
    notify::add(tx,
                {*target_user, "moderation_" + std::string(action), actor, community, "moderation", *id,
                 where->row().text(1), std::string(reason), link},
                now);
  }
  return log_from_row(row->row());
}

constexpr std::string_view kReportColumns =
    "r.id, r.community_id, c.slug, u.id, u.username, u.display_name, r.target_type, r.target_id, r.reason, "
    "r.status, r.created_at, r.resolved_at, r.resolution_note, r.target_user_id FROM reports r JOIN communities c ON "
    "c.id = r.community_id JOIN users u ON u.id = r.reporter_id";

Report report_from_row(const db::Row& r) {
  Report report;
  report.id = r.i64(0);
  report.community = CommunityId(r.i64(1));
  report.community_slug = r.text(2);
  report.reporter = Author{UserId(r.i64(3)), r.text(4), r.text(5)};
  report.target_type = r.text(6);
  report.target_id = r.i64(7);
  report.reason = r.text(8);
  report.status = r.text(9);
  report.created_at = r.i64(10);
  report.resolved_at = r.opt_i64(11);
  report.resolution_note = r.text(12);
  return report;
}

}  // namespace

Result<std::string> clean_reason(std::string_view reason, bool required, std::string_view field) {
  auto text = text::trim(reason);
  if (!text::is_valid_utf8(text) || text::utf8_length(text) > kMaxReasonChars) {
    return invalid("moderation.reason_too_long", "A reason has at most 1,000 characters.", std::string(field));
  }
  if (required && text.empty()) {
    return invalid("moderation.reason_required", "Give a reason.", std::string(field));
  }
  return text;
}

Result<Report> Moderation::report(UserId reporter, const ReportInput& input) {
  auto reason = clean_reason(input.reason, true);
  if (!reason) {
    return std::move(reason).error();
  }
  // The reporter must be able to see what they report; the answer never carries its content.
  if (input.target_type == "post") {
    if (auto post = posts_.get(reporter, PostId(input.target_id), content::Posts::CountView::No); !post) {
      return std::move(post).error();
    }
  } else if (input.target_type == "comment") {
    const auto facts =
        db_.read([&](db::Tx& tx) { return content::find_comment_target(tx, CommentId(input.target_id)); });
    if (!facts) {
      return not_found("content.comment_not_found", "No such comment.");
    }
    auto comments = posts_.comments(reporter, facts->post);
    if (!comments || std::none_of(comments->begin(), comments->end(), [&](const content::Comment& c) {
          return c.id.value == input.target_id && !c.deleted;
        })) {
      return not_found("content.comment_not_found", "No such comment.");
    }
  } else if (input.target_type != "user") {
    return invalid("moderation.invalid_target", "target_type is post, comment or user.", "target_type");
  }
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<Report> {
    CommunityId community;
    UserId target_user;
    int64_t target_id = input.target_id;
    if (input.target_type == "post") {
      auto facts = content::find_post_target(tx, PostId(target_id));
      if (!facts) {
        return not_found("content.post_not_found", "No such post.");
      }
      community = facts->community;
      target_user = facts->author;
    } else if (input.target_type == "comment") {
      auto facts = content::find_comment_target(tx, CommentId(target_id));
      if (!facts) {
        return not_found("content.comment_not_found", "No such comment.");
      }
      community = facts->community;
      target_user = facts->author;
    } else {
      auto found = find_community(tx, input.community_slug);
      if (!found) {
        return not_found("community.not_found", "No such community.");
      }
      community = *found;
      if (!input.target_username.empty()) {
        auto id = tx.scalar_i64("SELECT id FROM users WHERE username_lower = $1",
                                {text::to_lower_ascii(input.target_username)});
        target_id = id.value_or(0);
      }
      // Members of the community only (banned ones included: they may still be reported).
      if (stored_role(tx, UserId(target_id), community) == access::Role::None) {
        return not_found("moderation.member_not_found", "No such member in this community.");
      }
      const auto reporter_role = access::role_in(tx, reporter, community);
      auto is_public = tx.scalar_i64("SELECT is_public FROM communities WHERE id = $1", {community.value});
      if (reporter_role == access::Role::None && is_public.value_or(0) == 0) {
        return not_found("moderation.member_not_found", "No such member in this community.");
      }
      target_user = UserId(target_id);
    }
    if (target_user == reporter) {
      return invalid("moderation.self_report", "You cannot report yourself or what you wrote.", "target_id");
    }
    auto id = tx.scalar_i64(
        "INSERT INTO reports (community_id, reporter_id, target_type, target_id, target_user_id, reason, status, "
        "created_at) VALUES ($1, $2, $3, $4, $5, $6, 'open', $7) ON CONFLICT DO NOTHING RETURNING id",
        {community.value, reporter.value, input.target_type, target_id, target_user.value, *reason, now});
    if (!id) {
      return conflict("moderation.already_reported", "You have already reported this; moderators will look at it.");
    }
    auto row = tx.one("SELECT " + std::string(kReportColumns) + " WHERE r.id = $1", {*id});
    return report_from_row(row->row());
  });
}

Result<std::vector<QueueItem>> Moderation::queue(UserId viewer, std::string_view community_slug) {
  return db_.read([&](db::Tx& tx) -> Result<std::vector<QueueItem>> {
    auto community = find_community(tx, community_slug);
    if (!community) {
      return not_found("community.not_found", "No such community.");
    }
    if (!access::allows(access::role_in(tx, viewer, *community), access::Action::Moderate)) {
      return not_moderator();
    }
    std::vector<QueueItem> items;
    std::map<std::pair<std::string, int64_t>, size_t> index;
    for (auto r : tx.exec("SELECT " + std::string(kReportColumns) +
                              " WHERE r.community_id = $1 AND r.status = 'open' ORDER BY r.created_at DESC, r.id DESC "
                              "LIMIT 1000",
                          {community->value})) {
      auto report = report_from_row(r);
      const auto key = std::make_pair(report.target_type, report.target_id);
      auto it = index.find(key);
      if (it == index.end()) {
        QueueItem item;
        item.target_type = report.target_type;
        item.target_id = report.target_id;
        item.target_user.id = UserId(r.i64(13));
        item.latest_at = report.created_at;
        it = index.emplace(key, items.size()).first;
        items.push_back(std::move(item));
      }
      items[it->second].reports.push_back(std::move(report));
    }
    for (auto& item : items) {
      item.target_user = author_of(tx, item.target_user.id);
      if (item.target_type == "post") {
        auto row = tx.one("SELECT title, hidden_at FROM posts WHERE id = $1", {item.target_id});
        if (row) {
          item.post_id = item.target_id;
          item.title = row->row().text(0);
          item.hidden = !row->row().is_null(1);
        }
      } else if (item.target_type == "comment") {
        auto row =
            tx.one("SELECT p.id, p.title, c.hidden_at FROM comments c JOIN posts p ON p.id = c.post_id WHERE c.id = $1",
                   {item.target_id});
        if (row) {
          item.post_id = row->row().i64(0);
          item.title = row->row().text(1);
          item.hidden = !row->row().is_null(2);
        }
      }
    }
    return items;
  });
}

Result<Report> Moderation::resolve(UserId actor, int64_t report_id, std::string_view resolution,
                                   std::string_view note) {
  if (resolution != "actioned" && resolution != "dismissed") {
    return invalid("moderation.invalid_resolution", "resolution is actioned or dismissed.", "resolution");
  }
  auto clean_note = clean_reason(note, false, "note");
  if (!clean_note) {
    return std::move(clean_note).error();
  }
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<Report> {
    auto row = tx.one("SELECT community_id FROM reports WHERE id = $1", {report_id});
    if (!row) {
      return not_found("moderation.report_not_found", "No such report.");
    }
    const CommunityId community(row->row().i64(0));
    if (!access::allows(access::role_in(tx, actor, community), access::Action::Moderate)) {
      return not_found("moderation.report_not_found", "No such report.");
    }
    auto updated = tx.exec(
        "UPDATE reports SET status = $1, resolved_by = $2, resolved_at = $3, resolution_note = $4 "
        "WHERE id = $5 AND status = 'open'",
        {std::string(resolution), actor.value, now, *clean_note, report_id});
    if (updated.affected != 1) {
      return conflict("moderation.report_resolved", "This report has already been resolved.");
    }
    auto report = tx.one("SELECT " + std::string(kReportColumns) + " WHERE r.id = $1", {report_id});
    record(tx, community, actor, resolution == "actioned" ? "resolve_report" : "dismiss_report", "report", report_id,
           UserId(report->row().i64(13)), *clean_note, std::nullopt, now);
    auto resolved = report_from_row(report->row());
    // The reporter hears how their report ended (never who or what beyond their own report).
    auto where = tx.one("SELECT slug, name FROM communities WHERE id = $1", {community.value});
    notify::add(tx,
                {resolved.reporter.id, "report_" + std::string(resolution), actor, community, "report", report_id,
                 where->row().text(1), *clean_note, "/c/" + where->row().text(0)},
                now);
    return resolved;
  });
}

Result<LogEntry> Moderation::set_hidden(UserId actor, std::string_view target_type, int64_t id, bool hide,
                                        std::string_view reason) {
  auto clean = clean_reason(reason, false);
  if (!clean) {
    return std::move(clean).error();
  }
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<LogEntry> {
    const bool is_post = target_type == "post";
    auto facts = is_post ? content::find_post_target(tx, PostId(id)) : content::find_comment_target(tx, CommentId(id));
    if (!facts) {
      return is_post ? not_found("content.post_not_found", "No such post.")
                     : not_found("content.comment_not_found", "No such comment.");
    }
    // Someone who may not moderate learns nothing about the item beyond what they can see.
    if (!access::allows(access::role_in(tx, actor, facts->community), access::Action::Moderate)) {
      return not_moderator();
    }
    if (auto ok = may_act_on(tx, actor, facts->author, facts->community); !ok) {
      return ok.error();
    }
    const std::optional<Millis> at = hide ? std::optional<Millis>(now) : std::nullopt;
    const bool changed =
        is_post ? content::set_post_hidden(tx, PostId(id), at) : content::set_comment_hidden(tx, CommentId(id), at);
    if (!changed) {
      return hide ? conflict("moderation.already_hidden", "This is already hidden.")
                  : conflict("moderation.not_hidden", "This is not hidden.");
    }
    if (hide) {
      // Farming resistance: what the removed content earned (its publication, its acceptance,
      // the upvotes it received) is taken back by new entries in the points ledger. Restoring
      // does not pay again: a moderator who restores content restores it, not its points.
      engage::reverse_points_for(tx, target_type, id, "content_removed", now);
      // Hiding is the action the open reports asked for.
      tx.exec(
          "UPDATE reports SET status = 'actioned', resolved_by = $1, resolved_at = $2 WHERE target_type = $3 AND "
          "target_id = $4 AND status = 'open'",
          {actor.value, now, std::string(target_type), id});
    }
    const std::string action = std::string(hide ? "hide_" : "restore_") + std::string(target_type);
    return record(tx, facts->community, actor, action, target_type, id, facts->author, *clean, std::nullopt, now);
  });
}

Result<LogEntry> Moderation::hide_post(UserId actor, PostId id, std::string_view reason) {
  return set_hidden(actor, "post", id.value, true, reason);
}
Result<LogEntry> Moderation::restore_post(UserId actor, PostId id, std::string_view reason) {
  return set_hidden(actor, "post", id.value, false, reason);
}
Result<LogEntry> Moderation::hide_comment(UserId actor, CommentId id, std::string_view reason) {
  return set_hidden(actor, "comment", id.value, true, reason);
}
Result<LogEntry> Moderation::restore_comment(UserId actor, CommentId id, std::string_view reason) {
  return set_hidden(actor, "comment", id.value, false, reason);
}

Result<LogEntry> Moderation::act_on_user(UserId actor, std::string_view community_slug, std::string_view username,
                                         std::string_view action, std::string_view reason,
                                         std::optional<Millis> ends_at) {
  auto clean = clean_reason(reason, action == "warn", action == "warn" ? "message" : "reason");
  if (!clean) {
    return std::move(clean).error();
  }
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<LogEntry> {
    auto community = find_community(tx, community_slug);
    if (!community) {
      return not_found("community.not_found", "No such community.");
    }
    if (!access::allows(access::role_in(tx, actor, *community), access::Action::Moderate)) {
      return not_moderator();
    }
    auto target_id = tx.scalar_i64("SELECT id FROM users WHERE username_lower = $1", {text::to_lower_ascii(username)});
    if (!target_id) {
      return invalid("moderation.user_not_found", "No such user.", "username");
    }
    const UserId target(*target_id);
    if (auto ok = may_act_on(tx, actor, target, *community); !ok) {
      return ok.error();
    }
    if (action == "mute") {
      tx.exec(
          "INSERT INTO community_mutes (community_id, user_id, muted_by, reason, ends_at, created_at) "
          "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (community_id, user_id) DO UPDATE SET muted_by = "
          "excluded.muted_by, reason = excluded.reason, ends_at = excluded.ends_at, created_at = excluded.created_at",
          {community->value, target.value, actor.value, *clean, ends_at, now});
    } else if (action == "unmute") {
      auto removed = tx.exec("DELETE FROM community_mutes WHERE community_id = $1 AND user_id = $2 AND ends_at > $3",
                             {community->value, target.value, now});
      if (removed.affected != 1) {
        return conflict("moderation.not_muted", "This member is not muted.");
      }
    } else if (action == "ban") {
      auto inserted = tx.exec(
          "INSERT INTO community_bans (community_id, user_id, banned_by, reason, created_at) VALUES ($1, $2, $3, $4, "
          "$5) ON CONFLICT DO NOTHING",
          {community->value, target.value, actor.value, *clean, now});
      if (inserted.affected != 1) {
        return conflict("moderation.already_banned", "This member is already banned.");
      }
      notify::access_changed(tx, target);  // Their open pages stop receiving comments.
    } else if (action == "unban") {
      auto removed = tx.exec("DELETE FROM community_bans WHERE community_id = $1 AND user_id = $2",
                             {community->value, target.value});
      if (removed.affected != 1) {
        return conflict("moderation.not_banned", "This member is not banned.");
      }
    }
    return record(tx, *community, actor, action, "user", target.value, target, *clean, ends_at, now);
  });
}

Result<LogEntry> Moderation::warn(UserId actor, std::string_view community_slug, std::string_view username,
                                  std::string_view message) {
  return act_on_user(actor, community_slug, username, "warn", message, std::nullopt);
}

Result<LogEntry> Moderation::mute(UserId actor, std::string_view community_slug, std::string_view username,
                                  int64_t minutes, std::string_view reason) {
  if (minutes < 1 || minutes > kMaxMuteMinutes) {
    return invalid("moderation.invalid_duration", "A mute lasts from 1 minute to 1 year.", "minutes");
  }
  return act_on_user(actor, community_slug, username, "mute", reason, clock_.now_ms() + minutes * 60'000);
}

Result<LogEntry> Moderation::unmute(UserId actor, std::string_view community_slug, std::string_view username,
                                    std::string_view reason) {
  return act_on_user(actor, community_slug, username, "unmute", reason, std::nullopt);
}

Result<LogEntry> Moderation::ban(UserId actor, std::string_view community_slug, std::string_view username,
                                 std::string_view reason) {
  return act_on_user(actor, community_slug, username, "ban", reason, std::nullopt);
}

Result<LogEntry> Moderation::unban(UserId actor, std::string_view community_slug, std::string_view username,
                                   std::string_view reason) {
  return act_on_user(actor, community_slug, username, "unban", reason, std::nullopt);
}

Result<LogPage> Moderation::log(UserId viewer, std::string_view community_slug, std::optional<std::string> cursor,
                                int limit) {
  limit = std::clamp(limit, 1, 100);
  std::optional<int64_t> before;
  if (cursor) {
    auto keys = cursor::decode(*cursor, 1);
    if (!keys) {
      return invalid("pagination.invalid_cursor", "This cursor is not valid.", "cursor");
    }
    before = (*keys)[0];
  }
  return db_.read([&](db::Tx& tx) -> Result<LogPage> {
    auto community = find_community(tx, community_slug);
    if (!community) {
      return not_found("community.not_found", "No such community.");
    }
    if (!access::allows(access::role_in(tx, viewer, *community), access::Action::Moderate)) {
      return not_moderator();
    }
    LogPage page;
    for (auto r : tx.exec("SELECT " + std::string(kLogColumns) +
                              " WHERE l.community_id = $1 AND (CAST($2 AS BIGINT) IS NULL OR l.id < $2) "
                              "ORDER BY l.id DESC LIMIT " +
                              std::to_string(limit + 1),
                          {community->value, before})) {
      page.entries.push_back(log_from_row(r));
    }
    if (static_cast<int>(page.entries.size()) > limit) {
      page.entries.pop_back();
      page.next_cursor = cursor::encode({page.entries.back().id});
    }
    return page;
  });
}

Result<std::vector<LogEntry>> Moderation::warnings(UserId viewer, std::string_view community_slug,
                                                   std::string_view username) {
  return db_.read([&](db::Tx& tx) -> Result<std::vector<LogEntry>> {
    auto community = find_community(tx, community_slug);
    if (!community) {
      return not_found("community.not_found", "No such community.");
    }
    auto target = tx.scalar_i64("SELECT id FROM users WHERE username_lower = $1", {text::to_lower_ascii(username)});
    const bool self = target && UserId(*target) == viewer;
    if (!self && !access::allows(access::role_in(tx, viewer, *community), access::Action::Moderate)) {
      return not_moderator();
    }
    std::vector<LogEntry> out;
    for (auto r : tx.exec("SELECT " + std::string(kLogColumns) +
                              " WHERE l.community_id = $1 AND l.target_user_id = $2 AND l.action = 'warn' "
                              "ORDER BY l.id DESC LIMIT 100",
                          {community->value, target.value_or(0)})) {
      out.push_back(log_from_row(r));
    }
    return out;
  });
}

Standing Moderation::standing(std::optional<UserId> viewer, CommunityId community) {
  if (!viewer) {
    return {};
  }
  return db_.read([&](db::Tx& tx) {
    return Standing{access::role_in(tx, viewer, community), access::is_banned(tx, *viewer, community),
                    access::muted_until(tx, *viewer, community, clock_.now_ms())};
  });
}

}  // namespace gh::moderation

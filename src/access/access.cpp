#include "access/access.hpp"

#include <array>
#include <utility>

namespace gh::access {
namespace {

constexpr std::array<std::pair<Role, std::string_view>, 5> kRoleNames = {{
    {Role::Owner, "owner"},
    {Role::Admin, "admin"},
    {Role::Moderator, "moderator"},
    {Role::Creator, "creator"},
    {Role::Member, "member"},
}};

}  // namespace

std::string_view role_name(Role role) {
  for (const auto& [r, name] : kRoleNames) {
    if (r == role) {
      return name;
    }
  }
  return "";
}

std::optional<Role> parse_role(std::string_view name) {
  for (const auto& [r, n] : kRoleNames) {
    if (n == name) {
      return r;
    }
  }
  return std::nullopt;
}

Role role_in(db::Tx& tx, std::optional<UserId> user, CommunityId community) {
  if (!user) {
    return Role::None;
  }
  // A banned member keeps their row (unbanning restores the role) but holds no role meanwhile.
  auto row = tx.one(
      "SELECT m.role FROM members m WHERE m.community_id = $1 AND m.user_id = $2 AND NOT EXISTS "
      "(SELECT 1 FROM community_bans b WHERE b.community_id = m.community_id AND b.user_id = m.user_id)",
      {community.value, user->value});
  if (!row) {
    return Role::None;
  }
  return parse_role(row->row().text(0)).value_or(Role::None);
}

bool allows(Role role, Action action) {
  switch (action) {
    case Action::EditCommunity:
    case Action::ManageBilling:
    case Action::ChangeRoles: return role >= Role::Admin;
    case Action::PostLongForm:
    case Action::GateContent: return role >= Role::Creator;
    case Action::PostShortForm:
    case Action::Comment:
    case Action::Vote: return role >= Role::Member;
    case Action::Moderate:
    case Action::SeeScheduled: return role >= Role::Moderator;
  }
  return false;
}

bool can_read_post(const PostFacts& post, std::optional<UserId> viewer, Role role, Millis now) {
  if (post.status == "deleted") {
    return false;
  }
  const bool is_author = viewer && *viewer == post.author;
  if (!post.community_public && role == Role::None) {
    return false;
  }
  if (post.status == "draft") {
    return is_author;
  }
  if (post.hidden && !is_author && !allows(role, Action::Moderate)) {
    return false;
  }
  const bool due = post.publish_at && *post.publish_at <= now;
  return due || is_author || allows(role, Action::SeeScheduled);
}

Filter readable_posts_filter(std::optional<UserId> viewer, Millis now, int first_param) {
  Filter filter;
  const auto now_param = "$" + std::to_string(first_param);
  filter.sql = "(p.status = 'published' AND p.publish_at <= " + now_param + " AND (c.is_public = 1";
  filter.params.emplace_back(now);
  if (viewer) {
    const auto user_param = "$" + std::to_string(first_param + 1);
    const std::string not_banned =
        " AND NOT EXISTS (SELECT 1 FROM community_bans b WHERE b.community_id = p.community_id AND b.user_id = " +
        user_param + ")";
    filter.sql +=
        " OR EXISTS (SELECT 1 FROM members m WHERE m.community_id = p.community_id AND m.user_id = " + user_param +
        not_banned + "))";
    // Hidden posts: their author and the community's moderators and up (can_read_post's rule).
    filter.sql +=
        " AND (p.hidden_at IS NULL OR p.author_id = " + user_param +
        " OR EXISTS (SELECT 1 FROM members m WHERE m.community_id = p.community_id AND m.user_id = " + user_param +
        " AND m.role IN ('moderator', 'admin', 'owner')" + not_banned + "))";
    filter.params.emplace_back(viewer->value);
  } else {
    filter.sql += ") AND p.hidden_at IS NULL";
  }
  filter.sql += ")";
  return filter;
}

}  // namespace gh::access

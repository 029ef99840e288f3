// gh::access: THE place that decides who may see and do what.
//
// Every door (page, API, feed, search, e-mail) asks here: `can_read_post` for one item,
// `readable_posts_filter` as SQL for lists, and `allows` for actions by role. Capabilities
// never re-implement these rules. Stateless functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "db/db.hpp"

namespace gh::access {

// Community roles, ordered: each includes the powers of those below it.
enum class Role { None = 0, Member = 1, Creator = 2, Moderator = 3, Admin = 4, Owner = 5 };

std::string_view role_name(Role role);  // "owner"..."member", "" for None.
std::optional<Role> parse_role(std::string_view name);

// The role `user` holds in `community`; None when anonymous, not a member, or banned there.
Role role_in(db::Tx& tx, std::optional<UserId> user, CommunityId community);

enum class Action {
  EditCommunity,  // Name, description, rules: admin and up.
  ManageBilling,  // Tiers, coupons, confirming manual payments, refunds, the ledger: admin and up.
  ChangeRoles,    // Admin and up (only the owner grants or takes admin).
  PostLongForm,   // Articles, tutorials, videos: creator and up.
  PostShortForm,  // Discussions, questions, snippets: any member.
  GateContent,    // Make a post members-only, paid, tier-only or for sale: creator and up.
  Comment,        // Any member.
  Vote,           // Any member.
  Moderate,       // Pin, essence, edit or delete others' posts and comments: moderator and up.
  SeeScheduled,   // See scheduled (future) posts of others: moderator and up.
};

bool allows(Role role, Action action);

// What the read decision needs to know about a post.
struct PostFacts {
  UserId author;
  std::string_view status;  // draft | published | deleted
  std::optional<Millis> publish_at;
  bool community_public = true;
  bool hidden = false;  // Hidden by a moderator: its author and moderators and up only.
};

// Drafts: their author only. Scheduled and hidden: the author and moderators. Deleted: nobody.
// Private communities: members only (a banned member has no role, see role_in).
bool can_read_post(const PostFacts& post, std::optional<UserId> viewer, Role role, Millis now);

// SQL condition over posts alias `p` (and communities alias `c`) that holds exactly for the
// posts `viewer` may see in listings: published, due, in a public community or one the viewer
// belongs to (and is not banned from), and not hidden unless the viewer wrote it or moderates. Placeholders are
// numbered from `first_param`.
struct Filter {
  std::string sql;
  std::vector<db::Param> params;
};
Filter readable_posts_filter(std::optional<UserId> viewer, Millis now, int first_param);

}  // namespace gh::access

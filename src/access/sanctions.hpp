// Sanctions and spam limits: the one place that decides whether a member may contribute
// (post, comment, vote) or join, given the moderation state of the community.
//
// moderation/ imposes and lifts mutes and bans (community_mutes, community_bans); nothing but
// this file and access.cpp decides what they forbid, as with entitlements: a banned member has
// no role (role_in answers None), so they read nothing members-only, post nothing and cannot
// rejoin; a muted member keeps reading but may not post, comment or vote until the mute ends.
// Stateless functions; thread-safe.
#pragma once

#include <optional>
#include <string_view>

#include "access/access.hpp"
#include "core/result.hpp"

namespace gh::access {

// Spam limits by account age. A zero limit means "no limit"; the defaults the server runs with
// come from defaults() (documented in src/access/README.md and configurable by flags in app/).
// Community staff and creators (creator role and up) are exempt: the limits aim at new
// accounts flooding a community, not at the people who run it.
struct ContributionLimits {
  int64_t new_account_hours = 0;   // Accounts younger than this are "new".
  int64_t new_posts_per_hour = 0;  // New accounts.
  int64_t new_comments_per_hour = 0;
  int64_t new_max_links = 0;   // Links in one post or comment of a new account.
  int64_t posts_per_hour = 0;  // Older accounts.
  int64_t comments_per_hour = 0;

  static ContributionLimits defaults() { return {24, 3, 10, 2, 20, 120}; }
};

enum class Contribution { Post, Comment, Vote };

bool is_banned(db::Tx& tx, UserId user, CommunityId community);
// The end of the mute in force at `now`, if any.
std::optional<Millis> muted_until(db::Tx& tx, UserId user, CommunityId community, Millis now);

// Whether `user` (holding `role` in `community`) may make this contribution now. Checked where
// posts, comments and votes are written (content/), after the role check. Errors:
// moderation.banned (Forbidden), moderation.muted (Forbidden, the message names the end time),
// spam.rate_limited (RateLimited, retry_after_seconds set), spam.too_many_links (Invalid,
// field body_md).
Status check_contribution(db::Tx& tx, UserId user, CommunityId community, Role role, Contribution what,
                          std::string_view body_md, const ContributionLimits& limits, Millis now);

// Links in a Markdown text: http(s):// URLs, www. hosts and mailto:, however written.
int64_t count_links(std::string_view text);

}  // namespace gh::access

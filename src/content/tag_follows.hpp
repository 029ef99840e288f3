// Followed tags: a user follows a tag of one community and hears of each new post carrying it
// (the producer is Posts::notify_post). Thread-safe (state lives in the database).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/result.hpp"
#include "db/db.hpp"

namespace gh::content {

struct FollowedTag {
  std::string community_slug;
  std::string community_name;
  std::string tag;
};

class TagFollows {
 public:
  TagFollows(db::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Idempotent. The community must be one the user may read (public, or theirs); the tag is
  // normalised (content.invalid_tag when it cannot be one).
  Status follow(UserId user, std::string_view community_slug, std::string_view tag);
  Status unfollow(UserId user, std::string_view community_slug, std::string_view tag);
  bool follows(UserId user, CommunityId community, std::string_view tag) const;
  std::vector<FollowedTag> followed(UserId user) const;

 private:
  Result<CommunityId> readable_community(db::Tx& tx, UserId user, std::string_view slug) const;

  db::Database& db_;
  const Clock& clock_;
};

}  // namespace gh::content

// MissedPosts: content's answer to mail/'s question "what did this member miss" for digests.
//
// It reads through Posts::feed, the same access rules as the community pages: a post the
// member may not see is absent, and a gated post they have not paid for arrives locked, with
// its title and the excerpt of its free preview only (never paid text). Thread-safe.
#pragma once

#include "content/content.hpp"
#include "mail/digest.hpp"

namespace gh::content {

class MissedPosts final : public mail::DigestSource {
 public:
  MissedPosts(db::Database& db, Posts& posts);
  // Posts by others published in [since, until) in each community `user` belongs to, newest
  // first, at most kMaxPerCommunity each.
  std::vector<mail::DigestCommunity> missed(UserId user, Millis since, Millis until) override;

  static constexpr int kMaxPerCommunity = 30;

 private:
  db::Database& db_;
  Posts& posts_;
};

}  // namespace gh::content

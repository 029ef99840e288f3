// What a digest holds, and the seam through which mail/ asks for it.
//
// mail/ schedules digests, renders and sends them, but does not know posts: content/ answers
// "what did this member miss" (DigestSource), through the same access rules as the pages, so a
// locked post arrives with its title and free preview only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"

namespace gh::mail {

struct DigestPost {
  std::string title;
  std::string path;     // "/p/42", made absolute by the mailer.
  std::string excerpt;  // Plain text; for a locked post, from the free preview only.
  std::string author;
  bool locked = false;  // The reader has not paid for the rest.
  int64_t upvotes = 0;
  int64_t comments = 0;
  Millis published_at = 0;
};

struct DigestCommunity {
  std::string name;
  std::string path;               // "/c/rust".
  std::vector<DigestPost> posts;  // Published in the period, newest first.
};

class DigestSource {
 public:
  virtual ~DigestSource() = default;
  // Posts published in [since, until) in the communities `user` belongs to, as `user` may see
  // them; communities with nothing new are left out. Thread-safe.
  virtual std::vector<DigestCommunity> missed(UserId user, Millis since, Millis until) = 0;
};

}  // namespace gh::mail

// Strong id types: a UserId cannot be passed where a PostId is expected.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

namespace gh {

template <class Tag>
struct Id {
  int64_t value = 0;
  constexpr Id() = default;
  constexpr explicit Id(int64_t v) : value(v) {}
  constexpr bool valid() const { return value > 0; }
  friend constexpr auto operator<=>(Id, Id) = default;
};

using UserId = Id<struct UserTag>;
using CommunityId = Id<struct CommunityTag>;
using PostId = Id<struct PostTag>;
using CommentId = Id<struct CommentTag>;

}  // namespace gh

template <class Tag>
struct std::hash<gh::Id<Tag>> {
  size_t operator()(gh::Id<Tag> id) const noexcept { return std::hash<int64_t>{}(id.value); }
};

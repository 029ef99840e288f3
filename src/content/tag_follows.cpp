#include "content/tag_follows.hpp"

#include "access/access.hpp"
#include "content/content.hpp"

namespace gh::content {

Result<CommunityId> TagFollows::readable_community(db::Tx& tx, UserId user, std::string_view slug) const {
  auto row = tx.one("SELECT id, is_public FROM communities WHERE slug = $1", {std::string(slug)});
  if (!row) {
    return not_found("community.not_found", "No such community.");
  }
  const CommunityId community(row->row().i64(0));
  // A private community's tags are its members' business; outsiders learn nothing.
  if (!row->row().boolean(1) && access::role_in(tx, user, community) == access::Role::None) {
    return not_found("community.not_found", "No such community.");
  }
  return community;
}

Status TagFollows::follow(UserId user, std::string_view community_slug, std::string_view tag) {
  const auto normalized = normalize_tag(tag);
  if (!normalized) {
    return invalid("content.invalid_tag", "Tags are short words without spaces.", "tag");
  }
  return db_.write([&](db::Tx& tx) -> Status {
    auto community = readable_community(tx, user, community_slug);
    if (!community) {
      return community.error();
    }
    tx.exec(
        "INSERT INTO tag_follows (user_id, community_id, tag, created_at) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT DO NOTHING",
        {user.value, community->value, *normalized, clock_.now_ms()});
    return {};
  });
}

Status TagFollows::unfollow(UserId user, std::string_view community_slug, std::string_view tag) {
  const auto normalized = normalize_tag(tag);
  if (!normalized) {
    return invalid("content.invalid_tag", "Tags are short words without spaces.", "tag");
  }
  return db_.write([&](db::Tx& tx) -> Status {
    auto community = readable_community(tx, user, community_slug);
    if (!community) {
      return community.error();
    }
    tx.exec("DELETE FROM tag_follows WHERE user_id = $1 AND community_id = $2 AND tag = $3",
            {user.value, community->value, *normalized});
    return {};
  });
}

bool TagFollows::follows(UserId user, CommunityId community, std::string_view tag) const {
  return db_.read([&](db::Tx& tx) {
    return tx
        .one("SELECT 1 FROM tag_follows WHERE user_id = $1 AND community_id = $2 AND tag = $3",
             {user.value, community.value, std::string(tag)})
        .has_value();
  });
}

std::vector<FollowedTag> TagFollows::followed(UserId user) const {
  return db_.read([&](db::Tx& tx) {
    std::vector<FollowedTag> out;
    for (auto r : tx.exec("SELECT c.slug, c.name, f.tag FROM tag_follows f JOIN communities c ON c.id = "
                          "f.community_id WHERE f.user_id = $1 ORDER BY c.slug, f.tag LIMIT 500",
                          {user.value})) {
      out.push_back({r.text(0), r.text(1), r.text(2)});
    }
    return out;
  });
}

}  // namespace gh::content

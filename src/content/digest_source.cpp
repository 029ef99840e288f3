#include "content/digest_source.hpp"

namespace gh::content {

MissedPosts::MissedPosts(db::Database& db, Posts& posts) : db_(db), posts_(posts) {}

std::vector<mail::DigestCommunity> MissedPosts::missed(UserId user, Millis since, Millis until) {
  struct Membership {
    std::string slug;
    std::string name;
  };
  const auto memberships = db_.read([&](db::Tx& tx) {
    std::vector<Membership> out;
    for (const auto& row : tx.exec("SELECT c.slug, c.name FROM members m JOIN communities c ON c.id = m.community_id "
                                   "WHERE m.user_id = $1 ORDER BY c.name, c.id",
                                   {user.value})) {
      out.push_back(Membership{row.text(0), row.text(1)});
    }
    return out;
  });
  std::vector<mail::DigestCommunity> out;
  for (const auto& membership : memberships) {
    mail::DigestCommunity community{membership.name, "/c/" + membership.slug, {}};
    FeedQuery query;
    query.community_slug = membership.slug;
    query.sort = FeedSort::New;
    query.limit = 50;
    bool older_reached = false;
    while (!older_reached && static_cast<int>(community.posts.size()) < kMaxPerCommunity) {
      auto page = posts_.feed(user, query);
      if (!page) {
        break;
      }
      for (const auto& post : page->posts) {
        const Millis published = post.publish_at.value_or(post.created_at);
        if (published < since) {
          older_reached = true;
          break;
        }
        if (published >= until || post.author.id == user ||
            static_cast<int>(community.posts.size()) >= kMaxPerCommunity) {
          continue;
        }
        // Listings never carry bodies; the excerpt of a gated post is made from its preview.
        community.posts.push_back(
            mail::DigestPost{post.title, "/p/" + std::to_string(post.id.value), post.excerpt,
                             post.author.display_name.empty() ? post.author.username : post.author.display_name,
                             post.locked, post.upvotes, post.comment_count, published});
      }
      if (!page->next_cursor) {
        break;
      }
      query.cursor = page->next_cursor;
    }
    if (!community.posts.empty()) {
      out.push_back(std::move(community));
    }
  }
  return out;
}

}  // namespace gh::content

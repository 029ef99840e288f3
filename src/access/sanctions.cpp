#include "access/sanctions.hpp"

#include <algorithm>
#include <cctype>

#include "core/clock.hpp"

namespace gh::access {
namespace {

constexpr Millis kHourMs = 3'600'000;

bool starts_with_ci(std::string_view text, size_t at, std::string_view prefix) {
  if (text.size() - at < prefix.size()) {
    return false;
  }
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[at + i])) != prefix[i]) {
      return false;
    }
  }
  return true;
}

// The hour-window rule: at most `limit` rows in the last hour; when full, the caller may try
// again when the oldest of them leaves the window.
Status check_window(db::Tx& tx, std::string_view table, UserId user, int64_t limit, Millis now, std::string_view what) {
  if (limit <= 0) {
    return {};
  }
  const std::string sql = "SELECT created_at FROM " + std::string(table) +
                          " WHERE author_id = $1 AND created_at > $2 ORDER BY created_at DESC LIMIT $3";
  std::vector<Millis> recent;
  for (auto r : tx.exec(sql, {user.value, now - kHourMs, limit})) {
    recent.push_back(r.i64(0));
  }
  if (static_cast<int64_t>(recent.size()) < limit) {
    return {};
  }
  const Millis oldest = *std::min_element(recent.begin(), recent.end());
  const auto seconds = static_cast<int>(std::max<Millis>(1, (oldest + kHourMs - now + 999) / 1000));
  Error error{ErrorKind::RateLimited,
              "spam.rate_limited",
              "You have written " + std::to_string(limit) + " " + std::string(what) +
                  " in the last hour; try again in " + std::to_string(seconds) + " seconds.",
              {},
              seconds};
  return error;
}

}  // namespace

bool is_banned(db::Tx& tx, UserId user, CommunityId community) {
  return tx.one("SELECT 1 FROM community_bans WHERE community_id = $1 AND user_id = $2", {community.value, user.value})
      .has_value();
}

std::optional<Millis> muted_until(db::Tx& tx, UserId user, CommunityId community, Millis now) {
  auto row = tx.one("SELECT ends_at FROM community_mutes WHERE community_id = $1 AND user_id = $2 AND ends_at > $3",
                    {community.value, user.value, now});
  if (!row) {
    return std::nullopt;
  }
  return row->row().i64(0);
}

int64_t count_links(std::string_view text) {
  int64_t links = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    // Only at a word start, so "http://" inside "xhttp://" or a www. inside a URL counts once.
    if (i > 0 && (std::isalnum(static_cast<unsigned char>(text[i - 1])) || text[i - 1] == '/' || text[i - 1] == '.')) {
      continue;
    }
    for (std::string_view prefix : {"https://", "http://", "www.", "mailto:"}) {
      if (starts_with_ci(text, i, prefix)) {
        ++links;
        // Skip the rest of this URL so its own "www." is not counted again.
        while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i])) && text[i] != ')' &&
               text[i] != ']' && text[i] != '>') {
          ++i;
        }
        break;
      }
    }
  }
  return links;
}

Status check_contribution(db::Tx& tx, UserId user, CommunityId community, Role role, Contribution what,
                          std::string_view body_md, const ContributionLimits& limits, Millis now) {
  if (is_banned(tx, user, community)) {
    return forbidden("moderation.banned", "You are banned from this community.");
  }
  if (auto until = muted_until(tx, user, community, now)) {
    Error error =
        forbidden("moderation.muted", "You are muted in this community until " + format_rfc3339(*until) + ".");
    error.fields.emplace("until", format_rfc3339(*until));
    return error;
  }
  if (what == Contribution::Vote || role >= Role::Creator) {
    return {};
  }
  auto created = tx.scalar_i64("SELECT created_at FROM users WHERE id = $1", {user.value});
  const bool new_account = created && *created > now - limits.new_account_hours * kHourMs;
  if (new_account && limits.new_max_links > 0 && count_links(body_md) > limits.new_max_links) {
    return invalid(
        "spam.too_many_links",
        "New accounts may include at most " + std::to_string(limits.new_max_links) + " links in a post or comment.",
        "body_md");
  }
  if (what == Contribution::Post) {
    return check_window(tx, "posts", user, new_account ? limits.new_posts_per_hour : limits.posts_per_hour, now,
                        "posts");
  }
  return check_window(tx, "comments", user, new_account ? limits.new_comments_per_hour : limits.comments_per_hour, now,
                      "comments");
}

}  // namespace gh::access

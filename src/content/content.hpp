// gh::content: posts (articles, tutorials, snippets, questions, discussions, videos), tags,
// comments with one level of replies, upvotes, view counts, pinned and essence flags, drafts
// and scheduled publishing.
//
// Markdown is rendered to safe HTML once, at write time, and stored. Every read decision is
// asked of access/; listings use access::readable_posts_filter so that no list shows what a
// single read would refuse. Thread-safe: state lives in the database, except view counts,
// which are buffered in memory and written in batches by flush_views().
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "access/access.hpp"
#include "access/entitlements.hpp"
#include "access/sanctions.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/money.hpp"
#include "core/result.hpp"
#include "db/db.hpp"

namespace gh::content {

inline constexpr size_t kMaxTitleChars = 200;
inline constexpr size_t kMaxBodyBytes = 100'000;
inline constexpr size_t kMaxCommentBytes = 20'000;
inline constexpr size_t kMaxTags = 5;

struct Author {
  UserId id;
  std::string username;
  std::string display_name;
};

struct Post {
  PostId id;
  CommunityId community_id;
  std::string community_slug;
  std::string community_name;
  Author author;
  std::string kind;
  std::string title;
  std::string body_md;
  std::string body_html;
  std::string excerpt;
  std::string video_url;
  std::string video_embed_url;
  std::string status;  // draft | published | deleted
  std::optional<Millis> publish_at;
  bool pinned = false;
  bool essence = false;
  int64_t upvotes = 0;
  int64_t comment_count = 0;
  int64_t view_count = 0;
  Millis created_at = 0;
  Millis updated_at = 0;
  std::vector<std::string> tags;
  // Paid content. For a gated post, excerpt is made from the preview only.
  std::string visibility = "public";  // public | members | paid | tiers
  std::vector<int64_t> tier_ids;
  std::optional<Money> price;  // Pay-per-post.
  bool gated = false;
  bool locked = false;  // The viewer sees the preview only (body_html/body_md are cut).
  // About the viewer who asked:
  bool viewer_upvoted = false;
  bool viewer_is_author = false;
  bool viewer_can_edit = false;
  bool viewer_can_moderate = false;
  access::Role viewer_role = access::Role::None;
  bool scheduled = false;  // Published with publish_at in the future.
  // Questions: the accepted answer, if any (answered = has one).
  std::optional<CommentId> accepted_comment_id;
  int64_t author_points = 0;  // The author's points in the post's community (their level).
  bool hidden = false;        // Hidden by a moderator (only its author and moderators see it).
};

struct PostInput {
  std::string title;
  std::string body_md;
  std::string kind = "discussion";
  std::vector<std::string> tags;
  bool draft = false;
  std::optional<std::string> publish_at;  // RFC 3339.
  std::string video_url;
  std::string visibility = "public";
  std::vector<int64_t> tier_ids;
  std::optional<Money> price;
  // Questions: a point bounty held from the asker when published (see qa.hpp).
  std::optional<int64_t> bounty_points;
  int64_t bounty_days = 7;
};

struct PostPatch {
  std::optional<std::string> title;
  std::optional<std::string> body_md;
  std::optional<std::string> kind;
  std::optional<std::vector<std::string>> tags;
  std::optional<bool> draft;
  std::optional<std::string> publish_at;
  std::optional<std::string> video_url;
  std::optional<bool> pinned;   // Moderators.
  std::optional<bool> essence;  // Moderators.
  std::optional<std::string> visibility;
  std::optional<std::vector<int64_t>> tier_ids;
  std::optional<std::optional<Money>> price;  // Set to nullopt inside to stop selling.
};

enum class FeedSort { New, Top, Essence };
std::optional<FeedSort> parse_feed_sort(std::string_view text);

struct FeedQuery {
  std::string community_slug;
  FeedSort sort = FeedSort::New;
  std::optional<std::string> tag;
  std::optional<std::string> cursor;
  int limit = 20;
};

struct FeedPage {
  std::vector<Post> posts;  // Bodies are not loaded in listings (excerpt only).
  std::optional<std::string> next_cursor;
};

struct Comment {
  CommentId id;
  PostId post_id;
  std::optional<CommentId> parent_id;
  Author author;
  std::string body_md;
  std::string body_html;
  Millis created_at = 0;
  bool deleted = false;
  bool hidden = false;  // Hidden by a moderator (only its author and moderators see it).
  bool viewer_can_delete = false;
  int64_t upvotes = 0;
  bool accepted = false;  // The question's accepted answer.
  bool viewer_upvoted = false;
  int64_t author_points = 0;  // The author's points in the post's community (their level).
};

struct CommentInput {
  std::string body_md;
  std::optional<int64_t> parent_id;
};

struct PostWithComments {
  Post post;
  std::vector<Comment> comments;
};

class Posts {
 public:
  // `limits` are the spam limits (access/sanctions.hpp); the default limits nothing.
  Posts(db::Database& db, const Clock& clock, access::ContributionLimits limits = {});

  // Who is behind a new post: its author at a door (page, API), or a capability publishing for
  // its author with their consent. PaidQuestion: an answered paid question (expert/) becomes a
  // members-only question by its asker, who may not gate posts themselves; every other rule
  // (membership, sanctions, spam limits) still applies.
  enum class Origin { Author, PaidQuestion };

  // The author must be a member; articles, tutorials and videos need the creator role.
  Result<Post> create(UserId author, std::string_view community_slug, const PostInput& input,
                      Origin origin = Origin::Author);
  // The author or a moderator edits; pinned/essence are for moderators only.
  Result<Post> update(UserId actor, PostId id, const PostPatch& patch);
  // Soft delete by the author or a moderator.
  Status remove(UserId actor, PostId id);

  // One post as `viewer` may see it; NotFound when it may not (no difference between "absent"
  // and "not yours to see"). Counts a view when `count_view`.
  enum class CountView { No, Yes };
  Result<Post> get(std::optional<UserId> viewer, PostId id, CountView count_view);

  Result<FeedPage> feed(std::optional<UserId> viewer, const FeedQuery& query);
  std::vector<Post> pinned(std::optional<UserId> viewer, CommunityId community);
  // The viewer's own drafts and scheduled posts in a community.
  std::vector<Post> drafts(UserId author, CommunityId community);
  // Tags used in a community with their post counts, most used first.
  std::vector<std::pair<std::string, int64_t>> tags(std::optional<UserId> viewer, CommunityId community, int limit);

  Result<PostWithComments> get_with_comments(std::optional<UserId> viewer, PostId id, CountView count_view);

  Result<Comment> add_comment(UserId author, PostId post, const CommentInput& input);
  Result<std::vector<Comment>> comments(std::optional<UserId> viewer, PostId post);
  Status remove_comment(UserId actor, CommentId id);

  // Idempotent: a second upvote (or removal) changes nothing.
  Result<int64_t> upvote(UserId user, PostId post);
  Result<int64_t> remove_upvote(UserId user, PostId post);

  // Counts one view without reading the post (a page served from the anonymous cache).
  void count_view(PostId id);
  // Writes buffered view counts; app/ calls it every few seconds and at shutdown.
  void flush_views();

  static Status validate_tags(const std::vector<std::string>& tags);
  static Status validate_kind(std::string_view kind);

 private:
  friend class Questions;  // Q&A (qa.cpp) reads posts with the same access decision.
  Result<Post> load_for(db::Tx& tx, std::optional<UserId> viewer, PostId id);
  // Fills gated/locked for listed posts (their tiers and the viewer's entitlements).
  void load_gates(db::Tx& tx, std::optional<UserId> viewer, std::vector<Post>& posts);
  std::vector<Comment> load_comments(db::Tx& tx, const Post& post, std::optional<UserId> viewer);
  void add_pending_views(Post& post, CountView count_view);
  void load_tags(db::Tx& tx, std::vector<Post>& posts);
  // Notifications of a new comment and of a newly published post, in the causing transaction
  // (notices.cpp). Recipients are checked with load_for; see src/notify/README.md.
  void notify_comment(db::Tx& tx, const Post& post, const Comment& comment, std::optional<UserId> parent_author);
  void notify_post(db::Tx& tx, const Post& post, std::string_view body_md);

  db::Database& db_;
  const Clock& clock_;
  access::ContributionLimits limits_;
  std::mutex views_mutex_;
  std::unordered_map<int64_t, int64_t> pending_views_;  // GUARDED_BY(views_mutex_)
};

// What moderation needs to know about a post, comment or member it acts on.
struct TargetFacts {
  CommunityId community;
  UserId author;
  PostId post;        // The post itself, or the comment's post.
  std::string title;  // The post's title (for a comment: of its post).
};
// A post or comment that is not deleted; nullopt otherwise. No visibility check: callers
// (moderation) decide who may act, and never show the body to a reporter.
std::optional<TargetFacts> find_post_target(db::Tx& tx, PostId id);
std::optional<TargetFacts> find_comment_target(db::Tx& tx, CommentId id);
// Hides (at `at`) or restores (nullopt) a post or comment; returns whether the state changed,
// so two moderators hiding at once record one act.
bool set_post_hidden(db::Tx& tx, PostId id, std::optional<Millis> at);
bool set_comment_hidden(db::Tx& tx, CommentId id, std::optional<Millis> at);

// The paywall marker: a line holding only "<!-- paywall -->". Returns the Markdown above it
// (the free preview) and the whole text without the marker line; nullopt preview when the text
// has no marker.
struct PaywallSplit {
  std::optional<std::string> preview_md;
  std::string full_md;
};
PaywallSplit split_paywall(std::string_view md);

// Normalises a tag ("C++ " -> "c++"); nullopt when it cannot be a tag.
std::optional<std::string> normalize_tag(std::string_view tag);

// Video links: an embed URL for whitelisted hosts (YouTube, Vimeo, Bilibili), nullopt for any
// other http(s) link (shown as a link). Error for anything that is not an http(s) URL.
Result<std::optional<std::string>> video_embed_url(std::string_view url);

}  // namespace gh::content

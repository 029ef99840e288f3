#include "content/content.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>

#include "content/qa.hpp"
#include "core/cursor.hpp"
#include "core/text.hpp"
#include "engage/badges.hpp"
#include "engage/points.hpp"
#include "render/markdown.hpp"

namespace gh::content {
namespace {

constexpr std::array kKinds = {"article", "tutorial", "snippet", "question", "discussion", "video"};

// Columns for listings (no body) and for a single post (with body).
constexpr std::string_view kListColumns =
    "p.id, p.community_id, c.slug, c.name, u.id, u.username, u.display_name, p.kind, p.title, p.excerpt, "
    "p.video_url, p.video_embed_url, p.status, p.publish_at, p.pinned, p.essence, p.upvotes, p.comment_count, "
    "p.view_count, p.created_at, p.updated_at, c.is_public, p.visibility, p.price_minor, p.price_currency, "
    "p.accepted_comment_id, COALESCE(pb.balance, 0), p.hidden_at";
constexpr std::string_view kFrom =
    " FROM posts p JOIN communities c ON c.id = p.community_id JOIN users u ON u.id = p.author_id"
    " LEFT JOIN point_balances pb ON pb.user_id = p.author_id AND pb.community_id = p.community_id";

Post post_from_row(const db::Row& r) {
  Post p;
  p.id = PostId(r.i64(0));
  p.community_id = CommunityId(r.i64(1));
  p.community_slug = r.text(2);
  p.community_name = r.text(3);
  p.author = Author{UserId(r.i64(4)), r.text(5), r.text(6)};
  p.kind = r.text(7);
  p.title = r.text(8);
  p.excerpt = r.text(9);
  p.video_url = r.text(10);
  p.video_embed_url = r.text(11);
  p.status = r.text(12);
  p.publish_at = r.opt_i64(13);
  p.pinned = r.boolean(14);
  p.essence = r.boolean(15);
  p.upvotes = r.i64(16);
  p.comment_count = r.i64(17);
  p.view_count = r.i64(18);
  p.created_at = r.i64(19);
  p.updated_at = r.i64(20);
  p.visibility = r.text(22);
  p.hidden = !r.is_null(27);
  if (!r.is_null(23)) {
    if (auto money = Money::create(r.i64(23), r.text(24))) {
      p.price = *money;
    }
  }
  if (!r.is_null(25)) {
    p.accepted_comment_id = CommentId(r.i64(25));
  }
  p.author_points = r.i64(26);
  return p;
}

Error locked_error() {
  return Error{
      ErrorKind::PaymentRequired, "access.locked", "This post is for members with access; join or buy it.", {}, 0};
}

access::Gate gate_of(const Post& p) {
  return access::Gate{access::parse_visibility(p.visibility).value_or(access::Visibility::Public), p.tier_ids,
                      p.price.has_value()};
}

bool is_long_form(std::string_view kind) {
  return kind == "article" || kind == "tutorial" || kind == "video";
}

Status validate_title(std::string_view title) {
  if (title.empty() || !text::is_valid_utf8(title) || text::utf8_length(title) > kMaxTitleChars) {
    return invalid("content.invalid_title", "Titles have 1 to 200 characters.", "title");
  }
  return {};
}

Status validate_body(std::string_view body) {
  if (!text::is_valid_utf8(body)) {
    return invalid("content.invalid_body", "The text is not valid UTF-8.", "body_md");
  }
  if (body.size() > kMaxBodyBytes) {
    return invalid("content.body_too_long", "Posts have at most 100,000 bytes.", "body_md");
  }
  return {};
}

Result<std::optional<Millis>> parse_publish_at(const std::optional<std::string>& text_value, Millis now) {
  if (!text_value || text_value->empty()) {
    return std::optional<Millis>();
  }
  auto t = parse_rfc3339(*text_value);
  if (!t) {
    return invalid("content.invalid_publish_at", "publish_at is an RFC 3339 time.", "publish_at");
  }
  // A time in the past means "now": back-dating would jump the "new" feed.
  return std::optional<Millis>(std::max(*t, now));
}

struct Rendered {
  std::string html;
  std::string preview_html;
  std::string excerpt;
};
// A gated post's excerpt and preview come from the part above the paywall marker only (empty
// without a marker), so no listing, feed or meta tag can carry paid text.
Rendered render_body(std::string_view md, bool gated) {
  auto split = split_paywall(md);
  Rendered out;
  out.html = render::markdown_to_html(split.full_md);
  if (gated) {
    const std::string preview = split.preview_md.value_or("");
    out.preview_html = render::markdown_to_html(preview);
    out.excerpt = render::plain_excerpt(preview, 240);
  } else {
    out.excerpt = render::plain_excerpt(split.full_md, 240);
  }
  return out;
}

struct GateInput {
  std::string visibility;
  std::vector<int64_t> tier_ids;
  std::optional<Money> price;
  bool gated() const { return visibility != "public" || price.has_value(); }
};

Status validate_gate(const GateInput& gate) {
  const auto visibility = access::parse_visibility(gate.visibility);
  if (!visibility) {
    return invalid("content.invalid_visibility", "Visibility is public, members, paid or tiers.", "visibility");
  }
  if (*visibility == access::Visibility::Tiers && gate.tier_ids.empty()) {
    return invalid("content.tiers_required", "Name at least one tier for tier-only posts.", "tier_ids");
  }
  if (*visibility != access::Visibility::Tiers && !gate.tier_ids.empty()) {
    return invalid("content.tiers_unexpected", "Tiers apply to visibility 'tiers' only.", "tier_ids");
  }
  if (gate.price && gate.price->amount_minor() <= 0) {
    return invalid("content.invalid_price", "A price is a positive amount.", "price");
  }
  return {};
}

// Tier ids must be the community's own tiers.
Status check_tiers(db::Tx& tx, CommunityId community, const std::vector<int64_t>& tier_ids) {
  for (const auto tier : tier_ids) {
    if (!tx.one("SELECT 1 FROM tiers WHERE id = $1 AND community_id = $2", {tier, community.value})) {
      return invalid("content.unknown_tier", "A listed tier does not belong to this community.", "tier_ids");
    }
  }
  return {};
}

void write_gate(db::Tx& tx, PostId post, const GateInput& gate) {
  tx.exec("DELETE FROM post_tiers WHERE post_id = $1", {post.value});
  for (const auto tier : gate.tier_ids) {
    tx.exec("INSERT INTO post_tiers (post_id, tier_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", {post.value, tier});
  }
  tx.exec("UPDATE posts SET visibility = $1, price_minor = $2, price_currency = $3 WHERE id = $4",
          {gate.visibility, gate.price ? std::optional<int64_t>(gate.price->amount_minor()) : std::nullopt,
           gate.price ? std::optional<std::string>(gate.price->currency()) : std::nullopt, post.value});
}

void write_tags(db::Tx& tx, PostId post, CommunityId community, const std::vector<std::string>& tags) {
  tx.exec("DELETE FROM post_tags WHERE post_id = $1", {post.value});
  for (const auto& tag : tags) {
    tx.exec("INSERT INTO post_tags (post_id, community_id, tag) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            {post.value, community.value, tag});
  }
}

// A post became visible as published: it earns its author the act's points (once per post).
void on_published(db::Tx& tx, PostId post, CommunityId community, UserId author, Millis now) {
  engage::award(tx,
                engage::AwardInput{author, community, engage::Act::PostPublished, "post", post.value, UserId(), now});
  engage::grant_badge(tx, author, community, "first_post", now);
}

std::vector<std::string> normalized_tags(const std::vector<std::string>& tags) {
  std::vector<std::string> out;
  for (const auto& tag : tags) {
    if (auto t = normalize_tag(tag); t && std::find(out.begin(), out.end(), *t) == out.end()) {
      out.push_back(*t);
    }
  }
  return out;
}

}  // namespace

std::optional<FeedSort> parse_feed_sort(std::string_view text) {
  if (text.empty() || text == "new") {
    return FeedSort::New;
  }
  if (text == "top") {
    return FeedSort::Top;
  }
  if (text == "essence") {
    return FeedSort::Essence;
  }
  return std::nullopt;
}

std::optional<std::string> normalize_tag(std::string_view tag) {
  auto t = text::to_lower_ascii(text::trim(tag));
  if (!t.empty() && t.front() == '#') {
    t.erase(0, 1);
  }
  if (t.empty() || !text::is_valid_utf8(t) || text::utf8_length(t) > 30) {
    return std::nullopt;
  }
  for (char c : t) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= ' ' || std::string_view("/?#&<>\"'`,;\\%").find(c) != std::string_view::npos) {
      return std::nullopt;
    }
  }
  return t;
}

PaywallSplit split_paywall(std::string_view md) {
  PaywallSplit out;
  size_t start = 0;
  while (start <= md.size()) {
    const size_t end = std::min(md.find('\n', start), md.size());
    if (text::trim(md.substr(start, end - start)) == "<!-- paywall -->") {
      out.preview_md = std::string(md.substr(0, start));
      out.full_md = std::string(md.substr(0, start)) + std::string(md.substr(std::min(end + 1, md.size())));
      return out;
    }
    start = end + 1;
  }
  out.full_md = std::string(md);
  return out;
}

Status Posts::validate_tags(const std::vector<std::string>& tags) {
  if (tags.size() > kMaxTags) {
    return invalid("content.too_many_tags", "A post has at most 5 tags.", "tags");
  }
  for (const auto& tag : tags) {
    if (!normalize_tag(tag)) {
      return invalid("content.invalid_tag", "Tags have 1 to 30 characters without spaces or punctuation.", "tags");
    }
  }
  return {};
}

Status Posts::validate_kind(std::string_view kind) {
  for (const auto* k : kKinds) {
    if (kind == k) {
      return {};
    }
  }
  return invalid("content.invalid_kind", "Kinds are article, tutorial, snippet, question, discussion or video.",
                 "kind");
}

Posts::Posts(db::Database& db, const Clock& clock, access::ContributionLimits limits)
    : db_(db), clock_(clock), limits_(limits) {}

Result<Post> Posts::create(UserId author, std::string_view community_slug, const PostInput& input, Origin origin) {
  const auto title = text::trim(input.title);
  if (auto ok = validate_title(title); !ok) {
    return ok.error();
  }
  if (auto ok = validate_body(input.body_md); !ok) {
    return ok.error();
  }
  if (auto ok = validate_kind(input.kind); !ok) {
    return ok.error();
  }
  if (auto ok = validate_tags(input.tags); !ok) {
    return ok.error();
  }
  std::string embed;
  if (input.kind == "video" || !input.video_url.empty()) {
    if (input.video_url.empty()) {
      return invalid("content.video_url_required", "A video post needs a video link.", "video_url");
    }
    auto e = video_embed_url(input.video_url);
    if (!e) {
      return std::move(e).error();
    }
    embed = e->value_or("");
  }
  const Millis now = clock_.now_ms();
  auto publish_at = parse_publish_at(input.publish_at, now);
  if (!publish_at) {
    return std::move(publish_at).error();
  }
  const GateInput gate{input.visibility, input.tier_ids, input.price};
  if (auto ok = validate_gate(gate); !ok) {
    return ok.error();
  }
  const auto rendered = render_body(input.body_md, gate.gated());
  const auto tags = normalized_tags(input.tags);
  return db_.write([&](db::Tx& tx) -> Result<Post> {
    auto community = tx.one("SELECT id FROM communities WHERE slug = $1", {std::string(community_slug)});
    if (!community) {
      return not_found("community.not_found", "No such community.");
    }
    const CommunityId community_id(community->row().i64(0));
    const auto role = access::role_in(tx, author, community_id);
    if (role == access::Role::None) {
      if (access::is_banned(tx, author, community_id)) {
        return forbidden("moderation.banned", "You are banned from this community.");
      }
      return forbidden("community.members_only", "Join the community to post.");
    }
    const auto action = is_long_form(input.kind) ? access::Action::PostLongForm : access::Action::PostShortForm;
    if (!access::allows(role, action)) {
      return forbidden("content.creator_role_required", "Articles, tutorials and videos need the creator role.");
    }
    const bool members_copy = origin == Origin::PaidQuestion && input.kind == "question" &&
                              input.visibility == "members" && gate.tier_ids.empty() && !gate.price;
    if (gate.gated() && !access::allows(role, access::Action::GateContent) && !members_copy) {
      return forbidden("content.creator_role_required", "Members-only, paid and for-sale posts need the creator role.");
    }
    if (auto ok = access::check_contribution(tx, author, community_id, role, access::Contribution::Post, input.body_md,
                                             limits_, now);
        !ok) {
      return ok.error();
    }
    if (auto ok = check_tiers(tx, community_id, gate.tier_ids); !ok) {
      return ok.error();
    }
    const std::optional<Millis> at = input.draft ? std::nullopt : std::optional<Millis>(publish_at->value_or(now));
    auto id = tx.scalar_i64(
        "INSERT INTO posts (community_id, author_id, kind, title, body_md, body_html, preview_html, excerpt, "
        "video_url, video_embed_url, status, publish_at, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id",
        {community_id.value, author.value, input.kind, title, input.body_md, rendered.html, rendered.preview_html,
         rendered.excerpt, input.video_url, embed, input.draft ? "draft" : "published", at, now});
    write_tags(tx, PostId(*id), community_id, tags);
    write_gate(tx, PostId(*id), gate);
    if (!input.draft) {
      on_published(tx, PostId(*id), community_id, author, now);
    }
    if (input.bounty_points) {
      if (input.kind != "question" || input.draft) {
        return invalid("qa.not_a_question", "Bounties go on published questions.", "bounty_points");
      }
      if (auto held = hold_bounty(tx, PostId(*id), community_id, author, *input.bounty_points, input.bounty_days, now);
          !held) {
        return held.error();
      }
    }
    auto post = load_for(tx, author, PostId(*id));
    if (post) {
      notify_post(tx, *post, input.body_md);
    }
    return post;
  });
}

Result<Post> Posts::update(UserId actor, PostId id, const PostPatch& patch) {
  std::optional<std::string> title;
  if (patch.title) {
    title = text::trim(*patch.title);
    if (auto ok = validate_title(*title); !ok) {
      return ok.error();
    }
  }
  if (patch.body_md) {
    if (auto ok = validate_body(*patch.body_md); !ok) {
      return ok.error();
    }
  }
  if (patch.kind) {
    if (auto ok = validate_kind(*patch.kind); !ok) {
      return ok.error();
    }
  }
  if (patch.tags) {
    if (auto ok = validate_tags(*patch.tags); !ok) {
      return ok.error();
    }
  }
  std::optional<std::string> embed;
  if (patch.video_url && !patch.video_url->empty()) {
    auto e = video_embed_url(*patch.video_url);
    if (!e) {
      return std::move(e).error();
    }
    embed = e->value_or("");
  } else if (patch.video_url) {
    embed = "";
  }
  const Millis now = clock_.now_ms();
  auto publish_at = parse_publish_at(patch.publish_at, now);
  if (!publish_at) {
    return std::move(publish_at).error();
  }
  return db_.write([&](db::Tx& tx) -> Result<Post> {
    auto row = tx.one(
        "SELECT p.community_id, p.author_id, p.status, p.kind, p.video_url, p.publish_at, p.body_md, p.visibility, "
        "p.price_minor, p.price_currency FROM posts p WHERE p.id = $1",
        {id.value});
    if (!row || row->row().text(2) == "deleted") {
      return not_found("content.post_not_found", "No such post.");
    }
    const CommunityId community(row->row().i64(0));
    const UserId author(row->row().i64(1));
    const auto role = access::role_in(tx, actor, community);
    const bool moderator = access::allows(role, access::Action::Moderate);
    if (actor != author && !moderator) {
      // Someone who cannot even read it learns nothing more than "not found".
      auto visible = load_for(tx, actor, id);
      if (!visible) {
        return std::move(visible).error();
      }
      return forbidden("content.not_author", "Only the author or a moderator edits this post.");
    }
    if ((patch.pinned || patch.essence) && !moderator) {
      return forbidden("content.moderators_only", "Only moderators pin posts or mark them essence.");
    }
    const std::string kind = patch.kind.value_or(row->row().text(3));
    if (patch.kind && is_long_form(kind) && !access::allows(role, access::Action::PostLongForm)) {
      return forbidden("content.creator_role_required", "Articles, tutorials and videos need the creator role.");
    }
    const std::string video_url = patch.video_url.value_or(row->row().text(4));
    if (kind == "video" && video_url.empty()) {
      return invalid("content.video_url_required", "A video post needs a video link.", "video_url");
    }
    // The gate after this patch: patched fields over stored ones.
    const bool gate_patched = patch.visibility || patch.tier_ids || patch.price;
    GateInput gate{patch.visibility.value_or(row->row().text(7)), {}, std::nullopt};
    if (patch.tier_ids) {
      gate.tier_ids = *patch.tier_ids;
    } else if (!patch.visibility || *patch.visibility == "tiers") {
      for (auto t : tx.exec("SELECT tier_id FROM post_tiers WHERE post_id = $1 ORDER BY tier_id", {id.value})) {
        gate.tier_ids.push_back(t.i64(0));
      }
    }
    if (patch.price) {
      gate.price = *patch.price;
    } else if (!row->row().is_null(8)) {
      gate.price = Money::create(row->row().i64(8), row->row().text(9)).value();
    }
    if (gate_patched) {
      if (auto ok = validate_gate(gate); !ok) {
        return ok.error();
      }
      if (gate.gated() && !access::allows(role, access::Action::GateContent)) {
        return forbidden("content.creator_role_required",
                         "Members-only, paid and for-sale posts need the creator role.");
      }
      if (auto ok = check_tiers(tx, community, gate.tier_ids); !ok) {
        return ok.error();
      }
    }
    std::optional<Rendered> rendered;
    if (patch.body_md || gate_patched) {
      rendered = render_body(patch.body_md.value_or(row->row().text(6)), gate.gated());
    }
    std::optional<std::string> status;
    std::optional<Millis> new_publish_at = *publish_at;
    const bool was_draft = row->row().text(2) == "draft";
    if (patch.draft) {
      if (*patch.draft && !was_draft) {
        status = "draft";
      } else if (!*patch.draft && was_draft) {
        status = "published";
        if (!new_publish_at) {
          new_publish_at = now;
        }
      }
    }
    tx.exec(
        "UPDATE posts SET title = COALESCE($1, title), body_md = COALESCE($2, body_md), "
        "body_html = COALESCE($3, body_html), excerpt = COALESCE($4, excerpt), kind = $5, "
        "video_url = $6, video_embed_url = COALESCE($7, video_embed_url), status = COALESCE($8, status), "
        "publish_at = CASE WHEN $8 = 'draft' THEN NULL ELSE COALESCE($9, publish_at) END, "
        "pinned = COALESCE($10, pinned), essence = COALESCE($11, essence), updated_at = $12, "
        "preview_html = COALESCE($14, preview_html) WHERE id = $13",
        {title, patch.body_md, rendered ? std::optional(rendered->html) : std::nullopt,
         rendered ? std::optional(rendered->excerpt) : std::nullopt, kind, video_url, embed, status, new_publish_at,
         patch.pinned ? std::optional<int>(*patch.pinned) : std::nullopt,
         patch.essence ? std::optional<int>(*patch.essence) : std::nullopt, now, id.value,
         rendered ? std::optional(rendered->preview_html) : std::nullopt});
    if (patch.tags) {
      write_tags(tx, id, community, normalized_tags(*patch.tags));
    }
    if (gate_patched) {
      write_gate(tx, id, gate);
    }
    if (status == "published") {
      on_published(tx, id, community, author, now);
    }
    auto updated = load_for(tx, actor, id);
    if (updated && status == "published") {
      notify_post(tx, *updated, patch.body_md.value_or(row->row().text(6)));  // A draft goes out.
    }
    return updated;
  });
}

Status Posts::remove(UserId actor, PostId id) {
  return db_.write([&](db::Tx& tx) -> Status {
    auto post = load_for(tx, actor, id);
    if (!post) {
      return std::move(post).error();
    }
    if (!post->viewer_can_edit) {
      return forbidden("content.not_author", "Only the author or a moderator deletes this post.");
    }
    tx.exec("UPDATE posts SET status = 'deleted', deleted_at = $1, pinned = 0 WHERE id = $2",
            {clock_.now_ms(), id.value});
    // Points earned by removed content go back, so posting and deleting cannot farm them.
    engage::reverse_points_for(tx, "post", id.value, "content_deleted", clock_.now_ms());
    return {};
  });
}

Result<Post> Posts::load_for(db::Tx& tx, std::optional<UserId> viewer, PostId id) {
  auto row = tx.one(std::string("SELECT ") + std::string(kListColumns) + ", p.body_md, p.body_html, p.preview_html" +
                        std::string(kFrom) + " WHERE p.id = $1",
                    {id.value});
  if (!row) {
    return not_found("content.post_not_found", "No such post.");
  }
  auto post = post_from_row(row->row());
  const bool community_public = row->row().boolean(21);
  const Millis now = clock_.now_ms();
  const auto role = access::role_in(tx, viewer, post.community_id);
  if (!access::can_read_post({post.author.id, post.status, post.publish_at, community_public, post.hidden}, viewer,
                             role, now)) {
    return not_found("content.post_not_found", "No such post.");
  }
  post.scheduled = post.status == "published" && post.publish_at && *post.publish_at > now;
  post.viewer_role = role;
  post.viewer_can_moderate = access::allows(role, access::Action::Moderate);
  post.viewer_is_author = viewer && *viewer == post.author.id;
  post.viewer_can_edit = post.viewer_is_author || (viewer && post.viewer_can_moderate);
  if (viewer) {
    post.viewer_upvoted =
        tx.one("SELECT 1 FROM post_votes WHERE post_id = $1 AND user_id = $2", {id.value, viewer->value}).has_value();
  }
  std::vector<Post> one{std::move(post)};
  load_tags(tx, one);
  load_gates(tx, viewer, one);
  // The one cut (access::visible_body): a locked viewer gets the preview in HTML and in Markdown.
  auto& p = one.front();
  const std::string body_md = row->row().text(28);
  const std::string body_html = row->row().text(29);
  const std::string preview_html = row->row().text(30);
  p.body_html = access::visible_body(!p.locked, body_html, preview_html);
  p.body_md = p.locked ? split_paywall(body_md).preview_md.value_or("") : body_md;
  return std::move(p);
}

void Posts::load_gates(db::Tx& tx, std::optional<UserId> viewer, std::vector<Post>& posts) {
  std::map<int64_t, access::Entitlements> entitlements;  // Per community, loaded once.
  std::map<int64_t, access::Role> roles;
  for (auto& p : posts) {
    if (p.visibility == "tiers") {
      for (auto t : tx.exec("SELECT tier_id FROM post_tiers WHERE post_id = $1 ORDER BY tier_id", {p.id.value})) {
        p.tier_ids.push_back(t.i64(0));
      }
    }
    const auto gate = gate_of(p);
    p.gated = gate.gated();
    if (!p.gated) {
      continue;
    }
    access::Role role = p.viewer_role;
    if (viewer && role == access::Role::None) {
      auto r = roles.find(p.community_id.value);
      if (r == roles.end()) {
        r = roles.emplace(p.community_id.value, access::role_in(tx, viewer, p.community_id)).first;
      }
      role = r->second;
    }
    access::Entitlements none;
    const access::Entitlements* mine = &none;
    if (viewer) {
      auto it = entitlements.find(p.community_id.value);
      if (it == entitlements.end()) {
        // A banned member's purchases open nothing while the ban lasts.
        it = entitlements
                 .emplace(p.community_id.value,
                          access::is_banned(tx, *viewer, p.community_id)
                              ? access::Entitlements{}
                              : access::entitlements_of(tx, *viewer, p.community_id, clock_.now_ms()))
                 .first;
      }
      mine = &it->second;
    }
    p.locked = !access::can_read_full(gate, viewer, p.author.id, role, *mine, p.id.value);
  }
}

void Posts::load_tags(db::Tx& tx, std::vector<Post>& posts) {
  if (posts.empty()) {
    return;
  }
  std::string sql = "SELECT post_id, tag FROM post_tags WHERE post_id IN (";
  std::vector<db::Param> params;
  for (size_t i = 0; i < posts.size(); ++i) {
    sql += (i ? ", $" : "$") + std::to_string(i + 1);
    params.emplace_back(posts[i].id.value);
  }
  sql += ") ORDER BY tag";
  for (auto r : tx.exec(sql, params)) {
    for (auto& p : posts) {
      if (p.id.value == r.i64(0)) {
        p.tags.push_back(r.text(1));
      }
    }
  }
}

Result<Post> Posts::get(std::optional<UserId> viewer, PostId id, CountView count_view) {
  auto post = db_.read([&](db::Tx& tx) { return load_for(tx, viewer, id); });
  if (post) {
    add_pending_views(*post, count_view);
  }
  return post;
}

Result<PostWithComments> Posts::get_with_comments(std::optional<UserId> viewer, PostId id, CountView count_view) {
  auto page = db_.read([&](db::Tx& tx) -> Result<PostWithComments> {
    auto post = load_for(tx, viewer, id);
    if (!post) {
      return std::move(post).error();
    }
    // Comments of a post are part of it: a locked viewer gets none.
    auto comments = post->locked ? std::vector<Comment>() : load_comments(tx, *post, viewer);
    return PostWithComments{std::move(post).value(), std::move(comments)};
  });
  if (page) {
    add_pending_views(page->post, count_view);
  }
  return page;
}

void Posts::add_pending_views(Post& post, CountView count_view) {
  std::lock_guard lock(views_mutex_);
  // An author reading their own post is not a reader.
  if (count_view == CountView::Yes && !post.viewer_is_author) {
    ++pending_views_[post.id.value];
  }
  if (auto it = pending_views_.find(post.id.value); it != pending_views_.end()) {
    post.view_count += it->second;
  }
}

void Posts::count_view(PostId id) {
  std::lock_guard lock(views_mutex_);
  ++pending_views_[id.value];
}

void Posts::flush_views() {
  std::unordered_map<int64_t, int64_t> batch;
  {
    std::lock_guard lock(views_mutex_);
    batch.swap(pending_views_);
  }
  if (batch.empty()) {
    return;
  }
  db_.write([&](db::Tx& tx) {
    for (const auto& [post, count] : batch) {
      tx.exec("UPDATE posts SET view_count = view_count + $1 WHERE id = $2", {count, post});
    }
  });
}

Result<FeedPage> Posts::feed(std::optional<UserId> viewer, const FeedQuery& query) {
  const int limit = std::clamp(query.limit, 1, 100);
  std::optional<std::vector<int64_t>> keys;
  if (query.cursor) {
    keys = cursor::decode(*query.cursor, 2);
    if (!keys) {
      return invalid("pagination.invalid_cursor", "This cursor is not valid.", "cursor");
    }
  }
  std::optional<std::string> tag;
  if (query.tag) {
    tag = normalize_tag(*query.tag);
    if (!tag) {
      return invalid("content.invalid_tag", "This is not a tag.", "tag");
    }
  }
  const Millis now = clock_.now_ms();
  return db_.read([&](db::Tx& tx) -> Result<FeedPage> {
    auto community = tx.one("SELECT id, is_public FROM communities WHERE slug = $1", {query.community_slug});
    if (!community) {
      return not_found("community.not_found", "No such community.");
    }
    const CommunityId community_id(community->row().i64(0));
    std::vector<db::Param> params{community_id.value};
    auto filter = access::readable_posts_filter(viewer, now, 2);
    std::string sql = std::string("SELECT ") + std::string(kListColumns) + std::string(kFrom) +
                      " WHERE p.community_id = $1 AND " + filter.sql;
    params.insert(params.end(), filter.params.begin(), filter.params.end());
    const std::string key = query.sort == FeedSort::Top ? "p.upvotes" : "p.publish_at";
    if (query.sort == FeedSort::Essence) {
      sql += " AND p.essence = 1";
    }
    if (tag) {
      params.emplace_back(*tag);
      sql += " AND EXISTS (SELECT 1 FROM post_tags t WHERE t.post_id = p.id AND t.tag = $" +
             std::to_string(params.size()) + ")";
    }
    if (keys) {
      params.emplace_back((*keys)[0]);
      params.emplace_back((*keys)[1]);
      const auto k = "$" + std::to_string(params.size() - 1);
      const auto i = "$" + std::to_string(params.size());
      sql += " AND (" + key + " < " + k + " OR (" + key + " = " + k + " AND p.id < " + i + "))";
    }
    sql += " ORDER BY " + key + " DESC, p.id DESC LIMIT " + std::to_string(limit + 1);
    FeedPage page;
    for (auto r : tx.exec(sql, params)) {
      page.posts.push_back(post_from_row(r));
    }
    if (static_cast<int>(page.posts.size()) > limit) {
      page.posts.pop_back();
      const auto& last = page.posts.back();
      page.next_cursor =
          cursor::encode({query.sort == FeedSort::Top ? last.upvotes : last.publish_at.value_or(0), last.id.value});
    }
    load_tags(tx, page.posts);
    load_gates(tx, viewer, page.posts);
    return page;
  });
}

std::vector<Post> Posts::pinned(std::optional<UserId> viewer, CommunityId community) {
  const Millis now = clock_.now_ms();
  return db_.read([&](db::Tx& tx) {
    auto filter = access::readable_posts_filter(viewer, now, 2);
    std::vector<db::Param> params{community.value};
    params.insert(params.end(), filter.params.begin(), filter.params.end());
    std::vector<Post> posts;
    for (auto r : tx.exec(std::string("SELECT ") + std::string(kListColumns) + std::string(kFrom) +
                              " WHERE p.community_id = $1 AND p.pinned = 1 AND " + filter.sql +
                              " ORDER BY p.publish_at DESC LIMIT 5",
                          params)) {
      posts.push_back(post_from_row(r));
    }
    load_tags(tx, posts);
    load_gates(tx, viewer, posts);
    return posts;
  });
}

std::vector<Post> Posts::drafts(UserId author, CommunityId community) {
  const Millis now = clock_.now_ms();
  return db_.read([&](db::Tx& tx) {
    std::vector<Post> posts;
    for (auto r : tx.exec(std::string("SELECT ") + std::string(kListColumns) + std::string(kFrom) +
                              " WHERE p.community_id = $1 AND p.author_id = $2 AND (p.status = 'draft' OR "
                              "(p.status = 'published' AND p.publish_at > $3)) ORDER BY p.updated_at DESC LIMIT 50",
                          {community.value, author.value, now})) {
      auto post = post_from_row(r);
      post.scheduled = post.status == "published";
      posts.push_back(std::move(post));
    }
    return posts;
  });
}

std::vector<std::pair<std::string, int64_t>> Posts::tags(std::optional<UserId> viewer, CommunityId community,
                                                         int limit) {
  const Millis now = clock_.now_ms();
  return db_.read([&](db::Tx& tx) {
    auto filter = access::readable_posts_filter(viewer, now, 2);
    std::vector<db::Param> params{community.value};
    params.insert(params.end(), filter.params.begin(), filter.params.end());
    std::vector<std::pair<std::string, int64_t>> out;
    for (auto r : tx.exec("SELECT t.tag, COUNT(*) AS n FROM post_tags t JOIN posts p ON p.id = t.post_id "
                          "JOIN communities c ON c.id = p.community_id WHERE t.community_id = $1 AND " +
                              filter.sql + " GROUP BY t.tag ORDER BY n DESC, t.tag LIMIT " +
                              std::to_string(std::clamp(limit, 1, 100)),
                          params)) {
      out.emplace_back(r.text(0), r.i64(1));
    }
    return out;
  });
}

Result<Comment> Posts::add_comment(UserId author, PostId post_id, const CommentInput& input) {
  const auto body = text::trim(input.body_md);
  if (body.empty()) {
    return invalid("content.empty_comment", "Write something first.", "body_md");
  }
  if (!text::is_valid_utf8(body)) {
    return invalid("content.invalid_body", "The text is not valid UTF-8.", "body_md");
  }
  if (body.size() > kMaxCommentBytes) {
    return invalid("content.comment_too_long", "Comments have at most 20,000 bytes.", "body_md");
  }
  const auto html = render::markdown_to_html(body);
  return db_.write([&](db::Tx& tx) -> Result<Comment> {
    auto post = load_for(tx, author, post_id);
    if (!post) {
      return std::move(post).error();
    }
    if (post->status != "published") {
      return conflict("content.not_published", "Comments open when the post is published.");
    }
    if (post->locked) {
      return locked_error();
    }
    const auto role = access::role_in(tx, author, post->community_id);
    if (!access::allows(role, access::Action::Comment)) {
      if (access::is_banned(tx, author, post->community_id)) {
        return forbidden("moderation.banned", "You are banned from this community.");
      }
      return forbidden("community.members_only", "Join the community to comment.");
    }
    if (auto ok = access::check_contribution(tx, author, post->community_id, role, access::Contribution::Comment, body,
                                             limits_, clock_.now_ms());
        !ok) {
      return ok.error();
    }
    std::optional<int64_t> parent;
    std::optional<UserId> parent_author;  // Of the comment replied to (not its thread's head).
    if (input.parent_id) {
      auto row = tx.one("SELECT id, parent_id, author_id FROM comments WHERE id = $1 AND post_id = $2",
                        {*input.parent_id, post_id.value});
      if (!row) {
        return invalid("content.invalid_parent", "You reply to a comment of the same post.", "parent_id");
      }
      // One level of replies: a reply to a reply joins the same thread.
      parent = row->row().is_null(1) ? row->row().i64(0) : row->row().i64(1);
      parent_author = UserId(row->row().i64(2));
    }
    const Millis now = clock_.now_ms();
    auto id = tx.scalar_i64(
        "INSERT INTO comments (post_id, parent_id, author_id, body_md, body_html, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        {post_id.value, parent, author.value, body, html, now});
    tx.exec("UPDATE posts SET comment_count = comment_count + 1 WHERE id = $1", {post_id.value});
    if (post->kind == "question" && !parent && author != post->author.id) {
      engage::grant_badge(tx, author, post->community_id, "first_answer", now);
    }
    auto user = tx.one("SELECT username, display_name FROM users WHERE id = $1", {author.value});
    Comment c;
    c.id = CommentId(*id);
    c.post_id = post_id;
    if (parent) {
      c.parent_id = CommentId(*parent);
    }
    c.author = Author{author, user->row().text(0), user->row().text(1)};
    c.body_md = body;
    c.body_html = html;
    c.created_at = now;
    c.viewer_can_delete = true;
    notify_comment(tx, *post, c, parent_author);
    return c;
  });
}

Result<std::vector<Comment>> Posts::comments(std::optional<UserId> viewer, PostId post_id) {
  return db_.read([&](db::Tx& tx) -> Result<std::vector<Comment>> {
    auto post = load_for(tx, viewer, post_id);
    if (!post) {
      return std::move(post).error();
    }
    if (post->locked) {
      return locked_error();
    }
    return load_comments(tx, *post, viewer);
  });
}

std::vector<Comment> Posts::load_comments(db::Tx& tx, const Post& post, std::optional<UserId> viewer) {
  std::vector<Comment> out;
  // Votes and the authors' points come in the same query: no query per comment.
  for (auto r : tx.exec("SELECT c.id, c.parent_id, u.id, u.username, u.display_name, c.body_md, c.body_html, "
                        "c.created_at, c.deleted_at, c.upvotes, COALESCE(pb.balance, 0), cv.user_id, c.hidden_at "
                        "FROM comments c JOIN users u ON u.id = c.author_id "
                        "LEFT JOIN point_balances pb ON pb.user_id = c.author_id AND pb.community_id = $2 "
                        "LEFT JOIN comment_votes cv ON cv.comment_id = c.id AND cv.user_id = $3 "
                        "WHERE c.post_id = $1 ORDER BY c.created_at, c.id LIMIT 1000",
                        {post.id.value, post.community_id.value, viewer ? viewer->value : 0})) {
    Comment c;
    c.id = CommentId(r.i64(0));
    c.post_id = post.id;
    if (!r.is_null(1)) {
      c.parent_id = CommentId(r.i64(1));
    }
    c.author = Author{UserId(r.i64(2)), r.text(3), r.text(4)};
    c.deleted = !r.is_null(8);
    c.hidden = !r.is_null(12);
    // A hidden comment: its author (marked hidden) and moderators only; for everyone else it is
    // not there at all.
    if (c.hidden && !post.viewer_can_moderate && !(viewer && *viewer == c.author.id)) {
      continue;
    }
    if (!c.deleted) {
      c.body_md = r.text(5);
      c.body_html = r.text(6);
    }
    c.created_at = r.i64(7);
    c.upvotes = r.i64(9);
    c.author_points = r.i64(10);
    c.viewer_upvoted = !r.is_null(11);
    c.accepted = post.accepted_comment_id && *post.accepted_comment_id == c.id;
    c.viewer_can_delete = !c.deleted && viewer && (*viewer == c.author.id || post.viewer_can_moderate);
    out.push_back(std::move(c));
  }
  // Threads: each top-level comment followed by its replies, in time order. A question's
  // answers (its threads) come accepted first, then by votes, then by time.
  std::map<int64_t, std::tuple<int, int64_t, int64_t>> thread_rank;
  for (const auto& c : out) {
    if (!c.parent_id) {
      const bool answers = post.kind == "question";
      thread_rank[c.id.value] = {answers && c.accepted ? 0 : 1, answers ? -c.upvotes : 0, c.id.value};
    }
  }
  const auto rank = [&](const Comment& c) {
    const auto thread = c.parent_id ? c.parent_id->value : c.id.value;
    auto it = thread_rank.find(thread);
    return it == thread_rank.end() ? std::make_tuple(1, int64_t{0}, thread) : it->second;
  };
  std::stable_sort(out.begin(), out.end(), [&](const Comment& a, const Comment& b) { return rank(a) < rank(b); });
  return out;
}

Status Posts::remove_comment(UserId actor, CommentId id) {
  return db_.write([&](db::Tx& tx) -> Status {
    auto row = tx.one("SELECT post_id, author_id, deleted_at FROM comments WHERE id = $1", {id.value});
    if (!row || !row->row().is_null(2)) {
      return not_found("content.comment_not_found", "No such comment.");
    }
    const PostId post_id(row->row().i64(0));
    auto post = load_for(tx, actor, post_id);
    if (!post) {
      return not_found("content.comment_not_found", "No such comment.");
    }
    if (UserId(row->row().i64(1)) != actor && !post->viewer_can_moderate) {
      return forbidden("content.not_author", "Only the author or a moderator deletes this comment.");
    }
    tx.exec("UPDATE comments SET deleted_at = $1 WHERE id = $2", {clock_.now_ms(), id.value});
    tx.exec("UPDATE posts SET comment_count = comment_count - 1 WHERE id = $1", {post_id.value});
    tx.exec("UPDATE posts SET accepted_comment_id = NULL WHERE id = $1 AND accepted_comment_id = $2",
            {post_id.value, id.value});
    engage::reverse_points_for(tx, "comment", id.value, "content_deleted", clock_.now_ms());
    return {};
  });
}

Result<int64_t> Posts::upvote(UserId user, PostId post_id) {
  return db_.write([&](db::Tx& tx) -> Result<int64_t> {
    auto post = load_for(tx, user, post_id);
    if (!post) {
      return std::move(post).error();
    }
    if (post->author.id == user) {
      return forbidden("content.self_vote", "You cannot upvote your own post.");
    }
    if (post->locked) {
      return locked_error();
    }
    const auto role = access::role_in(tx, user, post->community_id);
    if (!access::allows(role, access::Action::Vote)) {
      if (access::is_banned(tx, user, post->community_id)) {
        return forbidden("moderation.banned", "You are banned from this community.");
      }
      return forbidden("community.members_only", "Join the community to vote.");
    }
    if (auto ok = access::check_contribution(tx, user, post->community_id, role, access::Contribution::Vote, "",
                                             limits_, clock_.now_ms());
        !ok) {
      return ok.error();
    }
    auto inserted =
        tx.exec("INSERT INTO post_votes (post_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                {post_id.value, user.value, clock_.now_ms()});
    if (inserted.affected == 1) {
      tx.exec("UPDATE posts SET upvotes = upvotes + 1 WHERE id = $1", {post_id.value});
      engage::award(tx, engage::AwardInput{post->author.id, post->community_id, engage::Act::UpvoteReceived, "post",
                                           post_id.value, user, clock_.now_ms()});
    }
    return *tx.scalar_i64("SELECT upvotes FROM posts WHERE id = $1", {post_id.value});
  });
}

Result<int64_t> Posts::remove_upvote(UserId user, PostId post_id) {
  return db_.write([&](db::Tx& tx) -> Result<int64_t> {
    auto post = load_for(tx, user, post_id);
    if (!post) {
      return std::move(post).error();
    }
    auto removed = tx.exec("DELETE FROM post_votes WHERE post_id = $1 AND user_id = $2", {post_id.value, user.value});
    if (removed.affected == 1) {
      tx.exec("UPDATE posts SET upvotes = upvotes - 1 WHERE id = $1", {post_id.value});
      engage::reverse_award(tx,
                            engage::AwardInput{post->author.id, post->community_id, engage::Act::UpvoteReceived, "post",
                                               post_id.value, user, clock_.now_ms()},
                            "upvote_removed");
    }
    return *tx.scalar_i64("SELECT upvotes FROM posts WHERE id = $1", {post_id.value});
  });
}

std::optional<TargetFacts> find_post_target(db::Tx& tx, PostId id) {
  auto row =
      tx.one("SELECT community_id, author_id, title FROM posts WHERE id = $1 AND status <> 'deleted'", {id.value});
  if (!row) {
    return std::nullopt;
  }
  return TargetFacts{CommunityId(row->row().i64(0)), UserId(row->row().i64(1)), id, row->row().text(2)};
}

std::optional<TargetFacts> find_comment_target(db::Tx& tx, CommentId id) {
  auto row = tx.one(
      "SELECT p.community_id, c.author_id, p.id, p.title FROM comments c JOIN posts p ON p.id = c.post_id "
      "WHERE c.id = $1 AND c.deleted_at IS NULL AND p.status <> 'deleted'",
      {id.value});
  if (!row) {
    return std::nullopt;
  }
  return TargetFacts{CommunityId(row->row().i64(0)), UserId(row->row().i64(1)), PostId(row->row().i64(2)),
                     row->row().text(3)};
}

bool set_post_hidden(db::Tx& tx, PostId id, std::optional<Millis> at) {
  const std::string sql = at ? "UPDATE posts SET hidden_at = $1 WHERE id = $2 AND hidden_at IS NULL"
                             : "UPDATE posts SET hidden_at = NULL WHERE id = $2 AND hidden_at IS NOT NULL AND "
                               "CAST($1 AS BIGINT) IS NULL";
  return tx.exec(sql, {at, id.value}).affected == 1;
}

bool set_comment_hidden(db::Tx& tx, CommentId id, std::optional<Millis> at) {
  const std::string sql = at ? "UPDATE comments SET hidden_at = $1 WHERE id = $2 AND hidden_at IS NULL"
                             : "UPDATE comments SET hidden_at = NULL WHERE id = $2 AND hidden_at IS NOT NULL AND "
                               "CAST($1 AS BIGINT) IS NULL";
  return tx.exec(sql, {at, id.value}).affected == 1;
}

}  // namespace gh::content

// API doors for posts, comments and upvotes.
#include "render/markdown.hpp"
#include "web/json.hpp"
#include "web/routes.hpp"

namespace gh::web {

namespace {

content::PostInput post_input(JsonInput& in) {
  content::PostInput input;
  input.title = in.str("title").value_or("");
  input.body_md = in.str("body_md").value_or("");
  input.kind = in.str("kind").value_or("discussion");
  input.tags = in.str_list("tags").value_or(std::vector<std::string>{});
  input.draft = in.boolean("draft").value_or(false);
  input.publish_at = in.str("publish_at");
  input.video_url = in.str("video_url").value_or("");
  input.visibility = in.str("visibility").value_or("public");
  input.tier_ids = in.int_list("tier_ids").value_or(std::vector<int64_t>{});
  input.price = in.money("price");
  input.bounty_points = in.integer("bounty_points");
  input.bounty_days = in.integer("bounty_days").value_or(input.bounty_days);
  check(in);
  return input;
}

content::PostPatch post_patch(JsonInput& in) {
  content::PostPatch patch{in.str("title"),     in.str("body_md"),    in.str("kind"),
                           in.str_list("tags"), in.boolean("draft"),  in.str("publish_at"),
                           in.str("video_url"), in.boolean("pinned"), in.boolean("essence")};
  patch.visibility = in.str("visibility");
  patch.tier_ids = in.int_list("tier_ids");
  if (in.has("price")) {
    patch.price = in.is_null("price") ? std::optional<Money>() : in.money("price");
  }
  check(in);
  return patch;
}

}  // namespace

void register_content_routes(WebApp& app) {
  auto& s = app.services();

  // Live preview for the editor: the same renderer that runs at write time.
  app.route(Door::Api, "POST", "/api/v1/preview", Auth::Required, [](Context& ctx) {
    auto in = json_body(ctx);
    const auto body = in.str("body_md").value_or("");
    check(in);
    if (body.size() > content::kMaxBodyBytes) {
      throw invalid("content.body_too_long", "Posts have at most 100,000 bytes.", "body_md");
    }
    return json_response(200, {{"html", render::markdown_to_html(body)}});
  });

  app.route(Door::Api, "POST", "/api/v1/communities/{slug}/posts", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    auto post = take(s.posts.create(ctx.user->id, ctx.request.param("slug"), post_input(in)));
    return json_response(201, {{"post", post_json(post, true)}});
  });

  app.route(Door::Api, "GET", "/api/v1/communities/{slug}/posts", Auth::Optional, [&s](Context& ctx) {
    auto sort = content::parse_feed_sort(ctx.request.query_param("sort").value_or(""));
    if (!sort) {
      throw invalid("content.invalid_sort", "sort is new, top or essence.", "sort");
    }
    content::FeedQuery query{ctx.request.param("slug"), *sort, ctx.request.query_param("tag"),
                             ctx.request.query_param("cursor"), limit_param(ctx.request, 20)};
    auto page = take(s.posts.feed(ctx.user_id(), query));
    boost::json::array list;
    for (const auto& p : page.posts) {
      list.push_back(post_json(p, false));
    }
    return json_response(200, {{"posts", std::move(list)}, {"next_cursor", cursor_json(page.next_cursor)}});
  });

  app.route(Door::Api, "GET", "/api/v1/communities/{slug}/tags", Auth::Optional, [&s](Context& ctx) {
    auto community = s.communities.find(ctx.request.param("slug"));
    if (!community) {
      throw not_found("community.not_found", "No such community.");
    }
    boost::json::array list;
    for (const auto& [tag, count] : s.posts.tags(ctx.user_id(), community->id, 100)) {
      list.push_back(boost::json::object{{"tag", tag}, {"count", count}});
    }
    return json_response(200, {{"tags", std::move(list)}});
  });

  app.route(Door::Api, "GET", "/api/v1/posts/{id}", Auth::Optional, [&s](Context& ctx) {
    auto post = take(s.posts.get(ctx.user_id(), PostId(id_param(ctx.request)), content::Posts::CountView::Yes));
    return json_response(200, {{"post", post_json(post, true)}});
  });

  app.route(Door::Api, "PATCH", "/api/v1/posts/{id}", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    auto post = take(s.posts.update(ctx.user->id, PostId(id_param(ctx.request)), post_patch(in)));
    return json_response(200, {{"post", post_json(post, true)}});
  });

  app.route(Door::Api, "DELETE", "/api/v1/posts/{id}", Auth::Required, [&s](Context& ctx) {
    take(s.posts.remove(ctx.user->id, PostId(id_param(ctx.request))));
    return http::Response::json(200, R"({"ok":true})");
  });

  app.route(Door::Api, "POST", "/api/v1/posts/{id}/comments", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    content::CommentInput input{in.str("body_md").value_or(""), in.integer("parent_id")};
    check(in);
    auto comment = take(s.posts.add_comment(ctx.user->id, PostId(id_param(ctx.request)), input));
    return json_response(201, {{"comment", comment_json(comment)}});
  });

  app.route(Door::Api, "GET", "/api/v1/posts/{id}/comments", Auth::Optional, [&s](Context& ctx) {
    auto comments = take(s.posts.comments(ctx.user_id(), PostId(id_param(ctx.request))));
    boost::json::array list;
    for (const auto& c : comments) {
      list.push_back(comment_json(c));
    }
    return json_response(200, {{"comments", std::move(list)}});
  });

  app.route(Door::Api, "DELETE", "/api/v1/comments/{id}", Auth::Required, [&s](Context& ctx) {
    take(s.posts.remove_comment(ctx.user->id, CommentId(id_param(ctx.request))));
    return http::Response::json(200, R"({"ok":true})");
  });

  app.route(Door::Api, "POST", "/api/v1/posts/{id}/upvote", Auth::Required, [&s](Context& ctx) {
    const auto upvotes = take(s.posts.upvote(ctx.user->id, PostId(id_param(ctx.request))));
    return json_response(200, {{"upvotes", upvotes}, {"upvoted", true}});
  });

  app.route(Door::Api, "DELETE", "/api/v1/posts/{id}/upvote", Auth::Required, [&s](Context& ctx) {
    const auto upvotes = take(s.posts.remove_upvote(ctx.user->id, PostId(id_param(ctx.request))));
    return json_response(200, {{"upvotes", upvotes}, {"upvoted", false}});
  });
}

}  // namespace gh::web

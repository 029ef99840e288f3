// API doors for communities: create, edit, directory, join/leave, members and roles.
#include "web/json.hpp"
#include "web/routes.hpp"

namespace gh::web {
void register_community_routes(WebApp& app) {
  auto& s = app.services();

  app.route(Door::Api, "POST", "/api/v1/communities", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    community::CommunityInput input;
    input.slug = in.str("slug").value_or("");
    input.name = in.str("name").value_or("");
    input.description = in.str("description").value_or("");
    input.rules_md = in.str("rules_md").value_or("");
    input.currency = in.str("currency").value_or("");
    input.is_public = in.boolean("is_public").value_or(true);
    check(in);
    auto community = take(s.communities.create(ctx.user->id, input));
    return json_response(201, {{"community", community_json(community)}});
  });

  app.route(Door::Api, "GET", "/api/v1/communities", Auth::Optional, [&s](Context& ctx) {
    auto sort = community::parse_directory_sort(ctx.request.query_param("sort").value_or(""));
    if (!sort) {
      throw invalid("community.invalid_sort", "sort is members, newest or income.", "sort");
    }
    auto page = take(s.communities.directory(*sort, ctx.request.query_param("cursor"), limit_param(ctx.request, 20)));
    boost::json::array list;
    for (const auto& c : page.communities) {
      list.push_back(community_json(c));
    }
    return json_response(200, {{"communities", std::move(list)}, {"next_cursor", cursor_json(page.next_cursor)}});
  });

  app.route(Door::Api, "GET", "/api/v1/communities/{slug}", Auth::Optional, [&s](Context& ctx) {
    auto community = s.communities.find(ctx.request.param("slug"));
    const auto role = community ? s.communities.role_of(ctx.user_id(), community->id) : access::Role::None;
    if (!community || (!community->is_public && role == access::Role::None)) {
      throw not_found("community.not_found", "No such community.");
    }
    s.communities.load_incomes(*community);
    auto body = community_json(*community);
    body["viewer_role"] = role == access::Role::None ? boost::json::value(nullptr)
                                                     : boost::json::value(std::string(access::role_name(role)));
    return json_response(200, {{"community", std::move(body)}});
  });

  app.route(Door::Api, "PATCH", "/api/v1/communities/{slug}", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    community::CommunityPatch patch{in.str("name"), in.str("description"), in.str("rules_md"), in.boolean("is_public")};
    check(in);
    auto community = take(s.communities.update(ctx.user->id, ctx.request.param("slug"), patch));
    return json_response(200, {{"community", community_json(community)}});
  });

  app.route(Door::Api, "POST", "/api/v1/communities/{slug}/join", Auth::Required, [&s](Context& ctx) {
    auto member = take(s.communities.join(ctx.user->id, ctx.request.param("slug")));
    return json_response(200, {{"member", member_json(member)}});
  });

  app.route(Door::Api, "POST", "/api/v1/communities/{slug}/leave", Auth::Required, [&s](Context& ctx) {
    take(s.communities.leave(ctx.user->id, ctx.request.param("slug")));
    return http::Response::json(200, R"({"ok":true})");
  });

  app.route(Door::Api, "GET", "/api/v1/communities/{slug}/members", Auth::Optional, [&s](Context& ctx) {
    auto page = take(s.communities.members(ctx.user_id(), ctx.request.param("slug"), ctx.request.query_param("cursor"),
                                           limit_param(ctx.request, 50)));
    boost::json::array list;
    for (const auto& m : page.members) {
      list.push_back(member_json(m));
    }
    return json_response(200, {{"members", std::move(list)}, {"next_cursor", cursor_json(page.next_cursor)}});
  });

  app.route(Door::Api, "PATCH", "/api/v1/communities/{slug}/members/{username}", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    const auto role = in.str("role").value_or("");
    check(in);
    auto member =
        take(s.communities.set_role(ctx.user->id, ctx.request.param("slug"), ctx.request.param("username"), role));
    return json_response(200, {{"member", member_json(member)}});
  });
}

}  // namespace gh::web

// Doors for accounts: sign-up, log-in, log-out, the current user, API tokens.
#include "core/text.hpp"
#include "web/json.hpp"
#include "web/routes.hpp"

namespace gh::web {

void register_identity_routes(WebApp& app) {
  auto& s = app.services();

  app.route(Door::Api, "POST", "/api/v1/auth/signup", Auth::Optional, [&s](Context& ctx) {
    auto in = json_body(ctx);
    identity::SignupInput input{in.str("email").value_or(""), in.str("username").value_or(""),
                                in.str("password").value_or(""), in.str("display_name").value_or("")};
    check(in);
    auto user = take(s.identity.sign_up(input));
    auto login = s.identity.start_session(user, ctx.client_ip, ctx.request.header("User-Agent").value_or(""));
    const auto token = s.identity.create_api_token(user.id, "sign-up");
    auto response = json_response(201, {{"user", user_json(user, true)}, {"token", token}});
    set_session_cookie(ctx, response, login.session_token);
    return response;
  });

  app.route(Door::Api, "POST", "/api/v1/auth/login", Auth::Optional, [&s](Context& ctx) {
    auto in = json_body(ctx);
    const auto login = in.str("login").value_or("");
    const auto password = in.str("password").value_or("");
    check(in);
    auto result =
        take(s.identity.log_in(login, password, ctx.client_ip, ctx.request.header("User-Agent").value_or("")));
    const auto token = s.identity.create_api_token(result.user.id, "log-in");
    auto response = json_response(200, {{"user", user_json(result.user, true)}, {"token", token}});
    set_session_cookie(ctx, response, result.session_token);
    return response;
  });

  app.route(Door::Api, "POST", "/api/v1/auth/logout", Auth::Required, [&s](Context& ctx) {
    if (!ctx.session_token.empty()) {
      s.identity.log_out(ctx.session_token);
    }
    auto response = http::Response::json(200, R"({"ok":true})");
    clear_session_cookie(ctx, response);
    return response;
  });

  app.route(Door::Api, "GET", "/api/v1/me", Auth::Required, [&s](Context& ctx) {
    boost::json::array communities;
    for (const auto& [community, role] : s.communities.memberships_of(ctx.user->id)) {
      auto c = community_json(community);
      c["role"] = std::string(access::role_name(role));
      communities.push_back(std::move(c));
    }
    return json_response(200, {{"user", user_json(*ctx.user, true)}, {"communities", std::move(communities)}});
  });

  app.route(Door::Api, "PATCH", "/api/v1/me", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    const auto display_name = in.str("display_name").value_or(ctx.user->display_name);
    const auto bio = in.str("bio").value_or(ctx.user->bio);
    check(in);
    auto user = take(s.identity.update_profile(ctx.user->id, display_name, bio));
    return json_response(200, {{"user", user_json(user, true)}});
  });

  app.route(Door::Api, "POST", "/api/v1/me/tokens", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    auto name = text::trim(in.str("name").value_or(""));
    check(in);
    if (name.empty() || text::utf8_length(name) > 100) {
      throw invalid("identity.invalid_token_name", "Token names have 1 to 100 characters.", "name");
    }
    const auto token = s.identity.create_api_token(ctx.user->id, name);
    return json_response(201, {{"token", token}, {"name", name}});
  });

  app.route(Door::Api, "GET", "/api/v1/me/tokens", Auth::Required, [&s](Context& ctx) {
    boost::json::array list;
    for (const auto& t : s.identity.api_tokens(ctx.user->id)) {
      list.push_back(boost::json::object{{"id", t.id}, {"name", t.name}, {"created_at", format_rfc3339(t.created_at)}});
    }
    return json_response(200, {{"tokens", std::move(list)}});
  });

  app.route(Door::Api, "DELETE", "/api/v1/me/tokens/{id}", Auth::Required, [&s](Context& ctx) {
    take(s.identity.revoke_api_token(ctx.user->id, id_param(ctx.request)));
    return http::Response::json(200, R"({"ok":true})");
  });

  app.route(Door::Api, "GET", "/api/v1/users/{username}", Auth::Optional, [&s](Context& ctx) {
    auto user = s.identity.find_user_by_username(ctx.request.param("username"));
    if (!user) {
      throw not_found("identity.user_not_found", "No such user.");
    }
    return json_response(200, {{"user", user_json(*user, ctx.user && ctx.user->id == user->id)}});
  });
}

}  // namespace gh::web

// Page doors: server-rendered HTML for everything the API offers. Each handler parses a form,
// calls one service, then redirects (303) on success or re-renders the form with its errors.
#include <charconv>

#include "core/text.hpp"
#include "render/markdown.hpp"
#include "web/errors.hpp"
#include "web/page_views.hpp"
#include "web/pages.hpp"
#include "web/routes.hpp"

namespace gh::web {
namespace {

constexpr std::string_view kTemplateDirectory = "community/directory.html";
constexpr std::string_view kTemplateSignup = "identity/signup.html";
constexpr std::string_view kTemplateLogin = "identity/login.html";
constexpr std::string_view kTemplateSettings = "identity/settings.html";
constexpr std::string_view kTemplateProfile = "identity/profile.html";
constexpr std::string_view kTemplateCommunityNew = "community/new.html";
constexpr std::string_view kTemplateCommunityHome = "community/home.html";
constexpr std::string_view kTemplateCommunitySettings = "community/settings.html";
constexpr std::string_view kTemplateMembers = "community/members.html";
constexpr std::string_view kTemplateEditor = "content/editor.html";
constexpr std::string_view kTemplatePost = "content/post.html";
constexpr std::string_view kTemplateDrafts = "content/drafts.html";

using render::Data;

community::Community require_community(Services& s, const Context& ctx) {
  auto community = s.communities.find(ctx.request.param("slug"));
  if (!community) {
    throw not_found("community.not_found", "No such community.");
  }
  if (!community->is_public && s.communities.role_of(ctx.user_id(), community->id) == access::Role::None) {
    throw not_found("community.not_found", "No such community.");
  }
  return *community;
}

// The community home and tag pages share the feed view.
http::Response feed_page(Services& s, Context& ctx, std::optional<std::string> tag) {
  auto community = require_community(s, ctx);
  s.communities.load_incomes(community);
  auto sort = content::parse_feed_sort(ctx.request.query_param("sort").value_or(""));
  if (!sort) {
    sort = content::FeedSort::New;
  }
  content::FeedQuery query{community.slug, *sort, tag, ctx.request.query_param("cursor"), 20};
  auto page = take(s.posts.feed(ctx.user_id(), query));
  const auto role = s.communities.role_of(ctx.user_id(), community.id);

  Data data;
  data.set("community", community_data(community));
  std::vector<Data> posts;
  for (const auto& p : page.posts) {
    posts.push_back(post_summary_data(ctx, s, p));
  }
  data.set("posts", list_of(posts));
  data.set("has_posts", !page.posts.empty());
  if (page.next_cursor) {
    data.set("next_url", "?sort=" + std::string(ctx.request.query_param("sort").value_or("new")) +
                             "&cursor=" + http::url_encode(*page.next_cursor));
  }
  const std::string sort_name = *sort == content::FeedSort::Top       ? "top"
                                : *sort == content::FeedSort::Essence ? "essence"
                                                                      : "new";
  data.set("sort_" + sort_name, true);
  if (!tag && !ctx.request.query_param("cursor")) {
    std::vector<Data> pinned;
    for (const auto& p : s.posts.pinned(ctx.user_id(), community.id)) {
      pinned.push_back(post_summary_data(ctx, s, p));
    }
    data.set("pinned", list_of(pinned));
    data.set("has_pinned", !pinned.empty());
  }
  if (tag) {
    data.set("tag", *tag);
    add_tag_follow_data(ctx, s, community, *tag, data);
  }
  std::vector<Data> tags;
  for (const auto& [name, count] : s.posts.tags(ctx.user_id(), community.id, 20)) {
    Data t;
    t.set("name", name);
    t.set("count", std::to_string(count));
    t.set("community_slug", community.slug);
    tags.push_back(t);
  }
  data.set("tags", list_of(tags));
  data.set("is_member", role != access::Role::None);
  data.set("is_owner", role == access::Role::Owner);
  data.set("can_edit_community", access::allows(role, access::Action::EditCommunity));
  data.set("can_post", role != access::Role::None);
  data.set("can_moderate", access::allows(role, access::Action::Moderate));
  data.set("can_manage_billing", access::allows(role, access::Action::ManageBilling));
  data.set("can_manage_files", role >= access::Role::Creator);  // files::Files::is_staff.
  if (role != access::Role::None) {
    data.set("role", s.i18n.t(ctx.lang, "role." + std::string(access::role_name(role))));
  }
  const auto title = tag ? "#" + *tag + " · " + community.name : community.name;
  return render_page(ctx, s, kTemplateCommunityHome, data, PageMeta{title, community.description, 200});
}

// Editor: new post and edit post share the template.
http::Response editor_page(Services& s, Context& ctx, const community::Community& community, Data values,
                           std::optional<Error> error, std::string action, bool editing) {
  Data data;
  data.set("community", community_data(community));
  data.set("post", values);
  data.set("action", std::move(action));
  data.set("editing", editing);
  const auto role = s.communities.role_of(ctx.user_id(), community.id);
  data.set("can_long_form", access::allows(role, access::Action::PostLongForm));
  data.set("can_gate", access::allows(role, access::Action::GateContent));
  if (error) {
    data.set("errors", form_errors(ctx, s, *error));
  }
  return render_page(ctx, s, kTemplateEditor, data,
                     PageMeta{s.i18n.t(ctx.lang, editing ? "editor.edit_title" : "editor.new_title"), "",
                              error ? status_of(error->kind) : 200});
}

Data editor_values(const Form& form) {
  Data v;
  for (const auto* key : {"title", "body_md", "kind", "tags_text", "publish_at", "video_url", "price"}) {
    v.set(key, form.get(key));
  }
  v.set("kind_" + form.get("kind"), true);
  v.set("visibility_" + (form.has("visibility") ? form.get("visibility") : std::string("public")), true);
  return v;
}

// The editor's visibility and price fields; the price is in the community's currency.
Result<std::optional<Money>> price_field(const Form& form, const std::string& currency) {
  const auto text_value = text::trim(form.get("price"));
  if (text_value.empty()) {
    return std::optional<Money>();
  }
  auto money = Money::parse_decimal(text_value, currency);
  if (!money) {
    return std::move(money).error();
  }
  return std::optional<Money>(*money);
}

std::vector<std::string> split_tags(const std::string& text_value) {
  std::vector<std::string> tags;
  std::string current;
  for (char c : text_value + ",") {
    if (c == ',' || c == ' ' || c == '\n') {
      if (!text::trim(current).empty()) {
        tags.push_back(text::trim(current));
      }
      current.clear();
    } else {
      current += c;
    }
  }
  return tags;
}

// A datetime-local field ("2026-11-24T18:00") is read as UTC unless it carries an offset.
std::optional<std::string> publish_at_field(const Form& form) {
  auto value = text::trim(form.get("publish_at"));
  if (value.empty()) {
    return std::nullopt;
  }
  if (value.size() == 16 || value.size() == 19) {
    value += "Z";
  }
  return value;
}

// The settings page's token list.
Data token_list(Services& s, const Context& ctx) {
  std::vector<Data> tokens;
  for (const auto& t : s.identity.api_tokens(ctx.user->id)) {
    Data d;
    d.set("id", std::to_string(t.id));
    d.set("name", t.name);
    d.set("created", format_rfc3339(t.created_at).substr(0, 10));
    tokens.push_back(d);
  }
  return list_of(tokens);
}

}  // namespace

http::Response post_page(Context& ctx, Services& s, PostId id, content::Posts::CountView count,
                         const std::optional<FailedForm>& failed) {
  auto page = take(s.posts.get_with_comments(ctx.user_id(), id, count));
  const auto& post = page.post;
  Data data = post_data(ctx, s, post);
  std::vector<Data> items;
  for (const auto& c : page.comments) {
    auto d = comment_data(c);
    d.set("when", relative_time(ctx, s, c.created_at));
    add_answer_data(ctx, post, c, d);
    items.push_back(d);
  }
  data.set("comments", list_of(items));
  const bool can_comment = access::allows(post.viewer_role, access::Action::Comment);
  data.set("can_comment", can_comment && post.status == "published");
  data.set("can_upvote", ctx.user && ctx.user->id != post.author.id && can_comment);
  data.set("signed_out", !ctx.user);
  data.set("can_report", ctx.user && ctx.user->id != post.author.id);
  data.set("card", s.checkouts.stripe_enabled());
  add_question_data(ctx, s, post, data);
  // A refused comment or bounty: its form again, with the error and what was typed.
  if (failed) {
    Data form_data;
    form_data.set("errors", form_errors(ctx, s, failed->error));
    data.set(failed->form + "_form", form_data);
    data.set("values", failed->values);
  }
  auto response = render_page(ctx, s, kTemplatePost, data,
                              PageMeta{post.title, post.excerpt, failed ? status_of(failed->error.kind) : 200});
  if (failed && failed->error.kind == ErrorKind::RateLimited) {
    response.headers.set("Retry-After", std::to_string(std::max(1, failed->error.retry_after_seconds)));
  }
  return response;
}

void register_page_routes(WebApp& app) {
  auto& s = app.services();

  app.raw_route("GET", "/healthz", [&s](http::Request&) {
    s.db.read([](db::Tx& tx) { tx.exec("SELECT 1"); });
    return http::Response::json(200, R"({"status":"ok"})");
  });

  app.raw_route("GET", "/static/{rest...}", [&s](http::Request& request) {
    auto response = s.static_files.serve(request.param("rest"), request);
    if (!response) {
      return http::Response::text(404, "Not found.\n");
    }
    return *response;
  });

  app.route(Door::Page, "GET", "/lang/{code}", Auth::Optional, [&s](Context& ctx) {
    const auto& code = ctx.request.param("code");
    const auto languages = s.i18n.languages();
    if (std::find(languages.begin(), languages.end(), code) == languages.end()) {
      throw not_found("http.not_found", "Nothing lives at this address.");
    }
    auto response = redirect(safe_next(ctx.request.query_param("next").value_or("/")));
    http::CookieOptions options;
    options.http_only = false;
    options.secure = ctx.secure;
    options.max_age_seconds = 365LL * 24 * 3600;
    response.headers.add("Set-Cookie", http::set_cookie_header("gh_lang", code, options));
    return response;
  });

  // Directory: the seed's page, done properly.
  app.route(
      Door::Page, "GET", "/", Auth::Optional,
      [&s](Context& ctx) {
        auto sort_text = ctx.request.query_param("sort").value_or("members");
        auto sort = community::parse_directory_sort(sort_text);
        if (!sort) {
          sort = community::DirectorySort::Members;
          sort_text = "members";
        }
        auto page = take(s.communities.directory(*sort, ctx.request.query_param("cursor"), 24));
        Data data;
        std::vector<Data> items;
        for (const auto& c : page.communities) {
          items.push_back(community_data(c));
        }
        data.set("communities", list_of(items));
        data.set("has_communities", !items.empty());
        data.set("sort_" + sort_text, true);
        if (page.next_cursor) {
          data.set("next_url", "/?sort=" + sort_text + "&cursor=" + http::url_encode(*page.next_cursor));
        }
        return render_page(
            ctx, s, kTemplateDirectory, data,
            PageMeta{s.i18n.t(ctx.lang, "directory.title"), s.i18n.t(ctx.lang, "directory.tagline"), 200});
      },
      Caching{true, {}});

  // Sign-up and log-in.
  app.route(Door::Page, "GET", "/signup", Auth::Optional, [&s](Context& ctx) {
    Data data;
    data.set("next", safe_next(ctx.request.query_param("next").value_or("/")));
    return render_page(ctx, s, kTemplateSignup, data, PageMeta{s.i18n.t(ctx.lang, "signup.title"), "", 200});
  });
  app.route(Door::Page, "POST", "/signup", Auth::Optional, [&s](Context& ctx) {
    Form form(ctx.request);
    identity::SignupInput input{form.get("email"), form.get("username"), form.get("password"),
                                form.get("display_name")};
    auto user = s.identity.sign_up(input);
    if (!user) {
      Data data;
      data.set("email", input.email);
      data.set("username", input.username);
      data.set("display_name", input.display_name);
      data.set("next", safe_next(form.get("next")));
      data.set("errors", form_errors(ctx, s, user.error()));
      return render_page(ctx, s, kTemplateSignup, data,
                         PageMeta{s.i18n.t(ctx.lang, "signup.title"), "", status_of(user.error().kind)});
    }
    auto login = s.identity.start_session(*user, ctx.client_ip, ctx.request.header("User-Agent").value_or(""));
    auto response = redirect(safe_next(form.get("next")));
    set_session_cookie(ctx, response, login.session_token);
    return response;
  });
  app.route(Door::Page, "GET", "/login", Auth::Optional, [&s](Context& ctx) {
    Data data;
    data.set("next", safe_next(ctx.request.query_param("next").value_or("/")));
    return render_page(ctx, s, kTemplateLogin, data, PageMeta{s.i18n.t(ctx.lang, "login.title"), "", 200});
  });
  app.route(Door::Page, "POST", "/login", Auth::Optional, [&s](Context& ctx) {
    Form form(ctx.request);
    auto result = s.identity.log_in(form.get("login"), form.get("password"), ctx.client_ip,
                                    ctx.request.header("User-Agent").value_or(""));
    if (!result) {
      Data data;
      data.set("login", form.get("login"));
      data.set("next", safe_next(form.get("next")));
      data.set("errors", form_errors(ctx, s, result.error()));
      auto response = render_page(ctx, s, kTemplateLogin, data,
                                  PageMeta{s.i18n.t(ctx.lang, "login.title"), "", status_of(result.error().kind)});
      if (result.error().kind == ErrorKind::RateLimited) {
        response.headers.set("Retry-After", std::to_string(std::max(1, result.error().retry_after_seconds)));
      }
      return response;
    }
    auto response = redirect(safe_next(form.get("next")));
    set_session_cookie(ctx, response, result->session_token);
    return response;
  });
  app.route(Door::Page, "POST", "/logout", Auth::Optional, [&s](Context& ctx) {
    if (!ctx.session_token.empty()) {
      s.identity.log_out(ctx.session_token);
    }
    auto response = redirect("/");
    clear_session_cookie(ctx, response);
    return response;
  });

  // Profile and settings.
  app.route(
      Door::Page, "GET", "/u/{username}", Auth::Optional,
      [&s](Context& ctx) {
        auto user = s.identity.find_user_by_username(ctx.request.param("username"));
        if (!user) {
          throw not_found("identity.user_not_found", "No such user.");
        }
        Data data;
        data.set("username", user->username);
        data.set("display_name", user->display_name);
        data.set("bio", user->bio);
        data.set("joined", format_rfc3339(user->created_at).substr(0, 10));
        data.set("is_self", ctx.user && ctx.user->id == user->id);
        std::vector<Data> communities;
        for (const auto& [community, role] : s.communities.memberships_of(user->id)) {
          if (!community.is_public && !(ctx.user && ctx.user->id == user->id)) {
            continue;
          }
          auto d = community_data(community);
          d.set("role", s.i18n.t(ctx.lang, "role." + std::string(access::role_name(role))));
          communities.push_back(d);
        }
        data.set("communities", list_of(communities));
        add_profile_engagement(ctx, s, user->id, ctx.user && ctx.user->id == user->id, data);
        return render_page(ctx, s, kTemplateProfile, data, PageMeta{user->display_name, user->bio, 200});
      },
      Caching{true, {}});
  app.route(Door::Page, "GET", "/settings", Auth::Required, [&s](Context& ctx) {
    Data data;
    data.set("display_name", ctx.user->display_name);
    data.set("bio", ctx.user->bio);
    data.set("email", ctx.user->email);
    data.set("tokens", token_list(s, ctx));
    return render_page(ctx, s, kTemplateSettings, data, PageMeta{s.i18n.t(ctx.lang, "settings.title"), "", 200});
  });
  app.route(Door::Page, "POST", "/settings/tokens/{id}/revoke", Auth::Required, [&s](Context& ctx) {
    take(s.identity.revoke_api_token(ctx.user->id, id_param(ctx.request)));
    return redirect("/settings");
  });
  app.route(Door::Page, "POST", "/settings", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    Data data;
    data.set("email", ctx.user->email);
    if (form.has("token_name")) {
      const auto name = text::trim(form.get("token_name"));
      if (name.empty() || text::utf8_length(name) > 100) {
        data.set("token_errors",
                 form_errors(ctx, s, invalid("identity.invalid_token_name", "Name the token.", "token_name")));
      } else {
        data.set("new_token", s.identity.create_api_token(ctx.user->id, name));
      }
      data.set("display_name", ctx.user->display_name);
      data.set("bio", ctx.user->bio);
      data.set("tokens", token_list(s, ctx));
      return render_page(ctx, s, kTemplateSettings, data, PageMeta{s.i18n.t(ctx.lang, "settings.title"), "", 200});
    }
    auto user = s.identity.update_profile(ctx.user->id, form.get("display_name"), form.get("bio"));
    if (!user) {
      data.set("display_name", form.get("display_name"));
      data.set("bio", form.get("bio"));
      data.set("errors", form_errors(ctx, s, user.error()));
      data.set("tokens", token_list(s, ctx));
      return render_page(ctx, s, kTemplateSettings, data,
                         PageMeta{s.i18n.t(ctx.lang, "settings.title"), "", status_of(user.error().kind)});
    }
    return redirect("/u/" + user->username);
  });

  // Communities.
  app.route(Door::Page, "GET", "/communities/new", Auth::Required, [&s](Context& ctx) {
    Data data;
    data.set("is_public", true);
    return render_page(ctx, s, kTemplateCommunityNew, data,
                       PageMeta{s.i18n.t(ctx.lang, "community.new_title"), "", 200});
  });
  app.route(Door::Page, "POST", "/communities/new", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    community::CommunityInput input{text::to_lower_ascii(text::trim(form.get("slug"))),
                                    form.get("name"),
                                    form.get("description"),
                                    form.get("rules_md"),
                                    form.get("currency"),
                                    form.get("visibility") != "private"};
    auto community = s.communities.create(ctx.user->id, input);
    if (!community) {
      Data data;
      data.set("slug", input.slug);
      data.set("name", input.name);
      data.set("description", input.description);
      data.set("rules_md", input.rules_md);
      data.set("is_public", input.is_public);
      data.set("errors", form_errors(ctx, s, community.error()));
      return render_page(ctx, s, kTemplateCommunityNew, data,
                         PageMeta{s.i18n.t(ctx.lang, "community.new_title"), "", status_of(community.error().kind)});
    }
    return redirect("/c/" + community->slug);
  });
  app.route(
      Door::Page, "GET", "/c/{slug}", Auth::Optional, [&s](Context& ctx) { return feed_page(s, ctx, std::nullopt); },
      Caching{true, {}});
  app.route(
      Door::Page, "GET", "/c/{slug}/tags/{tag}", Auth::Optional,
      [&s](Context& ctx) { return feed_page(s, ctx, ctx.request.param("tag")); }, Caching{true, {}});
  app.route(Door::Page, "POST", "/c/{slug}/join", Auth::Required, [&s](Context& ctx) {
    take(s.communities.join(ctx.user->id, ctx.request.param("slug")));
    return redirect("/c/" + ctx.request.param("slug"));
  });
  app.route(Door::Page, "POST", "/c/{slug}/leave", Auth::Required, [&s](Context& ctx) {
    take(s.communities.leave(ctx.user->id, ctx.request.param("slug")));
    return redirect("/c/" + ctx.request.param("slug"));
  });
  app.route(Door::Page, "GET", "/c/{slug}/settings", Auth::Required, [&s](Context& ctx) {
    const auto community = require_community(s, ctx);
    if (!access::allows(s.communities.role_of(ctx.user_id(), community.id), access::Action::EditCommunity)) {
      throw forbidden("community.not_allowed", "Only owners and admins edit a community.");
    }
    Data data;
    data.set("community", community_data(community));
    return render_page(ctx, s, kTemplateCommunitySettings, data, PageMeta{community.name, "", 200});
  });
  app.route(Door::Page, "POST", "/c/{slug}/settings", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    community::CommunityPatch patch{form.get("name"), form.get("description"), form.get("rules_md"),
                                    form.get("visibility") != "private"};
    auto community = s.communities.update(ctx.user->id, ctx.request.param("slug"), patch);
    if (!community) {
      if (community.error().kind != ErrorKind::Invalid) {
        throw std::move(community).error();
      }
      auto current = require_community(s, ctx);
      current.name = *patch.name;
      current.description = *patch.description;
      current.rules_md = *patch.rules_md;
      Data data;
      data.set("community", community_data(current));
      data.set("errors", form_errors(ctx, s, community.error()));
      return render_page(ctx, s, kTemplateCommunitySettings, data, PageMeta{current.name, "", 400});
    }
    return redirect("/c/" + community->slug);
  });
  app.route(
      Door::Page, "GET", "/c/{slug}/members", Auth::Optional,
      [&s](Context& ctx) {
        const auto community = require_community(s, ctx);
        auto page = take(s.communities.members(ctx.user_id(), community.slug, ctx.request.query_param("cursor"), 100));
        const auto viewer_role = s.communities.role_of(ctx.user_id(), community.id);
        const bool can_change = access::allows(viewer_role, access::Action::ChangeRoles);
        Data data;
        data.set("community", community_data(community));
        std::vector<Data> members;
        for (const auto& m : page.members) {
          Data d;
          d.set("username", m.username);
          d.set("display_name", m.display_name);
          d.set("role", std::string(access::role_name(m.role)));
          d.set("role_label", s.i18n.t(ctx.lang, "role." + std::string(access::role_name(m.role))));
          d.set("joined", format_rfc3339(m.joined_at).substr(0, 10));
          const bool editable = can_change && m.role != access::Role::Owner &&
                                (viewer_role == access::Role::Owner || m.role != access::Role::Admin);
          d.set("editable", editable);
          d.set("can_grant_admin", viewer_role == access::Role::Owner);
          d.set("is_" + std::string(access::role_name(m.role)), true);
          members.push_back(d);
        }
        data.set("members", list_of(members));
        if (page.next_cursor) {
          data.set("next_url", "?cursor=" + http::url_encode(*page.next_cursor));
        }
        return render_page(ctx, s, kTemplateMembers, data,
                           PageMeta{s.i18n.t(ctx.lang, "members.title") + " · " + community.name, "", 200});
      },
      Caching{true, {}});
  app.route(Door::Page, "POST", "/c/{slug}/members/{username}", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    take(s.communities.set_role(ctx.user->id, ctx.request.param("slug"), ctx.request.param("username"),
                                form.get("role")));
    return redirect("/c/" + ctx.request.param("slug") + "/members");
  });

  // Posts.
  app.route(Door::Page, "GET", "/c/{slug}/new", Auth::Required, [&s](Context& ctx) {
    const auto community = require_community(s, ctx);
    if (s.communities.role_of(ctx.user_id(), community.id) == access::Role::None) {
      throw forbidden("community.members_only", "Join the community to post.");
    }
    Data values;
    const auto kind = ctx.request.query_param("kind").value_or("discussion");
    values.set("kind_" + kind, true);
    return editor_page(s, ctx, community, values, std::nullopt, "/c/" + community.slug + "/new", false);
  });
  app.route(Door::Page, "POST", "/c/{slug}/new", Auth::Required, [&s](Context& ctx) {
    const auto community = require_community(s, ctx);
    Form form(ctx.request);
    content::PostInput input{form.get("title"),
                             form.get("body_md"),
                             form.get("kind"),
                             split_tags(form.get("tags_text")),
                             form.has("save_draft"),
                             publish_at_field(form),
                             text::trim(form.get("video_url"))};
    if (form.has("preview")) {
      auto values = editor_values(form);
      values.set("preview_html", render::markdown_to_html(input.body_md));
      values.set("has_preview", true);
      return editor_page(s, ctx, community, values, std::nullopt, "/c/" + community.slug + "/new", false);
    }
    input.visibility = form.has("visibility") ? form.get("visibility") : "public";
    auto price = price_field(form, community.currency);
    if (!price) {
      return editor_page(s, ctx, community, editor_values(form), price.error(), "/c/" + community.slug + "/new", false);
    }
    input.price = *price;
    auto post = s.posts.create(ctx.user->id, community.slug, input);
    if (!post) {
      return editor_page(s, ctx, community, editor_values(form), post.error(), "/c/" + community.slug + "/new", false);
    }
    return redirect("/p/" + std::to_string(post->id.value));
  });
  app.route(Door::Page, "GET", "/c/{slug}/drafts", Auth::Required, [&s](Context& ctx) {
    const auto community = require_community(s, ctx);
    Data data;
    data.set("community", community_data(community));
    std::vector<Data> items;
    for (const auto& p : s.posts.drafts(ctx.user->id, community.id)) {
      auto d = post_summary_data(ctx, s, p);
      d.set("publish_at", p.publish_at ? format_rfc3339(*p.publish_at) : std::string());
      items.push_back(d);
    }
    data.set("posts", list_of(items));
    data.set("has_posts", !items.empty());
    return render_page(ctx, s, kTemplateDrafts, data,
                       PageMeta{s.i18n.t(ctx.lang, "drafts.title") + " · " + community.name, "", 200});
  });
  app.route(
      Door::Page, "GET", "/p/{id}", Auth::Optional,
      [&s](Context& ctx) {
        return post_page(ctx, s, PostId(id_param(ctx.request)), content::Posts::CountView::Yes, std::nullopt);
      },
      Caching{true, [&s](const http::Request& request) { s.posts.count_view(PostId(id_param(request))); }});
  app.route(Door::Page, "GET", "/p/{id}/edit", Auth::Required, [&s](Context& ctx) {
    auto post = take(s.posts.get(ctx.user_id(), PostId(id_param(ctx.request)), content::Posts::CountView::No));
    if (!post.viewer_can_edit) {
      throw forbidden("content.not_author", "Only the author or a moderator edits this post.");
    }
    auto community = s.communities.find(post.community_slug);
    auto values = post_data(ctx, s, post);
    values.set("kind_" + post.kind, true);
    values.set("visibility_" + post.visibility, true);
    if (post.scheduled && post.publish_at) {
      values.set("publish_at", format_rfc3339(*post.publish_at).substr(0, 16));
    } else {
      values.set("publish_at", "");
    }
    return editor_page(s, ctx, *community, values, std::nullopt, "/p/" + std::to_string(post.id.value) + "/edit", true);
  });
  app.route(Door::Page, "POST", "/p/{id}/edit", Auth::Required, [&s](Context& ctx) {
    const PostId id(id_param(ctx.request));
    auto current = take(s.posts.get(ctx.user_id(), id, content::Posts::CountView::No));
    auto community = s.communities.find(current.community_slug);
    Form form(ctx.request);
    const auto action = "/p/" + std::to_string(id.value) + "/edit";
    if (form.has("preview")) {
      auto values = editor_values(form);
      values.set("preview_html", render::markdown_to_html(form.get("body_md")));
      values.set("has_preview", true);
      return editor_page(s, ctx, *community, values, std::nullopt, action, true);
    }
    content::PostPatch patch;
    patch.title = form.get("title");
    patch.body_md = form.get("body_md");
    patch.kind = form.get("kind");
    patch.tags = split_tags(form.get("tags_text"));
    patch.video_url = text::trim(form.get("video_url"));
    patch.publish_at = publish_at_field(form);
    if (form.has("save_draft")) {
      patch.draft = true;
    } else if (form.has("publish")) {
      patch.draft = false;
    }
    if (form.has("visibility")) {
      patch.visibility = form.get("visibility");
      auto price = price_field(form, community->currency);
      if (!price) {
        return editor_page(s, ctx, *community, editor_values(form), price.error(), action, true);
      }
      patch.price = *price;
    }
    auto post = s.posts.update(ctx.user->id, id, patch);
    if (!post) {
      if (post.error().kind != ErrorKind::Invalid) {
        throw std::move(post).error();
      }
      return editor_page(s, ctx, *community, editor_values(form), post.error(), action, true);
    }
    return redirect("/p/" + std::to_string(id.value));
  });
  app.route(Door::Page, "POST", "/p/{id}/delete", Auth::Required, [&s](Context& ctx) {
    const PostId id(id_param(ctx.request));
    auto post = take(s.posts.get(ctx.user_id(), id, content::Posts::CountView::No));
    take(s.posts.remove(ctx.user->id, id));
    return redirect("/c/" + post.community_slug);
  });
  app.route(Door::Page, "POST", "/p/{id}/moderate", Auth::Required, [&s](Context& ctx) {
    const PostId id(id_param(ctx.request));
    Form form(ctx.request);
    content::PostPatch patch;
    if (form.has("pinned")) {
      patch.pinned = form.get("pinned") == "1";
    }
    if (form.has("essence")) {
      patch.essence = form.get("essence") == "1";
    }
    take(s.posts.update(ctx.user->id, id, patch));
    return redirect("/p/" + std::to_string(id.value));
  });
  app.route(Door::Page, "POST", "/p/{id}/upvote", Auth::Required, [&s](Context& ctx) {
    const PostId id(id_param(ctx.request));
    Form form(ctx.request);
    if (form.get("undo") == "1") {
      take(s.posts.remove_upvote(ctx.user->id, id));
    } else {
      take(s.posts.upvote(ctx.user->id, id));
    }
    return redirect("/p/" + std::to_string(id.value));
  });
  app.route(Door::Page, "POST", "/p/{id}/comments", Auth::Required, [&s](Context& ctx) {
    const PostId id(id_param(ctx.request));
    Form form(ctx.request);
    std::optional<int64_t> parent;
    if (const auto p = form.get("parent_id"); !p.empty()) {
      int64_t value = 0;
      if (std::from_chars(p.data(), p.data() + p.size(), value).ec == std::errc()) {
        parent = value;
      }
    }
    auto comment = s.posts.add_comment(ctx.user->id, id, content::CommentInput{form.get("body_md"), parent});
    if (!comment) {
      const auto kind = comment.error().kind;
      if (kind != ErrorKind::Invalid && kind != ErrorKind::RateLimited && kind != ErrorKind::Conflict) {
        throw std::move(comment).error();
      }
      Data values;
      values.set("comment_body", form.get("body_md"));
      return post_page(ctx, s, id, content::Posts::CountView::No,
                       FailedForm{"comment", std::move(comment).error(), std::move(values)});
    }
    return redirect("/p/" + std::to_string(id.value) + "#comment-" + std::to_string(comment->id.value));
  });
  app.route(Door::Page, "POST", "/comments/{id}/delete", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    take(s.posts.remove_comment(ctx.user->id, CommentId(id_param(ctx.request))));
    return redirect(safe_next(form.get("next")));
  });
}

}  // namespace gh::web

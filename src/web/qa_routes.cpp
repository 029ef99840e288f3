// Q&A doors: accepting answers, voting on comments, bounties (API and page forms), and the
// question page's extras. The rules live in content/qa.cpp.
#include <charconv>

#include "engage/points.hpp"
#include "web/json.hpp"
#include "web/pages.hpp"
#include "web/routes.hpp"

namespace gh::web {
namespace {

boost::json::value bounty_json(const std::optional<content::Bounty>& b) {
  if (!b) {
    return nullptr;
  }
  return boost::json::object{
      {"points", b->points}, {"deadline_at", format_rfc3339(b->deadline_at)}, {"status", b->status}};
}

int64_t form_integer(const Form& form, std::string_view key, int64_t fallback) {
  const auto text_value = form.get(key);
  if (text_value.empty()) {
    return fallback;
  }
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text_value.data(), text_value.data() + text_value.size(), value);
  if (ec != std::errc() || ptr != text_value.data() + text_value.size()) {
    throw invalid("request.invalid_integer", "Enter a whole number.", std::string(key));
  }
  return value;
}

}  // namespace

void add_question_data(Context& ctx, Services& s, const content::Post& post, render::Data& data) {
  if (post.kind != "question" || post.locked) {
    return;
  }
  const bool is_asker = ctx.user && ctx.user->id == post.author.id;
  if (auto bounty = s.questions.bounty(post.id)) {
    data.set("has_bounty", true);
    data.set("bounty_points", std::to_string(bounty->points));
    data.set("bounty_deadline", format_rfc3339(bounty->deadline_at).substr(0, 10));
    data.set("bounty_open", bounty->status == "open");
    data.set("bounty_paid", bounty->status == "paid");
    data.set("bounty_returned", bounty->status == "returned");
  } else {
    data.set("can_offer_bounty", is_asker && post.status == "published" && !post.accepted_comment_id);
  }
}

void add_answer_data(Context& ctx, const content::Post& post, const content::Comment& c, render::Data& data) {
  const bool signed_in = ctx.user.has_value();
  const bool member = access::allows(post.viewer_role, access::Action::Vote);
  data.set("can_vote", signed_in && member && !c.deleted && ctx.user->id != c.author.id);
  const bool may_accept = signed_in && (ctx.user->id == post.author.id || post.viewer_can_moderate);
  const bool answer = post.kind == "question" && !c.parent_id && !c.deleted && c.author.id != post.author.id;
  data.set("can_accept", may_accept && answer && !c.accepted);
  data.set("can_unaccept", may_accept && c.accepted);
}

void register_qa_routes(WebApp& app) {
  auto& s = app.services();

  app.route(Door::Api, "POST", "/api/v1/comments/{id}/accept", Auth::Required, [&s](Context& ctx) {
    auto accepted = take(s.questions.accept(ctx.user->id, CommentId(id_param(ctx.request))));
    boost::json::array badges;
    for (const auto& b : accepted.new_badges) {
      badges.emplace_back(b);
    }
    return json_response(200, {{"accepted", true},
                               {"post_id", accepted.post_id.value},
                               {"comment_id", accepted.comment_id.value},
                               {"previous_comment_id", accepted.previous ? boost::json::value(accepted.previous->value)
                                                                         : boost::json::value(nullptr)},
                               {"points", accepted.points},
                               {"bounty_paid", accepted.bounty_paid},
                               {"new_badges", std::move(badges)}});
  });

  app.route(Door::Api, "DELETE", "/api/v1/comments/{id}/accept", Auth::Required, [&s](Context& ctx) {
    take(s.questions.unaccept(ctx.user->id, CommentId(id_param(ctx.request))));
    return json_response(200, {{"accepted", false}});
  });

  app.route(Door::Api, "POST", "/api/v1/comments/{id}/upvote", Auth::Required, [&s](Context& ctx) {
    const auto upvotes = take(s.questions.upvote(ctx.user->id, CommentId(id_param(ctx.request))));
    return json_response(200, {{"upvotes", upvotes}, {"upvoted", true}});
  });

  app.route(Door::Api, "DELETE", "/api/v1/comments/{id}/upvote", Auth::Required, [&s](Context& ctx) {
    const auto upvotes = take(s.questions.remove_upvote(ctx.user->id, CommentId(id_param(ctx.request))));
    return json_response(200, {{"upvotes", upvotes}, {"upvoted", false}});
  });

  app.route(Door::Api, "POST", "/api/v1/posts/{id}/bounty", Auth::Required, [&s](Context& ctx) {
    auto in = json_body(ctx);
    const auto points = in.integer("points").value_or(0);
    const auto days = in.integer("days").value_or(content::kDefaultBountyDays);
    check(in);
    auto bounty = take(s.questions.offer_bounty(ctx.user->id, PostId(id_param(ctx.request)), points, days));
    return json_response(201, {{"bounty", bounty_json(bounty)}});
  });

  app.route(Door::Api, "GET", "/api/v1/posts/{id}/bounty", Auth::Optional, [&s](Context& ctx) {
    // The post's own read decision first: a bounty says nothing about a post one may not see.
    const auto post = take(s.posts.get(ctx.user_id(), PostId(id_param(ctx.request)), content::Posts::CountView::No));
    return json_response(200, {{"bounty", bounty_json(s.questions.bounty(post.id))}});
  });

  // Page forms: the same services, then back to the question.
  app.route(Door::Page, "POST", "/comments/{id}/accept", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    const CommentId id(id_param(ctx.request));
    if (form.get("undo") == "1") {
      take(s.questions.unaccept(ctx.user->id, id));
    } else {
      take(s.questions.accept(ctx.user->id, id));
    }
    return redirect(safe_next(form.get("next")) + "#comment-" + std::to_string(id.value));
  });

  app.route(Door::Page, "POST", "/comments/{id}/upvote", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    const CommentId id(id_param(ctx.request));
    if (form.get("undo") == "1") {
      take(s.questions.remove_upvote(ctx.user->id, id));
    } else {
      take(s.questions.upvote(ctx.user->id, id));
    }
    return redirect(safe_next(form.get("next")) + "#comment-" + std::to_string(id.value));
  });

  app.route(Door::Page, "POST", "/p/{id}/bounty", Auth::Required, [&s](Context& ctx) {
    Form form(ctx.request);
    const PostId id(id_param(ctx.request));
    auto offered = s.questions.offer_bounty(ctx.user->id, id, form_integer(form, "points", 0),
                                            form_integer(form, "days", content::kDefaultBountyDays));
    if (!offered) {
      const auto kind = offered.error().kind;
      if (kind != ErrorKind::Invalid && kind != ErrorKind::Conflict) {
        throw std::move(offered).error();
      }
      render::Data values;
      values.set("bounty_points", form.get("points"));
      values.set("bounty_days", form.get("days"));
      return post_page(ctx, s, id, content::Posts::CountView::No,
                       FailedForm{"bounty", std::move(offered).error(), std::move(values)});
    }
    return redirect("/p/" + std::to_string(id.value));
  });
}

}  // namespace gh::web

#include "web/page_views.hpp"

#include "core/money.hpp"
#include "engage/points.hpp"

namespace gh::web {

std::string relative_time(const Context& ctx, const Services& services, Millis at) {
  const Millis diff = services.clock.now_ms() - at;
  const auto& i18n = services.i18n;
  if (diff < 0) {
    return format_rfc3339(at).substr(0, 16).replace(10, 1, " ") + " UTC";
  }
  if (diff < 60'000) {
    return i18n.t(ctx.lang, "time.just_now");
  }
  if (diff < 3'600'000) {
    return i18n.format(ctx.lang, "time.minutes_ago", {{"n", std::to_string(diff / 60'000)}});
  }
  if (diff < 86'400'000) {
    return i18n.format(ctx.lang, "time.hours_ago", {{"n", std::to_string(diff / 3'600'000)}});
  }
  if (diff < 30LL * 86'400'000) {
    return i18n.format(ctx.lang, "time.days_ago", {{"n", std::to_string(diff / 86'400'000)}});
  }
  return format_rfc3339(at).substr(0, 10);
}

std::string kind_label(const Context& ctx, const Services& services, std::string_view kind) {
  return services.i18n.t(ctx.lang, "kind." + std::string(kind));
}

render::Data community_data(const community::Community& c) {
  render::Data d;
  d.set("slug", c.slug);
  d.set("name", c.name);
  d.set("initial", c.name.substr(0, c.name.empty() ? 0 : (static_cast<unsigned char>(c.name[0]) < 0x80 ? 1 : 3)));
  d.set("description", c.description);
  d.set("rules_html", c.rules_html);
  d.set("has_rules", !c.rules_md.empty());
  d.set("rules_md", c.rules_md);
  d.set("member_count", std::to_string(c.member_count));
  // Net booked revenue: every currency it has sold in ("¥1,200.00 + $35.00"), own currency first.
  std::string income;
  for (const auto& m : c.incomes) {
    income += (income.empty() ? "" : " + ") + m.format();
  }
  if (income.empty()) {
    income = Money::create(c.income_minor, c.currency) ? Money::create(c.income_minor, c.currency)->format()
                                                       : std::to_string(c.income_minor);
  }
  d.set("income", income);
  d.set("currency", c.currency);
  d.set("is_public", c.is_public);
  return d;
}

namespace {

void set_common_post_fields(const Context& ctx, const Services& services, const content::Post& p, render::Data& d) {
  d.set("id", std::to_string(p.id.value));
  d.set("title", p.title);
  d.set("kind", p.kind);
  d.set("kind_label", kind_label(ctx, services, p.kind));
  d.set("excerpt", p.excerpt);
  d.set("community_slug", p.community_slug);
  d.set("community_name", p.community_name);
  d.set("author_username", p.author.username);
  d.set("author_name", p.author.display_name);
  d.set("author_level", std::to_string(engage::level_for(p.author_points)));
  d.set("is_question", p.kind == "question");
  d.set("answered", p.accepted_comment_id.has_value());
  d.set("upvotes", std::to_string(p.upvotes));
  d.set("comment_count", std::to_string(p.comment_count));
  d.set("view_count", std::to_string(p.view_count));
  d.set("pinned", p.pinned);
  d.set("essence", p.essence);
  d.set("draft", p.status == "draft");
  d.set("scheduled", p.scheduled);
  d.set("hidden", p.hidden);
  const Millis shown = p.publish_at.value_or(p.created_at);
  d.set("when", relative_time(ctx, services, shown));
  d.set("when_iso", format_rfc3339(shown));
  render::Data tags{render::Data::type::list};
  for (const auto& t : p.tags) {
    render::Data tag;
    tag.set("name", t);
    tag.set("community_slug", p.community_slug);
    tags.push_back(tag);
  }
  d.set("tags", tags);
  d.set("has_tags", !p.tags.empty());
  d.set("gated", p.gated);
  d.set("locked", p.locked);
  d.set("visibility_" + p.visibility, true);
  d.set("visibility_label", p.visibility == "public" && p.price
                                ? services.i18n.t(ctx.lang, "visibility.for_sale")
                                : services.i18n.t(ctx.lang, "visibility." + p.visibility));
  if (p.price) {
    d.set("price_label", p.price->format());
  }
}

}  // namespace

render::Data post_summary_data(const Context& ctx, const Services& services, const content::Post& p) {
  render::Data d;
  set_common_post_fields(ctx, services, p, d);
  return d;
}

render::Data post_data(const Context& ctx, const Services& services, const content::Post& p) {
  render::Data d;
  set_common_post_fields(ctx, services, p, d);
  d.set("body_html", p.body_html);
  d.set("body_md", p.body_md);
  d.set("video_url", p.video_url);
  d.set("video_embed_url", p.video_embed_url);
  d.set("has_video_embed", !p.video_embed_url.empty());
  d.set("has_video_link", p.video_embed_url.empty() && !p.video_url.empty());
  d.set("viewer_upvoted", p.viewer_upvoted);
  d.set("can_edit", p.viewer_can_edit);
  d.set("can_moderate", p.viewer_can_moderate);
  d.set("publish_at", p.publish_at ? format_rfc3339(*p.publish_at) : std::string());
  std::string tags_text;
  for (const auto& t : p.tags) {
    tags_text += (tags_text.empty() ? "" : ", ") + t;
  }
  d.set("tags_text", tags_text);
  if (p.price) {
    // The editor's decimal form of the price ("9.90").
    const auto formatted = p.price->format();
    d.set("price", formatted.substr(formatted.find_first_of("0123456789")));
  }
  return d;
}

render::Data comment_data(const content::Comment& c) {
  render::Data d;
  d.set("id", std::to_string(c.id.value));
  d.set("post_id", std::to_string(c.post_id.value));
  d.set("author_username", c.author.username);
  d.set("author_name", c.author.display_name);
  d.set("body_html", c.body_html);
  d.set("deleted", c.deleted);
  d.set("hidden", c.hidden);
  d.set("is_reply", c.parent_id.has_value());
  d.set("thread_id", std::to_string(c.parent_id ? c.parent_id->value : c.id.value));
  d.set("when_iso", format_rfc3339(c.created_at));
  d.set("can_delete", c.viewer_can_delete);
  d.set("author_level", std::to_string(engage::level_for(c.author_points)));
  d.set("upvotes", std::to_string(c.upvotes));
  d.set("accepted", c.accepted);
  d.set("viewer_upvoted", c.viewer_upvoted);
  return d;
}

}  // namespace gh::web

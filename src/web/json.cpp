#include "web/json.hpp"

#include "core/clock.hpp"
#include "core/text.hpp"
#include "engage/points.hpp"

namespace gh::web {

Result<JsonInput> JsonInput::parse(std::string_view body) {
  if (!text::is_valid_utf8(body)) {
    return invalid("request.invalid_json", "The body is not valid UTF-8 JSON.");
  }
  boost::system::error_code ec;
  auto value = boost::json::parse(body, ec);
  if (ec || !value.is_object()) {
    return invalid("request.invalid_json", "The body must be a JSON object.");
  }
  JsonInput input;
  input.object_ = std::move(value.as_object());
  return input;
}

void JsonInput::wrong_type(std::string_view key, std::string_view expected) {
  if (!error_) {
    error_ = invalid("request.invalid_field", std::string(key) + " must be " + std::string(expected) + ".",
                     std::string(key));
  }
}

std::optional<std::string> JsonInput::str(std::string_view key) {
  auto it = object_.find(key);
  if (it == object_.end() || it->value().is_null()) {
    return std::nullopt;
  }
  if (!it->value().is_string()) {
    wrong_type(key, "a string");
    return std::nullopt;
  }
  const auto& s = it->value().as_string();
  std::string out(s.data(), s.size());
  // JSON escapes can smuggle a NUL or a lone surrogate; refuse them here once for every field.
  if (!text::is_valid_utf8(out)) {
    if (!error_) {
      error_ = invalid("request.invalid_text", std::string(key) + " must be valid UTF-8 without NUL bytes.",
                       std::string(key));
    }
    return std::nullopt;
  }
  return out;
}

std::optional<bool> JsonInput::boolean(std::string_view key) {
  auto it = object_.find(key);
  if (it == object_.end() || it->value().is_null()) {
    return std::nullopt;
  }
  if (!it->value().is_bool()) {
    wrong_type(key, "true or false");
    return std::nullopt;
  }
  return it->value().as_bool();
}

std::optional<int64_t> JsonInput::integer(std::string_view key) {
  auto it = object_.find(key);
  if (it == object_.end() || it->value().is_null()) {
    return std::nullopt;
  }
  if (it->value().is_int64()) {
    return it->value().as_int64();
  }
  if (it->value().is_uint64() && it->value().as_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(it->value().as_uint64());
  }
  wrong_type(key, "an integer");
  return std::nullopt;
}

std::optional<std::vector<std::string>> JsonInput::str_list(std::string_view key) {
  auto it = object_.find(key);
  if (it == object_.end() || it->value().is_null()) {
    return std::nullopt;
  }
  if (!it->value().is_array()) {
    wrong_type(key, "a list of strings");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const auto& v : it->value().as_array()) {
    if (!v.is_string()) {
      wrong_type(key, "a list of strings");
      return std::nullopt;
    }
    std::string s(v.as_string().data(), v.as_string().size());
    if (!text::is_valid_utf8(s)) {
      wrong_type(key, "a list of UTF-8 strings");
      return std::nullopt;
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::optional<std::vector<int64_t>> JsonInput::int_list(std::string_view key) {
  auto it = object_.find(key);
  if (it == object_.end() || it->value().is_null()) {
    return std::nullopt;
  }
  if (!it->value().is_array()) {
    wrong_type(key, "a list of integers");
    return std::nullopt;
  }
  std::vector<int64_t> out;
  for (const auto& v : it->value().as_array()) {
    if (!v.is_int64()) {
      wrong_type(key, "a list of integers");
      return std::nullopt;
    }
    out.push_back(v.as_int64());
  }
  return out;
}

std::optional<Money> JsonInput::money(std::string_view key) {
  auto it = object_.find(key);
  if (it == object_.end() || it->value().is_null()) {
    return std::nullopt;
  }
  const auto* obj = it->value().if_object();
  const auto* amount = obj ? obj->if_contains("amount_minor") : nullptr;
  const auto* currency = obj ? obj->if_contains("currency") : nullptr;
  if (!amount || !amount->is_int64() || !currency || !currency->is_string()) {
    wrong_type(key, "{\"amount_minor\": integer, \"currency\": \"CNY\"}");
    return std::nullopt;
  }
  auto money = Money::create(amount->as_int64(), std::string(currency->as_string()));
  if (!money) {
    if (!error_) {
      error_ = invalid("money.unknown_currency", "Unknown currency.", std::string(key));
    }
    return std::nullopt;
  }
  return *money;
}

boost::json::object money_json(const Money& money) {
  return boost::json::object{{"amount_minor", money.amount_minor()}, {"currency", money.currency()}};
}

boost::json::object tier_json(const billing::Tier& t) {
  return boost::json::object{
      {"id", t.id},
      {"name", t.name},
      {"description", t.description},
      {"price", money_json(t.price)},
      {"interval", t.interval},
      {"term_days", t.term_days ? boost::json::value(*t.term_days) : boost::json::value(nullptr)},
      {"trial_days", t.trial_days},
      {"free", t.free()},
      {"archived", t.archived},
      {"position", t.position},
      {"created_at", format_rfc3339(t.created_at)},
  };
}

boost::json::value optional_time(const std::optional<Millis>& t) {
  return t ? boost::json::value(format_rfc3339(*t)) : boost::json::value(nullptr);
}

boost::json::value optional_id(const std::optional<int64_t>& id) {
  return id ? boost::json::value(*id) : boost::json::value(nullptr);
}

boost::json::object checkout_json(const billing::Checkout& k) {
  return boost::json::object{
      {"id", k.public_id},
      {"status", k.status},
      {"redirect_url", k.redirect_url},
      {"provider", k.provider},
      {"amount", money_json(k.amount)},
      {"community", k.community_slug},
      {"tier_id", optional_id(k.tier_id)},
      {"post_id", optional_id(k.post_id)},
      {"item_kind", k.item_kind.empty() ? boost::json::value(nullptr) : boost::json::value(k.item_kind)},
      {"item_id", optional_id(k.item_id)},
      {"item_url", k.item_url.empty() ? boost::json::value(nullptr) : boost::json::value(k.item_url)},
      {"item", k.item_name},
      {"buyer", k.buyer_username},
      {"created_at", format_rfc3339(k.created_at)},
      {"completed_at", optional_time(k.completed_at)},
      {"coupon", k.coupon_code.empty() ? boost::json::value(nullptr) : boost::json::value(k.coupon_code)},
      {"list_amount", money_json(k.list_amount)},
      {"renewal_amount",
       k.renewal_amount ? boost::json::value(money_json(*k.renewal_amount)) : boost::json::value(nullptr)},
      {"gift", k.gift},
      {"gift_code", k.gift_code.empty() ? boost::json::value(nullptr) : boost::json::value(k.gift_code)},
  };
}

boost::json::object payment_json(const billing::Payment& y) {
  return boost::json::object{
      {"id", y.public_id},
      {"community", y.community_slug},
      {"kind", y.kind},
      {"amount", money_json(y.amount)},
      {"fee", money_json(y.fee)},
      {"provider", y.provider},
      {"status", y.status},
      {"membership_id", optional_id(y.membership_id)},
      {"post_id", optional_id(y.post_id)},
      {"item_kind", y.item_kind.empty() ? boost::json::value(nullptr) : boost::json::value(y.item_kind)},
      {"item_id", optional_id(y.item_id)},
      {"created_at", format_rfc3339(y.created_at)},
  };
}

boost::json::object membership_json(const billing::Membership& m) {
  return boost::json::object{
      {"id", m.id},
      {"community", m.community_slug},
      {"community_name", m.community_name},
      {"tier_id", m.tier_id},
      {"tier", m.tier_name},
      {"status", m.status},
      {"current_period_end", optional_time(m.current_period_end)},
      {"renews", m.renews},
      {"created_at", format_rfc3339(m.created_at)},
  };
}

boost::json::object user_json(const identity::User& user, bool include_private) {
  boost::json::object o{{"id", user.id.value},
                        {"username", user.username},
                        {"display_name", user.display_name},
                        {"bio", user.bio},
                        {"created_at", format_rfc3339(user.created_at)}};
  if (include_private) {
    o["email"] = user.email;
  }
  return o;
}

boost::json::object community_json(const community::Community& c) {
  // Net booked revenue per currency, own currency first (income alone when not loaded).
  boost::json::array incomes;
  for (const auto& m : c.incomes) {
    incomes.push_back(money_json(m));
  }
  if (incomes.empty()) {
    incomes.push_back(boost::json::object{{"amount_minor", c.income_minor}, {"currency", c.currency}});
  }
  return boost::json::object{
      {"id", c.id.value},
      {"slug", c.slug},
      {"name", c.name},
      {"description", c.description},
      {"rules_md", c.rules_md},
      {"rules_html", c.rules_html},
      {"currency", c.currency},
      {"is_public", c.is_public},
      {"member_count", c.member_count},
      {"income", boost::json::object{{"amount_minor", c.income_minor}, {"currency", c.currency}}},
      {"incomes", incomes},
      {"created_at", format_rfc3339(c.created_at)},
      {"updated_at", format_rfc3339(c.updated_at)},
  };
}

boost::json::object member_json(const community::Member& m) {
  return boost::json::object{{"username", m.username},
                             {"display_name", m.display_name},
                             {"role", std::string(access::role_name(m.role))},
                             {"joined_at", format_rfc3339(m.joined_at)}};
}

boost::json::object post_json(const content::Post& p, bool include_body) {
  boost::json::array tags;
  for (const auto& t : p.tags) {
    tags.emplace_back(t);
  }
  boost::json::object o{
      {"id", p.id.value},
      {"community", boost::json::object{{"slug", p.community_slug}, {"name", p.community_name}}},
      {"kind", p.kind},
      {"title", p.title},
      {"excerpt", p.excerpt},
      {"tags", std::move(tags)},
      {"author", boost::json::object{{"username", p.author.username}, {"display_name", p.author.display_name}}},
      {"status", p.status},
      {"draft", p.status == "draft"},
      {"scheduled", p.scheduled},
      {"publish_at", p.publish_at ? boost::json::value(format_rfc3339(*p.publish_at)) : boost::json::value(nullptr)},
      {"pinned", p.pinned},
      {"essence", p.essence},
      {"hidden", p.hidden},
      {"upvotes", p.upvotes},
      {"comment_count", p.comment_count},
      {"view_count", p.view_count},
      {"created_at", format_rfc3339(p.created_at)},
      {"updated_at", format_rfc3339(p.updated_at)},
      {"url", "/p/" + std::to_string(p.id.value)},
      {"visibility", p.visibility},
      {"price", p.price ? boost::json::value(money_json(*p.price)) : boost::json::value(nullptr)},
      {"gated", p.gated},
      {"locked", p.locked},
      // Questions: answered = an answer is accepted.
      {"answered", p.accepted_comment_id.has_value()},
      {"accepted_comment_id",
       p.accepted_comment_id ? boost::json::value(p.accepted_comment_id->value) : boost::json::value(nullptr)},
  };
  o["author"].as_object()["level"] = engage::level_for(p.author_points);
  if (p.visibility == "tiers") {
    boost::json::array tiers;
    for (auto t : p.tier_ids) {
      tiers.emplace_back(t);
    }
    o["tier_ids"] = std::move(tiers);
  }
  if (!p.video_url.empty()) {
    o["video_url"] = p.video_url;
    o["video_embed_url"] = p.video_embed_url;
  }
  if (include_body) {
    o["body_md"] = p.body_md;
    o["body_html"] = p.body_html;
    o["viewer"] = boost::json::object{
        {"upvoted", p.viewer_upvoted}, {"can_edit", p.viewer_can_edit}, {"can_moderate", p.viewer_can_moderate}};
  }
  return o;
}

boost::json::object comment_json(const content::Comment& c) {
  boost::json::object o{
      {"id", c.id.value},
      {"post_id", c.post_id.value},
      {"parent_id", c.parent_id ? boost::json::value(c.parent_id->value) : boost::json::value(nullptr)},
      {"author", boost::json::object{{"username", c.author.username}, {"display_name", c.author.display_name}}},
      {"body_md", c.body_md},
      {"body_html", c.body_html},
      {"deleted", c.deleted},
      {"hidden", c.hidden},
      {"created_at", format_rfc3339(c.created_at)},
      {"upvotes", c.upvotes},
      {"upvoted", c.viewer_upvoted},
      {"accepted", c.accepted},
  };
  o["author"].as_object()["level"] = engage::level_for(c.author_points);
  return o;
}

std::string to_string(const boost::json::value& value) {
  return boost::json::serialize(value);
}

}  // namespace gh::web

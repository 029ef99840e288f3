#include "web/pages.hpp"

#include <charconv>

#include "core/text.hpp"

namespace gh::web {

std::string error_message(const Context& ctx, const Services& services, const Error& error) {
  const auto key = "error." + error.code;
  auto message = services.i18n.t(ctx.lang, key);
  return message == key ? error.message : message;
}

http::Response render_page(Context& ctx, const Services& services, std::string_view name, render::Data data,
                           const PageMeta& meta) {
  data.set("csrf", ctx.csrf_token);
  data.set("lang", ctx.lang);
  if (ctx.user) {
    render::Data viewer;
    viewer.set("username", ctx.user->username);
    viewer.set("display_name", ctx.user->display_name);
    data.set("viewer", viewer);
  }
  const auto content = services.templates.render(ctx.lang, name, data);

  render::Data layout;
  layout.set("content", content);
  layout.set("title", meta.title.empty() ? services.config.site_name : meta.title + " · " + services.config.site_name);
  layout.set("site_name", services.config.site_name);
  if (!meta.description.empty()) {  // Mustache treats "" as true.
    layout.set("description", meta.description);
  }
  if (meta.refresh_seconds > 0) {
    layout.set("refresh", std::to_string(meta.refresh_seconds));
  }
  if (!meta.forward_url.empty()) {
    layout.set("forward_url", meta.forward_url);
  }
  layout.set("lang", ctx.lang);
  layout.set("theme", ctx.theme);
  layout.set("has_theme", !ctx.theme.empty());
  layout.set("is_zh", ctx.lang == "zh-CN");
  layout.set("csrf", ctx.csrf_token);
  layout.set("next", ctx.request.target);
  if (ctx.user) {
    render::Data viewer;
    viewer.set("username", ctx.user->username);
    viewer.set("display_name", ctx.user->display_name);
    layout.set("viewer", viewer);
    // Per user, so never in the anonymous page cache (it stores signed-out pages only).
    const int64_t unread = services.notifications.unread_count(ctx.user->id);
    layout.set("unread", std::to_string(unread));
    layout.set("has_unread", unread > 0);
  }
  return http::Response::html(meta.status, services.templates.render(ctx.lang, kTemplateLayout, layout));
}

http::Response render_error_page(Context& ctx, Services& services, int status, const Error& error) {
  render::Data data;
  data.set("status", std::to_string(status));
  data.set("message", error_message(ctx, services, error));
  data.set("code", error.code);
  data.set("signed_out", !ctx.user && status == 401);
  return render_page(ctx, services, kTemplateError, data, PageMeta{error_message(ctx, services, error), "", status});
}

Form::Form(const http::Request& request) {
  const auto content_type = request.header("Content-Type").value_or("");
  if (content_type.find("application/x-www-form-urlencoded") != std::string_view::npos) {
    fields_ = http::parse_form(request.body);
  }
}

std::string Form::get(std::string_view key) const {
  for (const auto& [k, v] : fields_) {
    if (k == key) {
      return text::is_valid_utf8(v) ? v : std::string();
    }
  }
  return {};
}

bool Form::has(std::string_view key) const {
  for (const auto& [k, v] : fields_) {
    if (k == key) {
      return true;
    }
  }
  return false;
}

std::vector<std::string> Form::values(std::string_view key) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : fields_) {
    if (k == key && text::is_valid_utf8(v)) {
      out.push_back(v);
    }
  }
  return out;
}

render::Data form_errors(const Context& ctx, const Services& services, const Error& error) {
  render::Data errors;
  const auto message = error_message(ctx, services, error);
  errors.set("summary", message);
  for (const auto& [field, code] : error.fields) {
    errors.set(field, message);
  }
  return errors;
}

std::string safe_next(std::string_view next) {
  if (next.empty() || next.front() != '/' || next.rfind("//", 0) == 0 || next.find('\\') != std::string_view::npos ||
      next.find_first_of("\r\n") != std::string_view::npos) {
    return "/";
  }
  return std::string(next);
}

std::optional<int64_t> whole_number(std::string_view text_value) {
  const auto trimmed = text::trim(text_value);
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(trimmed.data(), trimmed.data() + trimmed.size(), value);
  if (ec != std::errc() || ptr != trimmed.data() + trimmed.size()) {
    return std::nullopt;
  }
  return value;
}

render::Data list_of(const std::vector<render::Data>& items) {
  render::Data list{render::Data::type::list};
  for (const auto& item : items) {
    list.push_back(item);
  }
  return list;
}

http::Response redirect(std::string location) {
  return http::Response::redirect(std::move(location), 303);
}

}  // namespace gh::web

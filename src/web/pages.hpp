// Page rendering shared by every page handler: the layout, the viewer's data, form errors,
// translated messages. Pages work without JavaScript; templates live in templates/.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "render/templates.hpp"
#include "web/web.hpp"

namespace gh::web {

// Template names (paths under templates/), next to the handlers that use them.
inline constexpr std::string_view kTemplateLayout = "layouts/base.html";
inline constexpr std::string_view kTemplateError = "errors/error.html";

struct PageMeta {
  std::string title;
  std::string description;  // <meta name="description"> and Open Graph.
  int status = 200;
  int refresh_seconds = 0;  // > 0: the page reloads itself (<meta http-equiv=refresh>), without JS.
  // Non-empty: the page forwards the browser there at once (<meta http-equiv=refresh>). Used to
  // reach a payment provider's page: a form's redirect to another origin is refused by our
  // CSP's form-action, a navigation from a page is not.
  std::string forward_url;
};

// Renders `name` with `data` into the layout.
http::Response render_page(Context& ctx, const Services& services, std::string_view name, render::Data data,
                           const PageMeta& meta);
// A form field as a whole number (surrounding spaces allowed), or nullopt when it is not one.
std::optional<int64_t> whole_number(std::string_view text_value);
// A template list of `items`.
render::Data list_of(const std::vector<render::Data>& items);
// 303 See Other: where a page form goes once it succeeded.
http::Response redirect(std::string location);

http::Response render_error_page(Context& ctx, Services& services, int status, const Error& error);

// The translated message for an error code ("error.<code>"), falling back to its English text.
std::string error_message(const Context& ctx, const Services& services, const Error& error);

// A form body as a map (first value wins; repeated keys are collected by form_values).
class Form {
 public:
  explicit Form(const http::Request& request);
  std::string get(std::string_view key) const;
  bool has(std::string_view key) const;
  std::vector<std::string> values(std::string_view key) const;

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// Template data for a form that failed: field -> translated message, plus a summary.
render::Data form_errors(const Context& ctx, const Services& services, const Error& error);

// A local path to go back to ("/c/rust"); anything else becomes "/".
std::string safe_next(std::string_view next);

}  // namespace gh::web

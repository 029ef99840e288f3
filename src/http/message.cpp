// Headers, Request and Response helpers, form and URL coding, cookies.
#include <cstdint>
#include <stdexcept>

#include "core/check.hpp"
#include "core/text.hpp"
#include "http/http.hpp"
#include "http/internal.hpp"

namespace gh::http {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return text::iequals_ascii(a, b);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

constexpr char kHexUpper[] = "0123456789ABCDEF";

void append_percent(std::string& out, unsigned char c) {
  out.push_back('%');
  out.push_back(kHexUpper[c >> 4]);
  out.push_back(kHexUpper[c & 0x0F]);
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// Decodes one form component: '+' is a space, percent-decoding is lenient, and the result is
// made valid UTF-8.
std::string decode_form_component(std::string_view s) {
  return text::sanitize_utf8(detail::percent_decode_lenient(s, true));
}

// Calls `visit(name, value)` for each '&'-separated pair of a form or query, still encoded.
// Stops when `visit` returns true.
template <class Visit>
void for_each_pair(std::string_view form, Visit&& visit) {
  while (!form.empty()) {
    const size_t amp = form.find('&');
    std::string_view pair = form.substr(0, amp);
    form = amp == std::string_view::npos ? std::string_view() : form.substr(amp + 1);
    if (pair.empty()) {
      continue;
    }
    const size_t eq = pair.find('=');
    std::string_view name = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (visit(name, value)) {
      return;
    }
  }
}

bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
    return true;
  }
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~': return true;
    default: return false;
  }
}

// RFC 6265 cookie-octet, minus '%' which we use as the escape.
bool is_plain_cookie_octet(unsigned char c) {
  return c == 0x21 || (c >= 0x23 && c <= 0x2B && c != 0x25) || (c >= 0x2D && c <= 0x3A) || (c >= 0x3C && c <= 0x5B) ||
         (c >= 0x5D && c <= 0x7E);
}

bool is_attribute_safe(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F || c == ';') {
      return false;
    }
  }
  return true;
}

}  // namespace

namespace detail {

std::string percent_decode_lenient(std::string_view s, bool plus_as_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      const int hi = hex_value(s[i + 1]);
      const int lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_as_space && c == '+' ? ' ' : c);
  }
  return out;
}

std::optional<std::string> percent_decode_strict(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c != '%') {
      out.push_back(c);
      continue;
    }
    if (i + 2 >= s.size()) {
      return std::nullopt;
    }
    const int hi = hex_value(s[i + 1]);
    const int lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) {
      return std::nullopt;
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

}  // namespace detail

void Headers::set(std::string_view name, std::string value) {
  bool replaced = false;
  for (auto it = items_.begin(); it != items_.end();) {
    if (!iequals(it->first, name)) {
      ++it;
      continue;
    }
    if (!replaced) {
      it->second = std::move(value);
      replaced = true;
      ++it;
    } else {
      it = items_.erase(it);
    }
  }
  if (!replaced) {
    items_.emplace_back(std::string(name), std::move(value));
  }
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const auto& [key, value] : items_) {
    if (iequals(key, name)) {
      return std::string_view(value);
    }
  }
  return std::nullopt;
}

std::optional<std::string> Request::query_param(std::string_view name) const {
  std::optional<std::string> found;
  for_each_pair(query, [&](std::string_view raw_name, std::string_view raw_value) {
    // Most names need no decoding: compare the raw bytes first.
    const bool plain = raw_name.find_first_of("%+") == std::string_view::npos;
    if (plain ? raw_name == name : decode_form_component(raw_name) == name) {
      found = decode_form_component(raw_value);
      return true;
    }
    return false;
  });
  return found;
}

std::optional<std::string> Request::cookie(std::string_view name) const {
  for (const auto& [key, header] : headers.items()) {
    if (!iequals(key, "cookie")) {
      continue;
    }
    std::string_view rest = header;
    while (!rest.empty()) {
      const size_t semi = rest.find(';');
      std::string_view pair = trim_ows(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
      const size_t eq = pair.find('=');
      if (eq == std::string_view::npos || trim_ows(pair.substr(0, eq)) != name) {
        continue;
      }
      std::string_view value = trim_ows(pair.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      return detail::percent_decode_lenient(value, false);
    }
  }
  return std::nullopt;
}

const std::string& Request::param(const std::string& name) const {
  const auto it = params.find(name);
  if (it == params.end()) {
    // A programming error, but one that must not take the server down: the connection's
    // exception boundary answers 500 and logs this.
    throw std::logic_error("http: the matched route has no parameter '" + name + "'");
  }
  return it->second;
}

Response Response::text(int status, std::string body, std::string content_type) {
  Response response;
  response.status = status;
  response.headers.add("Content-Type", std::move(content_type));
  response.body = std::move(body);
  return response;
}

Response Response::redirect(std::string location, int status) {
  Response response;
  response.status = status;
  response.headers.add("Location", std::move(location));
  return response;
}

std::vector<std::pair<std::string, std::string>> parse_form(std::string_view body) {
  std::vector<std::pair<std::string, std::string>> fields;
  for_each_pair(body, [&](std::string_view name, std::string_view value) {
    fields.emplace_back(decode_form_component(name), decode_form_component(value));
    return false;
  });
  return fields;
}

std::string url_encode(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 2);
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out.push_back(c);
    } else {
      append_percent(out, u);
    }
  }
  return out;
}

std::string url_decode(std::string_view s) {
  return detail::percent_decode_lenient(s, false);
}

std::string set_cookie_header(std::string_view name, std::string_view value, const CookieOptions& options) {
  GH_CHECK(!name.empty(), "cookie name is empty");
  for (char c : name) {
    GH_CHECK(is_token_char(c) && c != '%', "cookie name is not an RFC 7230 token");
  }
  GH_CHECK(is_attribute_safe(options.path), "cookie path holds ';' or a control byte");
  GH_CHECK(options.same_site.empty() || options.same_site == "Strict" || options.same_site == "Lax" ||
               options.same_site == "None",
           "cookie SameSite must be Strict, Lax or None");
  std::string out;
  out.reserve(name.size() + value.size() + 64);
  out.append(name);
  out.push_back('=');
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (is_plain_cookie_octet(u)) {
      out.push_back(c);
    } else {
      append_percent(out, u);
    }
  }
  if (!options.path.empty()) {
    out.append("; Path=").append(options.path);
  }
  if (options.max_age_seconds >= 0) {
    out.append("; Max-Age=").append(std::to_string(options.max_age_seconds));
  }
  if (options.http_only) {
    out.append("; HttpOnly");
  }
  if (options.secure) {
    out.append("; Secure");
  }
  if (!options.same_site.empty()) {
    out.append("; SameSite=").append(options.same_site);
  }
  return out;
}

}  // namespace gh::http

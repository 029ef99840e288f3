// StaticFiles: in-memory assets with content-hash ETags and Cache-Control.
#include <array>
#include <cstdint>

#include "core/check.hpp"
#include "http/http.hpp"

namespace gh::http {
namespace {

constexpr std::string_view kRevalidate = "public, max-age=3600";
constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";

uint64_t fnv1a64(std::string_view bytes) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::string hex16(uint64_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<size_t>(i)] = kDigits[value & 0xF];
    value >>= 4;
  }
  return out;
}

bool is_safe_name(std::string_view name) {
  return !name.empty() && name.front() != '/' && name.find("..") == std::string_view::npos &&
         name.find('\\') == std::string_view::npos && name.find('\0') == std::string_view::npos;
}

std::string content_type_for(std::string_view name) {
  const size_t dot = name.rfind('.');
  const size_t slash = name.rfind('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) {
    return "application/octet-stream";
  }
  std::string ext(name.substr(dot + 1));
  for (char& c : ext) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 16> kTypes{{
      {"css", "text/css; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"ico", "image/x-icon"},
      {"woff2", "font/woff2"},
      {"json", "application/json"},
      {"txt", "text/plain; charset=utf-8"},
      {"html", "text/html; charset=utf-8"},
      {"map", "application/json"},
      {"htm", "text/html; charset=utf-8"},
  }};
  for (const auto& [known, type] : kTypes) {
    if (ext == known) {
      return std::string(type);
    }
  }
  return "application/octet-stream";
}

// True when an If-None-Match value ("a", W/"a", "b" or *) names `etag` (weak comparison, as
// RFC 9110 section 13.1.2 asks for If-None-Match).
bool none_match_hits(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    const size_t comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) {
      item.remove_prefix(1);
    }
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) {
      item.remove_suffix(1);
    }
    if (item == "*") {
      return true;
    }
    if (item.size() >= 2 && item[0] == 'W' && item[1] == '/') {
      item.remove_prefix(2);
    }
    if (item == etag) {
      return true;
    }
  }
  return false;
}

}  // namespace

void StaticFiles::add(std::string name, std::string_view bytes) {
  GH_CHECK(is_safe_name(name), "static file name must be relative, without '..', '\\\\' or NUL");
  Entry entry;
  entry.bytes = bytes;
  entry.etag = "\"" + hex16(fnv1a64(bytes)) + "\"";
  entry.content_type = content_type_for(name);
  files_.insert_or_assign(std::move(name), std::move(entry));
}

std::optional<Response> StaticFiles::serve(std::string_view name, const Request& request) const {
  return serve(name, request, Caching::Auto);
}

std::optional<Response> StaticFiles::serve(std::string_view name, const Request& request, Caching caching) const {
  if (!is_safe_name(name)) {
    return std::nullopt;
  }
  const auto it = files_.find(name);
  if (it == files_.end()) {
    return std::nullopt;
  }
  const Entry& entry = it->second;

  if (caching == Caching::Auto) {
    caching = Caching::Revalidate;
    // The etag is the quoted version: compare without allocating.
    const std::string_view version = std::string_view(entry.etag).substr(1, 16);
    if (request.query.find("v=") != std::string::npos && request.query_param("v") == version) {
      caching = Caching::Immutable;
    }
  }

  Response response;
  response.headers.add("ETag", entry.etag);
  response.headers.add("Cache-Control", std::string(caching == Caching::Immutable ? kImmutable : kRevalidate));
  if (const auto inm = request.header("If-None-Match"); inm && none_match_hits(*inm, entry.etag)) {
    response.status = 304;
    return response;
  }
  response.status = 200;
  response.headers.add("Content-Type", entry.content_type);
  response.headers.add("X-Content-Type-Options", "nosniff");
  response.body.assign(entry.bytes);
  return response;
}

std::optional<std::string> StaticFiles::version(std::string_view name) const {
  const auto it = files_.find(name);
  if (it == files_.end()) {
    return std::nullopt;
  }
  return it->second.etag.substr(1, 16);
}

}  // namespace gh::http

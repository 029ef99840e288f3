// File doors: upload (the request body arrives spooled to disk, see upload_spool_limit), list,
// delete, the staff page with its preview player, and /media: signed, expiring links streamed
// from disk with Range support. The rules live in files/.
#include <charconv>

#include "core/text.hpp"
#include "web/errors.hpp"
#include "web/json.hpp"
#include "web/pages.hpp"
#include "web/routes.hpp"

namespace gh::web {
namespace {

constexpr std::string_view kTemplateFiles = "files/files.html";
constexpr std::string_view kUploadPrefix = "/api/v1/communities/";
constexpr std::string_view kUploadSuffix = "/files";
// How long links handed out by the staff page and the API stay valid.
constexpr Millis kPreviewTtl = Millis{6} * 3600 * 1000;
constexpr int64_t kDefaultApiTtlSeconds = 3600;

using render::Data;

community::Community require_community(Services& s, const std::string& slug) {
  auto community = s.communities.find(slug);
  if (!community) {
    throw not_found("community.not_found", "No such community.");
  }
  return *community;
}

boost::json::object file_json(const files::StoredFile& f, const std::string& url, Millis url_expires_at) {
  return boost::json::object{
      {"id", f.id},
      {"community_id", f.community.value},
      {"name", f.name},
      {"content_type", f.content_type},
      {"size", f.size},
      {"sha256", f.sha256},
      {"uploaded_by", f.uploaded_by.value},
      {"created_at", format_rfc3339(f.created_at)},
      {"url", url},
      {"url_expires_at", format_rfc3339(url_expires_at)},
  };
}

boost::json::object linked_json(const Services& s, const files::StoredFile& f, Millis ttl) {
  return file_json(f, s.files.signed_path(f, ttl), s.clock.now_ms() + ttl);
}

// ?ttl_seconds=N (1 s to 7 days) for the link an API answer carries.
Millis ttl_param(const http::Request& request) {
  const auto text = request.query_param("ttl_seconds");
  if (!text) {
    return kDefaultApiTtlSeconds * 1000;
  }
  int64_t seconds = 0;
  const auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), seconds);
  if (ec != std::errc() || ptr != text->data() + text->size() || seconds < 1 || seconds * 1000 > files::kMaxLinkTtl) {
    throw invalid("files.invalid_ttl", "ttl_seconds is a whole number from 1 to 604800.", "ttl_seconds");
  }
  return seconds * 1000;
}

// "inline; filename="a.mp4"; filename*=UTF-8''a.mp4": an ASCII fallback and the exact name.
std::string content_disposition(const files::StoredFile& f) {
  std::string ascii;
  for (char c : f.name) {
    const auto u = static_cast<unsigned char>(c);
    ascii += (u < 0x20 || u >= 0x7F || c == '"' || c == '\\') ? '_' : c;
  }
  return std::string(files::is_inline(f.content_type) ? "inline" : "attachment") + "; filename=\"" + ascii +
         "\"; filename*=UTF-8''" + http::url_encode(f.name);
}

std::string human_size(int64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KB", "MB", "GB"};
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  char out[32];
  std::snprintf(out, sizeof(out), unit == 0 ? "%.0f %s" : "%.1f %s", value, kUnits[unit]);
  return out;
}

// The community slug of an upload path "/api/v1/communities/{slug}/files".
std::optional<std::string> upload_slug(std::string_view path) {
  if (path.size() <= kUploadPrefix.size() + kUploadSuffix.size() ||
      path.substr(0, kUploadPrefix.size()) != kUploadPrefix ||
      path.substr(path.size() - kUploadSuffix.size()) != kUploadSuffix) {
    return std::nullopt;
  }
  const std::string_view slug =
      path.substr(kUploadPrefix.size(), path.size() - kUploadPrefix.size() - kUploadSuffix.size());
  if (slug.find('/') != std::string_view::npos) {
    return std::nullopt;
  }
  return std::string(slug);
}

// Answers /media errors: JSON, never cached, nothing about the file.
http::Response media_error(const Error& error) {
  auto response = api_error(error);
  response.headers.set("Cache-Control", "private, no-store");
  return response;
}

http::Response serve_media(Services& s, http::Request& request) {
  try {
    const int64_t id = id_param(request);
    auto file = s.files.verify_link(id, request.query_param("e").value_or(""), request.query_param("s").value_or(""));
    if (!file) {
      return media_error(file.error());
    }
    http::FileAnswer answer{s.files.path_of(file->id), static_cast<uint64_t>(file->size), file->content_type,
                            "\"" + file->sha256.substr(0, 32) + "\""};
    auto response = http::file_response(request, answer);
    // Signed paid media: never in a shared cache, never reused past its link.
    response.headers.set("Cache-Control", "private, no-store");
    response.headers.set("X-Content-Type-Options", "nosniff");
    response.headers.set("Content-Disposition", content_disposition(*file));
    response.headers.set("Referrer-Policy", "no-referrer");
    return response;
  } catch (const Error& error) {
    return media_error(error);
  }
}

http::Response files_page(Context& ctx, Services& s, const std::string& slug) {
  const auto community = require_community(s, slug);
  auto listed = take(s.files.list(ctx.user->id, community.id));
  Data items{Data::type::list};
  for (const auto& f : listed) {
    Data d;
    d.set("id", std::to_string(f.id));
    d.set("name", f.name);
    d.set("content_type", f.content_type);
    d.set("size", human_size(f.size));
    d.set("created_at", format_rfc3339(f.created_at));
    d.set("url", s.files.signed_path(f, kPreviewTtl));
    d.set("is_video", f.content_type.rfind("video/", 0) == 0);
    d.set("is_audio", f.content_type.rfind("audio/", 0) == 0);
    d.set("is_image", f.content_type.rfind("image/", 0) == 0);
    items.push_back(d);
  }
  Data data;
  Data c;
  c.set("slug", community.slug);
  c.set("name", community.name);
  data.set("community", c);
  data.set("files", items);
  data.set("has_files", !listed.empty());
  data.set("max_upload_mb", std::to_string(s.files.max_upload_bytes() / (1024 * 1024)));
  return render_page(ctx, s, kTemplateFiles, data,
                     PageMeta{s.i18n.t(ctx.lang, "files.title") + " · " + community.name, "", 200});
}

}  // namespace

uint64_t upload_spool_limit(const Services& s, std::string_view method, std::string_view path) {
  return method == "POST" && upload_slug(path) ? static_cast<uint64_t>(s.files.max_upload_bytes()) : 0;
}

Status admit_upload(Context& ctx, Services& s) {
  const auto slug = upload_slug(ctx.request.path);
  if (!slug) {
    return not_found("http.not_found", "Nothing lives at this address.");
  }
  const auto community = s.communities.find(*slug);
  if (!community) {
    return not_found("community.not_found", "No such community.");
  }
  const bool staff = s.db.read([&](db::Tx& tx) { return s.files.is_staff(tx, ctx.user->id, community->id); });
  if (!staff) {
    return forbidden("files.forbidden", "Only creators and up manage the files of this community.");
  }
  return {};
}

void register_files_routes(WebApp& app) {
  auto& s = app.services();

  app.route(Door::Api, "POST", "/api/v1/communities/{slug}/files", Auth::Required, [&s](Context& ctx) {
    const auto community = require_community(s, ctx.request.param("slug"));
    const auto name = ctx.request.query_param("name").value_or("");
    files::StoredFile stored;
    if (ctx.request.spooled_body) {
      stored = take(s.files.store(ctx.user->id, community.id, name, ctx.request.spooled_body->path));
    } else {
      stored = take(s.files.store_bytes(ctx.user->id, community.id, name, ctx.request.body));
    }
    return json_response(201, {{"file", linked_json(s, stored, kDefaultApiTtlSeconds * 1000)}});
  });

  app.route(Door::Api, "GET", "/api/v1/communities/{slug}/files", Auth::Required, [&s](Context& ctx) {
    const auto community = require_community(s, ctx.request.param("slug"));
    const Millis ttl = ttl_param(ctx.request);
    boost::json::array out;
    for (const auto& f : take(s.files.list(ctx.user->id, community.id))) {
      out.push_back(linked_json(s, f, ttl));
    }
    return json_response(200, {{"files", std::move(out)}});
  });

  app.route(Door::Api, "GET", "/api/v1/files/{id}", Auth::Required, [&s](Context& ctx) {
    const Millis ttl = ttl_param(ctx.request);
    const auto file = take(s.files.get(ctx.user->id, id_param(ctx.request)));
    return json_response(200, {{"file", linked_json(s, file, ttl)}});
  });

  app.route(Door::Api, "DELETE", "/api/v1/files/{id}", Auth::Required, [&s](Context& ctx) {
    take(s.files.remove(ctx.user->id, id_param(ctx.request)));
    http::Response response;
    response.status = 204;
    return response;
  });

  app.route(Door::Page, "GET", "/c/{slug}/files", Auth::Required,
            [&s](Context& ctx) { return files_page(ctx, s, ctx.request.param("slug")); });

  app.route(Door::Page, "POST", "/c/{slug}/files/{id}/delete", Auth::Required, [&s](Context& ctx) {
    take(s.files.remove(ctx.user->id, id_param(ctx.request)));
    return http::Response::redirect("/c/" + http::url_encode(ctx.request.param("slug")) + "/files", 303);
  });

  // The door for the bytes is the signature alone: no session, no cookies, no page cache.
  app.raw_route("GET", "/media/{id}/{name}", [&s](http::Request& request) { return serve_media(s, request); });
}

}  // namespace gh::web

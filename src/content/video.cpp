#include <string>

#include "content/content.hpp"
#include "core/text.hpp"

namespace gh::content {
namespace {

bool is_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// The run of id characters at the start of `s`.
std::string_view take_id(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && is_id_char(s[n])) {
    ++n;
  }
  return s.substr(0, n);
}

std::string_view query_value(std::string_view query, std::string_view name) {
  for (const auto& part : text::split(query, '&')) {
    if (part.size() > name.size() && part.compare(0, name.size(), name) == 0 && part[name.size()] == '=') {
      const auto pos = query.find(part);
      return query.substr(pos + name.size() + 1, part.size() - name.size() - 1);
    }
  }
  return {};
}

}  // namespace

Result<std::optional<std::string>> video_embed_url(std::string_view url) {
  std::string_view rest;
  if (url.rfind("https://", 0) == 0) {
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else {
    return invalid("content.invalid_video_url", "Video links start with http:// or https://.", "video_url");
  }
  if (url.size() > 500 || !text::is_valid_utf8(url)) {
    return invalid("content.invalid_video_url", "This video link is not valid.", "video_url");
  }
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '\\') {
      return invalid("content.invalid_video_url", "This video link is not valid.", "video_url");
    }
  }
  const auto slash = rest.find('/');
  const auto host = text::to_lower_ascii(rest.substr(0, slash));
  const std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  const auto qpos = path.find('?');
  const std::string_view path_only = path.substr(0, qpos);
  const std::string_view query = qpos == std::string_view::npos ? std::string_view() : path.substr(qpos + 1);

  if (host == "youtube.com" || host == "www.youtube.com" || host == "m.youtube.com") {
    std::string_view id;
    if (path_only == "/watch") {
      id = take_id(query_value(query, "v"));
    } else if (path_only.rfind("/embed/", 0) == 0 || path_only.rfind("/shorts/", 0) == 0) {
      id = take_id(path_only.substr(path_only.find('/', 1) + 1));
    }
    if (!id.empty()) {
      return std::optional<std::string>("https://www.youtube-nocookie.com/embed/" + std::string(id));
    }
  } else if (host == "youtu.be") {
    const auto id = take_id(path_only.substr(path_only.empty() ? 0 : 1));
    if (!id.empty()) {
      return std::optional<std::string>("https://www.youtube-nocookie.com/embed/" + std::string(id));
    }
  } else if (host == "vimeo.com" || host == "www.vimeo.com") {
    const auto id = take_id(path_only.substr(path_only.empty() ? 0 : 1));
    if (!id.empty() && id.find_first_not_of("0123456789") == std::string_view::npos) {
      return std::optional<std::string>("https://player.vimeo.com/video/" + std::string(id));
    }
  } else if (host == "bilibili.com" || host == "www.bilibili.com" || host == "m.bilibili.com") {
    if (path_only.rfind("/video/", 0) == 0) {
      const auto id = take_id(path_only.substr(7));
      if (id.size() > 2 && (id.rfind("BV", 0) == 0)) {
        return std::optional<std::string>("https://player.bilibili.com/player.html?bvid=" + std::string(id) +
                                          "&autoplay=0");
      }
    }
  }
  return std::optional<std::string>();
}

}  // namespace gh::content

// Router: an ordered scan over pre-split patterns, most specific first. A few hundred routes
// cost a few hundred segment-count checks per request, which is small beside the socket work.
#include <algorithm>

#include "core/check.hpp"
#include "http/http.hpp"

namespace gh::http {
namespace {

// The segments of a path after its leading '/': "/" has none, "/a/b/" has "a", "b", "".
void split_segments(std::string_view path, std::vector<std::string_view>& out) {
  out.clear();
  if (path.empty() || path.front() != '/') {
    return;
  }
  path.remove_prefix(1);
  if (path.empty()) {
    return;
  }
  for (;;) {
    const size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) {
      return;
    }
    path.remove_prefix(slash + 1);
  }
}

}  // namespace

void Router::add(std::string method, std::string pattern, Handler handler) {
  GH_CHECK(!method.empty(), "route method is empty");
  GH_CHECK(!pattern.empty() && pattern.front() == '/', "route pattern must start with '/'");
  GH_CHECK(handler != nullptr, "route handler is empty");

  Shape shape;
  std::vector<std::string_view> parts;
  split_segments(pattern, parts);
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string_view part = parts[i];
    Segment segment;
    if (part.size() >= 2 && part.front() == '{' && part.back() == '}') {
      std::string_view name = part.substr(1, part.size() - 2);
      if (name.size() > 3 && name.substr(name.size() - 3) == "...") {
        GH_CHECK(i + 1 == parts.size(), "a {rest...} parameter must be the last segment");
        name.remove_suffix(3);
        segment.kind = Segment::Kind::Rest;
        shape.has_rest = true;
      } else {
        segment.kind = Segment::Kind::Param;
      }
      GH_CHECK(!name.empty() && name.find_first_of("{}/") == std::string_view::npos, "bad route parameter name");
      for (const Segment& earlier : shape.segments) {
        GH_CHECK(earlier.kind == Segment::Kind::Static || earlier.text != name, "duplicate route parameter name");
      }
      segment.text = std::string(name);
    } else {
      GH_CHECK(part.find_first_of("{}") == std::string_view::npos, "'{' or '}' inside a static route segment");
      segment.text = std::string(part);
    }
    shape.segments.push_back(std::move(segment));
  }

  // Two routes of one method and the same shape would make the second unreachable.
  for (size_t i = 0; i < routes_.size(); ++i) {
    if (routes_[i].method != method || shapes_[i].segments.size() != shape.segments.size()) {
      continue;
    }
    const bool same = std::equal(shape.segments.begin(), shape.segments.end(), shapes_[i].segments.begin(),
                                 [](const Segment& a, const Segment& b) {
                                   return a.kind == b.kind && (a.kind != Segment::Kind::Static || a.text == b.text);
                                 });
    GH_CHECK(!same, "duplicate route");
  }

  routes_.push_back(Route{std::move(method), std::move(pattern), std::move(handler)});
  shapes_.push_back(std::move(shape));

  // Lexicographic order of segment kinds (static < param < rest): among routes that match one
  // path, the first differing segment decides, and the more specific comes first.
  order_.resize(routes_.size());
  for (size_t i = 0; i < order_.size(); ++i) {
    order_[i] = i;
  }
  std::stable_sort(order_.begin(), order_.end(), [this](size_t a, size_t b) {
    const auto& sa = shapes_[a].segments;
    const auto& sb = shapes_[b].segments;
    return std::lexicographical_compare(sa.begin(), sa.end(), sb.begin(), sb.end(),
                                        [](const Segment& x, const Segment& y) { return x.kind < y.kind; });
  });
}

Router::Match Router::match(Request& request) const {
  Match result;
  thread_local std::vector<std::string_view> segments;
  split_segments(request.path, segments);
  if (request.path.empty() || request.path.front() != '/') {
    return result;
  }

  const bool is_head = request.method == "HEAD";
  size_t exact = routes_.size();
  size_t head_fallback = routes_.size();
  const std::string_view path = request.path;

  auto matches = [&](const Shape& shape) {
    const size_t count = shape.segments.size();
    if (shape.has_rest ? segments.size() < count : segments.size() != count) {
      return false;
    }
    for (size_t i = 0; i < count; ++i) {
      const Segment& segment = shape.segments[i];
      switch (segment.kind) {
        case Segment::Kind::Static:
          if (segment.text != segments[i]) {
            return false;
          }
          break;
        case Segment::Kind::Param:
          if (segments[i].empty()) {
            return false;
          }
          break;
        case Segment::Kind::Rest: break;
      }
    }
    return true;
  };

  for (size_t index : order_) {
    const Shape& shape = shapes_[index];
    if (!matches(shape)) {
      continue;
    }
    result.path_matched = true;
    const std::string& method = routes_[index].method;
    if (method == request.method) {
      exact = index;
      break;
    }
    if (is_head && method == "GET" && head_fallback == routes_.size()) {
      head_fallback = index;
    }
  }

  const size_t chosen = exact != routes_.size() ? exact : head_fallback;
  if (chosen == routes_.size()) {
    if (result.path_matched) {
      for (size_t index : order_) {
        if (matches(shapes_[index])) {
          result.allowed_methods.push_back(routes_[index].method);
          if (routes_[index].method == "GET") {
            result.allowed_methods.push_back("HEAD");
          }
        }
      }
      std::sort(result.allowed_methods.begin(), result.allowed_methods.end());
      result.allowed_methods.erase(std::unique(result.allowed_methods.begin(), result.allowed_methods.end()),
                                   result.allowed_methods.end());
    }
    return result;
  }

  result.route = &routes_[chosen];
  const Shape& shape = shapes_[chosen];
  for (size_t i = 0; i < shape.segments.size(); ++i) {
    const Segment& segment = shape.segments[i];
    if (segment.kind == Segment::Kind::Param) {
      request.params[segment.text] = std::string(segments[i]);
    } else if (segment.kind == Segment::Kind::Rest) {
      // The remainder of the path, from this segment's first byte on.
      const size_t offset = static_cast<size_t>(segments[i].data() - path.data());
      request.params[segment.text] = std::string(path.substr(offset));
    }
  }
  return result;
}

}  // namespace gh::http

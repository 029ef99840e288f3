// Range requests (RFC 9110 section 14) and file answers: the rules that need no socket. The
// bytes themselves are written by server.cpp, chunk by chunk (Response::file).
#include <charconv>
#include <limits>

#include "core/text.hpp"
#include "http/http.hpp"

namespace gh::http {
namespace {

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// 1*DIGIT; a value too large for 64 bits saturates (it is then beyond any file anyway).
std::optional<uint64_t> parse_digits(std::string_view s) {
  if (s.empty()) {
    return std::nullopt;
  }
  for (char c : s) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
  }
  uint64_t value = 0;
  const auto result = std::from_chars(s.data(), s.data() + s.size(), value);
  if (result.ec == std::errc::result_out_of_range) {
    return std::numeric_limits<uint64_t>::max();
  }
  return value;
}

}  // namespace

RangeRequest parse_range(std::string_view header, uint64_t size) {
  RangeRequest whole;
  header = trim_spaces(header);
  const size_t equals = header.find('=');
  if (equals == std::string_view::npos || !text::iequals_ascii(trim_spaces(header.substr(0, equals)), "bytes")) {
    return whole;
  }
  const std::string_view spec = trim_spaces(header.substr(equals + 1));
  if (spec.find(',') != std::string_view::npos) {
    return whole;  // Several ranges: the whole file is a valid answer and far simpler.
  }
  const size_t dash = spec.find('-');
  if (dash == std::string_view::npos) {
    return whole;
  }
  const std::string_view first_text = spec.substr(0, dash);
  const std::string_view last_text = spec.substr(dash + 1);
  RangeRequest out;
  out.kind = RangeRequest::Kind::Unsatisfiable;
  if (first_text.empty()) {
    // Suffix: the last n bytes.
    const auto suffix = parse_digits(last_text);
    if (!suffix) {
      return whole;
    }
    if (*suffix == 0 || size == 0) {
      return out;
    }
    out.kind = RangeRequest::Kind::Single;
    out.range.first = *suffix >= size ? 0 : size - *suffix;
    out.range.last = size - 1;
    return out;
  }
  const auto first = parse_digits(first_text);
  if (!first) {
    return whole;
  }
  std::optional<uint64_t> last;
  if (!last_text.empty()) {
    last = parse_digits(last_text);
    if (!last || *last < *first) {
      return whole;  // Not well-formed: ignored (RFC 9110 section 14.1.1).
    }
  }
  if (*first >= size) {
    return out;
  }
  out.kind = RangeRequest::Kind::Single;
  out.range.first = *first;
  out.range.last = (!last || *last >= size) ? size - 1 : *last;
  return out;
}

Response file_response(const Request& request, const FileAnswer& file) {
  Response response;
  response.headers.set("Accept-Ranges", "bytes");
  if (!file.etag.empty()) {
    response.headers.set("ETag", file.etag);
  }
  RangeRequest range;
  if (const auto header = request.header("Range")) {
    range = parse_range(*header, file.size);
    // If-Range: the range only applies to the version the client already holds. We send no
    // Last-Modified, so a date never matches; a strong ETag must match exactly.
    if (const auto if_range = request.header("If-Range"); if_range && (file.etag.empty() || *if_range != file.etag)) {
      range = RangeRequest{};
    }
  }
  switch (range.kind) {
    case RangeRequest::Kind::Unsatisfiable:
      response.status = 416;
      response.headers.set("Content-Range", "bytes */" + std::to_string(file.size));
      return response;
    case RangeRequest::Kind::Single:
      response.status = 206;
      response.headers.set("Content-Range", "bytes " + std::to_string(range.range.first) + "-" +
                                                std::to_string(range.range.last) + "/" + std::to_string(file.size));
      response.file = FileRegion{file.path, range.range.first, range.range.length()};
      break;
    case RangeRequest::Kind::Whole:
      response.status = 200;
      response.file = FileRegion{file.path, 0, file.size};
      break;
  }
  response.headers.set("Content-Type", file.content_type);
  return response;
}

}  // namespace gh::http

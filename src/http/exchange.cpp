// The per-request rules of the server that need no socket: see internal.hpp.
#include <spdlog/spdlog.h>

#include <charconv>
#include <ctime>
#include <random>

#include "core/text.hpp"
#include "http/internal.hpp"

namespace gh::http::detail {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return text::iequals_ascii(a, b);
}

bool icontains(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) {
    return false;
  }
  for (size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (iequals(haystack.substr(i, needle.size()), needle)) {
      return true;
    }
  }
  return false;
}

void append_number(std::string& out, uint64_t value) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out.append(buffer, result.ptr);
}

bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
    return true;
  }
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_valid_header_name(std::string_view name) {
  if (name.empty()) {
    return false;
  }
  for (char c : name) {
    if (!is_token_char(c)) {
      return false;
    }
  }
  return true;
}

// Field values may hold any byte but CR, LF and NUL (which could end the header early).
bool is_valid_header_value(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n", rebuilt at most once a second per thread.
std::string_view date_line() {
  struct Cache {
    std::time_t second = -1;
    char line[64] = {};
    size_t size = 0;
  };
  thread_local Cache cache;
  const std::time_t now = std::time(nullptr);
  if (now != cache.second) {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm tm{};
    gmtime_r(&now, &tm);
    const int written = std::snprintf(cache.line, sizeof(cache.line), "Date: %s, %02d %s %04d %02d:%02d:%02d GMT\r\n",
                                      kDays[tm.tm_wday % 7], tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900,
                                      tm.tm_hour, tm.tm_min, tm.tm_sec);
    cache.size = written > 0 ? static_cast<size_t>(written) : 0;
    cache.second = now;
  }
  return std::string_view(cache.line, cache.size);
}

bool needs_logfmt_quotes(std::string_view value) {
  if (value.empty()) {
    return true;
  }
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F || c == '"' || c == '=' || c == '\\') {
      return true;
    }
  }
  return false;
}

void append_logfmt_value(std::string& out, std::string_view value) {
  if (!needs_logfmt_quotes(value)) {
    out.append(value);
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20 || u == 0x7F) {
      out.append("\\x");
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xF]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

}  // namespace

std::optional<TargetParts> split_target(std::string_view target) {
  if (target.empty()) {
    return std::nullopt;
  }
  if (target.front() != '/') {
    // Absolute-form: scheme "://" authority path-abempty.
    const size_t scheme_end = target.find("://");
    if (scheme_end == std::string_view::npos || scheme_end == 0) {
      return std::nullopt;
    }
    for (char c : target.substr(0, scheme_end)) {
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
            c == '.')) {
        return std::nullopt;
      }
    }
    target.remove_prefix(scheme_end + 3);
    const size_t path_start = target.find_first_of("/?");
    if (path_start == std::string_view::npos) {
      return TargetParts{"/", {}};
    }
    target.remove_prefix(path_start);
    if (target.front() == '?') {
      return TargetParts{"/", target.substr(1)};
    }
  }
  const size_t question = target.find('?');
  if (question == std::string_view::npos) {
    return TargetParts{target, {}};
  }
  return TargetParts{target.substr(0, question), target.substr(question + 1)};
}

std::optional<std::string> decode_path(std::string_view raw_path) {
  if (raw_path.empty() || raw_path.front() != '/') {
    return std::nullopt;
  }
  if (raw_path.find('%') == std::string_view::npos) {
    // The common case: nothing to decode. The parser already refused control bytes.
    if (raw_path.find('\0') != std::string_view::npos || !gh::text::is_valid_utf8(raw_path)) {
      return std::nullopt;
    }
    return std::string(raw_path);
  }
  auto decoded = percent_decode_strict(raw_path);
  if (!decoded || !gh::text::is_valid_utf8(*decoded)) {
    return std::nullopt;
  }
  return decoded;
}

bool is_sane_request_id(std::string_view id) {
  if (id.empty() || id.size() > 64) {
    return false;
  }
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
      return false;
    }
  }
  return true;
}

std::string new_request_id() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  uint64_t value = generator();
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string id(16, '0');
  for (int i = 15; i >= 0; --i) {
    id[static_cast<size_t>(i)] = kDigits[value & 0xF];
    value >>= 4;
  }
  return id;
}

std::string choose_request_id(std::string_view incoming) {
  return is_sane_request_id(incoming) ? std::string(incoming) : new_request_id();
}

bool wants_json(std::string_view path, std::string_view accept) {
  return path.substr(0, 5) == "/api/" || path == "/api" || icontains(accept, "application/json");
}

Response error_response(int status, std::string_view code, std::string_view message, std::string_view request_id,
                        bool json) {
  std::string body;
  if (json) {
    body.reserve(96 + code.size() + message.size() + request_id.size());
    body.append(R"({"error":{"code":")").append(code).append(R"(","message":")").append(message);
    body.append(R"(","request_id":")").append(request_id).append(R"("}})");
    return Response::json(status, std::move(body));
  }
  body.reserve(160 + message.size() + request_id.size());
  body.append("<!doctype html>\n<title>").append(message).append("</title>\n<h1>").append(message);
  body.append("</h1>\n<p>Request id: <code>").append(request_id).append("</code></p>\n");
  return Response::html(status, std::move(body));
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 422: return "Unprocessable Content";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
  }
}

HeadOutput write_response_head(std::string& out, const Response& response, const HeadInput& input) {
  HeadOutput output;
  output.keep_alive = input.keep_alive;
  const int status = (response.status >= 100 && response.status <= 999) ? response.status : 500;
  const bool bodiless = status < 200 || status == 204 || status == 304;

  out.append("HTTP/1.1 ");
  append_number(out, static_cast<uint64_t>(status));
  out.push_back(' ');
  out.append(reason_phrase(status));
  out.append("\r\n");

  bool has_server = false;
  bool has_date = false;
  for (const auto& [name, value] : response.headers.items()) {
    if (iequals(name, "content-length") || iequals(name, "transfer-encoding") || iequals(name, "x-request-id")) {
      continue;
    }
    if (iequals(name, "connection")) {
      if (icontains(value, "close")) {
        output.keep_alive = false;
      }
      continue;
    }
    if (!is_valid_header_name(name) || !is_valid_header_value(value)) {
      spdlog::warn("http: dropped an invalid response header rid={} name={}", input.request_id,
                   is_valid_header_name(name) ? name : std::string_view("(invalid)"));
      continue;
    }
    has_server = has_server || iequals(name, "server");
    has_date = has_date || iequals(name, "date");
    out.append(name).append(": ").append(value).append("\r\n");
  }
  if (!has_server) {
    out.append("Server: guildhall\r\n");
  }
  if (!has_date) {
    out.append(date_line());
  }
  out.append("X-Request-Id: ").append(input.request_id).append("\r\n");
  const uint64_t body_size = response.file ? response.file->length : response.body.size();
  if (!bodiless) {
    out.append("Content-Length: ");
    append_number(out, body_size);
    out.append("\r\n");
  }
  if (!output.keep_alive) {
    out.append("Connection: close\r\n");
  } else if (input.http10) {
    out.append("Connection: keep-alive\r\n");
  }
  out.append("\r\n");
  output.body_bytes = (bodiless || input.head_request) ? 0 : body_size;
  return output;
}

std::string format_access_line(const AccessRecord& record) {
  std::string line;
  line.reserve(128 + record.raw_path.size());
  line.append("method=");
  append_logfmt_value(line, record.method.empty() ? std::string_view("-") : record.method);
  line.append(" path=");
  append_logfmt_value(line, record.raw_path.empty() ? std::string_view("-") : record.raw_path);
  line.append(" status=");
  append_number(line, static_cast<uint64_t>(record.status < 0 ? 0 : record.status));
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(record.duration).count();
  line.append(" dur_ms=");
  append_number(line, static_cast<uint64_t>(micros / 1000));
  line.push_back('.');
  const auto fraction = static_cast<uint64_t>((micros % 1000) / 10);
  if (fraction < 10) {
    line.push_back('0');
  }
  append_number(line, fraction);
  line.append(" rid=");
  append_logfmt_value(line, record.request_id);
  line.append(" ip=");
  append_logfmt_value(line, record.remote_addr);
  line.append(" bytes=");
  append_number(line, record.body_bytes);
  return line;
}

void log_access(const AccessRecord& record) {
  if (!spdlog::should_log(spdlog::level::info)) {
    return;
  }
  spdlog::info("{}", format_access_line(record));
}

}  // namespace gh::http::detail

// gh::http::detail: the server's per-request rules kept out of the Beast translation unit
// (target splitting, path decoding, request ids, error answers, the response head, the access
// log), so that they compile fast and can be tested without a socket. Private to src/http/.
// Every function is pure or touches only thread-local state, so all are safe from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "http/http.hpp"

namespace gh::http::detail {

// Percent-decodes `s`; '+' becomes a space when `plus_as_space`. Malformed '%' sequences stay
// as they are.
std::string percent_decode_lenient(std::string_view s, bool plus_as_space);
// Percent-decodes `s` ('+' stays); nullopt on a malformed '%' sequence.
std::optional<std::string> percent_decode_strict(std::string_view s);

struct TargetParts {
  std::string_view raw_path;  // Still percent-encoded; starts with '/'.
  std::string_view query;     // Without '?'; empty when absent.
};
// Splits an origin-form ("/a?b") or absolute-form ("http://host/a?b") request target; nullopt
// for anything else ("*", authority-form).
std::optional<TargetParts> split_target(std::string_view target);
// The decoded path, or nullopt when the encoding is malformed or the result holds NUL or
// invalid UTF-8 (answered 400).
std::optional<std::string> decode_path(std::string_view raw_path);

// True for 1-64 characters of [A-Za-z0-9-_].
bool is_sane_request_id(std::string_view id);
// 16 random hex digits.
std::string new_request_id();
// The request id to use: `incoming` when sane, else a new one.
std::string choose_request_id(std::string_view incoming);

// Whether an error answer should be JSON: the path starts with /api/ or Accept names JSON.
bool wants_json(std::string_view path, std::string_view accept);
// An error answer without internals: {"error":{"code","message","request_id"}} as JSON, else a
// short HTML page. REQUIRES: `code` and `message` need no escaping; is_sane_request_id(id).
Response error_response(int status, std::string_view code, std::string_view message, std::string_view request_id,
                        bool json);

// The reason phrase for `status` ("Not Found"); "Unknown" when none is registered.
std::string_view reason_phrase(int status);

struct HeadInput {
  std::string_view request_id;
  bool keep_alive = true;     // The request allows it and the server is not shutting down.
  bool http10 = false;        // An HTTP/1.0 request: keep-alive must be stated.
  bool head_request = false;  // HEAD: headers as for GET, no body bytes.
};
struct HeadOutput {
  size_t body_bytes = 0;   // How much of response.body (or of response.file) to send after the head.
  bool keep_alive = true;  // False when the handler asked for "Connection: close".
};
// Appends the status line and headers of `response` to `out`. The server owns Content-Length,
// Connection, Transfer-Encoding and X-Request-Id; it adds Server and Date unless the handler
// set them. Content-Length is the body's size, or the file region's length when `file` is set.
// Header lines with bytes that could split the response are dropped (and logged).
HeadOutput write_response_head(std::string& out, const Response& response, const HeadInput& input);

struct AccessRecord {
  std::string_view method;
  std::string_view raw_path;  // Still percent-encoded: no spaces or control bytes.
  int status = 0;
  std::chrono::steady_clock::duration duration{};
  std::string_view request_id;
  std::string_view remote_addr;
  size_t body_bytes = 0;
};
// One logfmt line at info level:
// method=GET path=/c/rust status=200 dur_ms=0.42 rid=ab12 ip=127.0.0.1 bytes=1234
std::string format_access_line(const AccessRecord& record);
void log_access(const AccessRecord& record);

}  // namespace gh::http::detail

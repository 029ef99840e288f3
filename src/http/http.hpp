// gh::http: the HTTP/1.1 server, knowing requests and responses, not communities or money.
//
// Handlers are plain synchronous functions Request -> Response, called on the server's I/O
// thread for that connection (one thread per core; Beast and Asio stay inside http/'s .cpp
// files). A handler may block briefly (SQLite, a PostgreSQL round trip).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gh::http {

// Case-insensitive header lookup over a small vector (requests carry ~10 headers).
class Headers {
 public:
  void add(std::string name, std::string value) { items_.emplace_back(std::move(name), std::move(value)); }
  void set(std::string_view name, std::string value);
  std::optional<std::string_view> get(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

// A request body the server wrote to a file instead of memory (ServerOptions::spool_limit).
// The server removes the file after the handler returns, unless the handler moved it away
// (std::filesystem::rename into its own storage), so a failed or refused upload leaves nothing.
struct SpooledBody {
  std::string path;
  uint64_t size = 0;
};

struct Request {
  std::string method;  // "GET", "POST"...
  std::string target;  // As sent: "/c/rust?sort=top".
  std::string path;    // Percent-decoded path: "/c/rust".
  std::string query;   // Raw query string without '?'.
  Headers headers;
  std::string body;
  std::optional<SpooledBody> spooled_body;    // Instead of `body` on spooled routes with a body.
  std::string remote_addr;                    // Peer IP ("127.0.0.1").
  std::string request_id;                     // Set by the server; echoed as X-Request-Id.
  std::map<std::string, std::string> params;  // Path parameters filled by the router.

  std::optional<std::string_view> header(std::string_view name) const { return headers.get(name); }
  // Percent-decoded query parameter ('+' is a space), first occurrence.
  std::optional<std::string> query_param(std::string_view name) const;
  std::optional<std::string> cookie(std::string_view name) const;
  const std::string& param(const std::string& name) const;  // REQUIRES: the route declared it.
};

// The sending side of one WebSocket connection. Thread-safe: send() and close() may be called
// from any thread, also after the connection ended (they then do nothing and send() returns
// false). Holding one does not keep the connection open.
class WebSocketSender {
 public:
  virtual ~WebSocketSender() = default;
  // Queues a text message and returns at once; never blocks on the socket. A client that lets
  // ServerOptions::websocket_queue messages pile up is too slow: its connection is closed (so
  // it cannot hold memory or delay anyone), and this returns false.
  virtual bool send(std::shared_ptr<const std::string> text) = 0;
  // Sends what is queued, then closes with 1001 "going away".
  virtual void close() = 0;
};

// What the application does with one accepted WebSocket connection. The server calls these on
// the connection's strand, never concurrently and in order: on_open once, on_message for each
// text message (binary ones are ignored), on_close once however the connection ended. They may
// block briefly, like handlers. An exception closes the connection.
class WebSocketSession {
 public:
  virtual ~WebSocketSession() = default;
  virtual void on_open(std::shared_ptr<WebSocketSender> sender) = 0;
  virtual void on_message(std::string_view text) = 0;
  virtual void on_close() = 0;
};

// Bytes [offset, offset + length) of a file on disk, sent as a response body. The server opens
// the file when it answers and writes it through a fixed buffer, chunk by chunk, so a file of
// any size costs the same memory; a file missing or shorter than the region by then is
// answered 404 http.file_missing.
struct FileRegion {
  std::string path;
  uint64_t offset = 0;
  uint64_t length = 0;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  // When set, the body is this file region and `body` is ignored (see file_response).
  std::optional<FileRegion> file;
  // Set (by Response::accept_websocket) to accept a WebSocket upgrade: the server completes
  // the handshake (101) and runs the session. When the request was not a WebSocket upgrade the
  // server answers 400 http.websocket_expected instead.
  std::shared_ptr<WebSocketSession> websocket;

  static Response accept_websocket(std::shared_ptr<WebSocketSession> session) {
    Response response;
    response.status = 101;
    response.websocket = std::move(session);
    return response;
  }

  static Response text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
  static Response html(int status, std::string body) {
    return text(status, std::move(body), "text/html; charset=utf-8");
  }
  static Response json(int status, std::string body) { return text(status, std::move(body), "application/json"); }
  static Response redirect(std::string location, int status = 303);
};

// One byte range of a representation, both ends inclusive.
struct ByteRange {
  uint64_t first = 0;
  uint64_t last = 0;
  uint64_t length() const { return last - first + 1; }
};
struct RangeRequest {
  enum class Kind {
    Whole,          // No Range, or one we ignore (not "bytes", malformed, several ranges).
    Single,         // `range` is satisfiable (already clipped to the size).
    Unsatisfiable,  // Answer 416 with "Content-Range: bytes */size".
  };
  Kind kind = Kind::Whole;
  ByteRange range;
};
// Interprets a Range header ("bytes=0-99", "bytes=100-", "bytes=-100") against a
// representation of `size` bytes (RFC 9110 section 14). A header that is not well-formed is
// ignored, as the RFC allows; so is a multi-range request (we answer the whole file 200
// rather than multipart/byteranges).
RangeRequest parse_range(std::string_view header, uint64_t size);

// What file_response needs to know about a stored file.
struct FileAnswer {
  std::string path;
  uint64_t size = 0;
  std::string content_type;
  std::string etag;  // Strong, with quotes ("\"abc\""), or empty: then If-Range never matches.
};
// Answers GET or HEAD with a file: 200 with the whole file, or 206 with Content-Range for one
// satisfiable Range (unless If-Range names another version), or 416 with "bytes */size".
// Sets Accept-Ranges, Content-Type and ETag; the caller adds caching and disposition headers.
Response file_response(const Request& request, const FileAnswer& file);

// Parses an application/x-www-form-urlencoded body or query string (percent- and '+'-decoded).
// Malformed '%' sequences stay as they are; invalid UTF-8 and NUL become U+FFFD, so every name
// and value passes gh::text::is_valid_utf8.
std::vector<std::pair<std::string, std::string>> parse_form(std::string_view body);
// Percent-encodes every byte except the unreserved set (A-Z a-z 0-9 - . _ ~): safe in a path
// segment, a query name or value, or a form field.
std::string url_encode(std::string_view s);
// Decodes %XX sequences byte for byte ('+' stays '+'); malformed sequences stay as they are.
std::string url_decode(std::string_view s);

struct CookieOptions {
  std::string path = "/";
  int64_t max_age_seconds = -1;  // -1: a session cookie; 0: delete.
  bool http_only = true;
  bool secure = false;
  std::string same_site = "Lax";
};
// The value of a Set-Cookie header. Bytes of `value` outside RFC 6265's cookie-octet (and '%')
// are percent-encoded; Request::cookie() decodes them, so any value round-trips.
// REQUIRES: `name` is an RFC 7230 token; same_site is "", "Strict", "Lax" or "None".
std::string set_cookie_header(std::string_view name, std::string_view value, const CookieOptions& options);

using Handler = std::function<Response(Request&)>;

struct Route {
  std::string method;
  std::string pattern;  // "/api/v1/communities/{slug}/posts"; a trailing "{rest...}" takes the rest.
  Handler handler;
};

// Method + path -> handler. Static segments win over parameters. Not thread-safe to add to;
// read-only (and so thread-safe) once the server runs.
//
// Matching works on the percent-decoded request.path split at '/': a "{name}" segment takes one
// non-empty segment, a final "{rest...}" takes the remainder (one or more segments, joined by
// '/'). Among routes matching the path, the one whose leftmost differing segment is most
// specific wins (static > {name} > {rest...}). HEAD falls back to the GET route.
class Router {
 public:
  // REQUIRES: `pattern` starts with '/', parameter names are non-empty and unique, "{x...}" is
  // the last segment, and no route with the same method and shape exists.
  void add(std::string method, std::string pattern, Handler handler);
  struct Match {
    const Route* route = nullptr;
    bool path_matched = false;  // True when the path exists under another method (405).
    std::vector<std::string> allowed_methods;
  };
  // Fills request.params on a match.
  Match match(Request& request) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  struct Segment {
    enum class Kind { Static, Param, Rest };
    Kind kind = Kind::Static;
    std::string text;  // Static text, or the parameter's name.
  };
  struct Shape {
    std::vector<Segment> segments;
    bool has_rest = false;
  };
  std::vector<Route> routes_;
  std::vector<Shape> shapes_;  // Parallel to routes_.
  std::vector<size_t> order_;  // Indices into routes_, most specific first.
};

// Static files served from memory: a fixed set of (name -> bytes), so nothing outside the
// set can ever be served. ETag is a content hash; responses carry Cache-Control.
class StaticFiles {
 public:
  // Cache-Control of 200 and 304 answers.
  enum class Caching {
    Auto,        // Immutable when the query's v= equals version(name), else Revalidate.
    Revalidate,  // "public, max-age=3600".
    Immutable,   // "public, max-age=31536000, immutable": the URL carries a version.
  };
  // REQUIRES: `name` is a relative path without "..", '\\', NUL or a leading '/'; `bytes`
  // outlives this object (static storage).
  void add(std::string name, std::string_view bytes);
  // `name` is the path below the mount ("css/app.css"). nullopt when unknown. Answers 304
  // when If-None-Match carries the ETag.
  std::optional<Response> serve(std::string_view name, const Request& request) const;
  std::optional<Response> serve(std::string_view name, const Request& request, Caching caching) const;
  // 16 hex digits of the content hash (the ETag without quotes), for "?v=" cache-busting URLs.
  std::optional<std::string> version(std::string_view name) const;

 private:
  struct Entry {
    std::string_view bytes;
    std::string etag;
    std::string content_type;
  };
  std::map<std::string, Entry, std::less<>> files_;
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;                         // 0: pick a free port (see Server::port()).
  int threads = 0;                              // 0: one per core.
  size_t body_limit = 1024 * 1024 + 64 * 1024;  // 413 beyond.
  size_t header_limit = 16 * 1024;              // 431 beyond.
  std::chrono::seconds read_timeout{30};        // A request must arrive whole within this.
  std::chrono::seconds idle_timeout{60};        // Keep-alive connection idle limit.
  std::chrono::seconds shutdown_grace{10};      // In-flight requests get this long at shutdown.
  bool access_log = true;
  size_t websocket_queue = 256;                     // Messages waiting per connection; beyond: closed.
  size_t websocket_message_limit = 64 * 1024;       // Largest message a client may send.
  std::chrono::seconds websocket_idle_timeout{60};  // Pinged at half of it; silent peers are closed.
  // Large uploads. When set, called with the method and decoded path once a request's head is
  // read: a result above 0 makes the server write that request's body to a new file in
  // `spool_dir` (at most that many bytes, 413 beyond; read_timeout applies per chunk, not to
  // the whole body) and hand it to the handler as Request::spooled_body. 0: the body is read
  // into memory under body_limit, as for every other request.
  std::function<uint64_t(std::string_view method, std::string_view path)> spool_limit;
  std::string spool_dir;  // REQUIRES: an existing directory when spool_limit is set.
  // Optional, for spooled requests only: called with the head (no body read yet) on the
  // connection's strand like a handler. A Response refuses the request at once: it is sent with
  // "Connection: close" and the body is never read (so nobody can fill the disk by posting to a
  // door they may not use). nullopt: the body is read and the handler runs.
  std::function<std::optional<Response>(Request& head)> spool_admit;
};

// The server: listens, runs handlers, logs each request as one structured line
// (method, path, status, duration, request id). Run blocks until stop() or SIGTERM/SIGINT,
// then stops accepting, lets in-flight requests finish (up to shutdown_grace), and returns.
class Server {
 public:
  Server(ServerOptions options, Handler handler);
  ~Server();
  // Binds the socket; after this port() is known. Throws std::runtime_error on failure.
  void listen();
  // REQUIRES: listen(). Blocks; handles SIGTERM/SIGINT itself when `handle_signals`.
  // Threads run in run(): options.threads (0: one per core), the caller being one of them.
  void run(bool handle_signals = true);
  // Starts the graceful shutdown. Thread-safe and idempotent; callable from a handler.
  void stop();
  uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gh::http

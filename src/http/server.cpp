// Server: the only translation unit of gh::http that includes Asio and Beast.
//
// One io_context run by N threads. The acceptor, the signal set and the shutdown watcher live
// on one "control" strand; each connection is one coroutine on its own strand, so it never runs
// concurrently with itself. Connections register in a list so that shutdown can reach them.
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <deque>
#include <exception>
#include <filesystem>
#include <list>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "core/check.hpp"
#include "http/http.hpp"
#include "http/internal.hpp"

namespace gh::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr auto kUseTuple = net::as_tuple(net::use_awaitable);
// Bytes asked for when waiting for the start of a request.
constexpr size_t kReadChunk = 16 * 1024;
// After an error answer the connection is drained before closing so the client reads the
// answer instead of a reset: at most this long and this much.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr size_t kLingerBytes = 16 * 1024 * 1024;
constexpr auto kShutdownPoll = std::chrono::milliseconds(10);
constexpr auto kAcceptBackoff = std::chrono::milliseconds(50);
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

class Engine;
class WsConnection;

// One accepted connection. Owned by its coroutine; shutdown reaches it through a weak_ptr.
// Every member is touched only on the connection's strand, except registry_position, which
// the engine guards with its mutex.
struct Connection {
  Connection(Engine& owner, tcp::socket socket) : engine(owner), stream(std::move(socket)) {}
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Engine& engine;
  beast::tcp_stream stream;
  beast::flat_buffer buffer;  // Reused across the keep-alive requests of this connection.
  std::string head;           // The response head, reused likewise.
  std::string remote_addr;
  bool idle = false;                      // Waiting for the first byte of a request: shutdown may close it.
  std::weak_ptr<WsConnection> websocket;  // Set once upgraded: shutdown closes it.
  std::list<std::weak_ptr<Connection>>::iterator registry_position;
  bool registered = false;
};

using ParserType = bhttp::request_parser<bhttp::string_body>;
using FileParserType = bhttp::request_parser<bhttp::file_body>;

// Bytes of a file read per write while sending it (the only buffer a file answer uses).
constexpr size_t kFileChunk = 64 * 1024;

// A spooled request body on disk; removed unless the handler moved it away.
struct Spool {
  std::string path;
  uint64_t size = 0;
  void remove() {
    if (!path.empty()) {
      std::error_code ignored;
      std::filesystem::remove(path, ignored);
      path.clear();
    }
  }
  ~Spool() { remove(); }
};

// A file being sent (Response::file), opened read-only before the head goes out so that a
// missing file can still be answered 404.
class OpenFile {
 public:
  OpenFile() = default;
  ~OpenFile() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;

  // False when the file cannot be opened or holds fewer bytes than the region needs.
  bool open(const FileRegion& region) {
    fd_ = ::open(region.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      return false;
    }
    struct stat info {};
    return ::fstat(fd_, &info) == 0 && S_ISREG(info.st_mode) &&
           static_cast<uint64_t>(info.st_size) >= region.offset + region.length;
  }
  // pread, retried on EINTR; 0 at the end, -1 on error.
  ssize_t read_at(char* into, size_t size, uint64_t offset) const {
    for (;;) {
      const ssize_t got = ::pread(fd_, into, size, static_cast<off_t>(offset));
      if (got >= 0 || errno != EINTR) {
        return got;
      }
    }
  }

 private:
  int fd_ = -1;
};

// An upgraded connection: the WebSocket stream over the Connection's TCP stream, and the
// outgoing queue. The reader is serve_websocket() (in the connection's coroutine), the writer a
// second coroutine on the same strand; both hold a shared_ptr, and this holds the Connection,
// so everything lives until both have ended. Other threads touch only the queue (mutex_), and
// reach the strand by posting.
class WsConnection : public std::enable_shared_from_this<WsConnection> {
 public:
  WsConnection(std::shared_ptr<Connection> connection, size_t max_queued)
      : connection_(std::move(connection)),
        ws(connection_->stream),
        wake_(connection_->stream.get_executor()),
        max_queued_(max_queued) {}

  // Any thread.
  bool enqueue(std::shared_ptr<const std::string> text) {
    {
      std::lock_guard lock(mutex_);
      if (ended_) {
        return false;
      }
      if (queue_.size() >= max_queued_) {
        // Too slow a reader: drop the connection rather than buffer without bound or wait.
        ended_ = true;
        queue_.clear();
        net::post(wake_.get_executor(), [self = shared_from_this()] { self->abort(); });
        return false;
      }
      queue_.push_back(std::move(text));
      if (wake_posted_) {
        return true;
      }
      wake_posted_ = true;
    }
    net::post(wake_.get_executor(), [self = shared_from_this()] { self->wake_.cancel(); });
    return true;
  }

  // Any thread: the writer sends what is queued, then the close frame.
  void request_close() {
    {
      std::lock_guard lock(mutex_);
      if (ended_ || close_requested_) {
        return;
      }
      close_requested_ = true;
    }
    net::post(wake_.get_executor(), [self = shared_from_this()] { self->wake_.cancel(); });
  }

  // Strand: the reader ended (peer closed, error, abort): the writer stops too.
  void end() {
    {
      std::lock_guard lock(mutex_);
      ended_ = true;
      queue_.clear();
    }
    wake_.cancel();
  }

  // Strand: closes the socket at once; pending reads and writes fail.
  void abort() {
    end();
    beast::error_code ignored;
    connection_->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    connection_->stream.socket().close(ignored);
  }

  net::awaitable<void> write_loop() {
    auto self = shared_from_this();
    for (;;) {
      std::shared_ptr<const std::string> next;
      bool close_now = false;
      {
        std::lock_guard lock(mutex_);
        if (ended_) {
          co_return;
        }
        if (!queue_.empty()) {
          next = std::move(queue_.front());
          queue_.pop_front();
        } else {
          wake_posted_ = false;
          close_now = close_requested_;
        }
      }
      if (next) {
        ws.text(true);
        auto [ec, n] = co_await ws.async_write(net::buffer(*next), kUseTuple);
        if (ec) {
          abort();
          co_return;
        }
        continue;
      }
      if (close_now) {
        auto [ec] = co_await ws.async_close(websocket::close_code::going_away, kUseTuple);
        if (ec) {
          abort();
        }
        co_return;
      }
      // Woken by cancel() from enqueue/request_close/end (a posted cancel runs only while this
      // waits or before the queue check above, both on this strand, so no wake-up is lost).
      wake_.expires_at(net::steady_timer::time_point::max());
      co_await wake_.async_wait(kUseTuple);
    }
  }

 private:
  std::shared_ptr<Connection> connection_;

 public:
  websocket::stream<beast::tcp_stream&> ws;  // Strand only.

 private:
  net::steady_timer wake_;  // Strand only.
  const size_t max_queued_;
  std::mutex mutex_;
  std::deque<std::shared_ptr<const std::string>> queue_;  // GUARDED_BY(mutex_)
  bool ended_ = false;                                    // GUARDED_BY(mutex_)
  bool close_requested_ = false;                          // GUARDED_BY(mutex_)
  bool wake_posted_ = false;                              // GUARDED_BY(mutex_)
};

// What the application holds: a weak handle, so that it never keeps a connection alive.
class WsSender final : public WebSocketSender {
 public:
  explicit WsSender(std::weak_ptr<WsConnection> target) : target_(std::move(target)) {}
  bool send(std::shared_ptr<const std::string> text) override {
    auto target = target_.lock();
    return target && target->enqueue(std::move(text));
  }
  void close() override {
    if (auto target = target_.lock()) {
      target->request_close();
    }
  }

 private:
  std::weak_ptr<WsConnection> target_;
};

class Engine {
 public:
  Engine(ServerOptions options, Handler handler)
      : options_(std::move(options)), handler_(std::move(handler)), io_(std::in_place, concurrency_hint()) {
    control_.emplace(net::make_strand(*io_));
  }

  ~Engine() {
    // No thread runs io_ any more. Destroying it destroys the frames of coroutines that never
    // finished (after a forced shutdown), whose connections unregister from connections_: so
    // it must go first, while the rest of this object is alive, and after the I/O objects.
    signals_.reset();
    acceptor_.reset();
    control_.reset();
    io_.reset();
  }

  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  void listen() {
    beast::error_code ec;
    tcp::endpoint endpoint;
    const auto address = net::ip::make_address(options_.host, ec);
    if (!ec) {
      endpoint = tcp::endpoint(address, options_.port);
    } else {
      tcp::resolver resolver(*io_);
      const auto results = resolver.resolve(options_.host, std::to_string(options_.port), ec);
      if (ec || results.empty()) {
        throw std::runtime_error("http: cannot resolve " + options_.host + ": " + ec.message());
      }
      endpoint = results.begin()->endpoint();
    }
    acceptor_.emplace(*control_);
    auto fail = [&](const char* what) {
      acceptor_.reset();
      throw std::runtime_error(std::string("http: cannot ") + what + " " + options_.host + ":" +
                               std::to_string(options_.port) + ": " + ec.message());
    };
    if (acceptor_->open(endpoint.protocol(), ec)) {
      fail("open");
    }
    if (acceptor_->set_option(net::socket_base::reuse_address(true), ec)) {
      fail("configure");
    }
    if (acceptor_->bind(endpoint, ec)) {
      fail("bind");
    }
    if (acceptor_->listen(net::socket_base::max_listen_connections, ec)) {
      fail("listen on");
    }
    port_ = acceptor_->local_endpoint(ec).port();
    spdlog::info("http: listening on {}:{}", options_.host, port_.load());
  }

  void run(bool handle_signals) {
    GH_CHECK(acceptor_.has_value(), "Server::run() before listen()");
    net::post(*control_, [this, handle_signals] { start(handle_signals); });
    const int count = thread_count();
    std::vector<std::thread> threads;
    threads.reserve(static_cast<size_t>(count - 1));
    for (int i = 1; i < count; ++i) {
      threads.emplace_back([this] { run_io(); });
    }
    run_io();
    for (auto& thread : threads) {
      thread.join();
    }
    if (forced_) {
      // No thread runs io_ now: close what the grace period left open so clients see the end
      // at once rather than when the Server is destroyed.
      for (const auto& connection : live_connections()) {
        beast::error_code ignored;
        connection->stream.socket().close(ignored);
      }
    }
    spdlog::info("http: stopped");
  }

  void stop() {
    net::post(*control_, [this] { begin_shutdown(); });
  }

  uint16_t port() const { return port_.load(); }

  void unregister(std::list<std::weak_ptr<Connection>>::iterator position) {
    std::lock_guard lock(mutex_);
    connections_.erase(position);
  }

 private:
  int concurrency_hint() const { return thread_count(); }

  int thread_count() const {
    if (options_.threads > 0) {
      return options_.threads;
    }
    return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  }

  void run_io() {
    for (;;) {
      try {
        io_->run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("http: exception escaped the event loop: {}", e.what());
      } catch (...) {
        spdlog::error("http: unknown exception escaped the event loop");
      }
    }
  }

  std::vector<std::shared_ptr<Connection>> live_connections() {
    std::vector<std::shared_ptr<Connection>> live;
    std::lock_guard lock(mutex_);
    live.reserve(connections_.size());
    for (const auto& weak : connections_) {
      if (auto connection = weak.lock()) {
        live.push_back(std::move(connection));
      }
    }
    return live;
  }

  size_t connection_count() {
    std::lock_guard lock(mutex_);
    return connections_.size();
  }

  // On the control strand.
  void start(bool handle_signals) {
    if (stopping_.load()) {
      return;
    }
    if (handle_signals) {
      signals_.emplace(*control_, SIGINT, SIGTERM);
      signals_->async_wait([this](const beast::error_code& ec, int signal_number) {
        if (!ec) {
          spdlog::info("http: signal {} received, shutting down", signal_number);
          begin_shutdown();
        }
      });
    }
    net::co_spawn(*control_, accept_loop(), [](const std::exception_ptr& error) { log_coroutine_error(error); });
  }

  // On the control strand.
  void begin_shutdown() {
    if (stopping_.exchange(true)) {
      return;
    }
    beast::error_code ignored;
    if (acceptor_) {
      acceptor_->close(ignored);
    }
    if (signals_) {
      signals_->cancel(ignored);
    }
    // Collected first: the last reference to a connection may drop here, and its destructor
    // takes mutex_.
    const auto live = live_connections();
    spdlog::info("http: shutting down, {} connection(s) open", live.size());
    for (const auto& connection : live) {
      net::post(connection->stream.get_executor(), [connection] {
        if (connection->idle) {
          connection->stream.cancel();
        }
        if (auto ws = connection->websocket.lock()) {
          ws->request_close();
        }
      });
    }
    net::co_spawn(*control_, watch_shutdown(), [](const std::exception_ptr& error) { log_coroutine_error(error); });
  }

  static void log_coroutine_error(const std::exception_ptr& error) {
    if (!error) {
      return;
    }
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      spdlog::error("http: coroutine failed: {}", e.what());
    } catch (...) {
      spdlog::error("http: coroutine failed with an unknown exception");
    }
  }

  net::awaitable<void> watch_shutdown() {
    const auto deadline = Clock::now() + options_.shutdown_grace;
    net::steady_timer timer(*control_);
    while (connection_count() > 0 && Clock::now() < deadline) {
      timer.expires_after(kShutdownPoll);
      co_await timer.async_wait(kUseTuple);
    }
    if (const size_t left = connection_count(); left > 0) {
      spdlog::warn("http: shutdown grace expired with {} connection(s) open, closing them", left);
      forced_ = true;
      io_->stop();
    }
  }

  net::awaitable<void> accept_loop() {
    net::steady_timer backoff(*control_);
    for (;;) {
      auto [ec, accepted] = co_await acceptor_->async_accept(net::make_strand(*io_), kUseTuple);
      if (stopping_.load() || ec == net::error::operation_aborted) {
        co_return;
      }
      if (ec) {
        // Out of descriptors or similar: wait rather than spin.
        spdlog::warn("http: accept failed: {}", ec.message());
        backoff.expires_after(kAcceptBackoff);
        co_await backoff.async_wait(kUseTuple);
        continue;
      }
      accepted.set_option(tcp::no_delay(true), ec);
      auto connection = std::make_shared<Connection>(*this, tcp::socket(std::move(accepted)));
      const auto remote = connection->stream.socket().remote_endpoint(ec);
      if (!ec) {
        auto address = remote.address();
        if (address.is_v6() && address.to_v6().is_v4_mapped()) {
          address = net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6());
        }
        connection->remote_addr = address.to_string();
      }
      {
        std::lock_guard lock(mutex_);
        connections_.push_front(connection);
        connection->registry_position = connections_.begin();
        connection->registered = true;
      }
      auto executor = connection->stream.get_executor();
      net::co_spawn(executor, serve_connection(std::move(connection)),
                    [](const std::exception_ptr& error) { log_coroutine_error(error); });
    }
  }

  net::awaitable<void> serve_connection(std::shared_ptr<Connection> connection) {
    Connection& c = *connection;
    bool first = true;
    bool keep_alive = true;
    while (keep_alive) {
      if (c.buffer.size() == 0) {
        // Between requests. Checked on the strand, so a shutdown either is seen here or finds
        // this connection idle and cancels the read.
        if (stopping_.load()) {
          break;
        }
        c.stream.expires_after(first ? options_.read_timeout : options_.idle_timeout);
        c.idle = true;
        auto [ec, n] = co_await c.stream.async_read_some(c.buffer.prepare(kReadChunk), kUseTuple);
        c.idle = false;
        if (ec) {
          break;
        }
        c.buffer.commit(n);
      }
      first = false;
      keep_alive = co_await serve_request(connection);
    }
    beast::error_code ignored;
    c.stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    c.stream.socket().close(ignored);
  }

  // The spool limit for a request whose head was just read (0: read the body into memory).
  uint64_t spool_limit_for(const bhttp::request_header<>& message) const {
    if (!options_.spool_limit) {
      return 0;
    }
    const auto parts = detail::split_target(message.target());
    if (!parts) {
      return 0;
    }
    const auto path = detail::decode_path(parts->raw_path);
    return path ? options_.spool_limit(message.method_string(), *path) : 0;
  }

  // The Request for a head (no body yet), or nullopt when its target or path is malformed.
  static std::optional<Request> request_from(const bhttp::request_header<>& message, const Connection& c) {
    const std::string_view raw_target = message.target();
    const auto parts = detail::split_target(raw_target);
    if (!parts) {
      return std::nullopt;
    }
    auto path = detail::decode_path(parts->raw_path);
    if (!path) {
      return std::nullopt;
    }
    Request request;
    request.method = message.method_string();
    request.target = raw_target;
    request.path = std::move(*path);
    request.query = parts->query;
    for (const auto& field : message) {
      request.headers.add(std::string(field.name_string()), std::string(field.value()));
    }
    request.remote_addr = c.remote_addr;
    request.request_id = detail::choose_request_id(message["X-Request-Id"]);
    return request;
  }

  // ServerOptions::spool_admit, with a throw answered 500 like a handler's.
  std::optional<Response> call_admit(Request& head) {
    try {
      return options_.spool_admit(head);
    } catch (const std::exception& e) {
      spdlog::error("http: spool_admit threw rid={} path={}: {}", head.request_id, head.path, e.what());
    } catch (...) {
      spdlog::error("http: spool_admit threw rid={} path={}", head.request_id, head.path);
    }
    return detail::error_response(500, "internal", "Internal error", head.request_id,
                                  detail::wants_json(head.path, head.header("Accept").value_or("")));
  }

  // Reads, handles and answers one request. Returns whether the connection may carry another.
  net::awaitable<bool> serve_request(const std::shared_ptr<Connection>& connection) {
    Connection& c = *connection;
    ParserType parser;
    parser.header_limit(static_cast<std::uint32_t>(std::min<size_t>(options_.header_limit, UINT32_MAX)));
    // With spooled routes the limit is known only once the path is: checked after the head.
    if (options_.spool_limit) {
      parser.body_limit(boost::none);
    } else {
      parser.body_limit(static_cast<std::uint64_t>(options_.body_limit));
    }
    c.stream.expires_after(options_.read_timeout);
    auto [ec, n] = co_await bhttp::async_read_header(c.stream, c.buffer, parser, kUseTuple);
    uint64_t spool_limit = 0;
    if (!ec && options_.spool_limit) {
      spool_limit = spool_limit_for(parser.get());
      const uint64_t limit = spool_limit > 0 ? spool_limit : static_cast<uint64_t>(options_.body_limit);
      if (parser.content_length() && *parser.content_length() > limit) {
        ec = bhttp::error::body_limit;
      } else {
        parser.body_limit(limit);
      }
    }
    // A spooled route may refuse a request from its head alone (not signed in, not allowed),
    // before a single body byte is read or written to disk.
    std::optional<Request> early;
    if (!ec && spool_limit > 0) {
      early = request_from(parser.get(), c);
      if (early && options_.spool_admit) {
        auto refusal = call_admit(*early);
        if (refusal) {
          const auto head_parts = detail::split_target(early->target);  // Logged without the query.
          co_await send_and_linger(c, *refusal, early->request_id, head_parts ? head_parts->raw_path : "",
                                   early->method, Clock::now());
          co_return false;
        }
      }
    }
    std::optional<FileParserType> file_parser;
    Spool spool;
    if (!ec && !parser.is_done()) {
      if (beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
        auto [write_ec, written] = co_await net::async_write(c.stream, net::buffer(kContinue), kUseTuple);
        if (write_ec) {
          co_return false;
        }
      }
      if (spool_limit > 0) {
        file_parser.emplace(std::move(parser));
        file_parser->body_limit(spool_limit);
        ec = co_await read_spooled_body(c, *file_parser, spool);
      } else {
        std::tie(ec, n) = co_await bhttp::async_read(c.stream, c.buffer, parser, kUseTuple);
      }
    }
    const bhttp::request_header<>& message =
        file_parser ? static_cast<const bhttp::request_header<>&>(file_parser->get()) : parser.get();
    const auto started = Clock::now();
    if (ec) {
      co_await answer_read_error(c, message, ec, started);
      co_return false;
    }

    const std::string_view raw_target = message.target();
    const auto parts = detail::split_target(raw_target);
    const std::string_view raw_path = parts ? parts->raw_path : raw_target;
    std::optional<Request> built = early ? std::move(early) : request_from(message, c);
    if (!built) {
      co_await answer_error(c, 400, "http.bad_request", "Bad request",
                            detail::choose_request_id(message["X-Request-Id"]), raw_path, message[bhttp::field::accept],
                            message.method_string(), started);
      co_return false;
    }
    Request& request = *built;
    const std::string request_id = request.request_id;
    if (file_parser) {
      request.spooled_body = SpooledBody{spool.path, spool.size};
    } else {
      request.body = std::move(parser.get().body());
    }
    const bool head_request = message.method() == bhttp::verb::head;
    const bool request_keep_alive = file_parser ? file_parser->get().keep_alive() : parser.get().keep_alive();
    const bool http10 = message.version() == 10;

    Response response = call_handler(request, request_id, message.method_string(), raw_path);
    spool.remove();  // Unless the handler moved it into its own storage.
    if (response.websocket) {
      if (!file_parser && websocket::is_upgrade(parser.get())) {
        co_await serve_websocket(connection, parser.get(), std::move(response.websocket), request_id, raw_path,
                                 started);
        co_return false;
      }
      response = detail::error_response(400, "http.websocket_expected", "This address speaks WebSocket only",
                                        request_id, detail::wants_json(raw_path, message[bhttp::field::accept]));
    }

    OpenFile file;
    if (response.file && !head_request && !file.open(*response.file)) {
      spdlog::warn("http: file to send is missing or short rid={} path={}", request_id, raw_path);
      response = detail::error_response(404, "http.file_missing", "Not found", request_id,
                                        detail::wants_json(raw_path, message[bhttp::field::accept]));
    }

    detail::HeadInput input;
    input.request_id = request_id;
    input.keep_alive = request_keep_alive && !stopping_.load();
    input.http10 = http10;
    input.head_request = head_request;
    c.head.clear();
    const detail::HeadOutput output = detail::write_response_head(c.head, response, input);
    bool sent = false;
    if (response.file && output.body_bytes > 0) {
      sent = co_await send_file(c, file, response.file->offset, output.body_bytes);
    } else {
      const std::array<net::const_buffer, 2> buffers{net::buffer(c.head),
                                                     net::buffer(response.body.data(), output.body_bytes)};
      c.stream.expires_after(options_.read_timeout);
      auto [write_ec, written] = co_await net::async_write(c.stream, buffers, kUseTuple);
      sent = !write_ec;
    }
    if (options_.access_log) {
      detail::log_access({message.method_string(), raw_path, response.status, Clock::now() - started, request_id,
                          c.remote_addr, output.body_bytes});
    }
    co_return sent&& output.keep_alive;
  }

  // Reads the body of `parser` into a new file in spool_dir, a chunk at a time, each chunk
  // under read_timeout (a large upload on a slow link may take far longer than one timeout).
  // On failure the file is removed.
  net::awaitable<beast::error_code> read_spooled_body(Connection& c, FileParserType& parser, Spool& spool) {
    beast::error_code ec;
    spool.path = options_.spool_dir + "/upload-" + detail::new_request_id() + detail::new_request_id() + ".part";
    parser.get().body().open(spool.path.c_str(), beast::file_mode::write_new, ec);
    if (ec) {
      spdlog::error("http: cannot create the upload file {}: {}", spool.path, ec.message());
      spool.path.clear();
      co_return ec;
    }
    while (!parser.is_done()) {
      c.stream.expires_after(options_.read_timeout);
      auto [read_ec, n] = co_await bhttp::async_read_some(c.stream, c.buffer, parser, kUseTuple);
      if (read_ec) {
        ec = read_ec;
        break;
      }
    }
    beast::error_code ignored;
    parser.get().body().file().close(ignored);
    if (ec) {
      spool.remove();
      co_return ec;
    }
    std::error_code size_ec;
    spool.size = std::filesystem::file_size(spool.path, size_ec);
    co_return ec;
  }

  // Writes the head and then `length` bytes of `file` from `offset`, through one fixed buffer.
  // False when the peer went away or the file could not be read: the answer is then cut
  // short and the connection must close.
  net::awaitable<bool> send_file(Connection& c, OpenFile& file, uint64_t offset, uint64_t length) {
    const auto buffer = std::make_unique<char[]>(kFileChunk);
    bool head_sent = false;
    while (length > 0) {
      const size_t want = static_cast<size_t>(std::min<uint64_t>(length, kFileChunk));
      const ssize_t got = file.read_at(buffer.get(), want, offset);
      if (got <= 0) {
        spdlog::error("http: reading a file to send failed at offset {}", offset);
        co_return false;
      }
      const auto chunk = static_cast<size_t>(got);
      const std::array<net::const_buffer, 2> buffers{
          head_sent ? net::const_buffer() : net::const_buffer(c.head.data(), c.head.size()),
          net::buffer(buffer.get(), chunk)};
      c.stream.expires_after(options_.read_timeout);
      auto [ec, written] = co_await net::async_write(c.stream, buffers, kUseTuple);
      if (ec) {
        co_return false;  // The client left (closed the tab, seeked elsewhere): nothing to do.
      }
      head_sent = true;
      offset += chunk;
      length -= chunk;
    }
    co_return true;
  }

  // Completes the handshake, then reads messages until the connection ends; a second
  // coroutine writes the queue (WsConnection). The access log gets one line, status 101.
  net::awaitable<void> serve_websocket(const std::shared_ptr<Connection>& connection,
                                       const bhttp::request<bhttp::string_body>& message,
                                       std::shared_ptr<WebSocketSession> session, const std::string& request_id,
                                       std::string_view raw_path, Clock::time_point started) {
    auto ws = std::make_shared<WsConnection>(connection, options_.websocket_queue);
    connection->stream.expires_never();  // The websocket stream keeps its own timeouts.
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = options_.read_timeout;
    timeouts.idle_timeout = options_.websocket_idle_timeout;
    timeouts.keep_alive_pings = true;
    ws->ws.set_option(timeouts);
    ws->ws.read_message_max(options_.websocket_message_limit);
    auto [accept_ec] = co_await ws->ws.async_accept(message, kUseTuple);
    if (options_.access_log) {
      detail::log_access({message.method_string(), raw_path, accept_ec ? 400 : 101, Clock::now() - started, request_id,
                          connection->remote_addr, 0});
    }
    if (accept_ec) {
      co_return;
    }
    connection->websocket = ws;
    auto guarded = [&](auto&& call) {
      try {
        call();
        return true;
      } catch (const std::exception& e) {
        spdlog::error("http: websocket session threw rid={} path={}: {}", request_id, raw_path, e.what());
      } catch (...) {
        spdlog::error("http: websocket session threw rid={} path={}", request_id, raw_path);
      }
      return false;
    };
    bool open = guarded([&] { session->on_open(std::make_shared<WsSender>(ws)); });
    net::co_spawn(connection->stream.get_executor(), ws->write_loop(),
                  [](const std::exception_ptr& error) { log_coroutine_error(error); });
    if (stopping_.load()) {
      ws->request_close();  // Upgraded while the server began to stop.
    }
    beast::flat_buffer buffer;
    while (open) {
      auto [ec, n] = co_await ws->ws.async_read(buffer, kUseTuple);
      if (ec) {
        break;
      }
      if (ws->ws.got_text()) {
        const auto data = buffer.cdata();
        const std::string_view text(static_cast<const char*>(data.data()), data.size());
        open = guarded([&] { session->on_message(text); });
      }
      buffer.consume(buffer.size());
    }
    if (!open) {
      ws->abort();
    } else {
      ws->end();
    }
    guarded([&] { session->on_close(); });
  }

  Response call_handler(Request& request, const std::string& request_id, std::string_view method,
                        std::string_view raw_path) {
    try {
      return handler_(request);
    } catch (const std::exception& e) {
      spdlog::error("http: handler threw rid={} method={} path={}: {}", request_id, method, raw_path, e.what());
    } catch (...) {
      spdlog::error("http: handler threw a non-standard exception rid={} method={} path={}", request_id, method,
                    raw_path);
    }
    return detail::error_response(500, "internal", "Internal error", request_id,
                                  detail::wants_json(raw_path, request.header("Accept").value_or("")));
  }

  // Answers a request that could not be read whole, when an answer makes sense.
  net::awaitable<void> answer_read_error(Connection& c, const bhttp::request_header<>& partial, beast::error_code ec,
                                         Clock::time_point started) {
    int status = 0;
    std::string_view code;
    std::string_view message;
    if (ec == bhttp::error::body_limit) {
      status = 413;
      code = "http.body_too_large";
      message = "Request body too large";
    } else if (ec == bhttp::error::header_limit) {
      status = 431;
      code = "http.headers_too_large";
      message = "Request header fields too large";
    } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
               ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message &&
               ec != bhttp::error::need_more) {
      status = 400;
      code = "http.bad_request";
      message = "Bad request";
    } else {
      // The peer left, the read timed out, or shutdown cancelled it: nobody to answer.
      co_return;
    }
    const std::string_view raw_target = partial.target();
    const auto parts = detail::split_target(raw_target);
    const std::string request_id = detail::choose_request_id(partial["X-Request-Id"]);
    co_await answer_error(c, status, code, message, request_id, parts ? parts->raw_path : raw_target,
                          partial[bhttp::field::accept], partial.method_string(), started);
  }

  // Sends an error answer with "Connection: close", then drains and closes.
  net::awaitable<void> answer_error(Connection& c, int status, std::string_view code, std::string_view message,
                                    const std::string& request_id, std::string_view raw_path, std::string_view accept,
                                    std::string_view method, Clock::time_point started) {
    const Response response =
        detail::error_response(status, code, message, request_id, detail::wants_json(raw_path, accept));
    co_await send_and_linger(c, response, request_id, raw_path, method, started);
  }

  // Sends `response` (its body, never a file) with "Connection: close", then drains and closes.
  net::awaitable<void> send_and_linger(Connection& c, const Response& response, const std::string& request_id,
                                       std::string_view raw_path, std::string_view method, Clock::time_point started) {
    detail::HeadInput input;
    input.request_id = request_id;
    input.keep_alive = false;
    input.head_request = method == "HEAD";
    c.head.clear();
    Response sent_response;
    const Response* to_send = &response;
    if (response.file) {  // Not for this path: answer without the file rather than misframe.
      sent_response.status = response.status;
      sent_response.headers = response.headers;
      sent_response.body = response.body;
      to_send = &sent_response;
    }
    const detail::HeadOutput output = detail::write_response_head(c.head, *to_send, input);
    const std::array<net::const_buffer, 2> buffers{net::buffer(c.head),
                                                   net::buffer(to_send->body.data(), output.body_bytes)};
    c.stream.expires_after(options_.read_timeout);
    auto [ec, written] = co_await net::async_write(c.stream, buffers, kUseTuple);
    if (options_.access_log) {
      detail::log_access(
          {method, raw_path, to_send->status, Clock::now() - started, request_id, c.remote_addr, output.body_bytes});
    }
    if (ec) {
      co_return;
    }
    co_await linger(c);
  }

  // Half-closes and reads until the client closes too (or a bound is hit), so that unread
  // request bytes do not turn the close into a reset that could destroy the answer in flight.
  net::awaitable<void> linger(Connection& c) {
    beast::error_code ec;
    c.stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) {
      co_return;
    }
    c.buffer.clear();
    c.stream.expires_after(kLingerTime);
    size_t drained = 0;
    while (drained < kLingerBytes) {
      auto [read_ec, n] = co_await c.stream.async_read_some(c.buffer.prepare(kReadChunk), kUseTuple);
      if (read_ec) {
        break;
      }
      drained += n;
    }
    c.buffer.clear();
  }

  ServerOptions options_;
  Handler handler_;
  std::optional<net::io_context> io_;
  std::optional<net::strand<net::io_context::executor_type>> control_;
  std::optional<tcp::acceptor> acceptor_;   // Control strand only (after listen()).
  std::optional<net::signal_set> signals_;  // Control strand only.
  std::atomic<bool> stopping_{false};
  std::atomic<bool> forced_{false};
  std::atomic<uint16_t> port_{0};
  std::mutex mutex_;
  std::list<std::weak_ptr<Connection>> connections_;  // Guarded by mutex_.
};

Connection::~Connection() {
  if (registered) {
    engine.unregister(registry_position);
  }
}

}  // namespace

struct Server::Impl {
  Impl(ServerOptions options, Handler handler) : engine(std::move(options), std::move(handler)) {}
  Engine engine;
};

Server::Server(ServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

Server::~Server() = default;

void Server::listen() {
  impl_->engine.listen();
}

void Server::run(bool handle_signals) {
  impl_->engine.run(handle_signals);
}

void Server::stop() {
  impl_->engine.stop();
}

uint16_t Server::port() const {
  return impl_->engine.port();
}

}  // namespace gh::http

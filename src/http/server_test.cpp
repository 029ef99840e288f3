// Live tests of Server on port 0 with a plain POSIX socket client (no Asio here: this TU stays
// fast to compile).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "http/http.hpp"

namespace gh::http {
namespace {

using namespace std::chrono_literals;

// Runs a Server on a background thread for the life of the object.
class RunningServer {
 public:
  RunningServer(ServerOptions options, Handler handler)
      : server_(with_defaults(std::move(options)), std::move(handler)) {
    server_.listen();
    thread_ = std::thread([this] {
      server_.run(false);
      returned_ = true;
    });
  }
  ~RunningServer() { stop_and_join(); }

  uint16_t port() const { return server_.port(); }
  void stop() { server_.stop(); }
  void stop_and_join() {
    if (thread_.joinable()) {
      server_.stop();
      thread_.join();
    }
  }
  // Waits up to `limit` for run() to return.
  bool wait_returned(std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!returned_ && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);
    }
    return returned_;
  }

 private:
  static ServerOptions with_defaults(ServerOptions options) {
    options.host = "127.0.0.1";
    options.port = 0;
    return options;
  }

  Server server_;
  std::thread thread_;
  std::atomic<bool> returned_{false};
};

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // Lower-case names.
  std::string body;

  std::string header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// A blocking client connection with a receive timeout so a broken server fails the test.
class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) {
      throw std::runtime_error("socket");
    }
    timeval timeout{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      throw std::runtime_error("connect");
    }
  }
  ~Client() { ::close(fd_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) {
        return false;
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads one response; nullopt when the connection ends or times out first.
  std::optional<RawResponse> read_response(bool head_request = false) {
    size_t end = pending_.find("\r\n\r\n");
    while (end == std::string::npos) {
      if (!fill()) {
        return std::nullopt;
      }
      end = pending_.find("\r\n\r\n");
    }
    RawResponse response;
    std::istringstream lines(pending_.substr(0, end + 2));
    std::string line;
    std::getline(lines, line);
    if (line.rfind("HTTP/1.1 ", 0) != 0) {
      return std::nullopt;
    }
    response.status = std::stoi(line.substr(9, 3));
    while (std::getline(lines, line) && line != "\r") {
      const size_t colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (char& c : name) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      if (!value.empty() && value.back() == '\r') {
        value.pop_back();
      }
      response.headers[name] = value;
    }
    pending_.erase(0, end + 4);
    size_t length = 0;
    if (!head_request && response.headers.count("content-length")) {
      length = std::stoul(response.headers["content-length"]);
    }
    while (pending_.size() < length) {
      if (!fill()) {
        return std::nullopt;
      }
    }
    response.body = pending_.substr(0, length);
    pending_.erase(0, length);
    return response;
  }

  // True when the server closed the connection (EOF or reset) within the receive timeout.
  bool closed_by_peer() {
    char byte;
    const ssize_t n = ::recv(fd_, &byte, 1, 0);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }

  std::string read_some() {
    fill();
    std::string out;
    out.swap(pending_);
    return out;
  }

 private:
  bool fill() {
    char buffer[16384];
    const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
    if (n <= 0) {
      return false;
    }
    pending_.append(buffer, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string pending_;
};

ServerOptions quiet_options() {
  ServerOptions options;
  options.threads = 2;
  options.access_log = false;
  return options;
}

// Echoes method, decoded path, raw query and peer: "GET /a b q=1 127.0.0.1".
Response echo(Request& request) {
  return Response::text(200, request.method + " " + request.path + " " + request.query + " " + request.remote_addr);
}

std::string get(std::string_view target, std::string_view extra_headers = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: t\r\n" + std::string(extra_headers) + "\r\n";
}

TEST(ServerTest, PicksAFreePortWhenAskedForZero) {
  RunningServer server(quiet_options(), echo);
  EXPECT_NE(server.port(), 0);
}

TEST(ServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  std::atomic<int> calls{0};
  RunningServer server(quiet_options(), [&](Request& request) {
    ++calls;
    return echo(request);
  });
  Client client(server.port());
  ASSERT_TRUE(client.send(get("/first")));
  auto first = client.read_response();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->body, "GET /first  127.0.0.1");
  EXPECT_EQ(first->header("connection"), "");
  ASSERT_TRUE(client.send(get("/second?x=1")));
  auto second = client.read_response();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->body, "GET /second x=1 127.0.0.1");
  EXPECT_EQ(calls.load(), 2);
}

TEST(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  RunningServer server(quiet_options(), echo);
  Client client(server.port());
  ASSERT_TRUE(client.send(get("/1") + get("/2") + get("/3")));
  for (const char* path : {"/1", "/2", "/3"}) {
    auto response = client.read_response();
    ASSERT_TRUE(response.has_value()) << path;
    EXPECT_EQ(response->body, std::string("GET ") + path + "  127.0.0.1");
  }
}

TEST(ServerTest, AnswersWithLengthServerDateAndRequestId) {
  RunningServer server(quiet_options(), echo);
  Client client(server.port());
  ASSERT_TRUE(client.send(get("/x")));
  auto response = client.read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->header("content-length"), std::to_string(response->body.size()));
  EXPECT_EQ(response->header("server"), "guildhall");
  EXPECT_FALSE(response->header("date").empty());
  EXPECT_EQ(response->header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(response->header("x-request-id").size(), 16u);
}

TEST(ServerTest, PathIsPercentDecodedAndQueryRaw) {
  RunningServer server(quiet_options(), echo);
  Client client(server.port());
  ASSERT_TRUE(client.send(get("/c/caf%C3%A9/a+b?q=a%20b+c")));
  auto response = client.read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "GET /c/café/a+b q=a%20b+c 127.0.0.1");
}

TEST(ServerTest, BadPercentEncodingIs400AndCloses) {
  RunningServer server(quiet_options(), echo);
  for (const char* target : {"/a%zz", "/a%00b", "/a%FF", "/a%"}) {
    Client client(server.port());
    ASSERT_TRUE(client.send(get(target)));
    auto response = client.read_response();
    ASSERT_TRUE(response.has_value()) << target;
    EXPECT_EQ(response->status, 400) << target;
    EXPECT_EQ(response->header("connection"), "close");
    EXPECT_TRUE(client.closed_by_peer());
  }
}

TEST(ServerTest, MalformedRequestIs400AndCloses) {
  RunningServer server(quiet_options(), echo);
  Client client(server.port());
  ASSERT_TRUE(client.send("GET / HTTP/1.1\r\nHost: t\r\nBad Header Line\r\n\r\n"));
  auto response = client.read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 400);
  EXPECT_TRUE(client.closed_by_peer());
}

TEST(ServerTest, BodyOverLimitIs413JsonForApi) {
  ServerOptions options = quiet_options();
  options.body_limit = 1024;
  std::atomic<int> calls{0};
  RunningServer server(options, [&](Request& request) {
    ++calls;
    return echo(request);
  });
  Client client(server.port());
  const std::string body(5000, 'x');
  ASSERT_TRUE(client.send("POST /api/v1/posts HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n" + body));
  auto response = client.read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(response->header("content-type"), "application/json");
  EXPECT_NE(response->body.find(R"("code":"http.body_too_large")"), std::string::npos) << response->body;
  EXPECT_EQ(calls.load(), 0);
  EXPECT_TRUE(client.closed_by_peer());
}

TEST(ServerTest, ChunkedBodyOverLimitIs413HtmlForPages) {
  ServerOptions options = quiet_options();
  options.body_limit = 1024;
  RunningServer server(options, echo);
  Client client(server.port());
  std::string request = "POST /form HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 4; ++i) {
    request += "400\r\n" + std::string(1024, 'y') + "\r\n";
  }
  request += "0\r\n\r\n";
  ASSERT_TRUE(client.send(request));
  auto response = client.read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(response->header("content-type"), "text/html; charset=utf-8");
}

TEST(ServerTest, BodyWithinLimitReachesHandler) {
  RunningServer server(quiet_options(), [](Request& request) { return Response::text(200, request.body); });
  Client client(server.port());
  ASSERT_TRUE(client.send("POST /f HTTP/1.1\r\nHost: t\r\nContent-Length: 7\r\n\r\na=1&b=2"));
  auto response = client.read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "a=1&b=2");
}

TEST(ServerTest, ExpectContinueGetsInterimAnswer) {
  RunningServer server(quiet_options(), [](Request& request) { return Response::text(200, request.body); });
  Client client(server.port());
  ASSERT_TRUE(client.send("POST /f HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n"));
  EXPECT_EQ(client.read_some(), "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(client.send("abc"));
  auto response = client.read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "abc");
}

TEST(ServerTest, HugeHeadersAre431) {
  ServerOptions options = quiet_options();
  options.header_limit = 1024;
  RunningServer server(options, echo);
  Client client(server.port());
  ASSERT_TRUE(client.send(get("/x", "X-Big: " + std::string(4000, 'h') + "\r\n")));
  auto response = client.read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 431);
  EXPECT_TRUE(client.closed_by_peer());
}

TEST(ServerTest, HandlerExceptionIs500AndServerKeepsServing) {
  RunningServer server(quiet_options(), [](Request& request) -> Response {
    if (request.path.find("boom") != std::string::npos) {
      throw std::runtime_error("secret database detail");
    }
    if (request.path == "/int") {
      throw 42;
    }
    return Response::text(200, "fine");
  });
  Client client(server.port());
  ASSERT_TRUE(client.send(get("/api/boom")));
  auto api = client.read_response();
  ASSERT_TRUE(api.has_value());
  EXPECT_EQ(api->status, 500);
  EXPECT_EQ(api->header("content-type"), "application/json");
  const std::string rid = api->header("x-request-id");
  EXPECT_EQ(api->body, R"({"error":{"code":"internal","message":"Internal error","request_id":")" + rid + R"("}})");

  ASSERT_TRUE(client.send(get("/page/boom")));
  auto page = client.read_response();
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->status, 500);
  EXPECT_EQ(page->header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(page->body.find("secret"), std::string::npos);

  ASSERT_TRUE(client.send(get("/int")));
  auto non_standard = client.read_response();
  ASSERT_TRUE(non_standard.has_value());
  EXPECT_EQ(non_standard->status, 500);

  // The same keep-alive connection, and a new one, still work.
  ASSERT_TRUE(client.send(get("/ok")));
  auto ok = client.read_response();
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->body, "fine");
  Client other(server.port());
  ASSERT_TRUE(other.send(get("/ok")));
  EXPECT_EQ(other.read_response()->status, 200);
}

TEST(ServerTest, EchoesSaneRequestIdAndReplacesOthers) {
  RunningServer server(quiet_options(), [](Request& request) { return Response::text(200, request.request_id); });
  Client client(server.port());
  ASSERT_TRUE(client.send(get("/", "X-Request-Id: edge-42_A\r\n")));
  auto sane = client.read_response();
  ASSERT_TRUE(sane.has_value());
  EXPECT_EQ(sane->header("x-request-id"), "edge-42_A");
  EXPECT_EQ(sane->body, "edge-42_A");

  ASSERT_TRUE(client.send(get("/", "X-Request-Id: " + std::string(65, 'a') + "\r\n")));
  auto too_long = client.read_response();
  ASSERT_TRUE(too_long.has_value());
  EXPECT_EQ(too_long->header("x-request-id").size(), 16u);
  EXPECT_EQ(too_long->body, too_long->header("x-request-id"));

  ASSERT_TRUE(client.send(get("/", "X-Request-Id: a<b>\r\n")));
  auto odd = client.read_response();
  ASSERT_TRUE(odd.has_value());
  EXPECT_EQ(odd->header("x-request-id").size(), 16u);
}

TEST(ServerTest, HeadSendsHeadersWithoutBody) {
  RunningServer server(quiet_options(), [](Request&) { return Response::text(200, "twelve bytes"); });
  Client client(server.port());
  ASSERT_TRUE(client.send("HEAD /x HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto head = client.read_response(true);
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("content-length"), "12");
  // Framing holds: the next response on this connection parses.
  ASSERT_TRUE(client.send(get("/x")));
  auto next = client.read_response();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->body, "twelve bytes");
}

TEST(ServerTest, Http10ClosesUnlessKeepAliveAsked) {
  RunningServer server(quiet_options(), echo);
  {
    Client client(server.port());
    ASSERT_TRUE(client.send("GET /a HTTP/1.0\r\n\r\n"));
    auto response = client.read_response();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->header("connection"), "close");
    EXPECT_TRUE(client.closed_by_peer());
  }
  Client client(server.port());
  ASSERT_TRUE(client.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  auto response = client.read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->header("connection"), "keep-alive");
  ASSERT_TRUE(client.send("GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  EXPECT_TRUE(client.read_response().has_value());
}

TEST(ServerTest, ConnectionCloseFromClientOrHandlerCloses) {
  RunningServer server(quiet_options(), [](Request& request) {
    Response response = Response::text(200, "bye");
    if (request.path == "/handler-closes") {
      response.headers.add("Connection", "close");
    }
    return response;
  });
  {
    Client client(server.port());
    ASSERT_TRUE(client.send(get("/x", "Connection: close\r\n")));
    ASSERT_TRUE(client.read_response().has_value());
    EXPECT_TRUE(client.closed_by_peer());
  }
  Client client(server.port());
  ASSERT_TRUE(client.send(get("/handler-closes")));
  auto response = client.read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->header("connection"), "close");
  EXPECT_TRUE(client.closed_by_peer());
}

TEST(ServerTest, IdleKeepAliveConnectionTimesOut) {
  ServerOptions options = quiet_options();
  options.idle_timeout = 1s;
  RunningServer server(options, echo);
  Client client(server.port());
  ASSERT_TRUE(client.send(get("/x")));
  ASSERT_TRUE(client.read_response().has_value());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.closed_by_peer());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST(ServerTest, SlowRequestTimesOut) {
  ServerOptions options = quiet_options();
  options.read_timeout = 1s;
  RunningServer server(options, echo);
  Client client(server.port());
  ASSERT_TRUE(client.send("GET /slow HTTP/1.1\r\nHost: t\r\n"));  // Never finished.
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.closed_by_peer());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST(ServerTest, GracefulShutdownFinishesInFlightRequest) {
  std::atomic<bool> entered{false};
  RunningServer server(quiet_options(), [&](Request&) {
    entered = true;
    std::this_thread::sleep_for(500ms);
    return Response::text(200, "done");
  });
  Client client(server.port());
  ASSERT_TRUE(client.send(get("/slow")));
  while (!entered) {
    std::this_thread::sleep_for(1ms);
  }
  const auto start = std::chrono::steady_clock::now();
  server.stop();
  auto response = client.read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "done");
  EXPECT_EQ(response->header("connection"), "close");
  EXPECT_TRUE(client.closed_by_peer());
  EXPECT_TRUE(server.wait_returned(2000ms));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(ServerTest, ShutdownClosesIdleConnectionsAndRefusesNewOnes) {
  RunningServer server(quiet_options(), echo);
  Client idle(server.port());
  ASSERT_TRUE(idle.send(get("/x")));
  ASSERT_TRUE(idle.read_response().has_value());
  Client never_sent(server.port());
  std::this_thread::sleep_for(50ms);  // Let the server accept both.
  const auto start = std::chrono::steady_clock::now();
  server.stop();
  EXPECT_TRUE(idle.closed_by_peer());
  EXPECT_TRUE(never_sent.closed_by_peer());
  EXPECT_TRUE(server.wait_returned(2000ms));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_THROW(Client late(server.port()), std::runtime_error);
}

TEST(ServerTest, ShutdownGraceBoundsAStuckHandler) {
  ServerOptions options = quiet_options();
  options.shutdown_grace = 0s;
  std::atomic<bool> entered{false};
  RunningServer server(options, [&](Request&) {
    entered = true;
    std::this_thread::sleep_for(300ms);
    return Response::text(200, "late");
  });
  Client client(server.port());
  ASSERT_TRUE(client.send(get("/stuck")));
  while (!entered) {
    std::this_thread::sleep_for(1ms);
  }
  const auto start = std::chrono::steady_clock::now();
  server.stop();
  // run() returns once the handler gives its thread back, and the connection is closed
  // whether or not the late answer made it out.
  EXPECT_TRUE(server.wait_returned(2000ms));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  client.read_response();
  EXPECT_TRUE(client.closed_by_peer());
}

TEST(ServerTest, StopBeforeRunReturnsAtOnce) {
  ServerOptions options = quiet_options();
  options.port = 0;
  Server server(options, echo);
  server.listen();
  server.stop();
  const auto start = std::chrono::steady_clock::now();
  server.run(false);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
}

TEST(ServerTest, ListenFailsOnABusyPort) {
  RunningServer first(quiet_options(), echo);
  ServerOptions options = quiet_options();
  options.port = first.port();
  Server second(options, echo);
  EXPECT_THROW(second.listen(), std::runtime_error);
}

TEST(ServerTest, WritesOneAccessLogLinePerRequest) {
  auto stream = std::make_shared<std::ostringstream>();
  auto logger = std::make_shared<spdlog::logger>("capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(*stream));
  logger->set_pattern("%v");
  const auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);
  {
    ServerOptions options = quiet_options();
    options.access_log = true;
    RunningServer server(options, [](Request&) { return Response::text(404, "nope!"); });
    Client client(server.port());
    ASSERT_TRUE(client.send(get("/c/caf%C3%A9?secret=1", "X-Request-Id: log-test\r\n")));
    ASSERT_TRUE(client.read_response().has_value());
  }
  spdlog::set_default_logger(previous);
  const std::string text = stream->str();
  const size_t at = text.find("method=GET path=/c/caf%C3%A9 status=404 dur_ms=");
  ASSERT_NE(at, std::string::npos) << text;
  const std::string line = text.substr(at, text.find('\n', at) - at);
  EXPECT_NE(line.find(" rid=log-test ip=127.0.0.1 bytes=5"), std::string::npos) << line;
  EXPECT_EQ(text.find("secret"), std::string::npos);
}

TEST(ServerTest, ManyConcurrentClients) {
  RunningServer server(quiet_options(), echo);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      Client client(server.port());
      for (int i = 0; i < 50; ++i) {
        const std::string path = "/t" + std::to_string(t) + "/" + std::to_string(i);
        if (!client.send(get(path))) {
          return;
        }
        auto response = client.read_response();
        if (response && response->body == "GET " + path + "  127.0.0.1") {
          ++ok;
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(ok.load(), 400);
}

// Files on disk for the streaming tests, removed at the end.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/gh-http-test-XXXXXX";
    const char* made = ::mkdtemp(pattern);
    if (made == nullptr) {
      throw std::runtime_error("mkdtemp");
    }
    path_ = made;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string write(const std::string& name, const std::string& bytes) const {
    const std::string file = path_ + "/" + name;
    std::ofstream(file, std::ios::binary) << bytes;
    return file;
  }
  size_t count() const {
    return static_cast<size_t>(
        std::distance(std::filesystem::directory_iterator(path_), std::filesystem::directory_iterator()));
  }

 private:
  std::string path_;
};

// Bytes that differ at every offset modulo a prime, so a shifted or repeated chunk shows.
std::string pattern_bytes(size_t size) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) {
    bytes[i] = static_cast<char>((i * 7 + i / 251) % 256);
  }
  return bytes;
}

Handler serve_file_at(const std::string& path, uint64_t size) {
  return [path, size](Request& request) {
    auto response = file_response(request, FileAnswer{path, size, "video/mp4", "\"v1\""});
    response.headers.set("Cache-Control", "private, no-store");
    return response;
  };
}

TEST(ServerFileTest, StreamsAFileLargerThanAnyBufferWithKeepAlive) {
  TempDir dir;
  const std::string bytes = pattern_bytes(3 * 1024 * 1024 + 12345);  // Many 64 KiB chunks.
  const std::string path = dir.write("big.bin", bytes);
  RunningServer server(quiet_options(), serve_file_at(path, bytes.size()));
  Client client(server.port());
  ASSERT_TRUE(client.send(get("/f")));
  auto whole = client.read_response();
  ASSERT_TRUE(whole.has_value());
  EXPECT_EQ(whole->status, 200);
  EXPECT_EQ(whole->header("content-length"), std::to_string(bytes.size()));
  EXPECT_EQ(whole->header("accept-ranges"), "bytes");
  EXPECT_EQ(whole->header("content-type"), "video/mp4");
  EXPECT_TRUE(whole->body == bytes);
  // The same connection goes on: a range in the middle, across a chunk boundary.
  ASSERT_TRUE(client.send(get("/f", "Range: bytes=65530-200000\r\n")));
  auto middle = client.read_response();
  ASSERT_TRUE(middle.has_value());
  EXPECT_EQ(middle->status, 206);
  EXPECT_EQ(middle->header("content-range"), "bytes 65530-200000/" + std::to_string(bytes.size()));
  EXPECT_TRUE(middle->body == bytes.substr(65530, 200000 - 65530 + 1));
  ASSERT_TRUE(client.send(get("/f", "Range: bytes=-10\r\n")));
  auto suffix = client.read_response();
  ASSERT_TRUE(suffix.has_value());
  EXPECT_EQ(suffix->status, 206);
  EXPECT_EQ(suffix->body, bytes.substr(bytes.size() - 10));
  ASSERT_TRUE(client.send(get("/f", "Range: bytes=99999999-\r\n")));
  auto unsatisfiable = client.read_response();
  ASSERT_TRUE(unsatisfiable.has_value());
  EXPECT_EQ(unsatisfiable->status, 416);
  EXPECT_EQ(unsatisfiable->header("content-range"), "bytes */" + std::to_string(bytes.size()));
  EXPECT_EQ(unsatisfiable->header("content-length"), "0");
}

TEST(ServerFileTest, HeadSendsTheLengthButNoBytes) {
  TempDir dir;
  const std::string bytes = pattern_bytes(100000);
  const std::string path = dir.write("f.bin", bytes);
  RunningServer server(quiet_options(), serve_file_at(path, bytes.size()));
  Client client(server.port());
  ASSERT_TRUE(client.send("HEAD /f HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto head = client.read_response(true);
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("content-length"), "100000");
  ASSERT_TRUE(client.send(get("/f", "Range: bytes=0-1\r\n")));  // Nothing stray was sent before.
  auto next = client.read_response();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->status, 206);
  EXPECT_EQ(next->body, bytes.substr(0, 2));
}

TEST(ServerFileTest, MissingFileIs404) {
  RunningServer server(quiet_options(), serve_file_at("/nonexistent/gh-test-file", 10));
  Client client(server.port());
  ASSERT_TRUE(client.send(get("/api/f")));
  auto response = client.read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 404);
  EXPECT_NE(response->body.find("http.file_missing"), std::string::npos);
}

TEST(ServerFileTest, AClientLeavingMidFileDoesNotHurtTheServer) {
  TempDir dir;
  const std::string bytes = pattern_bytes(8 * 1024 * 1024);
  const std::string path = dir.write("f.bin", bytes);
  RunningServer server(quiet_options(), serve_file_at(path, bytes.size()));
  for (int i = 0; i < 3; ++i) {
    Client leaver(server.port());
    ASSERT_TRUE(leaver.send(get("/f")));
    EXPECT_FALSE(leaver.read_some().empty());
  }  // Closed with most of the file unsent.
  Client client(server.port());
  ASSERT_TRUE(client.send(get("/f", "Range: bytes=100-199\r\n")));
  auto response = client.read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 206);
  EXPECT_EQ(response->body, bytes.substr(100, 100));
}

ServerOptions spooling_options(const std::string& dir, uint64_t limit) {
  ServerOptions options = quiet_options();
  options.body_limit = 1024;
  options.spool_dir = dir;
  options.spool_limit = [limit](std::string_view method, std::string_view path) -> uint64_t {
    return method == "POST" && path == "/upload" ? limit : 0;
  };
  return options;
}

// Answers with what the handler saw: "spooled <size> <first bytes>" or "memory <size>".
Response describe_body(Request& request) {
  if (!request.spooled_body) {
    return Response::text(200, "memory " + std::to_string(request.body.size()));
  }
  std::ifstream in(request.spooled_body->path, std::ios::binary);
  std::string start(5, '\0');
  in.read(start.data(), 5);
  return Response::text(200, "spooled " + std::to_string(request.spooled_body->size) + " " + start);
}

TEST(ServerSpoolTest, LargeBodyOfASpooledRouteGoesToAFileThatIsRemovedAfterwards) {
  TempDir dir;
  RunningServer server(spooling_options(dir.path(), 10 * 1024 * 1024), describe_body);
  Client client(server.port());
  const std::string body = "hello" + std::string(2 * 1024 * 1024, 'z');
  ASSERT_TRUE(client.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) +
                          "\r\n\r\n" + body));
  auto response = client.read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "spooled " + std::to_string(body.size()) + " hello");
  EXPECT_EQ(dir.count(), 0u);
  // Chunked works too, and other routes keep the in-memory body and its limit.
  ASSERT_TRUE(client.send(
      "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"));
  auto chunked = client.read_response();
  ASSERT_TRUE(chunked.has_value());
  EXPECT_EQ(chunked->body, "spooled 5 abcde");
  ASSERT_TRUE(client.send("POST /other HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"));
  auto other = client.read_response();
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(other->body, "memory 3");
  Client big(server.port());
  ASSERT_TRUE(big.send("POST /other HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'x')));
  auto refused = big.read_response();
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 413);
}

TEST(ServerSpoolTest, OverTheSpoolLimitIs413AndLeavesNoFile) {
  TempDir dir;
  std::atomic<int> calls{0};
  RunningServer server(spooling_options(dir.path(), 64 * 1024), [&](Request& request) {
    ++calls;
    return describe_body(request);
  });
  {
    Client declared(server.port());  // Refused from the head alone.
    ASSERT_TRUE(
        declared.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n" + std::string(100000, 'x')));
    auto response = declared.read_response();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 413);
  }
  {
    Client chunked(server.port());  // Refused once the chunks pass the limit, file removed.
    std::string request = "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 80; ++i) {
      request += "400\r\n" + std::string(1024, 'y') + "\r\n";
    }
    request += "0\r\n\r\n";
    ASSERT_TRUE(chunked.send(request));
    auto response = chunked.read_response();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 413);
  }
  EXPECT_EQ(calls.load(), 0);
  EXPECT_EQ(dir.count(), 0u);
}

TEST(ServerSpoolTest, AdmissionRefusesFromTheHeadWithoutReadingTheBody) {
  TempDir dir;
  ServerOptions options = spooling_options(dir.path(), 64 * 1024 * 1024);
  std::atomic<int> admits{0};
  options.spool_admit = [&](Request& head) -> std::optional<Response> {
    ++admits;
    if (head.header("Authorization") == "yes") {
      return std::nullopt;
    }
    return Response::json(403, R"({"error":{"code":"files.forbidden"}})");
  };
  std::atomic<int> calls{0};
  RunningServer server(options, [&](Request& request) {
    ++calls;
    return describe_body(request);
  });
  {
    Client refused(server.port());  // Declares 32 MB and sends only the head: answered at once.
    ASSERT_TRUE(refused.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 33554432\r\n\r\n"));
    auto response = refused.read_response();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 403);
    EXPECT_EQ(response->header("connection"), "close");
  }
  Client admitted(server.port());
  ASSERT_TRUE(
      admitted.send("POST /upload HTTP/1.1\r\nHost: t\r\nAuthorization: yes\r\nContent-Length: 5\r\n\r\nhello"));
  auto response = admitted.read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "spooled 5 hello");
  // Routes that are not spooled never ask.
  ASSERT_TRUE(admitted.send("POST /other HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\nx"));
  ASSERT_TRUE(admitted.read_response().has_value());
  EXPECT_EQ(admits.load(), 2);
  EXPECT_EQ(calls.load(), 2);
  EXPECT_EQ(dir.count(), 0u);
}

}  // namespace
}  // namespace gh::http

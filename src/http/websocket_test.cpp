// Live tests of the WebSocket upgrade path: a Server on port 0 and Beast's synchronous
// WebSocket client on the test thread.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <mutex>
#include <thread>

#include "http/http.hpp"

namespace gh::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

// Records what the server side saw, and keeps the sender for pushes from the test.
struct Recorder {
  std::mutex mutex;
  std::shared_ptr<WebSocketSender> sender;  // GUARDED_BY(mutex)
  std::vector<std::string> messages;        // GUARDED_BY(mutex)
  std::atomic<int> opened{0};
  std::atomic<int> closed{0};

  std::shared_ptr<WebSocketSender> current() {
    std::lock_guard lock(mutex);
    return sender;
  }
};

class EchoSession final : public WebSocketSession {
 public:
  explicit EchoSession(Recorder& recorder) : recorder_(recorder) {}
  void on_open(std::shared_ptr<WebSocketSender> sender) override {
    std::lock_guard lock(recorder_.mutex);
    recorder_.sender = std::move(sender);
    recorder_.opened++;
  }
  void on_message(std::string_view text) override {
    if (text == "throw") {
      throw std::runtime_error("session failure");
    }
    std::shared_ptr<WebSocketSender> sender;
    {
      std::lock_guard lock(recorder_.mutex);
      recorder_.messages.emplace_back(text);
      sender = recorder_.sender;
    }
    sender->send(std::make_shared<const std::string>("echo:" + std::string(text)));
  }
  void on_close() override { recorder_.closed++; }

 private:
  Recorder& recorder_;
};

class WebSocketTest : public ::testing::Test {
 protected:
  Recorder recorder;
  ServerOptions options;
  std::unique_ptr<Server> server;
  std::thread thread;
  std::atomic<bool> returned{false};

  void start() {
    options.host = "127.0.0.1";
    options.port = 0;
    options.threads = 2;
    options.access_log = false;
    server = std::make_unique<Server>(options, [this](Request& request) {
      if (request.path == "/ws") {
        return Response::accept_websocket(std::make_shared<EchoSession>(recorder));
      }
      return Response::text(200, "plain");
    });
    server->listen();
    thread = std::thread([this] {
      server->run(false);
      returned = true;
    });
  }

  void TearDown() override {
    if (thread.joinable()) {
      server->stop();
      thread.join();
    }
  }

  struct Client {
    net::io_context io;
    websocket::stream<tcp::socket> ws{io};
  };

  std::unique_ptr<Client> connect() {
    auto client = std::make_unique<Client>();
    tcp::resolver resolver(client->io);
    net::connect(client->ws.next_layer(), resolver.resolve("127.0.0.1", std::to_string(server->port())));
    client->ws.handshake("127.0.0.1", "/ws");
    return client;
  }

  template <class F>
  static bool eventually(F&& condition, std::chrono::milliseconds limit = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
      if (std::chrono::steady_clock::now() > deadline) {
        return false;
      }
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }
};

std::string read_text(websocket::stream<tcp::socket>& ws) {
  beast::flat_buffer buffer;
  ws.read(buffer);
  return beast::buffers_to_string(buffer.data());
}

TEST_F(WebSocketTest, UpgradesAndEchoes) {
  start();
  auto client = connect();
  client->ws.write(net::buffer(std::string("hello")));
  EXPECT_EQ(read_text(client->ws), "echo:hello");
  EXPECT_EQ(recorder.opened.load(), 1);
  client->ws.close(websocket::close_code::normal);
  EXPECT_TRUE(eventually([&] { return recorder.closed.load() == 1; }));
  // A send after the end does nothing.
  EXPECT_FALSE(recorder.current()->send(std::make_shared<const std::string>("late")));
}

TEST_F(WebSocketTest, SendsFromOtherThreadsInOrder) {
  start();
  auto client = connect();
  ASSERT_TRUE(eventually([&] { return recorder.current() != nullptr; }));
  auto sender = recorder.current();
  std::thread pusher([&] {
    for (int i = 0; i < 100; ++i) {
      sender->send(std::make_shared<const std::string>(std::to_string(i)));
    }
  });
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(read_text(client->ws), std::to_string(i));
  }
  pusher.join();
}

TEST_F(WebSocketTest, PlainRequestToAWebSocketAddressIs400) {
  start();
  net::io_context io;
  tcp::socket socket(io);
  tcp::resolver resolver(io);
  net::connect(socket, resolver.resolve("127.0.0.1", std::to_string(server->port())));
  const std::string request = "GET /ws HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\nConnection: close\r\n\r\n";
  net::write(socket, net::buffer(request));
  std::string answer;
  beast::error_code ec;
  std::array<char, 4096> chunk{};
  for (;;) {
    const size_t n = socket.read_some(net::buffer(chunk), ec);
    answer.append(chunk.data(), n);
    if (ec) {
      break;
    }
  }
  EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
  EXPECT_NE(answer.find("http.websocket_expected"), std::string::npos);
  EXPECT_EQ(recorder.opened.load(), 0);
}

// A client that stops reading must not make the server buffer without bound: once its queue
// is full the connection is closed, and other clients carry on.
TEST_F(WebSocketTest, SlowClientIsClosedWhenItsQueueOverflows) {
  options.websocket_queue = 8;
  start();
  auto slow = connect();
  ASSERT_TRUE(eventually([&] { return recorder.current() != nullptr; }));
  auto slow_sender = recorder.current();
  const auto big = std::make_shared<const std::string>(std::string(256 * 1024, 'x'));
  bool refused = false;
  for (int i = 0; i < 2000 && !refused; ++i) {
    refused = !slow_sender->send(big);
  }
  EXPECT_TRUE(refused);
  EXPECT_TRUE(eventually([&] { return recorder.closed.load() == 1; }));
  auto other = connect();
  other->ws.write(net::buffer(std::string("still here")));
  EXPECT_EQ(read_text(other->ws), "echo:still here");
}

TEST_F(WebSocketTest, SessionExceptionClosesTheConnection) {
  start();
  auto client = connect();
  client->ws.write(net::buffer(std::string("throw")));
  beast::flat_buffer buffer;
  beast::error_code ec;
  client->ws.read(buffer, ec);
  EXPECT_TRUE(ec);
  EXPECT_TRUE(eventually([&] { return recorder.closed.load() == 1; }));
}

TEST_F(WebSocketTest, ShutdownClosesSocketsWithGoingAway) {
  options.shutdown_grace = std::chrono::seconds(5);
  start();
  auto client = connect();
  ASSERT_TRUE(eventually([&] { return recorder.current() != nullptr; }));
  const auto began = std::chrono::steady_clock::now();
  server->stop();
  beast::flat_buffer buffer;
  beast::error_code ec;
  client->ws.read(buffer, ec);  // Beast answers the close frame and reports it.
  EXPECT_EQ(ec, websocket::error::closed);
  EXPECT_EQ(client->ws.reason().code, websocket::close_code::going_away);
  EXPECT_TRUE(eventually([&] { return returned.load(); }, 3s));
  EXPECT_LT(std::chrono::steady_clock::now() - began, 3s);
  EXPECT_EQ(recorder.closed.load(), 1);
}

}  // namespace
}  // namespace gh::http

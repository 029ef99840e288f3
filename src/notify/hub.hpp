// gh::notify::Hub: topic-based fan-out of JSON messages to live connections (WebSocket pages).
//
// publish(topic, json) hands one message to every current subscriber of `topic`; subscribe()
// returns an RAII Subscription. Topics name a recipient ("user:12") or a thing being watched
// ("post:34"). Delivery is best effort and in memory: the durable record is the database row
// (a notification), the hub only makes an open page show it at once.
//
// Thread-safety: every member is safe from any thread. A `Deliver` callback runs on the
// publishing thread while the hub holds its lock: it must be quick (queue and return, never
// block on a socket) and must not subscribe or unsubscribe. One plain mutex, not a
// reader-writer lock: with busy publishers glibc's rwlock starves subscribe() (measured). Once a Subscription is reset
// or destroyed its callback is not running and will never run again, so the callback may
// capture what the subscriber owns.
//
// Crossing processes: InProcessHub reaches the subscribers of this process only. On PostgreSQL,
// db::Database::broadcast_notifications() carries committed messages to every process with
// LISTEN/NOTIFY and feeds each process's InProcessHub (src/notify/README.md).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/ids.hpp"
#include "db/db.hpp"

namespace gh::notify {

using Message = std::shared_ptr<const std::string>;
using Deliver = std::function<void(const Message& json)>;

class Hub;

// Ends its subscription when reset or destroyed. Move-only.
class Subscription {
 public:
  Subscription() = default;
  Subscription(Hub* hub, uint64_t id) : hub_(hub), id_(id) {}
  Subscription(Subscription&& other) noexcept : hub_(other.hub_), id_(other.id_) { other.hub_ = nullptr; }
  Subscription& operator=(Subscription&& other) noexcept;
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  ~Subscription() { reset(); }

  void reset();
  bool active() const { return hub_ != nullptr; }

 private:
  Hub* hub_ = nullptr;
  uint64_t id_ = 0;
};

class Hub {
 public:
  virtual ~Hub() = default;
  virtual void publish(std::string_view topic, std::string json) = 0;
  // REQUIRES: not called from inside a Deliver callback.
  [[nodiscard]] virtual Subscription subscribe(std::string topic, Deliver deliver) = 0;

 protected:
  friend class Subscription;
  virtual void unsubscribe(uint64_t id) = 0;
};

// Subscribers of this process, in memory.
class InProcessHub final : public Hub {
 public:
  void publish(std::string_view topic, std::string json) override;
  [[nodiscard]] Subscription subscribe(std::string topic, Deliver deliver) override;
  size_t subscription_count() const;

 private:
  void unsubscribe(uint64_t id) override;

  mutable std::mutex mutex_;
  uint64_t next_id_ = 1;  // GUARDED_BY(mutex_)
  // topic -> (id, callback); few subscribers per topic, so a vector.
  std::unordered_map<std::string, std::vector<std::pair<uint64_t, Deliver>>> topics_;  // GUARDED_BY(mutex_)
  std::unordered_map<uint64_t, std::string> topic_of_;                                 // GUARDED_BY(mutex_)
};

// Topic names, in one place.
std::string user_topic(UserId user);
std::string post_topic(PostId post);

// The live message that tells a user's open pages their access may have shrunk (a refund, a
// ban): live post streams stop until the page subscribes again and passes the access check anew.
inline constexpr std::string_view kAccessChangedMessage = R"({"type":"access_changed"})";
// Sends it to `user`'s pages after `tx` commits.
void access_changed(db::Tx& tx, UserId user);

}  // namespace gh::notify

#include "notify/hub.hpp"

#include <mutex>

namespace gh::notify {

Subscription& Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    reset();
    hub_ = other.hub_;
    id_ = other.id_;
    other.hub_ = nullptr;
  }
  return *this;
}

void Subscription::reset() {
  if (hub_ != nullptr) {
    hub_->unsubscribe(id_);
    hub_ = nullptr;
  }
}

void InProcessHub::publish(std::string_view topic, std::string json) {
  // One copy of the text, shared by every subscriber's queue.
  const Message message = std::make_shared<const std::string>(std::move(json));
  std::lock_guard lock(mutex_);
  const auto it = topics_.find(std::string(topic));
  if (it == topics_.end()) {
    return;
  }
  for (const auto& [id, deliver] : it->second) {
    deliver(message);
  }
}

Subscription InProcessHub::subscribe(std::string topic, Deliver deliver) {
  std::lock_guard lock(mutex_);
  const uint64_t id = next_id_++;
  topics_[topic].emplace_back(id, std::move(deliver));
  topic_of_.emplace(id, std::move(topic));
  return Subscription(this, id);
}

void InProcessHub::unsubscribe(uint64_t id) {
  // The lock waits for a publish in flight: afterwards the callback never runs.
  std::lock_guard lock(mutex_);
  const auto topic = topic_of_.find(id);
  if (topic == topic_of_.end()) {
    return;
  }
  auto subscribers = topics_.find(topic->second);
  if (subscribers != topics_.end()) {
    auto& list = subscribers->second;
    std::erase_if(list, [id](const auto& entry) { return entry.first == id; });
    if (list.empty()) {
      topics_.erase(subscribers);
    }
  }
  topic_of_.erase(topic);
}

size_t InProcessHub::subscription_count() const {
  std::lock_guard lock(mutex_);
  return topic_of_.size();
}

std::string user_topic(UserId user) {
  return "user:" + std::to_string(user.value);
}

std::string post_topic(PostId post) {
  return "post:" + std::to_string(post.value);
}

void access_changed(db::Tx& tx, UserId user) {
  tx.notify(user_topic(user), std::string(kAccessChangedMessage));
}

}  // namespace gh::notify

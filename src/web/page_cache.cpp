#include "web/page_cache.hpp"

#include <mutex>

namespace gh::web {

std::optional<http::Response> PageCache::find(const std::string& key) {
  std::shared_lock lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.generation != generation_.load(std::memory_order_relaxed) ||
      it->second.expires_at <= clock_.now_ms()) {
    return std::nullopt;
  }
  return it->second.response;
}

void PageCache::store(const std::string& key, const http::Response& response) {
  if (response.file || response.websocket) {
    return;  // Streamed answers (signed media) and upgrades are never shared.
  }
  const uint64_t generation = generation_.load(std::memory_order_relaxed);
  std::unique_lock lock(mutex_);
  if (entries_.size() >= max_entries_) {
    // Crude but bounded: the hot set refills within one TTL.
    entries_.clear();
  }
  entries_.insert_or_assign(key, Entry{response, clock_.now_ms() + ttl_ms_, generation});
}

}  // namespace gh::web

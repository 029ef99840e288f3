// PageCache: rendered pages for anonymous viewers, shared by all of them for a short time.
//
// Only pages that a route marks cacheable are stored, only for viewers with no session and no
// token (they hold no entitlements, so nothing member-only can be in such a page), keyed by
// language and target. Entries die after `ttl_ms`, or at once when any write happens anywhere
// (bump()), so a new comment or vote is visible on the next read. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "core/clock.hpp"
#include "http/http.hpp"

namespace gh::web {

class PageCache {
 public:
  PageCache(const Clock& clock, Millis ttl_ms, size_t max_entries)
      : clock_(clock), ttl_ms_(ttl_ms), max_entries_(max_entries) {}

  std::optional<http::Response> find(const std::string& key);
  void store(const std::string& key, const http::Response& response);
  // Invalidates every entry (called after each state-changing request).
  void bump() { generation_.fetch_add(1, std::memory_order_relaxed); }

 private:
  struct Entry {
    http::Response response;
    Millis expires_at;
    uint64_t generation;
  };
  const Clock& clock_;
  Millis ttl_ms_;
  size_t max_entries_;
  std::atomic<uint64_t> generation_{0};
  std::shared_mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;  // GUARDED_BY(mutex_)
};

}  // namespace gh::web

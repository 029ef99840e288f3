// Clock: the one source of "now", injectable so tests can move time (LevelDB's Env idea).
// Times are Unix milliseconds (UTC) everywhere in Guildhall: stored as BIGINT in both
// databases and formatted as RFC 3339 at the edges. Implementations are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gh {

using Millis = int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Millis now_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  Millis now_ms() const override;
};

// A clock the test moves by hand.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Millis start) : now_(start) {}
  Millis now_ms() const override { return now_.load(); }
  void advance_ms(Millis delta) { now_ += delta; }
  void set_ms(Millis t) { now_ = t; }

 private:
  std::atomic<Millis> now_;
};

// `t` moved by whole calendar months in UTC, keeping the time of day; a day past the end of the
// target month is clamped to its last day (Jan 31 + 1 month = Feb 28 or 29).
Millis add_months_utc(Millis t, int months);

// "2026-11-24T18:41:57Z" (milliseconds dropped when zero, else ".123Z").
std::string format_rfc3339(Millis t);
// Accepts "YYYY-MM-DDTHH:MM[:SS[.fff]](Z|+HH:MM|-HH:MM)"; nullopt when malformed.
std::optional<Millis> parse_rfc3339(std::string_view text);

}  // namespace gh

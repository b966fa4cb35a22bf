// The time sources (as Envoy's TimeSource): code that reads the time asks a Clock, so tests
// inject a ManualClock (tests/support/manual_clock.hpp). Pure code takes time values, not
// clocks.
#pragma once

#include <chrono>
#include <cstdint>

namespace foilcache::common {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall time: entry stamps, Age, Cache-Status ttl=, the webhook's replay window.
  virtual std::chrono::system_clock::time_point system_now() const = 0;
  // Monotonic time: deadlines, L1 trust, back-off.
  virtual std::chrono::steady_clock::time_point steady_now() const = 0;
  // The process's real clocks (static storage; any thread).
  static const Clock& real();
};

// Milliseconds since the Unix epoch of `t` (the entry format's unit).
inline std::int64_t to_unix_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// Seconds since the Unix epoch of `t`.
inline std::int64_t to_unix_s(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace foilcache::common

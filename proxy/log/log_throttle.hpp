// At most one log line per interval for a condition that may recur on every message (a
// channel full of pickles must not flood the log), reporting how many occurrences each line
// stands for. Pure: the time is given.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <utility>

namespace foilcache::log {

class LogThrottle {
 public:
  explicit LogThrottle(std::chrono::milliseconds interval) : interval_(interval) {}

  // One more occurrence at `now`. Returns how many occurrences a line logged now stands for
  // (this one and those held back since the last line), or 0: hold it back.
  std::uint64_t occur(std::chrono::steady_clock::time_point now) {
    ++held_;
    if (last_ && now - *last_ < interval_) return 0;
    last_ = now;
    return std::exchange(held_, 0);
  }

 private:
  std::chrono::milliseconds interval_;
  std::optional<std::chrono::steady_clock::time_point> last_;
  std::uint64_t held_ = 0;
};

}  // namespace foilcache::log

// A Clock the test moves by hand: no sleeps, no dependence on the machine's speed.
#pragma once

#include <atomic>
#include <chrono>

#include "common/clock.hpp"

namespace foilcache::testing {

class ManualClock final : public common::Clock {
 public:
  // Starts at `system` wall time (a fixed instant by default) and an arbitrary steady time.
  explicit ManualClock(std::chrono::system_clock::time_point system =
                           std::chrono::system_clock::time_point(std::chrono::seconds(1'790'000'000)))
      : system_ns_(system.time_since_epoch().count()) {}

  std::chrono::system_clock::time_point system_now() const override {
    return std::chrono::system_clock::time_point(std::chrono::system_clock::duration(system_ns_.load()));
  }
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(steady_ns_.load()));
  }

  // Moves both clocks forward by `d`.
  template <typename Rep, typename Period>
  void advance(std::chrono::duration<Rep, Period> d) {
    system_ns_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(d).count();
    steady_ns_ += std::chrono::duration_cast<std::chrono::steady_clock::duration>(d).count();
  }
  // Sets the wall clock alone (another replica's clock, a step of NTP).
  void set_system(std::chrono::system_clock::time_point t) { system_ns_ = t.time_since_epoch().count(); }

 private:
  std::atomic<std::chrono::system_clock::rep> system_ns_;
  std::atomic<std::chrono::steady_clock::rep> steady_ns_{std::chrono::hours(1000).count() * 1'000'000'000LL};
};

}  // namespace foilcache::testing

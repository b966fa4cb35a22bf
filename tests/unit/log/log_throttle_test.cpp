// LogThrottle: one line per interval, each standing for the occurrences held back.
#include "proxy/log/log_throttle.hpp"

#include <gtest/gtest.h>

#include "tests/support/manual_clock.hpp"

namespace foilcache::log {
namespace {

using namespace std::chrono_literals;

TEST(LogThrottleOccur, OneLinePerIntervalCountingWhatWasHeldBack) {
  testing::ManualClock clock;
  LogThrottle throttle(60s);
  EXPECT_EQ(throttle.occur(clock.steady_now()), 1u) << "the first is logged";
  for (int i = 0; i < 99; ++i) {
    clock.advance(100ms);
    EXPECT_EQ(throttle.occur(clock.steady_now()), 0u);
  }
  clock.advance(60s);
  EXPECT_EQ(throttle.occur(clock.steady_now()), 100u) << "99 held back and this one";
  EXPECT_EQ(throttle.occur(clock.steady_now()), 0u);
}

}  // namespace
}  // namespace foilcache::log

// Redis killed, paused or stalled (DEBUG SLEEP) under load: no client sees an error.
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "tests/integration/scenarios.hpp"

namespace foilcache::testing {
namespace {

using namespace std::chrono_literals;

// system_info expires every second: the load mixes hits, misses and stores.
std::string short_info_route() {
  return "routes:\n  - name: system_info\n    match: GET /api/system/info\n    ttl: 1s\n    key: system_info\n"
         "    shared: true\n";
}

TEST(RedisFaults, KilledUnderLoadNoClientError) {
  Deployment d(slow_info(0ms, short_info_route()));
  expect_no_errors_through(d, [&] { d.redis().kill(); }, [&] { d.redis().restart(); });
}

TEST(RedisFaults, PausedUnderLoadNoClientError) {
  Deployment d(slow_info(0ms, short_info_route()));
  expect_no_errors_through(d, [&] { d.redis().pause(); }, [&] { d.redis().resume(); });
}

TEST(RedisFaults, DebugSleepUnderLoadNoClientError) {
  DeploymentOptions options = slow_info(0ms, short_info_route());
  options.redis_args = {"--enable-debug-command", "local"};  // Redis 7 refuses DEBUG otherwise
  Deployment d(options);
  std::thread sleeper;
  std::string sleep_error;
  // 1 s: well under the test client's own read timeout, and 20 command timeouts long.
  expect_no_errors_through(
      d,
      [&] {
        sleeper = std::thread([&] {
          try {
            d.redis().cli({"DEBUG", "SLEEP", "1"});
          } catch (const std::exception& e) {
            sleep_error = e.what();
          }
        });
      },
      [&] { sleeper.join(); });
  EXPECT_EQ(sleep_error, "");
}

}  // namespace
}  // namespace foilcache::testing

// The app killed under load: hits keep being served, what the cache cannot answer is a
// 502, and the proxy keeps running.
#include <gtest/gtest.h>

#include "tests/integration/scenarios.hpp"

namespace foilcache::testing {
namespace {

using namespace std::chrono_literals;

TEST(UpstreamFaults, AppKilledMidLoadHitsKeepBeingServed) {
  Deployment d(slow_info(0ms, info_route()));
  expect_no_errors_through(d, [&] { d.kill_stub(); }, [] {});
  EXPECT_EQ(d.get("/api/library/paged?page=2").status, 502u) << "a request the cache cannot answer is a 502";
  EXPECT_TRUE(d.proxy().running());
}

}  // namespace
}  // namespace foilcache::testing

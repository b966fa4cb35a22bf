// Two replicas sharing one Redis: an invalidation through either one is seen by the other
// before the answer, and their stats add up.
#include <cstdint>
#include <string>

#include <gtest/gtest.h>

#include "tests/integration/scenarios.hpp"
#include "tests/support/wait.hpp"

namespace foilcache::testing {
namespace {

using namespace std::chrono_literals;

TEST(Replicas, InvalidationThroughOneIsSeenByTheOther) {
  Deployment d(operator_options());
  Replica other = d.start_replica();
  ASSERT_EQ(d.get(kLibrary, as_alice()).header("X-Cache"), "MISS");
  ASSERT_EQ(other.get(kLibrary, as_alice()).header("X-Cache"), "HIT") << "replicas share one Redis";

  ASSERT_EQ(Delivery{}.send(d.port()).status, 200u);
  // Effective before the 200, on every replica: no wait.
  EXPECT_EQ(other.get(kLibrary, as_alice()).header("X-Cache"), "MISS");
  EXPECT_EQ(d.get(kLibrary, as_alice()).header("X-Cache"), "HIT");

  ASSERT_EQ(other.client().request(http::verb::post, "/api/cache/invalidate/library", admin()).status, 200u);
  EXPECT_EQ(d.get(kLibrary, as_alice()).header("X-Cache"), "MISS");
  EXPECT_EQ(d.stub().count(kLibrary), 3u);
}

TEST(Replicas, StatsAddUpAcrossReplicas) {
  Deployment d(operator_options());
  Replica other = d.start_replica();
  ASSERT_EQ(d.client().request(http::verb::post, "/api/cache/reset-stats", admin()).status, 200u);
  ASSERT_EQ(d.get(kInfo).header("X-Cache"), "MISS");
  ASSERT_EQ(d.get(kInfo).header("X-Cache"), "HIT");
  for (int i = 0; i < 3; ++i) ASSERT_EQ(other.get(kInfo).header("X-Cache"), "HIT");

  // Each replica flushes its counts at least once a second; either one reports the sum.
  const std::string expected = R"("stats":{"hits":4,"misses":1,"sets":1,"deletes":0,"stale":0,"bypass":0})";
  for (const std::uint16_t port : {d.port(), other.port}) {
    std::string body;
    EXPECT_TRUE(test::wait_until(
        [&] {
          body = HttpClient(port).request(http::verb::get, "/api/cache/info", admin()).body;
          return body.find(expected) != std::string::npos;
        },
        5s))
        << body;
    EXPECT_NE(body.find(R"("scope":"cluster")"), std::string::npos) << body;
  }
}

}  // namespace
}  // namespace foilcache::testing

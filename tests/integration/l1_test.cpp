// The L1 tier with two replicas on one Redis: hits served in process, every kind of
// invalidation seen by the other replica before the invalidating call returns, and an
// instance that cannot hear the invalidation channel stops using its L1 within
// l1.max_staleness.
#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "tests/integration/deployment.hpp"
#include "tests/support/wait.hpp"

namespace foilcache::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kToken = "admin-token-for-tests";
constexpr const char* kInfo = "/api/system/info";

Headers admin() { return {{"Authorization", std::string("Bearer ") + kToken}}; }

DeploymentOptions two_tier() {
  DeploymentOptions options;
  options.env.emplace_back("FOILCACHE_ADMIN_TOKEN", kToken);
  options.config_yaml = config_head("foilcache:") + R"(admin:
  token: ${FOILCACHE_ADMIN_TOKEN}
l1:
  max_staleness: 1s
routes:
  - name: system_info
    match: GET /api/system/info
    ttl: 5m
    key: system_info
    shared: true
    tags: [system]
  - name: respond
    match: GET /__stub/respond
    ttl: 5m
    key: "respond:{query.size}"
    shared: true
    l1: false
)";
  return options;
}

// Reads the replica's Redis GET count from its store histogram (what an L1 hit avoids).
double store_gets(std::uint16_t port) {
  const auto text = http_get(port, "/metrics").body;
  const std::string series = "foilcache_store_operation_duration_seconds_count{backend=\"redis\",op=\"get\"} ";
  const auto at = text.find(series);
  return at == std::string::npos ? -1 : std::stod(text.substr(at + series.size()));
}

bool l1_trusted(std::uint16_t port) {
  return http_get(port, "/metrics").body.find("\nfoilcache_l1_trusted 1\n") != std::string::npos;
}

TEST(L1, HitsAreServedWithoutRedis) {
  Deployment d(two_tier());
  ASSERT_TRUE(test::wait_until([&] { return l1_trusted(d.port()); }, 5s));
  ASSERT_EQ(d.get(kInfo).header("X-Cache"), "MISS");
  const auto gets = store_gets(d.port());
  for (int i = 0; i < 20; ++i) ASSERT_EQ(d.get(kInfo).header("X-Cache"), "HIT");
  EXPECT_EQ(store_gets(d.port()), gets) << "L1 hits went to Redis";
  // A route with l1: false always asks Redis.
  ASSERT_EQ(d.get("/__stub/respond?size=10").header("X-Cache"), "MISS");
  ASSERT_EQ(d.get("/__stub/respond?size=10").header("X-Cache"), "HIT");
  EXPECT_EQ(store_gets(d.port()), gets + 2);
}

TEST(L1, EveryInvalidationReachesTheOtherReplicaBeforeTheAnswer) {
  Deployment d(two_tier());
  Replica other = d.start_replica();
  ASSERT_TRUE(test::wait_until([&] { return l1_trusted(d.port()) && l1_trusted(other.port); }, 5s));
  struct Case {
    const char* name;
    http::verb method;
    const char* target;
  };
  const Case cases[] = {
      {"tag", http::verb::post, "/api/cache/invalidate/system"},
      {"pattern", http::verb::post, "/api/cache/invalidate?pattern=system_*"},
      {"key", http::verb::delete_, "/api/cache/keys/system_info"},
      {"clear", http::verb::post, "/api/cache/clear"},
  };
  for (const auto& c : cases) {
    // Both replicas hold the entry in their L1 (the other's copy came from Redis).
    ASSERT_EQ(d.get(kInfo).status, 200u) << c.name;
    ASSERT_EQ(other.get(kInfo).header("X-Cache"), "HIT") << c.name;
    ASSERT_EQ(other.get(kInfo).header("X-Cache"), "HIT") << c.name;
    auto answer = d.client().request(c.method, c.target, admin());
    ASSERT_EQ(answer.status, 200u) << c.name << ": " << answer.body;
    // No wait: the other replica applied it before the call returned.
    EXPECT_EQ(other.get(kInfo).header("X-Cache"), "MISS") << c.name;
    EXPECT_EQ(d.get(kInfo).header("X-Cache"), "HIT") << c.name;
  }
}

TEST(L1, AReplicaThatCannotHearTheChannelStopsUsingItsL1WithinTheBound) {
  Deployment d(two_tier());
  Replica other = d.start_replica();
  ASSERT_TRUE(test::wait_until([&] { return l1_trusted(d.port()) && l1_trusted(other.port); }, 5s));
  ASSERT_EQ(d.get(kInfo).header("X-Cache"), "MISS");
  ASSERT_EQ(other.get(kInfo).header("X-Cache"), "HIT");
  // Cut every subscriber off and invalidate in the same moment: the other replica misses the
  // message (its subscriber reconnects with back-off, which also empties its L1).
  d.redis().cli({"CLIENT", "KILL", "TYPE", "pubsub"});
  d.redis().cli({"INCR", "foilcache:@gen:system"});
  // Within l1.max_staleness (1 s) plus scheduling slack the old entry is gone for good.
  EXPECT_TRUE(test::wait_until([&] { return other.get(kInfo).header("X-Cache") == "MISS"; }, 3s));
  EXPECT_TRUE(test::wait_until([&] { return l1_trusted(other.port); }, 5s)) << "the channel came back";
}

}  // namespace
}  // namespace foilcache::testing

// Redis trouble is a cache miss, never a client error; the app's trouble is a clean 502/504.
#include <gtest/gtest.h>

#include "tests/integration/deployment.hpp"
#include "tests/support/wait.hpp"

namespace foilcache::testing {
namespace {

constexpr auto kRecoveryBound = std::chrono::seconds(15);

TEST(Degradation, RedisKilledAndRestartedMidTest) {
  Deployment d;
  ASSERT_EQ(d.get("/api/system/info").header("X-Cache"), "MISS");
  ASSERT_EQ(d.get("/api/system/info").header("X-Cache"), "HIT");

  d.redis().kill();
  for (int i = 0; i < 20; ++i) {
    auto response = d.get("/api/system/info");
    ASSERT_EQ(response.status, 200u) << "a Redis outage must never be a client error";
    EXPECT_EQ(response.header("X-Cache"), "BYPASS");
    auto library = d.get("/api/library/paged?page=1", as_alice());
    ASSERT_EQ(library.status, 200u);
    EXPECT_EQ(library.header("X-Cache"), "BYPASS");
  }

  d.redis().restart();
  // The client reconnects by itself (back-off); the restarted Redis is empty, so the
  // first answer after recovery is a MISS and the next one a HIT.
  EXPECT_TRUE(test::wait_until([&] { return d.get("/api/system/info").header("X-Cache") == "HIT"; },
                               kRecoveryBound, std::chrono::milliseconds(50)))
      << d.proxy_log();
}

TEST(Degradation, PausedRedisCostsOneTimeoutNotAnError) {
  Deployment d;
  ASSERT_EQ(d.get("/api/system/info").header("X-Cache"), "MISS");
  d.redis().pause();
  for (int i = 0; i < 10; ++i) {
    const auto start = std::chrono::steady_clock::now();
    auto response = d.get("/api/system/info");
    const auto elapsed = std::chrono::steady_clock::now() - start;
    ASSERT_EQ(response.status, 200u);
    EXPECT_EQ(response.header("X-Cache"), "BYPASS");
    // A generous bound (the configured timeout is 50 ms): the request must not hang on Redis.
    EXPECT_LT(elapsed, std::chrono::seconds(2));
  }
  d.redis().resume();
  EXPECT_TRUE(test::wait_until([&] { return d.get("/api/system/info").header("X-Cache") == "HIT"; },
                               kRecoveryBound, std::chrono::milliseconds(50)))
      << d.proxy_log();
}

TEST(Degradation, ProxyStartsWithRedisDown) {
  DeploymentOptions options;
  options.redis = false;
  // A Redis URL nobody listens on: foilcache must start and serve from the app.
  options.env.emplace_back("REDIS_URL", "redis://127.0.0.1:" + std::to_string(test::free_port()) + "/0");
  Deployment d(options);
  for (int i = 0; i < 3; ++i) {
    auto response = d.get("/api/system/info");
    EXPECT_EQ(response.status, 200u);
    EXPECT_EQ(response.header("X-Cache"), "BYPASS");
  }
  EXPECT_EQ(d.get("/readyz").status, 200u);
  EXPECT_NE(d.get("/healthz").body.find("\"store\":\"degraded\""), std::string::npos);
}

TEST(Degradation, UpstreamDownIsA502WithJson) {
  Deployment d;
  ASSERT_EQ(d.get("/api/system/info").header("X-Cache"), "MISS");
  d.kill_stub();
  auto routed = d.get("/api/library/paged?page=3", as_alice());
  EXPECT_EQ(routed.status, 502u);
  EXPECT_EQ(routed.header("Content-Type"), "application/json");
  auto unrouted = d.get("/api/get_game/1", as_alice());
  EXPECT_EQ(unrouted.status, 502u);
  // Cached entries keep being served while the app is down.
  EXPECT_EQ(d.get("/api/system/info").header("X-Cache"), "HIT");
}

TEST(Degradation, SlowUpstreamIsA504) {
  DeploymentOptions options;
  options.config_yaml = R"(
listen: ${FOILCACHE_LISTEN}
upstream: ${UPSTREAM_URL}
timeouts:
  upstream_response: 300ms
routes: []
)";
  Deployment d(options);
  auto response = d.get("/__stub/respond?delay_ms=3000&size=1");
  EXPECT_EQ(response.status, 504u);
  EXPECT_EQ(d.get("/__stub/respond?size=1").status, 200u);
}

}  // namespace
}  // namespace foilcache::testing

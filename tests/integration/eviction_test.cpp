// Redis under memory pressure with the eviction policy the deploy files use (volatile-lru):
// entries carry TTLs and may be evicted; the tag generation counters carry none and never
// are, so an invalidated entry can never become current again.
#include <string>

#include <gtest/gtest.h>

#include "tests/integration/deployment.hpp"

namespace foilcache::testing {
namespace {

constexpr const char* kToken = "admin-token-for-tests";
constexpr const char* kInfo = "/api/system/info";

std::int64_t evicted_keys(test::RedisServer& redis) {
  const std::string stats = redis.cli({"INFO", "stats"});
  const auto at = stats.find("evicted_keys:");
  return at == std::string::npos ? -1 : std::stoll(stats.substr(at + 13));
}

TEST(Eviction, FillingRedisPastMaxmemoryNeverRevivesAnInvalidatedEntry) {
  DeploymentOptions options;
  options.redis_args = {"--maxmemory", "16mb", "--maxmemory-policy", "volatile-lru"};
  options.env.emplace_back("FOILCACHE_ADMIN_TOKEN", kToken);
  options.config_yaml = config_head("foilcache:") + R"(admin:
  token: ${FOILCACHE_ADMIN_TOKEN}
l1:
  enabled: false
routes:
  - name: system_info
    match: GET /api/system/info
    ttl: 1h
    key: system_info
    shared: true
    tags: [system]
)";
  Deployment d(options);
  ASSERT_EQ(d.get(kInfo).header("X-Cache"), "MISS");
  ASSERT_EQ(d.get(kInfo).header("X-Cache"), "HIT");
  const Headers admin{{"Authorization", std::string("Bearer ") + kToken}};
  ASSERT_EQ(d.client().request(http::verb::post, "/api/cache/invalidate/system", admin).status, 200u);
  // The old entry is still in Redis (until its TTL), unreachable.
  ASSERT_EQ(d.redis().cli({"EXISTS", "foilcache:system_info"}), "1");

  // Fill Redis well past maxmemory with entries that have a TTL, as a busy cache does.
  const std::string value(64 * 1024, 'x');
  for (int i = 0; i < 600 && evicted_keys(d.redis()) < 100; ++i) {
    d.redis().cli({"SET", "foilcache:filler:" + std::to_string(i), value, "PX", "3600000"});
  }
  ASSERT_GT(evicted_keys(d.redis()), 0) << "maxmemory was never reached";

  // The generation counter (no TTL) survived; the entry it invalidated did not come back.
  EXPECT_EQ(d.redis().cli({"GET", "foilcache:@gen:system"}), "1");
  const auto after = d.get(kInfo);
  EXPECT_EQ(after.status, 200u);
  EXPECT_EQ(after.header("X-Cache"), "MISS") << "an invalidated entry was served after evictions";
  EXPECT_EQ(d.get(kInfo).header("X-Cache"), "HIT");
}

}  // namespace
}  // namespace foilcache::testing

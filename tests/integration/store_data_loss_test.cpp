// Redis losing its data (FLUSHALL, a failover to an empty replica) while foilcache runs: the
// tag generations restart below those the L1 tiers heard, and an invalidation must still
// reach every replica before its 200. And foilcache's own keys (the generations above all)
// cannot be deleted through the admin API, which would bring invalidated entries back.
#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "tests/integration/scenarios.hpp"

namespace foilcache::testing {
namespace {

constexpr const char* kA = "/__stub/respond?size=10";
constexpr const char* kB = "/__stub/respond?size=20";

DeploymentOptions with_l1() {
  DeploymentOptions options;
  options.env.emplace_back("FOILCACHE_ADMIN_TOKEN", kToken);
  options.config_yaml = config_head("fc-loss:", "1s") + R"(admin:
  token: ${FOILCACHE_ADMIN_TOKEN}
l1:
  max_staleness: 1s
routes:
  - name: respond
    match: GET /__stub/respond
    ttl: 5m
    key: "respond:{query.size}"
    shared: true
    tags: [system]
)";
  return options;
}

bool l1_trusted(std::uint16_t port) {
  return http_get(port, "/metrics").body.find("\nfoilcache_l1_trusted 1\n") != std::string::npos;
}

Response invalidate_system(std::uint16_t port) {
  return HttpClient(port).request(http::verb::post, "/api/cache/invalidate/system", admin());
}

// Both keys held in the L1 of the instance on `port` (a HIT needing no Redis).
void fill(std::uint16_t port) {
  for (const char* target : {kA, kB}) {
    for (int i = 0; i < 3; ++i) ASSERT_EQ(http_get(port, target).status, 200u);
    ASSERT_EQ(http_get(port, target).header("X-Cache"), "HIT");
  }
}

TEST(StoreDataLoss, AnInvalidationAfterAFlushReachesEveryL1BeforeItsAnswer) {
  Deployment d(with_l1());
  Replica other = d.start_replica();
  ASSERT_TRUE(test::wait_until([&] { return l1_trusted(d.port()) && l1_trusted(other.port); }, 10s));
  // The generation of `system` goes to 3; the entries record it; both L1s hold them.
  for (int i = 0; i < 3; ++i) ASSERT_EQ(invalidate_system(d.port()).status, 200u);
  fill(d.port());
  fill(other.port);

  ASSERT_EQ(d.redis().cli({"FLUSHALL"}), "OK");
  const auto invalidated = invalidate_system(d.port());  // INCR: generation 1, below 3
  ASSERT_EQ(invalidated.status, 200u) << invalidated.body;
  EXPECT_EQ(other.get(kA).header("X-Cache"), "MISS") << "the other replica served an invalidated entry";
  EXPECT_EQ(d.get(kB).header("X-Cache"), "MISS") << "the invalidating replica served an invalidated entry";
}

TEST(StoreDataLoss, AnInstanceThatInvalidatesNothingStillEmptiesItsL1) {
  Deployment d(with_l1());
  ASSERT_TRUE(test::wait_until([&] { return l1_trusted(d.port()); }, 10s));
  fill(d.port());
  ASSERT_EQ(d.redis().cli({"FLUSHALL"}), "OK");
  // Its heartbeat reads the store's epoch (every l1.max_staleness / 4).
  EXPECT_TRUE(test::wait_until([&] { return d.get(kA).header("X-Cache") == "MISS"; }, 5s))
      << "the L1 kept serving what the store lost, its generations forgotten";
}

TEST(StoreDataLoss, AnotherInstanceStartingIsNoDataLoss) {
  Deployment d(with_l1());
  ASSERT_TRUE(test::wait_until([&] { return l1_trusted(d.port()); }, 10s));
  fill(d.port());
  // Another instance's heartbeats prove the epoch is read and unchanged: the L1 stays.
  Replica other = d.start_replica();
  ASSERT_TRUE(test::wait_until([&] { return l1_trusted(other.port); }, 10s));
  ASSERT_EQ(other.get(kA).header("X-Cache"), "HIT");
  EXPECT_EQ(d.get(kB).header("X-Cache"), "HIT");
}

struct InternalCase {
  const char* name;
  http::verb method;
  const char* target;
};

void PrintTo(const InternalCase& c, std::ostream* os) { *os << c.name; }

class StoreDataLossInternalKeys : public ::testing::TestWithParam<InternalCase> {};

TEST_P(StoreDataLossInternalKeys, AreRefusedByTheAdminApiAndKept) {
  Deployment d(with_l1());
  for (int i = 0; i < 3; ++i) ASSERT_EQ(invalidate_system(d.port()).status, 200u);
  const auto response = HttpClient(d.port()).request(GetParam().method, GetParam().target, admin());
  EXPECT_EQ(response.status, 400u) << response.body;
  EXPECT_EQ(d.redis().cli({"GET", "fc-loss:@gen:system"}), "3");
  EXPECT_EQ(d.redis().cli({"EXISTS", "fc-loss:@epoch"}), "1");
}

INSTANTIATE_TEST_SUITE_P(
    Calls, StoreDataLossInternalKeys,
    ::testing::Values(InternalCase{"DeleteGeneration", http::verb::delete_, "/api/cache/keys/@gen:system"},
                      InternalCase{"DeleteEncoded", http::verb::delete_, "/api/cache/keys/%40gen%3Asystem"},
                      InternalCase{"GetGeneration", http::verb::get, "/api/cache/keys/@gen:system"},
                      InternalCase{"DeleteEpoch", http::verb::delete_, "/api/cache/keys/@epoch"},
                      InternalCase{"PatternOfGenerations", http::verb::post, "/api/cache/invalidate?pattern=%40gen%3A*"},
                      InternalCase{"PatternOfEverythingInternal", http::verb::post, "/api/cache/invalidate?pattern=%40*"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(StoreDataLossInternalKeysWildcard, PatternsAndClearLeaveThemAlone) {
  Deployment d(with_l1());
  ASSERT_EQ(invalidate_system(d.port()).status, 200u);
  ASSERT_EQ(d.get(kA).status, 200u);
  for (const char* target : {"/api/cache/invalidate?pattern=*", "/api/cache/invalidate?pattern=%3Fgen%3A*",
                             "/api/cache/clear"}) {
    const auto response = HttpClient(d.port()).request(http::verb::post, target, admin());
    EXPECT_EQ(response.status, 200u) << target << " " << response.body;
  }
  EXPECT_EQ(d.redis().cli({"GET", "fc-loss:@gen:system"}), "1");
}

}  // namespace
}  // namespace foilcache::testing

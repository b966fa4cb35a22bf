// Request coalescing: concurrent misses of one key, in one process or across two replicas,
// are one request to the app; different users are never merged, and an uncacheable answer
// releases the waiters at once.
#include <functional>
#include <latch>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/integration/scenarios.hpp"

namespace foilcache::testing {
namespace {

using namespace std::chrono_literals;

TEST(Coalescing, FiftyConcurrentMissesSendOneRequestUpstream) {
  Deployment d(slow_info(300ms, info_route()));
  const auto answers = burst({d.port()}, 50, kInfo);
  std::map<std::string, int> results;
  for (const auto& a : answers) {
    EXPECT_EQ(a.status, 200u) << a.body;
    EXPECT_EQ(a.body, answers.front().body);
    ++results[a.x_cache];
  }
  EXPECT_EQ(d.stub().count(kInfo), 1u) << "MISS " << results["MISS"] << ", HIT " << results["HIT"];
  EXPECT_EQ(upstream_requests(d.port(), "system_info"), 1);
  EXPECT_EQ(results["MISS"], 1);
  EXPECT_EQ(results["HIT"], 49);
}

TEST(Coalescing, TwoReplicasSendOneRequestInTotal) {
  Deployment d(slow_info(300ms, info_route()));
  Replica other = d.start_replica();
  const auto answers = burst({d.port(), other.port}, 50, kInfo);
  for (const auto& a : answers) EXPECT_EQ(a.status, 200u) << a.body;
  EXPECT_EQ(d.stub().count(kInfo), 1u);
  EXPECT_EQ(upstream_requests(d.port(), "system_info") + upstream_requests(other.port, "system_info"), 1);
  const auto metrics = http_get(other.port, "/metrics").body + http_get(d.port(), "/metrics").body;
  EXPECT_NE(metrics.find("foilcache_coalesced_requests_total{scope=\"cluster\"}"), std::string::npos);
}

TEST(Coalescing, DifferentUsersAreNeverMerged) {
  // A per-user route: alice's and bob's misses are two fetches, each answered with its own.
  DeploymentOptions options = slow_info(0ms, R"(routes:
  - name: respond
    match: GET /__stub/respond
    ttl: 5m
    key: "respond:{query.size}:{user}"
)");
  Deployment d(options);
  const std::string target = "/__stub/respond?size=64&delay_ms=300&echo_header=Authorization";
  const auto answers = burst({d.port()}, 20, target, [](int i) { return i % 2 ? as_alice() : as_bob(); });
  int upstream_alice = 0;
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(answers[i].status, 200u) << answers[i].body;
    upstream_alice += (i % 2 && answers[i].x_cache == "MISS") ? 1 : 0;
  }
  EXPECT_EQ(upstream_requests(d.port(), "respond"), 2) << "one fetch per user";
  EXPECT_EQ(upstream_alice, 1);
  // Each caller got the answer made for its own credentials.
  for (int i = 0; i < 20; ++i) {
    auto again = d.get(target, i % 2 ? as_alice() : as_bob());
    EXPECT_EQ(again.header("X-Echo-Authorization"), (i % 2 ? as_alice() : as_bob())[0].second);
  }
}

TEST(Coalescing, AnUncacheableAnswerReleasesTheWaitersAtOnce) {
  // coalesce_wait is longer than the clients' timeout: only a release lets them finish.
  DeploymentOptions options = slow_info(0ms, R"(timeouts:
  coalesce_wait: 60s
routes:
  - name: respond
    match: GET /__stub/respond
    ttl: 5m
    key: "respond:{query}"
    shared: true
)");
  Deployment d(options);
  const auto answers = burst({d.port()}, 10, "/__stub/respond?size=64&delay_ms=300&cache_control=no-store");
  for (const auto& a : answers) {
    EXPECT_EQ(a.status, 200u) << a.body;
    EXPECT_EQ(a.x_cache, "MISS");
  }
  EXPECT_EQ(upstream_requests(d.port(), "respond"), 10);
}

TEST(Coalescing, OffWhenTheWaitIsZero) {
  Deployment d(slow_info(300ms, "timeouts:\n  coalesce_wait: 0\n" + info_route()));
  const auto answers = burst({d.port()}, 10, kInfo);
  for (const auto& a : answers) EXPECT_EQ(a.status, 200u) << a.body;
  EXPECT_EQ(d.stub().count(kInfo), 10u);
}

}  // namespace
}  // namespace foilcache::testing

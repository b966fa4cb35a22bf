// --io-model=shared: one io_context run by every io thread, each worker a strand of it. It
// must behave like the default per-core model: cached answers, concurrent misses across
// workers coalesced into one fetch, SIGHUP reload, SIGTERM drain. (The whole integration
// suite also runs in it with FOILCACHE_IO_MODEL=shared in the environment.)
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <latch>
#include <thread>

#include "tests/integration/deployment.hpp"
#include "tests/support/wait.hpp"

namespace foilcache::testing {
namespace {

using namespace std::chrono_literals;

constexpr auto kBound = 10s;
constexpr std::string_view kDelayedRoute = R"(routes:
  - name: respond
    match: GET /__stub/respond
    ttl: 5m
    key: "respond:{query}"
)";

// Requests foilcache sent upstream for `route` (its upstream histogram's count).
double upstream_requests(std::uint16_t port, std::string_view route) {
  const auto text = http_get(port, "/metrics").body;
  const std::string series = "foilcache_upstream_request_duration_seconds_count{route=\"" + std::string(route) + "\"} ";
  const auto at = text.find(series);
  return at == std::string::npos ? 0 : std::stod(text.substr(at + series.size()));
}

// More workers (strands) than cores, so several share a thread and hand requests over.
std::string shared_config(std::string_view routes) {
  return config_head("fc-io-model:", "1s") + "threads: 4\n" + std::string(routes);
}

TEST(IoModel, SharedModelCachesCoalescesReloadsAndDrains) {
  DeploymentOptions options;
  options.env = {{"FOILCACHE_IO_MODEL", "shared"}};
  options.config_yaml = shared_config(kDelayedRoute);
  Deployment d(options);
  EXPECT_NE(d.proxy_log().find("io model: shared"), std::string::npos) << d.proxy_log();

  // 32 concurrent misses of one slow key, spread by the kernel over the 4 listeners.
  constexpr int kClients = 32;
  constexpr std::string_view kTarget = "/__stub/respond?size=4096&delay_ms=300";
  std::vector<std::string> x_cache(kClients);
  std::latch connected(kClients);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      try {
        auto client = d.client(15s);
        connected.arrive_and_wait();
        auto response = client.get(kTarget);
        x_cache[i] = std::to_string(response.status) + " " + response.header("X-Cache");
      } catch (const std::exception& e) {
        x_cache[i] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  int misses = 0;
  for (const auto& answer : x_cache) {
    EXPECT_TRUE(answer == "200 MISS" || answer == "200 HIT") << answer;
    misses += answer == "200 MISS";
  }
  EXPECT_EQ(misses, 1);
  EXPECT_EQ(upstream_requests(d.port(), "respond"), 1);
  EXPECT_EQ(d.get(kTarget).header("X-Cache"), "HIT");

  // SIGHUP reaches every worker's strand: without the route nothing carries X-Cache.
  {
    std::ofstream out(d.config_path(), std::ios::trunc);
    out << shared_config("routes: []\n");
  }
  ASSERT_TRUE(d.proxy().signal(SIGHUP));
  EXPECT_TRUE(test::wait_until([&] { return !d.get("/__stub/respond?size=1").has("X-Cache"); }, kBound))
      << d.proxy_log();

  // SIGTERM: an idle keep-alive connection does not hold the drain; exit 0.
  auto idle = d.client();
  EXPECT_EQ(idle.get("/__stub/respond?size=1").status, 200u);
  ASSERT_TRUE(d.proxy().signal(SIGTERM));
  EXPECT_EQ(d.proxy().wait_exit(kBound), 0) << d.proxy_log();
}

}  // namespace
}  // namespace foilcache::testing

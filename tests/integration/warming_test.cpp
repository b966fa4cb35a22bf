// Warming: the warm list is fetched at start-up and after each invalidation of its tags;
// a failing request is logged and counted, not fatal.
#include <string>

#include <gtest/gtest.h>

#include "tests/integration/scenarios.hpp"
#include "tests/support/wait.hpp"

namespace foilcache::testing {
namespace {

using namespace std::chrono_literals;

std::string warm_config() {
  return config_head("foilcache:") + R"(admin:
  token: ${FOILCACHE_ADMIN_TOKEN}
webhooks:
  secret: ${FOILCACHE_WEBHOOK_SECRET}
  events:
    library_updated: [library]
routes:
  - name: library_paged
    match: GET /api/library/paged
    ttl: 5m
    key: "library_paged:{query.page|1}:{user}"
    tags: [library]
  - name: system_info
    match: GET /api/system/info
    ttl: 5m
    key: "system_info"
    shared: true
    tags: [system]
warm:
  - url: /api/library/paged?page=1
    headers:
      Authorization: "Basic YWxpY2U6YWxpY2UtcHc="
  - url: /api/library/paged?page=2
    headers:
      Authorization: "Basic YWxpY2U6YWxpY2UtcHc="
  - url: /api/system/info
)";
}

TEST(Warming, FetchesAtStartUpAndAfterEachInvalidationOfItsTags) {
  DeploymentOptions options = operator_options();
  options.config_yaml = warm_config();
  Deployment d(options);
  // Start-up: every warm entry fetched once (alice's credentials for the {user} route).
  ASSERT_TRUE(test::wait_until([&] { return d.stub().count(kLibrary) == 2 && d.stub().count(kInfo) == 1; }, 10s))
      << d.proxy_log();
  ASSERT_TRUE(test::wait_until([&] { return d.redis().keys("foilcache:library_paged:*").size() == 2; }, 5s));
  EXPECT_EQ(d.get(std::string(kLibrary) + "?page=1", as_alice()).header("X-Cache"), "HIT");
  EXPECT_EQ(d.get(std::string(kLibrary) + "?page=2", as_alice()).header("X-Cache"), "HIT");
  EXPECT_EQ(d.get(kInfo).header("X-Cache"), "HIT");

  // The updater's webhook invalidates `library`: its two warm entries are fetched again,
  // so the first reader after the update already gets a HIT with the new data.
  ASSERT_EQ(Delivery{}.send(d.port()).status, 200u);
  ASSERT_TRUE(test::wait_until([&] { return d.stub().count(kLibrary) == 4; }, 10s)) << d.proxy_log();
  ASSERT_TRUE(test::wait_until(
      [&] { return d.get(std::string(kLibrary) + "?page=1", as_alice()).header("X-Cache") == "HIT"; }, 5s));
  EXPECT_EQ(d.get(std::string(kLibrary) + "?page=2", as_alice()).header("X-Cache"), "HIT");
  EXPECT_EQ(d.stub().count(kLibrary), 4u);
  EXPECT_EQ(d.stub().count(kInfo), 1u) << "system_info is not tagged `library`: not refetched";
  // Credentials from the warm list never reach the log.
  EXPECT_EQ(d.proxy_log().find("YWxpY2U6YWxpY2UtcHc="), std::string::npos);
}

TEST(Warming, AFailingRequestIsLoggedAndCountedNotFatal) {
  DeploymentOptions options = operator_options();
  // No credentials for a route the app guards: the app answers 401, nothing is stored.
  options.config_yaml = warm_config().substr(0, warm_config().find("warm:")) + "warm:\n  - url: /api/library/paged?page=9\n";
  Deployment d(options);
  const std::string line = "warm (start-up): 1 request(s), 0 fetched and stored, 1 failed";
  ASSERT_TRUE(test::wait_until([&] { return d.proxy_log().find(line) != std::string::npos; }, 10s)) << d.proxy_log();
  EXPECT_NE(d.proxy_log().find("warm: GET /api/library/paged?page=9 failed: status 401"), std::string::npos)
      << d.proxy_log();
  EXPECT_NE(d.get("/metrics").body.find("foilcache_errors_total{kind=\"warm_failed\"} 1"), std::string::npos);
  EXPECT_TRUE(d.proxy().running());
  EXPECT_EQ(d.get(kInfo).status, 200u);
}

}  // namespace
}  // namespace foilcache::testing

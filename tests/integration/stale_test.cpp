// Stale entries: stale-while-revalidate answers at once and refreshes once; stale-if-error
// answers through the app's failures, and only inside its window.
#include <string>

#include <gtest/gtest.h>

#include "tests/integration/scenarios.hpp"
#include "tests/support/wait.hpp"

namespace foilcache::testing {
namespace {

using namespace std::chrono_literals;

TEST(StaleWhileRevalidate, ServesStaleAtOnceAndRefreshesOnce) {
  Deployment d(slow_info(0ms, stale_route("    stale_while_revalidate: 1m\n")));
  ASSERT_EQ(d.get("/__stub/respond?size=100").header("X-Cache"), "MISS");
  ASSERT_TRUE(test::wait_until([&] { return d.get("/__stub/respond?size=100").header("X-Cache") != "HIT"; }, kBound));
  ASSERT_TRUE(test::wait_until([&] { return upstream_requests(d.port(), "respond") == 2; }, kBound));

  // Expired again; now the app takes 2 s. Twenty readers get the stale copy without waiting
  // for it (their client gives up after 1 s), and the app is asked once.
  ASSERT_TRUE(test::wait_until([&] {
    return HttpClient(d.port()).get("/__stub/respond?size=100&delay_ms=2000").header("X-Cache") == "STALE";
  }, kBound));
  const auto before = upstream_requests(d.port(), "respond");
  for (int i = 0; i < 20; ++i) {
    auto response = HttpClient(d.port(), 1s).get("/__stub/respond?size=100&delay_ms=2000");
    EXPECT_EQ(response.header("X-Cache"), "STALE");
    EXPECT_NE(response.header("Cache-Status").find("detail=stale-while-revalidate"), std::string::npos);
    EXPECT_TRUE(response.has("Age"));
  }
  EXPECT_LE(upstream_requests(d.port(), "respond"), before + 1);
  // The refresh lands: fresh again.
  EXPECT_TRUE(test::wait_until([&] { return d.get("/__stub/respond?size=100").header("X-Cache") == "HIT"; }, kBound));
}

TEST(StaleIfError, ServesStaleWhileTheAppFails) {
  Deployment d(slow_info(0ms, "routes:\n  - name: system_info\n    match: GET /api/system/info\n    ttl: 1s\n"
                              "    key: system_info\n    shared: true\n    stale_if_error: 1m\n"));
  const auto fresh = d.get(kInfo);
  ASSERT_EQ(fresh.header("X-Cache"), "MISS");
  HttpClient stub(d.stub().port());
  ASSERT_EQ(stub.request(http::verb::post, "/__stub/mode?fail=500").status, 200u);
  // After the TTL the app's 500 is replaced by the stale copy.
  Response stale;
  ASSERT_TRUE(test::wait_until([&] { stale = d.get(kInfo); return stale.header("X-Cache") == "STALE"; }, kBound));
  EXPECT_EQ(stale.status, 200u);
  EXPECT_EQ(stale.body, fresh.body);
  EXPECT_NE(stale.header("Cache-Status").find("fwd=stale; fwd-status=500"), std::string::npos)
      << stale.header("Cache-Status");
  // A connection the app closes, and an app that is gone, too.
  ASSERT_EQ(stub.request(http::verb::post, "/__stub/mode?fail=close").status, 200u);
  EXPECT_EQ(d.get(kInfo).header("X-Cache"), "STALE");
  d.kill_stub();
  auto gone = d.get(kInfo);
  EXPECT_EQ(gone.status, 200u);
  EXPECT_EQ(gone.header("X-Cache"), "STALE");
}

TEST(StaleIfError, WithoutTheWindowTheFailureShows) {
  Deployment d(slow_info(0ms, "routes:\n  - name: system_info\n    match: GET /api/system/info\n    ttl: 1s\n"
                              "    key: system_info\n    shared: true\n"));
  ASSERT_EQ(d.get(kInfo).header("X-Cache"), "MISS");
  d.kill_stub();
  Response failed;
  ASSERT_TRUE(test::wait_until([&] { failed = d.get(kInfo); return failed.status != 200; }, kBound));
  EXPECT_EQ(failed.status, 502u);
}

}  // namespace
}  // namespace foilcache::testing

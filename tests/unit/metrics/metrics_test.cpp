// The metrics registry: route series resolved once per config, counters and histograms
// rendered in the Prometheus text format, scrape hooks.
#include "proxy/metrics/metrics.hpp"

#include <gtest/gtest.h>

namespace foilcache::metrics {
namespace {

using namespace std::chrono_literals;

config::Config two_routes() {
  config::Config config;
  config.routes.resize(2);
  config.routes[0].name = "library_paged";
  config.routes[0].tags = {"library"};
  config.routes[1].name = "system_info";
  config.routes[1].tags = {"system", "library"};
  return config;
}

bool contains(const std::string& text, const std::string& line) { return text.find(line + "\n") != std::string::npos; }

struct XCacheCase {
  const char* x_cache;
  Result result;
};

class MetricsResultFromXCache : public ::testing::TestWithParam<XCacheCase> {};

TEST_P(MetricsResultFromXCache, MapsTheHeaderValue) { EXPECT_EQ(result_from_x_cache(GetParam().x_cache), GetParam().result); }

INSTANTIATE_TEST_SUITE_P(Values, MetricsResultFromXCache,
                         ::testing::Values(XCacheCase{"HIT", Result::kHit}, XCacheCase{"MISS", Result::kMiss},
                                           XCacheCase{"BYPASS", Result::kBypass}, XCacheCase{"STALE", Result::kStale},
                                           XCacheCase{"", Result::kPass}, XCacheCase{"hit", Result::kPass}));

TEST(MetricsRegistry, RouteSeriesAreResolvedOncePerName) {
  Metrics metrics("redis");
  const auto config = two_routes();
  const auto first = metrics.resolve_routes(config);
  const auto again = metrics.resolve_routes(config);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first, again) << "a reload with the same route names reuses the series";
  EXPECT_NE(first[0], first[1]);
  EXPECT_NE(first[0], &metrics.unrouted());
}

TEST(MetricsRegistry, ScrapeRendersEveryFamily) {
  Metrics metrics("redis");
  const auto series = metrics.resolve_routes(two_routes());
  Metrics::count_request(*series[0], Result::kHit);
  Metrics::count_request(*series[0], Result::kHit);
  Metrics::count_request(metrics.unrouted(), Result::kPass);
  Metrics::observe_upstream(*series[1], 3ms);
  metrics.count_error(ErrorKind::kUpstreamTimeout);
  metrics.observe_store(StoreOp::kGet, 200us);
  metrics.observe_store(StoreOp::kGet, 5s);
  metrics.add_written_bytes(1000);
  metrics.count_reload(false);
  metrics.count_invalidation("library");
  metrics.add_scrape_hook([](Metrics& m) { m.set_store_up(true); });

  const auto text = metrics.scrape();
  EXPECT_TRUE(contains(text, R"(foilcache_requests_total{result="HIT",route="library_paged"} 2)")) << text;
  EXPECT_TRUE(contains(text, R"(foilcache_requests_total{result="MISS",route="library_paged"} 0)"));
  EXPECT_TRUE(contains(text, R"(foilcache_requests_total{result="PASS",route="-"} 1)"));
  EXPECT_TRUE(contains(text, R"(foilcache_upstream_request_duration_seconds_count{route="system_info"} 1)"));
  EXPECT_TRUE(contains(text, R"(foilcache_upstream_request_duration_seconds_bucket{route="system_info",le="0.0025"} 0)"));
  EXPECT_TRUE(contains(text, R"(foilcache_upstream_request_duration_seconds_bucket{route="system_info",le="0.005"} 1)"));
  EXPECT_TRUE(contains(text, R"(foilcache_errors_total{kind="upstream_timeout"} 1)"));
  EXPECT_TRUE(contains(text, R"(foilcache_errors_total{kind="upstream_connect"} 0)"));
  EXPECT_TRUE(contains(text, "# TYPE foilcache_store_operation_duration_seconds histogram"));
  EXPECT_TRUE(contains(text, R"(foilcache_store_operation_duration_seconds_bucket{backend="redis",op="get",le="0.00025"} 1)"));
  EXPECT_TRUE(contains(text, R"(foilcache_store_operation_duration_seconds_bucket{backend="redis",op="get",le="1"} 1)"));
  EXPECT_TRUE(contains(text, R"(foilcache_store_operation_duration_seconds_bucket{backend="redis",op="get",le="+Inf"} 2)"));
  EXPECT_TRUE(contains(text, R"(foilcache_store_operation_duration_seconds_count{backend="redis",op="get"} 2)"));
  EXPECT_TRUE(contains(text, R"(foilcache_store_operation_duration_seconds_sum{backend="redis",op="get"} 5.0002)"));
  EXPECT_TRUE(contains(text, "foilcache_store_written_bytes_total 1000"));
  EXPECT_TRUE(contains(text, R"(foilcache_config_reloads_total{result="error"} 1)"));
  EXPECT_TRUE(contains(text, R"(foilcache_config_reloads_total{result="ok"} 0)"));
  EXPECT_TRUE(contains(text, R"(foilcache_invalidations_total{tag="library"} 1)"));
  EXPECT_TRUE(contains(text, R"(foilcache_invalidations_total{tag="system"} 0)"));
  EXPECT_TRUE(contains(text, "foilcache_store_up 1"));
  EXPECT_EQ(text.find("foilcache_stored_bytes "), std::string::npos) << "Redis mode has no local size";
}

TEST(MetricsRegistry, MemoryBackendReportsStoredBytes) {
  Metrics metrics("memory");
  metrics.add_scrape_hook([](Metrics& m) { m.set_stored_bytes(4096); });
  const auto text = metrics.scrape();
  EXPECT_TRUE(contains(text, "foilcache_stored_bytes 4096")) << text;
  EXPECT_TRUE(contains(text, R"(foilcache_store_operation_duration_seconds_count{backend="memory",op="put"} 0)"));
}

TEST(MetricsRegistry, AppFeedSeriesExistOnlyOnceUsed) {
  Metrics metrics("redis");
  const auto before = metrics.scrape();
  EXPECT_EQ(before.find("foilcache_app_feed_up "), std::string::npos) << "no feed, no gauge";
  EXPECT_EQ(before.find("foilcache_app_events_total{"), std::string::npos);

  metrics.count_app_event("library_updated", AppEventResult::kApplied);
  metrics.count_app_event("library_updated", AppEventResult::kApplied, 2);
  metrics.count_app_event("other", AppEventResult::kPickle);
  metrics.count_app_event("job_update", AppEventResult::kDeduplicated);
  metrics.set_app_feed_up(true);
  metrics.count_app_feed_resync(FeedResync::kSubscribed);
  metrics.count_app_feed_resync(FeedResync::kDown);
  metrics.count_app_feed_resync(FeedResync::kDown);
  const auto text = metrics.scrape();
  EXPECT_TRUE(contains(text, R"(foilcache_app_events_total{event="library_updated",result="applied"} 3)")) << text;
  EXPECT_TRUE(contains(text, R"(foilcache_app_events_total{event="other",result="pickle"} 1)"));
  EXPECT_TRUE(contains(text, R"(foilcache_app_events_total{event="job_update",result="deduplicated"} 1)"));
  EXPECT_TRUE(contains(text, "foilcache_app_feed_up 1"));
  EXPECT_TRUE(contains(text, R"(foilcache_app_feed_resyncs_total{reason="subscribed"} 1)"));
  EXPECT_TRUE(contains(text, R"(foilcache_app_feed_resyncs_total{reason="down"} 2)"));
  metrics.set_app_feed_up(false);
  EXPECT_TRUE(contains(metrics.scrape(), "foilcache_app_feed_up 0"));
}

}  // namespace
}  // namespace foilcache::metrics

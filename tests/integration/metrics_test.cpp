// GET /metrics (Prometheus text) end to end, against the real binary, a real redis-server
// and the stub. Every metric name used here is read from a live scrape.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>

#include "tests/integration/scenarios.hpp"
#include "tests/support/wait.hpp"

namespace foilcache::testing {
namespace {

// One scrape, parsed: `name{label="value",...}` -> value for every sample line.
class Scrape {
 public:
  explicit Scrape(std::string text) : text_(std::move(text)) {
    static const std::regex kSample(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$)");
    static const std::regex kLabel(R"re(([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)")re");
    std::istringstream lines(text_);
    for (std::string line; std::getline(lines, line);) {
      std::smatch m;
      if (line.empty() || line[0] == '#' || !std::regex_match(line, m, kSample)) continue;
      Sample sample{m[1].str(), {}, std::stod(m[4].str())};
      const std::string labels = m[3].str();
      for (std::sregex_iterator it(labels.begin(), labels.end(), kLabel), end; it != end; ++it) {
        sample.labels[(*it)[1].str()] = (*it)[2].str();
      }
      samples_.push_back(std::move(sample));
    }
  }

  // The value of the sample `name` whose labels include `labels`; nullopt when absent.
  std::optional<double> value(std::string_view name, const std::map<std::string, std::string>& labels = {}) const {
    for (const auto& sample : samples_) {
      if (sample.name != name) continue;
      bool match = true;
      for (const auto& [key, want] : labels) {
        const auto it = sample.labels.find(key);
        match = match && it != sample.labels.end() && it->second == want;
      }
      if (match) return sample.value;
    }
    return std::nullopt;
  }
  // The sum of every sample of `name` (0 when there is none).
  double sum(std::string_view name) const {
    double total = 0;
    for (const auto& sample : samples_) total += sample.name == name ? sample.value : 0;
    return total;
  }
  bool has_family(std::string_view name) const { return text_.find("# TYPE " + std::string(name) + " ") != std::string::npos; }
  const std::string& text() const { return text_; }

 private:
  struct Sample {
    std::string name;
    std::map<std::string, std::string> labels;
    double value = 0;
  };
  std::string text_;
  std::vector<Sample> samples_;
};

Scrape scrape(const Deployment& d) {
  auto response = d.get("/metrics");
  EXPECT_EQ(response.status, 200u);
  EXPECT_TRUE(response.header("Content-Type").starts_with("text/plain; version=0.0.4")) << response.header("Content-Type");
  return Scrape(std::move(response.body));
}

// A request is counted when its exchange ends, which is after its client has read the
// answer: scrape until `answered` requests are counted (bounded), then look at the rest.
Scrape scrape_after(const Deployment& d, int answered) {
  std::optional<Scrape> last;
  EXPECT_TRUE(test::wait_until(
      [&] {
        last.emplace(d.get("/metrics").body);
        return last->sum("foilcache_requests_total") >= answered;
      },
      kBound))
      << last->text();
  return scrape(d);
}

double requests(const Scrape& s, const std::string& route, const std::string& result) {
  return s.value("foilcache_requests_total", {{"route", route}, {"result", result}}).value_or(-1);
}

TEST(Metrics, ScrapeCountsRequestsByRouteAndResult) {
  DeploymentOptions options;
  options.config_yaml = observability_config();
  Deployment d(options);
  ASSERT_EQ(d.get("/__stub/respond?size=10").header("X-Cache"), "MISS");
  ASSERT_EQ(d.get("/__stub/respond?size=10").header("X-Cache"), "HIT");
  // Credentials on a route whose key does not name the user: not eligible.
  ASSERT_EQ(d.get("/__stub/respond?size=10", as_alice()).header("X-Cache"), "BYPASS");
  ASSERT_EQ(d.get("/api/system/info").status, 200u);  // matches no route

  const auto s = scrape_after(d, 4);
  EXPECT_EQ(requests(s, "respond_anon", "MISS"), 1) << s.text();
  EXPECT_EQ(requests(s, "respond_anon", "HIT"), 1);
  EXPECT_EQ(requests(s, "respond_anon", "BYPASS"), 1);
  EXPECT_EQ(requests(s, "-", "PASS"), 1);
  EXPECT_EQ(requests(s, "library_paged", "HIT"), 0) << "every route's series exists from the start";
  // The MISS, the BYPASS and the unrouted request went upstream; the HIT did not.
  EXPECT_EQ(s.value("foilcache_upstream_request_duration_seconds_count", {{"route", "respond_anon"}}), 2);
  EXPECT_EQ(s.value("foilcache_upstream_request_duration_seconds_count", {{"route", "-"}}), 1);
  EXPECT_GT(s.value("foilcache_upstream_request_duration_seconds_sum", {{"route", "respond_anon"}}).value_or(0), 0);
  // Store commands: the lookups of the MISS and the HIT, and the put of the MISS.
  EXPECT_EQ(s.value("foilcache_store_operation_duration_seconds_count", {{"backend", "redis"}, {"op", "get"}}), 2);
  EXPECT_EQ(s.value("foilcache_store_operation_duration_seconds_count", {{"backend", "redis"}, {"op", "put"}}), 1);
  EXPECT_GT(s.value("foilcache_store_written_bytes_total").value_or(0), 10);
  EXPECT_EQ(s.value("foilcache_store_up"), 1);
  EXPECT_EQ(s.value("foilcache_invalidations_total", {{"tag", "library"}}), 0);
  EXPECT_EQ(s.value("foilcache_errors_total", {{"kind", "upstream_connect"}}), 0);
  EXPECT_FALSE(s.value("foilcache_stored_bytes").has_value()) << "Redis mode has no local size";
}

TEST(Metrics, DeadAppIsCountedAsAnUpstreamError) {
  DeploymentOptions options;
  options.config_yaml = observability_config();
  Deployment d(options);
  d.kill_stub();
  EXPECT_EQ(d.get("/api/library/paged?page=3").status, 502u);
  EXPECT_EQ(d.get("/api/system/info").status, 502u);
  const auto s = scrape_after(d, 2);
  EXPECT_EQ(s.value("foilcache_errors_total", {{"kind", "upstream_connect"}}), 2) << s.text();
  EXPECT_EQ(s.value("foilcache_errors_total", {{"kind", "upstream_timeout"}}), 0);
  EXPECT_EQ(requests(s, "library_paged", "MISS"), 1);
  EXPECT_EQ(requests(s, "-", "PASS"), 1);
  // No response header arrived: nothing observed.
  EXPECT_EQ(s.value("foilcache_upstream_request_duration_seconds_count", {{"route", "library_paged"}}), 0);
}

TEST(Metrics, RedisDownIsReportedAndCounted) {
  DeploymentOptions options;
  options.config_yaml = observability_config();
  Deployment d(options);
  d.redis().kill();
  EXPECT_TRUE(test::wait_until([&] { return scrape(d).value("foilcache_store_up") == 0; }, kBound));
  EXPECT_EQ(d.get("/__stub/respond?size=10").header("X-Cache"), "BYPASS");
  const auto s = scrape_after(d, 1);
  EXPECT_EQ(s.value("foilcache_errors_total", {{"kind", "store_unavailable"}}), 1) << s.text();
  EXPECT_EQ(requests(s, "respond_anon", "BYPASS"), 1);
}

TEST(Metrics, MalformedAndOversizedRequestsAreCountedByKind) {
  DeploymentOptions options;
  options.config_yaml = observability_config();
  Deployment d(options);
  EXPECT_EQ(d.client().raw("\x16\x03\x01 not http\r\n\r\n").status, 400u);
  EXPECT_EQ(d.client().raw("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(32 * 1024, 'a') + "\r\n\r\n").status,
            431u);
  const auto s = scrape(d);
  EXPECT_EQ(s.value("foilcache_errors_total", {{"kind", "bad_request"}}), 1) << s.text();
  EXPECT_EQ(s.value("foilcache_errors_total", {{"kind", "header_too_large"}}), 1);
}

TEST(Metrics, MemoryStoreReportsItsSize) {
  DeploymentOptions options;
  options.redis = false;
  options.config_yaml = observability_config();
  Deployment d(options);
  EXPECT_EQ(scrape(d).value("foilcache_stored_bytes"), 0);
  ASSERT_EQ(d.get("/__stub/respond?size=1000").header("X-Cache"), "MISS");
  const auto s = scrape_after(d, 1);
  EXPECT_GT(s.value("foilcache_stored_bytes").value_or(0), 1000) << s.text();
  EXPECT_EQ(s.value("foilcache_store_operation_duration_seconds_count", {{"backend", "memory"}, {"op", "put"}}), 1);
}

TEST(Metrics, ConfigReloadsAreCountedByResult) {
  DeploymentOptions options;
  options.config_yaml = observability_config();
  Deployment d(options);
  ASSERT_TRUE(d.proxy().signal(SIGHUP));
  EXPECT_TRUE(test::wait_until(
      [&] { return scrape(d).value("foilcache_config_reloads_total", {{"result", "ok"}}) == 1; }, kBound))
      << d.proxy_log();
  std::ofstream(d.config_path()) << "routes: [ {name: broken\n";
  ASSERT_TRUE(d.proxy().signal(SIGHUP));
  EXPECT_TRUE(test::wait_until(
      [&] { return scrape(d).value("foilcache_config_reloads_total", {{"result", "error"}}) == 1; }, kBound))
      << d.proxy_log();
  EXPECT_EQ(scrape(d).value("foilcache_config_reloads_total", {{"result", "ok"}}), 1);
}

}  // namespace
}  // namespace foilcache::testing

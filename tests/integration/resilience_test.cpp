// Stampedes and outages: request coalescing (one process and two), stale-while-revalidate,
// stale-if-error, conditional requests, and Redis or the app failing under load.
#include <atomic>
#include <chrono>
#include <csignal>
#include <latch>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/integration/deployment.hpp"
#include "tests/support/wait.hpp"

namespace foilcache::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kInfo = "/api/system/info";
constexpr auto kBound = 10s;

// system_info takes exactly `latency` in the app; every other simulated latency is 0.
DeploymentOptions slow_info(std::chrono::milliseconds latency, std::string routes) {
  DeploymentOptions options;
  options.stub.latency_scale = 1;
  options.stub.library_latency = {0ms, 0ms};
  options.stub.shop_latency = {0ms, 0ms};
  options.stub.metadata_latency = {0ms, 0ms};
  options.stub.system_info_latency = {latency, latency};
  options.config_yaml = config_head("foilcache:") + std::move(routes);
  return options;
}

std::string info_route(std::string_view extra = {}) {
  return "routes:\n  - name: system_info\n    match: GET /api/system/info\n    ttl: 5m\n    key: system_info\n"
         "    shared: true\n    tags: [system]\n" +
         std::string(extra);
}

struct Answer {
  unsigned status = 0;
  std::string x_cache;
  std::string body;
};

// Sends `count` GETs at once (one thread and connection each, released together), to
// `ports[i % ports.size()]`, with `headers_for(i)`; returns every answer.
std::vector<Answer> burst(const std::vector<std::uint16_t>& ports, int count, std::string_view target,
                          const std::function<Headers(int)>& headers_for = {}) {
  std::vector<Answer> answers(count);
  std::latch connected(count);
  std::vector<std::thread> threads;
  for (int i = 0; i < count; ++i) {
    threads.emplace_back([&, i] {
      try {
        HttpClient client(ports[i % ports.size()], 15s);
        connected.arrive_and_wait();
        auto response = client.get(target, headers_for ? headers_for(i) : Headers{});
        answers[i] = {response.status, response.header("X-Cache"), response.body};
      } catch (const std::exception& e) {
        answers[i].body = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  return answers;
}

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

// A route whose entries expire after 1 s, then stay usable stale.
std::string stale_route(std::string_view windows) {
  return "routes:\n  - name: respond\n    match: GET /__stub/respond\n    ttl: 1s\n    key: \"respond:{query.size}\"\n"
         "    shared: true\n" +
         std::string(windows);
}

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

TEST(ConditionalRequests, EtagAndLastModifiedGive304) {
  Deployment d(slow_info(0ms, stale_route("")));
  // The app's own validators are kept.
  const std::string with_validators =
      "/__stub/respond?size=10&etag=%22v1%22&last_modified=Mon,%2001%20Jan%202024%2000:00:00%20GMT";
  auto miss = d.get(with_validators);
  ASSERT_EQ(miss.header("ETag"), "\"v1\"");
  auto not_modified = d.get(with_validators, {{"If-None-Match", "\"v0\", W/\"v1\""}});
  EXPECT_EQ(not_modified.status, 304u);
  EXPECT_TRUE(not_modified.body.empty());
  EXPECT_EQ(not_modified.header("ETag"), "\"v1\"");
  EXPECT_EQ(not_modified.header("X-Cache"), "HIT");
  EXPECT_EQ(d.get(with_validators, {{"If-None-Match", "\"v2\""}}).status, 200u);
  EXPECT_EQ(d.get(with_validators, {{"If-Modified-Since", "Tue, 02 Jan 2024 00:00:00 GMT"}}).status, 304u);
  EXPECT_EQ(d.get(with_validators, {{"If-Modified-Since", "Sun, 31 Dec 2023 00:00:00 GMT"}}).status, 200u);
  // If-None-Match decides when both are sent.
  EXPECT_EQ(d.get(with_validators, {{"If-None-Match", "\"v2\""}, {"If-Modified-Since", "Tue, 02 Jan 2024 00:00:00 GMT"}})
                .status,
            200u);
}

TEST(ConditionalRequests, AnswersWithoutAValidatorGetAStrongBodyHash) {
  Deployment d(slow_info(0ms, info_route()));
  auto miss = d.get(kInfo);
  const auto etag = miss.header("ETag");
  ASSERT_EQ(etag.size(), 34u) << etag;  // "<32 hex digits>"
  EXPECT_EQ(etag.front(), '"');
  EXPECT_EQ(d.get(kInfo).header("ETag"), etag);
  EXPECT_EQ(d.get(kInfo, {{"If-None-Match", etag}}).status, 304u);
  EXPECT_EQ(d.get(kInfo, {{"If-None-Match", "*"}}).status, 304u);
  // HEAD is answered from the GET entry: headers, no body.
  auto head = d.client().request(http::verb::head, kInfo);
  EXPECT_EQ(head.status, 200u);
  EXPECT_EQ(head.header("X-Cache"), "HIT");
  EXPECT_EQ(head.header("Content-Length"), std::to_string(miss.body.size()));
  EXPECT_TRUE(head.body.empty());
}

// Sends GETs of `target` from `threads` clients until `stop`; counts answers by status.
class Load {
 public:
  Load(std::uint16_t port, std::string target, int threads) {
    for (int i = 0; i < threads; ++i) {
      workers_.emplace_back([this, port, target] {
        while (!stop_.load()) {
          try {
            HttpClient client(port, 5s);
            while (!stop_.load()) {
              const auto status = client.get(target).status;
              std::lock_guard lock(mutex_);
              ++statuses_[status];
            }
          } catch (const std::exception&) {
            std::lock_guard lock(mutex_);
            ++statuses_[0];  // connection failed or timed out
          }
        }
      });
    }
  }
  ~Load() { finish(); }
  std::map<unsigned, int> finish() {
    stop_ = true;
    for (auto& w : workers_) {
      if (w.joinable()) w.join();
    }
    std::lock_guard lock(mutex_);
    return statuses_;
  }
  int total() {
    std::lock_guard lock(mutex_);
    int n = 0;
    for (const auto& [status, count] : statuses_) n += count;
    return n;
  }

 private:
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::map<unsigned, int> statuses_;
  std::vector<std::thread> workers_;
};

// Runs load on system_info, lets `fault` happen mid-way, and expects only 200s.
void expect_no_errors_through(Deployment& d, const std::function<void()>& fault, const std::function<void()>& heal) {
  Load load(d.port(), kInfo, 4);
  ASSERT_TRUE(test::wait_until([&] { return load.total() > 50; }, kBound));
  fault();
  const int at_fault = load.total();
  ASSERT_TRUE(test::wait_until([&] { return load.total() > at_fault + 200; }, kBound)) << "requests stalled";
  heal();
  const int at_heal = load.total();
  ASSERT_TRUE(test::wait_until([&] { return load.total() > at_heal + 50; }, kBound));
  const auto statuses = load.finish();
  for (const auto& [status, count] : statuses) EXPECT_EQ(status, 200u) << count << " answers with status " << status;
}

// system_info expires every second: the load mixes hits, misses and stores.
std::string short_info_route() {
  return "routes:\n  - name: system_info\n    match: GET /api/system/info\n    ttl: 1s\n    key: system_info\n"
         "    shared: true\n";
}

TEST(RedisFaults, KilledUnderLoadNoClientError) {
  Deployment d(slow_info(0ms, short_info_route()));
  expect_no_errors_through(d, [&] { d.redis().kill(); }, [&] { d.redis().restart(); });
}

TEST(RedisFaults, PausedUnderLoadNoClientError) {
  Deployment d(slow_info(0ms, short_info_route()));
  expect_no_errors_through(d, [&] { d.redis().pause(); }, [&] { d.redis().resume(); });
}

TEST(RedisFaults, DebugSleepUnderLoadNoClientError) {
  DeploymentOptions options = slow_info(0ms, short_info_route());
  options.redis_args = {"--enable-debug-command", "local"};  // Redis 7 refuses DEBUG otherwise
  Deployment d(options);
  std::thread sleeper;
  std::string sleep_error;
  // 1 s: well under the test client's own read timeout, and 20 command timeouts long.
  expect_no_errors_through(
      d,
      [&] {
        sleeper = std::thread([&] {
          try {
            d.redis().cli({"DEBUG", "SLEEP", "1"});
          } catch (const std::exception& e) {
            sleep_error = e.what();
          }
        });
      },
      [&] { sleeper.join(); });
  EXPECT_EQ(sleep_error, "");
}

TEST(UpstreamFaults, AppKilledMidLoadHitsKeepBeingServed) {
  Deployment d(slow_info(0ms, info_route()));
  expect_no_errors_through(d, [&] { d.kill_stub(); }, [] {});
  EXPECT_EQ(d.get("/api/library/paged?page=2").status, 502u) << "a request the cache cannot answer is a 502";
  EXPECT_TRUE(d.proxy().running());
}

TEST(Shutdown, SigtermLetsASlowRequestFinishThenExitsZero) {
  DeploymentOptions options = slow_info(1500ms, info_route());
  Deployment d(options);
  Answer answer;
  std::thread slow([&] {
    auto response = HttpClient(d.port(), 10s).get(kInfo);
    answer = {response.status, response.header("X-Cache"), response.body};
  });
  ASSERT_TRUE(test::wait_until([&] { return d.stub().count(kInfo) == 1; }, kBound));  // in the app now
  ASSERT_TRUE(d.proxy().signal(SIGTERM));
  slow.join();
  EXPECT_EQ(answer.status, 200u) << answer.body;
  EXPECT_EQ(d.proxy().wait_exit(kBound), 0);
}

TEST(Shutdown, SigtermLetsADownloadFinish) {
  DeploymentOptions options;
  options.stub.game_size = 64u << 20;
  Deployment d(options);
  HttpClient client(d.port(), 20s);
  http::request<http::empty_body> request{http::verb::get, "/api/get_game/1", 11};
  request.set(http::field::host, "127.0.0.1");
  request.set(http::field::authorization, as_alice()[0].second);
  http::write(client.socket(), request);
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  http::read_header(client.socket(), client.buffer(), parser);
  ASSERT_EQ(parser.get().result_int(), 200u);
  ASSERT_TRUE(d.proxy().signal(SIGTERM));  // mid-download
  std::uint64_t received = 0;
  std::vector<char> chunk(64 * 1024);
  while (!parser.is_done()) {
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    error_code ec;
    http::read(client.socket(), client.buffer(), parser, ec);
    if (ec && ec != http::error::need_buffer) FAIL() << ec.message() << " after " << received << " bytes";
    received += chunk.size() - parser.get().body().size;
  }
  EXPECT_EQ(received, 64u << 20);
  EXPECT_EQ(d.proxy().wait_exit(kBound), 0);
}

}  // namespace
}  // namespace foilcache::testing

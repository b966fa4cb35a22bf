// What several integration files build their scenarios from: request targets and bounds,
// config snippets, a burst's answers, steady load with a fault in the middle of it, and the
// operator's side of the admin API and the webhook. Each file's own helpers stay in it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <latch>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/webhook_signature.hpp"
#include "tests/integration/deployment.hpp"
#include "tests/support/wait.hpp"

namespace foilcache::testing {

// The helpers moved here from their test files unchanged, duration literals included.
using namespace std::chrono_literals;

inline constexpr const char* kInfo = "/api/system/info";
inline constexpr const char* kLibrary = "/api/library/paged";
inline constexpr auto kBound = 10s;
inline constexpr const char* kToken = "admin-token-for-tests";
inline constexpr const char* kSecret = "webhook-secret-for-tests";

// ---- Load, stampedes and outages (coalescing, stale, conditional requests, faults, shutdown)

// system_info takes exactly `latency` in the app; every other simulated latency is 0.
inline DeploymentOptions slow_info(std::chrono::milliseconds latency, std::string routes) {
  DeploymentOptions options;
  options.stub.latency_scale = 1;
  options.stub.library_latency = {0ms, 0ms};
  options.stub.shop_latency = {0ms, 0ms};
  options.stub.metadata_latency = {0ms, 0ms};
  options.stub.system_info_latency = {latency, latency};
  options.config_yaml = config_head("foilcache:") + std::move(routes);
  return options;
}

inline std::string info_route(std::string_view extra = {}) {
  return "routes:\n  - name: system_info\n    match: GET /api/system/info\n    ttl: 5m\n    key: system_info\n"
         "    shared: true\n    tags: [system]\n" +
         std::string(extra);
}

struct Answer {
  unsigned status = 0;
  std::string x_cache;
  std::string body;
  Response response;  // all of it
};

// Sends `count` GETs at once (one thread and connection each, released together), to
// `ports[i % ports.size()]`, with `headers_for(i)`; returns every answer.
inline std::vector<Answer> burst(const std::vector<std::uint16_t>& ports, int count, std::string_view target,
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
        answers[i] = {response.status, response.header("X-Cache"), response.body, response};
      } catch (const std::exception& e) {
        answers[i].body = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  return answers;
}


// A route whose entries expire after 1 s, then stay usable stale.
inline std::string stale_route(std::string_view windows) {
  return "routes:\n  - name: respond\n    match: GET /__stub/respond\n    ttl: 1s\n    key: \"respond:{query.size}\"\n"
         "    shared: true\n" +
         std::string(windows);
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
inline void expect_no_errors_through(Deployment& d, const std::function<void()>& fault, const std::function<void()>& heal) {
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

// ---- Observability (metrics, access log)

inline std::string observability_config(std::string_view log_section = "") {
  return config_head("fc-obs:", "1s") + std::string(log_section) +
         R"(
routes:
  - name: respond_anon
    match: GET /__stub/respond
    ttl: 5m
    key: "respond:{query}"
    tags: [respond]
  - name: library_paged
    match: GET /api/library/paged
    ttl: 5m
    key: "library_paged:{query.page|1}:{user}"
    tags: [library]
)";
}

// Asks for `target` (with `headers`) until `done` holds for the answer, for at most 8 s;
// the last answer in `last`. An entry going stale or being refreshed is waited for so.
inline bool get_until(const Deployment& d, std::string_view target, const std::function<bool(const Response&)>& done,
               Response& last, const Headers& headers = {}) {
  return test::wait_until(
      [&] {
        last = d.client().get(target, headers);
        return done(last);
      },
      8s);
}

// ---- The operator (tag invalidation, webhook, replicas, warming)

inline Headers admin() { return {{"Authorization", std::string("Bearer ") + kToken}}; }

inline DeploymentOptions operator_options() {
  DeploymentOptions options;
  options.env.emplace_back("FOILCACHE_ADMIN_TOKEN", kToken);
  options.webhook_secret = kSecret;
  return options;
}

inline std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A delivery as the updater signs it, with the parts a test may spoil.
struct Delivery {
  std::string body = R"({"event":"library_updated","generation":7})";
  std::int64_t timestamp = unix_now();
  std::string secret = kSecret;
  bool sign = true;
  std::string signed_body;  // empty: the body that is sent

  Response send(std::uint16_t port) const {
    Headers headers{{"Content-Type", "application/json"}};
    if (sign) {
      const std::string ts = std::to_string(timestamp);
      headers.emplace_back("X-Foilcache-Timestamp", ts);
      headers.emplace_back("X-Foilcache-Signature",
                           common::sign_webhook(secret, ts, signed_body.empty() ? body : signed_body));
    }
    return HttpClient(port).request(http::verb::post, "/api/cache/webhook", headers, body);
  }
};

}  // namespace foilcache::testing

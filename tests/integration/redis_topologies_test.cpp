// foilcache on a Redis Cluster and on Sentinel, the real binary: entries spread over the
// masters, invalidation, clear and the L1 of two replicas kept coherent cluster-wide; a
// failover, a resharding and a killed master under load with every body checked, and HITs
// again within 10 s of the new topology.
#include <atomic>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/integration/scenarios.hpp"
#include "tests/support/redis_cluster.hpp"
#include "tests/support/redis_sentinel.hpp"

namespace foilcache::testing {
namespace {

constexpr int kKeys = 40;

Headers admin() { return {{"Authorization", std::string("Bearer ") + kToken}}; }

std::string target(int size) { return "/__stub/respond?size=" + std::to_string(size); }

// What the app answers for `target(size)`: `size` bytes of 'a'..'z' repeated.
bool right_body(const std::string& body, int size) {
  if (body.size() != static_cast<std::size_t>(size)) return false;
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] != static_cast<char>('a' + i % 26)) return false;
  }
  return true;
}

// foilcache on `redis_url` (a cluster or Sentinel url), L1 on or off.
DeploymentOptions on(const std::string& redis_url, bool l1) {
  DeploymentOptions options;
  options.redis = false;
  options.env = {{"REDIS_URL", redis_url}, {"FOILCACHE_ADMIN_TOKEN", kToken}};
  options.config_yaml = config_head("fc-topo:", "200ms") + "admin:\n  token: ${FOILCACHE_ADMIN_TOKEN}\nl1:\n  enabled: " +
                        (l1 ? "true" : "false") +
                        "\nroutes:\n  - name: respond\n    match: GET /__stub/respond\n    ttl: 5m\n"
                        "    key: \"respond:{query.size}\"\n    shared: true\n    tags: [respond]\n";
  return options;
}

// GETs of kKeys targets from `threads` clients, every body checked, until finish().
class CheckedLoad {
 public:
  CheckedLoad(std::uint16_t port, int threads) {
    for (int t = 0; t < threads; ++t) {
      workers_.emplace_back([this, port, t] {
        std::mt19937 rng(static_cast<unsigned>(t) + 1);
        while (!stop_.load()) {
          try {
            HttpClient client(port, 5s);
            while (!stop_.load()) {
              const int size = 1 + static_cast<int>(rng() % kKeys);
              const Response r = client.get(target(size));
              std::lock_guard lock(mutex_);
              ++statuses_[r.status];
              if (r.status == 200 && !right_body(r.body, size)) ++wrong_;
              ++cache_[r.header("X-Cache")];
              ++total_;
            }
          } catch (const std::exception&) {
            std::lock_guard lock(mutex_);
            ++statuses_[0];
          }
        }
      });
    }
  }
  ~CheckedLoad() { finish(); }
  void finish() {
    stop_ = true;
    for (auto& w : workers_) {
      if (w.joinable()) w.join();
    }
  }
  int total() {
    std::lock_guard lock(mutex_);
    return total_;
  }
  // Waits until `more` answers came after now (the load is not stalled).
  bool advances(int more = 100) {
    const int at = total();
    return test::wait_until([&] { return total() >= at + more; }, kBound);
  }
  void expect_clean() {
    finish();
    std::string kinds;
    for (const auto& [kind, count] : cache_) kinds += (kinds.empty() ? "" : " ") + kind + "=" + std::to_string(count);
    ::testing::Test::RecordProperty("answers", kinds);  // how many were served from Redis, how many bypassed
    EXPECT_EQ(wrong_, 0) << "answers whose body is another key's or broken";
    for (const auto& [status, count] : statuses_) EXPECT_EQ(status, 200u) << count << " answers with status " << status;
  }

 private:
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::map<unsigned, int> statuses_;
  std::map<std::string, int> cache_;  // X-Cache -> answers
  int wrong_ = 0;
  int total_ = 0;
  std::vector<std::thread> workers_;
};

// Every io thread of the foilcache on `port` reaches its store (each has its own client,
// which must learn the topology and connect).
bool store_enabled(std::uint16_t port) {
  return test::wait_until(
      [&] { return HttpClient(port).get("/healthz").body.find("\"store\":\"enabled\"") != std::string::npos; }, kBound);
}

// Within 10 s a GET of `size` is a HIT again (it is re-stored first if it had to be); the
// time it took is recorded as the test's property `label`.
bool hits_again(Deployment& d, int size, const std::string& label = {}) {
  const auto began = std::chrono::steady_clock::now();
  const bool hit = test::wait_until([&] { return d.get(target(size)).header("X-Cache") == "HIT"; }, 10s);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began);
  if (!label.empty()) ::testing::Test::RecordProperty(label + "_ms_to_hit", std::to_string(ms.count()));
  return hit;
}

TEST(RedisTopologies, ClusterSpreadsInvalidatesAndClears) {
  test::RedisCluster cluster;
  Deployment d(on(cluster.url(), true));
  ASSERT_TRUE(store_enabled(d.port())) << d.proxy_log();
  for (int size = 1; size <= kKeys; ++size) {
    const Response first = d.get(target(size));
    ASSERT_EQ(first.header("X-Cache"), "MISS") << size << "\n" << d.proxy_log();
    ASSERT_TRUE(right_body(first.body, size));
    EXPECT_EQ(d.get(target(size)).header("X-Cache"), "HIT") << size;
  }
  std::set<std::size_t> holders;
  for (const std::size_t m : cluster.masters()) {
    for (const auto& key : cluster.keys_on(m)) {
      if (key.starts_with("fc-topo:respond:")) holders.insert(m);
    }
  }
  EXPECT_EQ(holders.size(), 3u) << "Redis Cluster places the entries, on every master";
  const Response info = d.client().get("/api/cache/info", admin());
  EXPECT_NE(info.body.find("\"keys\":" + std::to_string(kKeys)), std::string::npos) << info.body;

  ASSERT_EQ(d.client().request(http::verb::post, "/api/cache/invalidate/respond", admin()).status, 200u);
  EXPECT_EQ(d.get(target(7)).header("X-Cache"), "MISS") << "the tag's generation lives on one master, read by all";
  const Response cleared = d.client().request(http::verb::post, "/api/cache/clear", admin());
  EXPECT_EQ(cleared.body, "{\"deleted\":" + std::to_string(kKeys) + "}\n") << "SCAN + UNLINK on every master";
  for (const std::size_t m : cluster.masters()) {
    for (const auto& key : cluster.keys_on(m)) EXPECT_FALSE(key.starts_with("fc-topo:respond:")) << key;
  }
}

TEST(RedisTopologies, ClusterKeepsTwoReplicasCoherent) {
  test::RedisCluster cluster;
  Deployment d(on(cluster.url(), true));
  Replica other = d.start_replica();
  ASSERT_TRUE(store_enabled(d.port()) && store_enabled(other.port)) << d.proxy_log();
  ASSERT_EQ(d.get(target(5)).header("X-Cache"), "MISS");
  ASSERT_EQ(other.get(target(5)).header("X-Cache"), "HIT");
  ASSERT_EQ(other.get(target(5)).header("X-Cache"), "HIT") << "now from its L1";
  ASSERT_EQ(d.client().request(http::verb::post, "/api/cache/invalidate/respond", admin()).status, 200u);
  EXPECT_EQ(other.get(target(5)).header("X-Cache"), "MISS") << "the other replica's L1 heard it (PUBLISH on a cluster)";
}

TEST(RedisTopologies, ClusterFailoverReshardAndKilledMasterUnderLoad) {
  test::RedisCluster cluster;
  Deployment d(on(cluster.url(), false));  // no L1: every hit is a Redis read
  ASSERT_TRUE(store_enabled(d.port())) << d.proxy_log();
  for (int size = 1; size <= kKeys; ++size) d.get(target(size));
  CheckedLoad load(d.port(), 4);
  ASSERT_TRUE(load.advances());

  const std::size_t first = cluster.masters().front();
  cluster.failover(cluster.replicas_of(first).front());
  ASSERT_TRUE(load.advances()) << "requests stalled after the failover\n" << d.proxy_log();
  EXPECT_TRUE(hits_again(d, 3, "failover")) << d.proxy_log();

  const int slot = test::RedisCluster::key_slot("fc-topo:respond:9");
  const std::size_t from = cluster.master_of_slot(slot);
  const std::size_t to = cluster.masters().front() == from ? cluster.masters().back() : cluster.masters().front();
  cluster.move_slots(from, to, slot, slot);
  ASSERT_TRUE(load.advances()) << "requests stalled after the resharding\n" << d.proxy_log();
  EXPECT_TRUE(hits_again(d, 9, "reshard")) << d.proxy_log();

  cluster.wait_replicated();
  cluster.kill(cluster.masters().back());
  ASSERT_TRUE(load.advances()) << "requests stalled with a master down";
  cluster.wait_ok();
  for (int size = 1; size <= kKeys; size += 13) {
    EXPECT_TRUE(hits_again(d, size, "killed_master_" + std::to_string(size))) << size << "\n" << d.proxy_log();
  }
  ASSERT_TRUE(load.advances());
  load.expect_clean();
}

TEST(RedisTopologies, SentinelFailoverUnderLoad) {
  test::RedisSentinel sentinel;
  Deployment d(on(sentinel.url(), false));
  ASSERT_TRUE(store_enabled(d.port())) << d.proxy_log();
  for (int size = 1; size <= kKeys; ++size) d.get(target(size));
  CheckedLoad load(d.port(), 4);
  ASSERT_TRUE(load.advances());
  const std::uint16_t old_master = sentinel.kill_master();
  ASSERT_TRUE(load.advances()) << "requests stalled with the master down";
  sentinel.wait_failover(old_master);
  EXPECT_TRUE(hits_again(d, 4, "sentinel_failover")) << d.proxy_log();
  ASSERT_TRUE(load.advances());
  load.expect_clean();
}

}  // namespace
}  // namespace foilcache::testing

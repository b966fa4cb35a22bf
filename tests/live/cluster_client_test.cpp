// ClusterClient against a real Redis Cluster (3 masters, 3 replicas, started per suite or per
// test): slot routing, pipelines across nodes, cross-slot deletes, MOVED after a resharding,
// ASK during a migration, failover, and RedisStore's contract on top of it.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "proxy/redis/cluster_client.hpp"
#include "proxy/redis/cluster_slots.hpp"
#include "proxy/redis/redis_error.hpp"
#include "proxy/store/redis_store.hpp"
#include "tests/live/redis_test_util.hpp"
#include "tests/support/asio_run.hpp"
#include "tests/support/redis_cluster.hpp"
#include "tests/support/tag_contract.hpp"

namespace foilcache::redis {
namespace {

using namespace std::chrono_literals;
using test::RedisCluster;
using test::set_test_timeouts;

config::RedisConfig cluster_config(const RedisCluster& cluster, std::size_t seeds = 3) {
  config::RedisConfig config;
  config.url = cluster.seed_url(seeds);
  config.topology = config::RedisConfig::Topology::kCluster;
  for (std::size_t i = 0; i < cluster.size() && config.nodes.size() < seeds; ++i) {
    config.nodes.push_back({"127.0.0.1", cluster.port(i)});
  }
  config.host = config.nodes.front().host;
  config.port = config.nodes.front().port;
  set_test_timeouts(config, 500ms);  // generous: redirections and failovers take round trips
  return config;
}

// A started ClusterClient on its own io_context, with helpers that run commands to the end.
struct Harness {
  explicit Harness(const RedisCluster& cluster, std::size_t seeds = 3)
      : client(std::make_shared<ClusterClient>(ioc, cluster_config(cluster, seeds), log.fn())) {
    client->start();
  }
  bool wait_connected(std::chrono::milliseconds bound = 10s) {
    return test::run_until(ioc, [&] { return client->connected(); }, bound);
  }
  Result run(std::vector<std::string> argv) {
    auto result = test::run_awaitable(ioc, client->command(std::move(argv)), 10s);
    if (!result) ADD_FAILURE() << "the command did not complete";
    return result ? std::move(*result) : Result{make_error_code(Errc::timeout), {}};
  }
  std::string text(std::vector<std::string> argv) {
    Result result = run(std::move(argv));
    if (result.ec) return "(ec) " + result.ec.message();
    if (result.reply.type == ReplyType::kInteger) return std::to_string(result.reply.integer);
    if (result.reply.is_nil()) return "(nil)";
    return std::string(result.reply.str());
  }
  // Retries `argv` until its answer is `expected` (a topology change settling), bounded.
  bool eventually(const std::vector<std::string>& argv, const std::string& expected,
                  std::chrono::milliseconds bound = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + bound;
    while (std::chrono::steady_clock::now() < deadline) {
      if (text(argv) == expected) return true;
      test::run_until(ioc, [] { return false; }, 20ms);  // lets reconnects and refreshes run
    }
    return false;
  }

  net::io_context ioc;
  test::LogSink log;
  std::shared_ptr<ClusterClient> client;
};

class ClusterClientShared : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cluster_ = new RedisCluster(); }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  static RedisCluster* cluster_;
};
RedisCluster* ClusterClientShared::cluster_ = nullptr;

TEST_F(ClusterClientShared, KeySlotAgreesWithTheServer) {
  std::mt19937 rng(20261204);
  std::vector<std::string> keys{"foilcache:@gen:library", "foilcache:@stats", "foilcache:lib:alice:p=1",
                                "{tag}x", "a{}b", "a{b}{c}", "{", "}", "{}", "x{y", "x}y{z}"};
  for (int i = 0; i < 200; ++i) {
    std::string key(1 + rng() % 24, 'a');
    for (char& c : key) c = static_cast<char>(32 + rng() % 95);
    keys.push_back(key);
  }
  for (const auto& key : keys) {
    EXPECT_EQ(std::to_string(key_slot(key)), cluster_->cli(0, {"CLUSTER", "KEYSLOT", key})) << key;
  }
}

TEST_F(ClusterClientShared, EveryKeyGoesToItsSlotsMaster) {
  Harness h(*cluster_);
  ASSERT_TRUE(h.wait_connected()) << h.log.joined();
  for (int i = 0; i < 60; ++i) {
    const std::string key = "route:" + std::to_string(i);
    ASSERT_EQ(h.text({"SET", key, "v" + std::to_string(i)}), "OK") << key;
    const std::size_t owner = cluster_->master_of_slot(RedisCluster::key_slot(key));
    EXPECT_EQ(cluster_->cli(owner, {"GET", key}), "v" + std::to_string(i)) << key << " is on its master";
    EXPECT_EQ(h.text({"GET", key}), "v" + std::to_string(i));
  }
  EXPECT_EQ(h.client->data_nodes().size(), 3u);
  EXPECT_EQ(h.client->stats().redirects, 0u) << "a known slot map needs no redirection";
}

TEST_F(ClusterClientShared, APipelineSpansNodesAndKeepsItsOrder) {
  Harness h(*cluster_);
  ASSERT_TRUE(h.wait_connected()) << h.log.joined();
  std::vector<std::string> keys;
  for (int i = 0; i < 30; ++i) keys.push_back("pipe:" + std::to_string(i));
  for (std::size_t i = 0; i < keys.size(); ++i) ASSERT_EQ(h.text({"SET", keys[i], std::to_string(i)}), "OK");
  std::vector<std::vector<std::string_view>> gets;
  for (const auto& key : keys) gets.push_back({"GET", key});
  gets.push_back({"PING"});
  auto results = test::run_awaitable(h.ioc, h.client->pipeline(gets), 10s);
  ASSERT_TRUE(results);
  ASSERT_EQ(results->size(), keys.size() + 1);
  for (std::size_t i = 0; i < keys.size(); ++i) EXPECT_EQ((*results)[i].reply.str(), std::to_string(i)) << keys[i];
  EXPECT_EQ(results->back().reply.str(), "PONG") << "a keyless command goes to any master";
}

TEST_F(ClusterClientShared, ACrossSlotUnlinkIsSplitAndCounted) {
  Harness h(*cluster_);
  ASSERT_TRUE(h.wait_connected()) << h.log.joined();
  std::vector<std::string> unlink{"UNLINK"};
  for (int i = 0; i < 12; ++i) {
    const std::string key = "many:" + std::to_string(i);
    ASSERT_EQ(h.text({"SET", key, "x"}), "OK");
    unlink.push_back(key);
  }
  unlink.push_back("many:absent");
  EXPECT_EQ(h.text(unlink), "12") << "one UNLINK per key, answers added up";
  EXPECT_EQ(cluster_->cli(cluster_->master_of_slot(RedisCluster::key_slot("many:3")), {"EXISTS", "many:3"}), "0");
}

TEST_F(ClusterClientShared, CommandAtReachesEachMaster) {
  Harness h(*cluster_);
  ASSERT_TRUE(h.wait_connected()) << h.log.joined();
  std::size_t total = 0;
  ASSERT_EQ(h.text({"SET", "dbsize:probe", "x"}), "OK");
  for (const auto& node : h.client->data_nodes()) {
    auto result = test::run_awaitable(h.ioc, h.client->command_at(node, {"DBSIZE"}), 10s);
    ASSERT_TRUE(result && !result->ec) << node;
    total += static_cast<std::size_t>(result->reply.integer);
  }
  std::size_t expected = 0;
  for (const std::size_t m : cluster_->masters()) expected += std::stoul(cluster_->cli(m, {"DBSIZE"}));
  EXPECT_EQ(total, expected);
  auto unknown = test::run_awaitable(h.ioc, h.client->command_at("127.0.0.1:1", {"DBSIZE"}), 10s);
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->ec, make_error_code(Errc::not_connected));
}

TEST_F(ClusterClientShared, ASubscriberHearsAPublishOnAnyNode) {
  net::io_context ioc;
  auto subscriber = std::make_shared<ClusterClient>(ioc, cluster_config(*cluster_));
  std::vector<std::string> heard;
  bool subscribed = false;
  subscriber->subscribe(
      "foilcache-test:@invalidate", [&](std::string_view payload) { heard.emplace_back(payload); },
      [&] { subscribed = true; }, {});
  subscriber->start();
  ASSERT_TRUE(test::run_until(ioc, [&] { return subscribed; }, 10s));
  for (const std::size_t m : cluster_->masters()) cluster_->cli(m, {"PUBLISH", "foilcache-test:@invalidate", "m" + std::to_string(m)});
  ASSERT_TRUE(test::run_until(ioc, [&] { return heard.size() == 3; }, 10s)) << heard.size();
}

TEST_F(ClusterClientShared, RedisStoreKeepsItsTagContract) {
  Harness h(*cluster_);
  ASSERT_TRUE(h.wait_connected()) << h.log.joined();
  store::RedisStore store(h.client, "contract:");
  store::test_contract::check_tag_generations(h.ioc, store);
}

TEST_F(ClusterClientShared, RedisStoreCountsAndClearsOnEveryMaster) {
  Harness h(*cluster_);
  ASSERT_TRUE(h.wait_connected()) << h.log.joined();
  store::RedisStore store(h.client, "scan:");
  for (int i = 0; i < 40; ++i) {
    auto entry = store::test_contract::tagged_entry("body", {"library"}, {0});
    ASSERT_EQ(test::run_awaitable(h.ioc, store.put("k" + std::to_string(i), entry, 1min)), store::StoreStatus::kOk);
  }
  ASSERT_EQ(test::run_awaitable(h.ioc, store.invalidate_tag("library", nullptr)), store::StoreStatus::kOk);
  std::set<std::size_t> holders;
  for (const std::size_t m : cluster_->masters()) {
    for (const auto& key : cluster_->keys_on(m)) {
      if (key.starts_with("scan:k")) holders.insert(m);
    }
  }
  EXPECT_EQ(holders.size(), 3u) << "the entries are spread over every master";
  auto counted = test::run_awaitable(h.ioc, store.count(), 10s);
  ASSERT_TRUE(counted);
  EXPECT_EQ(counted->count, 40u) << "SCAN on every master; generations and stats are not entries";
  auto removed = test::run_awaitable(h.ioc, store.remove_matching("k1*"), 10s);
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->count, 11u);  // k1, k10..k19
  EXPECT_EQ(test::run_awaitable(h.ioc, store.count(), 10s)->count, 29u);
}

// --- topology changes: each test has a cluster of its own ---

TEST(ClusterClientTopology, MovedAfterAReshardingIsFollowed) {
  RedisCluster cluster;
  Harness h(cluster);
  ASSERT_TRUE(h.wait_connected()) << h.log.joined();
  const std::string key = "moving";
  const int slot = RedisCluster::key_slot(key);
  ASSERT_EQ(h.text({"SET", key, "before"}), "OK");
  const std::size_t from = cluster.master_of_slot(slot);
  const std::size_t to = cluster.masters().front() == from ? cluster.masters().back() : cluster.masters().front();
  cluster.move_slots(from, to, slot, slot);
  EXPECT_EQ(h.text({"GET", key}), "before") << "MOVED followed at once, the key came with its slot";
  EXPECT_GE(h.client->stats().redirects, 1u);
  ASSERT_EQ(h.text({"SET", key, "after"}), "OK");
  EXPECT_EQ(cluster.cli(to, {"GET", key}), "after") << "the table learned the move";
}

TEST(ClusterClientTopology, AskDuringAMigrationIsFollowed) {
  RedisCluster cluster;
  Harness h(cluster);
  ASSERT_TRUE(h.wait_connected()) << h.log.joined();
  const int slot = RedisCluster::key_slot("half");
  const std::size_t from = cluster.master_of_slot(slot);
  const std::size_t to = cluster.masters().front() == from ? cluster.masters().back() : cluster.masters().front();
  ASSERT_EQ(h.text({"SET", "half", "moved-early"}), "OK");
  cluster.begin_migration(slot, from, to);
  cluster.cli(from, {"MIGRATE", "127.0.0.1", std::to_string(cluster.port(to)), "half", "0", "5000"});
  EXPECT_EQ(h.text({"GET", "half"}), "moved-early") << "ASK, then ASKING + GET on the importing node";
  EXPECT_GE(h.client->stats().redirects, 1u);
  const auto left = cluster.keys_on(from);
  EXPECT_EQ(std::count(left.begin(), left.end(), "half"), 0) << "the key really is on the importing node";
  cluster.finish_migration(slot, from, to);
  EXPECT_EQ(h.text({"GET", "half"}), "moved-early");
}

TEST(ClusterClientTopology, AFailoverIsFollowedWithinSeconds) {
  RedisCluster cluster;
  Harness h(cluster);
  ASSERT_TRUE(h.wait_connected()) << h.log.joined();
  const std::string key = "failover";
  ASSERT_EQ(h.text({"SET", key, "kept"}), "OK");
  cluster.wait_replicated();
  const std::size_t master = cluster.master_of_slot(RedisCluster::key_slot(key));
  cluster.failover(cluster.replicas_of(master).front());
  EXPECT_TRUE(h.eventually({"GET", key}, "kept", 10s)) << h.log.joined();
  EXPECT_TRUE(h.wait_connected(10s)) << "the new map's masters are all connected";
}

TEST(ClusterClientTopology, AKilledMasterFailsFastThenItsReplicaServes) {
  RedisCluster cluster;
  Harness h(cluster);
  ASSERT_TRUE(h.wait_connected()) << h.log.joined();
  const std::string key = "killed";
  ASSERT_EQ(h.text({"SET", key, "survives"}), "OK");
  cluster.wait_replicated();
  cluster.kill(cluster.master_of_slot(RedisCluster::key_slot(key)));
  const auto before = std::chrono::steady_clock::now();
  const Result during = h.run({"GET", key});
  EXPECT_LT(std::chrono::steady_clock::now() - before, 2s) << "bounded by redis.timeout, not hung";
  EXPECT_TRUE(during.ec || during.reply.str() == "survives");
  cluster.wait_ok();
  EXPECT_TRUE(h.eventually({"GET", key}, "survives", 10s)) << h.log.joined();
}

TEST(ClusterClientTopology, OneLiveSeedIsEnough) {
  RedisCluster cluster;
  cluster.kill(cluster.masters().back());
  cluster.wait_ok();
  config::RedisConfig config = cluster_config(cluster);
  net::io_context ioc;
  auto client = std::make_shared<ClusterClient>(ioc, config);
  client->start();
  ASSERT_TRUE(test::run_until(ioc, [&] { return client->connected(); }, 10s))
      << "the dead seed is skipped, the others give the map";
}

}  // namespace
}  // namespace foilcache::redis

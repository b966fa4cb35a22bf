// The helpers in tests/support (used by every suite that runs processes).
#include <signal.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/process.hpp"
#include "tests/support/redis_cluster.hpp"
#include "tests/support/redis_sentinel.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/wait.hpp"

namespace foilcache::test {
namespace {

using namespace std::chrono_literals;

TEST(TestSupportWaitUntil, ReturnsTrueOnceTheConditionHolds) {
  int polls = 0;
  EXPECT_TRUE(wait_until([&] { return ++polls >= 3; }, 2s, 1ms));
  EXPECT_EQ(polls, 3);
}

TEST(TestSupportWaitUntil, GivesUpAfterTheBound) {
  const auto before = std::chrono::steady_clock::now();
  EXPECT_FALSE(wait_until([] { return false; }, 30ms));
  EXPECT_GE(std::chrono::steady_clock::now() - before, 30ms);
}

TEST(TestSupportProcess, CapturesOutputEnvironmentAndExitCode) {
  Process process({"sh", "-c", "echo out-$FOILCACHE_T; echo err >&2; exit 3"}, {{{"FOILCACHE_T", "v1"}}, {}, {}});
  EXPECT_EQ(process.wait_exit(5s), 3);
  EXPECT_FALSE(process.running());
  const std::string log = process.log_tail();
  EXPECT_NE(log.find("out-v1"), std::string::npos) << log;
  EXPECT_NE(log.find("err"), std::string::npos) << log;
}

TEST(TestSupportProcess, TerminateStopsALongRunningChild) {
  Process process({"sleep", "30"});
  EXPECT_TRUE(process.running());
  EXPECT_FALSE(process.wait_exit(20ms));
  EXPECT_EQ(process.terminate(2s), 128 + SIGTERM);
  EXPECT_FALSE(process.signal(SIGTERM));
}

TEST(TestSupportProcess, MissingBinaryThrows) {
  EXPECT_THROW(Process({"/nonexistent/foilcache-binary"}), std::runtime_error);
}

TEST(TestSupportPorts, FreePortOpensWhenSomethingListens) {
  const std::uint16_t port = free_port();
  EXPECT_FALSE(wait_port_open(port, 20ms));
  RedisServer server;
  EXPECT_TRUE(wait_port_open(server.port(), 1s));
}

TEST(TestSupportRedisServer, RestartKeepsThePortAndStartsEmpty) {
  RedisServer server;
  server.cli({"SET", "k", "v"});
  EXPECT_EQ(server.keys(), std::vector<std::string>{"k"});
  const auto port = server.port();
  server.restart();
  EXPECT_EQ(server.port(), port);
  EXPECT_EQ(server.cli({"GET", "k"}), "(nil)");
  EXPECT_EQ(server.url(), "redis://127.0.0.1:" + std::to_string(port));
}

TEST(TestSupportRedisServer, PasswordIsRequiredAndUsedByCli) {
  RedisServer server(RedisServerOptions{{}, "pw-123"});
  EXPECT_EQ(server.cli({"PING"}), "PONG");
  EXPECT_EQ(server.url(), "redis://:pw-123@127.0.0.1:" + std::to_string(server.port()));
}

// Three masters, no replicas: enough for slot moves, and quicker to form.
RedisClusterOptions masters_only() {
  RedisClusterOptions options;
  options.replicas_per_master = 0;
  return options;
}

bool contains(const std::vector<std::size_t>& nodes, std::size_t node) {
  return std::find(nodes.begin(), nodes.end(), node) != nodes.end();
}

std::string moved(int slot, const RedisCluster& cluster, std::size_t node) {
  return "(error) MOVED " + std::to_string(slot) + " 127.0.0.1:" + std::to_string(cluster.port(node));
}

// A master other than `master`.
std::size_t other_master(const RedisCluster& cluster, std::size_t master) {
  for (const auto node : cluster.masters()) {
    if (node != master) return node;
  }
  throw std::runtime_error("a single master");
}

TEST(TestSupportRedisCluster, StartsAndServesEverySlot) {
  RedisCluster cluster;
  ASSERT_EQ(cluster.size(), 6u);
  const auto masters = cluster.masters();
  ASSERT_EQ(masters.size(), 3u);
  EXPECT_EQ(cluster.replicas().size(), 3u);
  std::string seeds = "redis+cluster://";
  for (const auto master : masters) {
    seeds += (seeds.back() == '/' ? "127.0.0.1:" : ",127.0.0.1:") + std::to_string(cluster.port(master));
    ASSERT_EQ(cluster.replicas_of(master).size(), 1u);
    EXPECT_EQ(cluster.master_of(cluster.replicas_of(master).front()), master);
  }
  EXPECT_EQ(cluster.url(), seeds);
  EXPECT_EQ(cluster.seed_url(1), "redis+cluster://127.0.0.1:" + std::to_string(cluster.port(masters.front())));
  for (std::size_t i = 0; i < cluster.size(); ++i) {
    const std::string info = cluster.cli(i, {"CLUSTER", "INFO"});
    EXPECT_EQ(info_field(info, "cluster_state"), "ok") << info;
    EXPECT_EQ(info_field(info, "cluster_slots_assigned"), "16384") << info;
  }
  for (const int slot : {0, 5460, 5461, 10922, 10923, 16383}) {
    const std::string key = RedisCluster::key_in_slot(slot);
    EXPECT_EQ(cluster.cli(masters.front(), {"CLUSTER", "KEYSLOT", key}), std::to_string(slot));
    EXPECT_EQ(cluster.cli(0, {"CLUSTER", "KEYSLOT", "{" + key + "}.tagged"}), std::to_string(slot));
    EXPECT_EQ(RedisCluster::key_slot("{" + key + "}.tagged"), slot);
    const auto owner = cluster.master_of_slot(slot);
    EXPECT_TRUE(contains(masters, owner));
    EXPECT_EQ(cluster.cli(owner, {"SET", key, "v"}), "OK");
    EXPECT_EQ(cluster.cli(other_master(cluster, owner), {"GET", key}), moved(slot, cluster, owner));
    EXPECT_EQ(cluster.cli(owner, {"GET", key}), "v");
    const auto keys = cluster.keys_on(owner);
    EXPECT_NE(std::find(keys.begin(), keys.end(), key), keys.end());
  }
}

TEST(TestSupportRedisCluster, FailoverPromotesTheReplica) {
  RedisCluster cluster;
  const std::string key = RedisCluster::key_in_slot(1234);
  const auto master = cluster.master_of_slot(1234);
  ASSERT_EQ(cluster.cli(master, {"SET", key, "before"}), "OK");
  const auto replica = cluster.replicas_of(master).at(0);
  cluster.wait_replicated();
  cluster.failover(replica);
  EXPECT_EQ(cluster.master_of_slot(1234), replica);
  EXPECT_EQ(cluster.cli_array(replica, {"ROLE"}).at(0), "master");
  EXPECT_EQ(cluster.master_of(master), replica);
  EXPECT_TRUE(contains(cluster.replicas(), master));
  EXPECT_EQ(cluster.cli(replica, {"GET", key}), "before");
  EXPECT_EQ(cluster.cli(master, {"GET", key}), moved(1234, cluster, replica));
  EXPECT_THROW(cluster.failover(replica), std::invalid_argument);
}

TEST(TestSupportRedisCluster, KillPromotesTheReplica) {
  RedisCluster cluster;
  const std::string key = RedisCluster::key_in_slot(9000);
  const auto master = cluster.master_of_slot(9000);
  const auto replica = cluster.replicas_of(master).at(0);
  ASSERT_EQ(cluster.cli(master, {"SET", key, "kept"}), "OK");
  cluster.wait_replicated();
  cluster.kill(master);
  EXPECT_FALSE(cluster.running(master));
  cluster.wait_ok();
  EXPECT_EQ(cluster.master_of_slot(9000), replica);
  EXPECT_EQ(cluster.cli(replica, {"GET", key}), "kept");
  EXPECT_EQ(cluster.masters().size(), 3u);
  EXPECT_FALSE(contains(cluster.masters(), master));
  EXPECT_EQ(cluster.url().find(":" + std::to_string(cluster.port(master))), std::string::npos) << cluster.url();
  for (std::size_t i = 0; i < cluster.size(); ++i) {
    if (cluster.running(i)) {
      EXPECT_EQ(info_field(cluster.cli(i, {"CLUSTER", "INFO"}), "cluster_state"), "ok");
    }
  }
}

TEST(TestSupportRedisCluster, MoveSlotsMovesKeys) {
  RedisCluster cluster(masters_only());
  const auto from = cluster.master_of_slot(0);
  const auto to = other_master(cluster, from);
  std::vector<std::string> moving;
  for (int slot = 0; slot < 100; slot += 7) {
    for (const char* prefix : {"move0", "move1", "move2"}) {
      moving.push_back(RedisCluster::key_in_slot(slot, prefix));
      ASSERT_EQ(cluster.cli(from, {"SET", moving.back(), std::to_string(slot)}), "OK");
    }
  }
  const std::string staying = RedisCluster::key_in_slot(100);
  ASSERT_EQ(cluster.master_of_slot(100), from);
  ASSERT_EQ(cluster.cli(from, {"SET", staying, "here"}), "OK");
  cluster.move_slots(from, to, 0, 99);
  std::sort(moving.begin(), moving.end());
  EXPECT_EQ(cluster.keys_on(to), moving);
  EXPECT_EQ(cluster.keys_on(from), std::vector<std::string>{staying});
  for (std::size_t i = 0; i < cluster.size(); ++i) {
    EXPECT_EQ(cluster.cli(i, {"CLUSTER", "COUNTKEYSINSLOT", "0"}), i == to ? "3" : "0");
  }
  EXPECT_EQ(cluster.master_of_slot(0), to);
  EXPECT_EQ(cluster.master_of_slot(99), to);
  EXPECT_EQ(cluster.master_of_slot(100), from);
  EXPECT_EQ(cluster.cli(to, {"GET", moving.front()}), std::to_string(RedisCluster::key_slot(moving.front())));
  EXPECT_EQ(cluster.cli(from, {"GET", moving.front()}), moved(RedisCluster::key_slot(moving.front()), cluster, to));
  EXPECT_THROW(cluster.move_slots(from, to, 0, 0), std::invalid_argument);  // no longer on `from`
}

TEST(TestSupportRedisCluster, MigrationInStepsAnswersAsk) {
  RedisCluster cluster(masters_only());
  const int slot = 12000;
  const auto from = cluster.master_of_slot(slot);
  const auto to = other_master(cluster, from);
  const std::string old_key = RedisCluster::key_in_slot(slot, "old");
  const std::string new_key = RedisCluster::key_in_slot(slot, "new");
  ASSERT_EQ(cluster.cli(from, {"SET", old_key, "1"}), "OK");
  cluster.begin_migration(slot, from, to);
  const std::string ask = "(error) ASK " + std::to_string(slot) + " 127.0.0.1:" + std::to_string(cluster.port(to));
  EXPECT_EQ(cluster.cli(from, {"GET", old_key}), "1");  // still here: served
  EXPECT_EQ(cluster.cli(from, {"GET", new_key}), ask);  // not here: ask the target
  EXPECT_EQ(cluster.cli(to, {"GET", new_key}), moved(slot, cluster, from));  // target without ASKING
  RedisConnection asking(cluster.port(to));
  EXPECT_EQ(asking.command({"ASKING"}), "OK");
  EXPECT_EQ(asking.command({"SET", new_key, "2"}), "OK");
  EXPECT_EQ(cluster.master_of_slot(slot), from);
  cluster.finish_migration(slot, from, to);
  EXPECT_EQ(cluster.master_of_slot(slot), to);
  EXPECT_EQ(cluster.cli(to, {"GET", old_key}), "1");
  EXPECT_EQ(cluster.cli(to, {"GET", new_key}), "2");
  EXPECT_EQ(cluster.cli(from, {"GET", old_key}), moved(slot, cluster, to));
  EXPECT_TRUE(cluster.keys_on(from).empty());
}

TEST(TestSupportRedisCluster, PasswordIsRequiredAndUsedEverywhere) {
  RedisClusterOptions options = masters_only();
  options.password = "pw-cluster";
  RedisCluster cluster(options);
  EXPECT_EQ(cluster.url().rfind("redis+cluster://:pw-cluster@127.0.0.1:", 0), 0u) << cluster.url();
  EXPECT_EQ(RedisConnection(cluster.port(0)).command({"PING"}).rfind("(error) NOAUTH", 0), 0u);
  const std::string key = RedisCluster::key_in_slot(42);
  const auto from = cluster.master_of_slot(42);
  ASSERT_EQ(cluster.cli(from, {"SET", key, "secret"}), "OK");
  const auto to = other_master(cluster, from);
  cluster.move_slots(from, to, 42, 42);  // MIGRATE ... AUTH
  EXPECT_EQ(cluster.cli(to, {"GET", key}), "secret");
}

TEST(TestSupportRedisSentinel, KnowsTheMasterTheReplicaAndEachOther) {
  RedisSentinel sentinel;
  const auto ports = sentinel.data_ports();
  ASSERT_EQ(ports.size(), 2u);
  EXPECT_EQ(sentinel.master_port(), ports[0]);
  EXPECT_EQ(sentinel.url(), "redis+sentinel://127.0.0.1:" + std::to_string(sentinel.sentinel_port(0)) + ",127.0.0.1:" +
                                std::to_string(sentinel.sentinel_port(1)) + ",127.0.0.1:" +
                                std::to_string(sentinel.sentinel_port(2)) + "/mymaster");
  const std::string base = sentinel.url().substr(0, sentinel.url().size() - std::string("mymaster").size());
  EXPECT_EQ(sentinel.url("other", 3), base + "other/3");
  for (std::size_t i = 0; i < RedisSentinel::kSentinels; ++i) {
    EXPECT_EQ(sentinel.cli_sentinel_array(i, {"SENTINEL", "replicas", "mymaster"}).size(), 1u);
    EXPECT_EQ(sentinel.cli_sentinel_array(i, {"SENTINEL", "sentinels", "mymaster"}).size(), 2u);
    EXPECT_EQ(sentinel.cli_sentinel_array(i, {"SENTINEL", "get-master-addr-by-name", "mymaster"}),
              (std::vector<std::string>{"127.0.0.1", std::to_string(ports[0])}));
  }
  EXPECT_EQ(sentinel.cli_master({"ROLE"}).substr(0, 6), "master");
  EXPECT_EQ(sentinel.cli(ports[1], {"ROLE"}).substr(0, 5), "slave");
  EXPECT_EQ(sentinel.cli_master({"SET", "k", "v"}, 2), "OK");
  EXPECT_TRUE(wait_until([&] { return sentinel.cli(ports[1], {"GET", "k"}, 2) == "v"; }, 5s));
  EXPECT_EQ(sentinel.cli(ports[1], {"SET", "k", "w"}).rfind("(error) READONLY", 0), 0u);
}

TEST(TestSupportRedisSentinel, FailoverElectsTheReplica) {
  RedisSentinel sentinel;
  const auto ports = sentinel.data_ports();
  ASSERT_EQ(sentinel.cli_master({"SET", "k", "before"}), "OK");
  ASSERT_TRUE(wait_until([&] { return sentinel.cli(ports[1], {"GET", "k"}) == "before"; }, 5s));
  const auto old_port = sentinel.kill_master();
  EXPECT_EQ(old_port, ports[0]);
  EXPECT_FALSE(sentinel.server(old_port).running());
  const auto new_port = sentinel.wait_failover(old_port);
  EXPECT_EQ(new_port, ports[1]);
  EXPECT_EQ(sentinel.master_port(), new_port);
  for (std::size_t i = 0; i < RedisSentinel::kSentinels; ++i) {
    EXPECT_EQ(sentinel.cli_sentinel_array(i, {"SENTINEL", "get-master-addr-by-name", "mymaster"}).at(1),
              std::to_string(new_port));
  }
  EXPECT_EQ(sentinel.cli_master({"ROLE"}).substr(0, 6), "master");
  EXPECT_EQ(sentinel.cli_master({"GET", "k"}), "before");
  EXPECT_EQ(sentinel.cli_master({"SET", "k", "after"}), "OK");
}

TEST(TestSupportRedisSentinel, PasswordProtectsTheDataNodes) {
  RedisSentinelOptions options;
  options.password = "pw-sentinel";
  RedisSentinel sentinel(options);
  EXPECT_EQ(sentinel.url().rfind("redis+sentinel://:pw-sentinel@127.0.0.1:", 0), 0u) << sentinel.url();
  EXPECT_EQ(RedisConnection(sentinel.master_port()).command({"PING"}).rfind("(error) NOAUTH", 0), 0u);
  EXPECT_EQ(sentinel.cli_master({"PING"}), "PONG");
  EXPECT_EQ(sentinel.cli_sentinel(0, {"PING"}), "PONG");  // Sentinels take no password
  // The Sentinels saw the replica, so `sentinel auth-pass` let them read the master's INFO.
  EXPECT_EQ(sentinel.cli_sentinel_array(1, {"SENTINEL", "replicas", "mymaster"}).size(), 1u);
}

}  // namespace
}  // namespace foilcache::test

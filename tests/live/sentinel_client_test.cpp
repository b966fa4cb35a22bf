// SentinelClient against a real master, replica and three Sentinels: discovery, the ROLE
// check, a failover followed by commands and by a subscriber, and a master name the
// Sentinels do not know.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "proxy/redis/redis_error.hpp"
#include "proxy/redis/sentinel_client.hpp"
#include "proxy/store/redis_store.hpp"
#include "tests/live/redis_test_util.hpp"
#include "tests/support/asio_run.hpp"
#include "tests/support/redis_sentinel.hpp"

namespace foilcache::redis {
namespace {

using namespace std::chrono_literals;
using test::RedisSentinel;

config::RedisConfig sentinel_config(const RedisSentinel& sentinel, std::string master = RedisSentinel::kMasterName,
                                    int db = 0) {
  config::RedisConfig config;
  config.url = sentinel.url(master, db);
  config.topology = config::RedisConfig::Topology::kSentinel;
  for (std::size_t i = 0; i < RedisSentinel::kSentinels; ++i) config.nodes.push_back({"127.0.0.1", sentinel.sentinel_port(i)});
  config.host = config.nodes.front().host;
  config.port = config.nodes.front().port;
  config.master_name = std::move(master);
  config.db = db;
  test::set_test_timeouts(config, 500ms);
  return config;
}

struct Harness {
  explicit Harness(const config::RedisConfig& config) : client(std::make_shared<SentinelClient>(ioc, config, log.fn())) {
    client->start();
  }
  bool wait_connected(std::chrono::milliseconds bound = 10s) {
    return test::run_until(ioc, [&] { return client->connected(); }, bound);
  }
  std::string text(std::vector<std::string> argv) {
    auto result = test::run_awaitable(ioc, client->command(std::move(argv)), 10s);
    if (!result) return "(did not complete)";
    if (result->ec) return "(ec) " + result->ec.message();
    if (result->reply.type == ReplyType::kInteger) return std::to_string(result->reply.integer);
    if (result->reply.is_nil()) return "(nil)";
    return std::string(result->reply.str());
  }
  bool eventually(const std::vector<std::string>& argv, const std::string& expected, std::chrono::milliseconds bound) {
    const auto deadline = std::chrono::steady_clock::now() + bound;
    while (std::chrono::steady_clock::now() < deadline) {
      if (text(argv) == expected) return true;
      test::run_until(ioc, [] { return false; }, 20ms);  // lets the discovery and reconnects run
    }
    return false;
  }

  net::io_context ioc;
  test::LogSink log;
  std::shared_ptr<SentinelClient> client;
};

TEST(SentinelClient, FindsTheMasterAndServesItsDatabase) {
  RedisSentinel sentinel;
  Harness h(sentinel_config(sentinel, RedisSentinel::kMasterName, 2));
  ASSERT_TRUE(h.wait_connected()) << h.log.joined() << sentinel.log_tails();
  ASSERT_EQ(h.text({"SET", "k", "v"}), "OK");
  EXPECT_EQ(sentinel.cli_master({"GET", "k"}, 2), "v") << "on the master, in database 2";
  EXPECT_EQ(h.client->data_nodes(), (std::vector<std::string>{"127.0.0.1:" + std::to_string(sentinel.master_port())}));
}

TEST(SentinelClient, AFailoverIsFollowed) {
  RedisSentinel sentinel;
  Harness h(sentinel_config(sentinel));
  ASSERT_TRUE(h.wait_connected()) << h.log.joined() << sentinel.log_tails();
  ASSERT_EQ(h.text({"SET", "k", "before"}), "OK");
  const std::uint16_t old_master = sentinel.kill_master();
  const std::uint16_t new_master = sentinel.wait_failover(old_master);
  const auto promoted = std::chrono::steady_clock::now();
  ASSERT_TRUE(h.eventually({"SET", "k", "after"}, "OK", 10s)) << h.log.joined();
  EXPECT_LT(std::chrono::steady_clock::now() - promoted, 10s);
  EXPECT_EQ(sentinel.cli(new_master, {"GET", "k"}), "after");
  EXPECT_GE(h.client->stats().topology_changes, 2u) << "the first master, then the promoted one";
  EXPECT_NE(h.log.joined().find("is 127.0.0.1:" + std::to_string(new_master)), std::string::npos) << h.log.joined();
}

TEST(SentinelClient, ASubscriberFollowsTheMaster) {
  RedisSentinel sentinel;
  net::io_context ioc;
  auto subscriber = std::make_shared<SentinelClient>(ioc, sentinel_config(sentinel));
  std::vector<std::string> heard;
  int subscribed = 0;
  subscriber->subscribe("chan", [&](std::string_view payload) { heard.emplace_back(payload); }, [&] { ++subscribed; },
                        {});
  subscriber->start();
  ASSERT_TRUE(test::run_until(ioc, [&] { return subscribed == 1; }, 10s));
  sentinel.cli_master({"PUBLISH", "chan", "one"});
  ASSERT_TRUE(test::run_until(ioc, [&] { return heard.size() == 1; }, 10s));
  const std::uint16_t new_master = sentinel.wait_failover(sentinel.kill_master());
  ASSERT_TRUE(test::run_until(ioc, [&] { return subscribed == 2; }, 10s)) << "subscribed again, on the new master";
  sentinel.cli(new_master, {"PUBLISH", "chan", "two"});
  ASSERT_TRUE(test::run_until(ioc, [&] { return heard.size() == 2; }, 10s));
  EXPECT_EQ(heard.back(), "two");
}

TEST(SentinelClient, AnUnknownMasterNameNeverConnects) {
  RedisSentinel sentinel;
  Harness h(sentinel_config(sentinel, "nosuchmaster"));
  EXPECT_FALSE(h.wait_connected(1500ms));
  EXPECT_EQ(h.text({"GET", "k"}), "(ec) " + make_error_code(Errc::not_connected).message());
  EXPECT_TRUE(h.client->data_nodes().empty());
}

TEST(SentinelClient, RedisStoreRoundTrip) {
  RedisSentinel sentinel;
  Harness h(sentinel_config(sentinel));
  ASSERT_TRUE(h.wait_connected()) << h.log.joined();
  store::RedisStore store(h.client, "sentinel:");
  auto entry = std::make_shared<store::Entry>();
  entry->body = "body";
  entry->ttl_s = 60;
  ASSERT_EQ(test::run_awaitable(h.ioc, store.put("k", entry, 1min)), store::StoreStatus::kOk);
  auto got = test::run_awaitable(h.ioc, store.get("k", {}));
  ASSERT_TRUE(got && got->entry);
  EXPECT_EQ(got->entry->body, "body");
  EXPECT_EQ(test::run_awaitable(h.ioc, store.count(), 10s)->count, 1u);
}

}  // namespace
}  // namespace foilcache::redis

// RedisStore against a real redis-server started per test.
#include <memory>

#include <gtest/gtest.h>

#include "proxy/store/redis_store.hpp"
#include "tests/support/asio_run.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/wait.hpp"
#include "tests/live/redis_test_util.hpp"
#include "tests/support/tag_contract.hpp"
#include "proxy/redis/redis_client.hpp"

namespace foilcache::store {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

EntryPtr make_entry(std::string body, std::string route = "library_paged") {
  auto entry = std::make_shared<Entry>();
  entry->status = 200;
  entry->headers = {{"Content-Type", "application/json"}, {"X-Total-Count", "3"}};
  entry->body = std::move(body);
  entry->stored_at_ms = 1'700'000'000'000;
  entry->ttl_s = 300;
  entry->route = std::move(route);
  return entry;
}

// A RedisStore on `ioc` whose client connects in the background (as app::make_backend).
std::unique_ptr<RedisStore> start_store(net::io_context& ioc, const config::RedisConfig& config,
                                        redis::LogFn log = {}) {
  auto client = std::make_shared<redis::RedisClient>(ioc, config, std::move(log));
  client->start();
  return std::make_unique<RedisStore>(std::move(client), config.prefix);
}

class RedisStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = test::redis_config_for(server_);
    make_store();
  }

  void make_store() {
    store_.reset();
    store_ = start_store(ioc_, config_, log_.fn());
    ASSERT_TRUE(wait_available()) << server_.log_tail();
  }

  bool wait_available(std::chrono::milliseconds bound = 5s) {
    return test::run_until(ioc_, [&] { return store_->health().available; }, bound);
  }

  StoreStatus put(const std::string& key, EntryPtr entry, std::chrono::milliseconds keep = 60s) {
    auto status = test::run_awaitable(ioc_, store_->put(key, std::move(entry), keep));
    if (!status) ADD_FAILURE() << "put did not complete";
    return status.value_or(StoreStatus::kUnavailable);
  }

  GetResult get(const std::string& key) {
    auto result = test::run_awaitable(ioc_, store_->get(key, {}));
    if (!result) ADD_FAILURE() << "get did not complete";
    return result.value_or(GetResult{StoreStatus::kUnavailable, nullptr, {}});
  }

  StoreStatus del(const std::string& key) {
    auto status = test::run_awaitable(ioc_, store_->del(key));
    if (!status) ADD_FAILURE() << "del did not complete";
    return status.value_or(StoreStatus::kUnavailable);
  }

  RedisStore& redis_store() { return *store_; }

  test::RedisServer server_;
  config::RedisConfig config_;
  net::io_context ioc_;
  test::LogSink log_;
  std::unique_ptr<RedisStore> store_;
};

TEST_F(RedisStoreTest, MissPutHitDelete) {
  EXPECT_EQ(get("library_paged:1").status, StoreStatus::kNotFound);
  auto entry = make_entry(R"({"items":[1,2,3]})");
  EXPECT_EQ(put("library_paged:1", entry), StoreStatus::kOk);

  GetResult hit = get("library_paged:1");
  ASSERT_EQ(hit.status, StoreStatus::kOk);
  EXPECT_EQ(hit.entry->body, entry->body);
  EXPECT_EQ(hit.entry->headers, entry->headers);
  EXPECT_EQ(hit.entry->status, 200u);
  EXPECT_EQ(hit.entry->route, "library_paged");
  EXPECT_EQ(hit.entry->stored_at_ms, entry->stored_at_ms);
  EXPECT_EQ(hit.entry->ttl_s, 300u);

  EXPECT_EQ(del("library_paged:1"), StoreStatus::kOk);
  EXPECT_EQ(del("library_paged:1"), StoreStatus::kNotFound);
  EXPECT_EQ(get("library_paged:1").status, StoreStatus::kNotFound);
}

TEST_F(RedisStoreTest, TagGenerationsInvalidateExactlyTheTaggedEntries) {
  test_contract::check_tag_generations(ioc_, *store_);
  // The generations live beside the entries under the prefix, without a TTL (an eviction
  // policy that spares keys without TTL can never make an invalidated entry current again).
  EXPECT_EQ(server_.cli({"GET", config_.prefix + "@gen:library"}), "2");
  EXPECT_EQ(server_.cli({"PTTL", config_.prefix + "@gen:library"}), "-1");
  // Admin scans neither count nor remove them.
  const auto entries = test::run_awaitable(ioc_, store_->count());
  ASSERT_TRUE(entries);
  EXPECT_EQ(entries->count, 5u);  // page:1, page:2, page:3, info, untagged (invalid ones until TTL)
  const auto cleared = test::run_awaitable(ioc_, store_->remove_matching("*"));
  ASSERT_TRUE(cleared);
  EXPECT_EQ(cleared->count, 5u);
  EXPECT_EQ(server_.cli({"GET", config_.prefix + "@gen:library"}), "2");
}

TEST_F(RedisStoreTest, AGenerationThatIsNotANumberIsUnavailable) {
  server_.cli({"SET", config_.prefix + "@gen:library", "garbage"});
  const std::vector<std::string> tags{"library"};
  const auto result = test::run_awaitable(ioc_, store_->get("k", tags));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, StoreStatus::kUnavailable);
}

TEST_F(RedisStoreTest, CountersAreSharedByEveryStoreOnTheServer) {
  net::io_context other_ioc;
  auto other = start_store(other_ioc, config_);
  ASSERT_TRUE(test::run_until(other_ioc, [&] { return other->health().available; }, 5s));
  EXPECT_EQ(test::run_awaitable(ioc_, store_->add({{"hits", 2}, {"misses", 1}, {"sets", 0}})),
            StoreStatus::kOk);
  EXPECT_EQ(test::run_awaitable(other_ioc, other->add({{"hits", 3}})), StoreStatus::kOk);
  auto totals = test::run_awaitable(other_ioc, other->read());
  ASSERT_TRUE(totals && totals->has_value());
  Counters sorted = **totals;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (Counters{{"hits", 5}, {"misses", 1}}));
  EXPECT_EQ(server_.keys("*"), std::vector<std::string>{config_.prefix + "@stats"});
  EXPECT_EQ(test::run_awaitable(ioc_, store_->reset()), StoreStatus::kOk);
  totals = test::run_awaitable(ioc_, store_->read());
  ASSERT_TRUE(totals && totals->has_value());
  EXPECT_TRUE((*totals)->empty());
}

TEST_F(RedisStoreTest, LargeBinaryBodyRoundTrips) {
  std::string body(2u << 20, '\0');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i * 7);
  ASSERT_EQ(put("big", make_entry(body)), StoreStatus::kOk);
  GetResult hit = get("big");
  ASSERT_EQ(hit.status, StoreStatus::kOk);
  EXPECT_TRUE(hit.entry->body == body);
}

TEST_F(RedisStoreTest, EveryKeyWrittenStartsWithThePrefix) {
  for (const char* key : {"a", "library_paged:1:50:name::asc:::anon", "system_info", ""}) {
    ASSERT_EQ(put(key, make_entry("x")), StoreStatus::kOk);
  }
  const auto keys = server_.keys("*");
  ASSERT_EQ(keys.size(), 4u);
  for (const auto& key : keys) EXPECT_EQ(key.rfind(config_.prefix, 0), 0u) << key;
  EXPECT_EQ(server_.cli({"EXISTS", config_.prefix + "system_info"}), "1");
}

TEST_F(RedisStoreTest, ForeignKeysAreNeverTouched) {
  // Keys of the app (and a Celery broker) sharing the database, one with a store key's name.
  server_.cli({"SET", "k1", "app-value"});
  server_.cli({"SET", "celery:task", "queued"});
  ASSERT_EQ(put("k1", make_entry("cached")), StoreStatus::kOk);
  EXPECT_EQ(get("k1").entry->body, "cached");
  EXPECT_EQ(del("k1"), StoreStatus::kOk);
  EXPECT_EQ(server_.cli({"GET", "k1"}), "app-value");
  EXPECT_EQ(server_.cli({"GET", "celery:task"}), "queued");
  EXPECT_EQ(server_.cli({"PTTL", "k1"}), "-1");
}

TEST_F(RedisStoreTest, RemoveMatchingTouchesOnlyMatchingKeysUnderThePrefix) {
  // A foreign key that the glob would match without the prefix, and a prefix-lookalike.
  server_.cli({"SET", "library_paged:1", "app-value"});
  server_.cli({"SET", "celery-task-meta-1", "queued"});
  for (int page = 1; page <= 2500; ++page) {  // more than one SCAN batch
    ASSERT_EQ(put("library_paged:" + std::to_string(page) + ":anon", make_entry("p")), StoreStatus::kOk);
  }
  ASSERT_EQ(put("system_info", make_entry("s")), StoreStatus::kOk);
  auto counted = test::run_awaitable(ioc_, store_->count(), 10s);
  ASSERT_TRUE(counted);
  EXPECT_EQ(counted->status, StoreStatus::kOk);
  EXPECT_EQ(counted->count, 2501u);

  auto removed = test::run_awaitable(ioc_, store_->remove_matching("library_paged:*"), 10s);
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->status, StoreStatus::kOk);
  EXPECT_EQ(removed->count, 2500u);
  EXPECT_EQ(get("system_info").status, StoreStatus::kOk);
  EXPECT_EQ(server_.cli({"GET", "library_paged:1"}), "app-value");

  auto cleared = test::run_awaitable(ioc_, store_->remove_matching("*"), 10s);
  ASSERT_TRUE(cleared);
  EXPECT_EQ(cleared->count, 1u);
  EXPECT_EQ(server_.cli({"GET", "celery-task-meta-1"}), "queued");
  EXPECT_EQ(server_.keys("*").size(), 2u) << "only the two foreign keys are left";
}

TEST_F(RedisStoreTest, PrefixGlobCharactersAreMatchedLiterally) {
  config_.prefix = "fc[1]*:";
  make_store();
  server_.cli({"SET", "fc1x:a", "foreign"});  // would match an unescaped "fc[1]*:" pattern
  ASSERT_EQ(put("a", make_entry("mine")), StoreStatus::kOk);
  auto removed = test::run_awaitable(ioc_, store_->remove_matching("*"), 10s);
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->count, 1u);
  EXPECT_EQ(server_.cli({"GET", "fc1x:a"}), "foreign");
}

TEST_F(RedisStoreTest, AdminOperationsReportAnOutage) {
  server_.kill();
  auto removed = test::run_awaitable(ioc_, store_->remove_matching("*"), 10s);
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->status, StoreStatus::kUnavailable);
}

TEST_F(RedisStoreTest, PutSetsTheKeepTimeAsTtl) {
  ASSERT_EQ(put("ttl", make_entry("x"), 90s), StoreStatus::kOk);
  const long long pttl = std::stoll(server_.cli({"PTTL", config_.prefix + "ttl"}));
  EXPECT_GT(pttl, 0);
  EXPECT_LE(pttl, 90'000);
}

TEST_F(RedisStoreTest, NonPositiveKeepStoresNothing) {
  EXPECT_EQ(put("zero", make_entry("x"), 0ms), StoreStatus::kOk);
  EXPECT_TRUE(server_.keys("*").empty());
}

TEST_F(RedisStoreTest, CorruptValueIsAMissAndIsCounted) {
  server_.cli({"SET", config_.prefix + "bad", "not an entry"});
  GetResult result = get("bad");
  EXPECT_EQ(result.status, StoreStatus::kNotFound);
  EXPECT_EQ(result.entry, nullptr);
  EXPECT_EQ(redis_store().corrupt_entries(), 1u);
  // The next put repairs it.
  ASSERT_EQ(put("bad", make_entry("good")), StoreStatus::kOk);
  EXPECT_EQ(get("bad").status, StoreStatus::kOk);
}

TEST_F(RedisStoreTest, WrongTypeUnderTheKeyIsUnavailable) {
  server_.cli({"RPUSH", config_.prefix + "list", "x"});
  EXPECT_EQ(get("list").status, StoreStatus::kUnavailable);
}

TEST_F(RedisStoreTest, ModeFollowsTheConnection) {
  EXPECT_STREQ(store_->health().mode, "enabled");
  server_.kill();
  ASSERT_TRUE(test::run_until(ioc_, [&] { return !store_->health().available; }, 2s));
  EXPECT_STREQ(store_->health().mode, "degraded");
}

TEST_F(RedisStoreTest, PausedServerMakesGetUnavailableWithinTheTimeout) {
  ASSERT_EQ(put("k", make_entry("x")), StoreStatus::kOk);
  server_.pause();
  const auto before = Clock::now();
  EXPECT_EQ(get("k").status, StoreStatus::kUnavailable);
  EXPECT_LT(Clock::now() - before, 2s);
  server_.resume();
}

TEST_F(RedisStoreTest, KilledServerIsUnavailableThenRecoversAfterRestart) {
  ASSERT_EQ(put("k", make_entry("x")), StoreStatus::kOk);
  server_.kill();
  const auto before = Clock::now();
  EXPECT_EQ(get("k").status, StoreStatus::kUnavailable);
  EXPECT_EQ(put("k", make_entry("y")), StoreStatus::kUnavailable);
  EXPECT_EQ(del("k"), StoreStatus::kUnavailable);
  EXPECT_LT(Clock::now() - before, 1s);

  server_.restart();  // empty: no persistence
  ASSERT_TRUE(wait_available()) << "the store did not reconnect to the restarted server";
  EXPECT_EQ(get("k").status, StoreStatus::kNotFound);
  ASSERT_EQ(put("k", make_entry("z")), StoreStatus::kOk);
  EXPECT_EQ(get("k").entry->body, "z");
}

TEST_F(RedisStoreTest, StartingWithRedisDownNeitherBlocksNorFails) {
  config::RedisConfig down = config_;
  down.port = test::free_port();
  const auto before = Clock::now();
  std::unique_ptr<RedisStore> store = start_store(ioc_, down);
  EXPECT_LT(Clock::now() - before, 1s);
  ASSERT_NE(store, nullptr);
  EXPECT_STREQ(store->health().mode, "degraded");
  auto result = test::run_awaitable(ioc_, store->get("k", {}));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, StoreStatus::kUnavailable);
  EXPECT_LT(Clock::now() - before, 1s);
}

TEST_F(RedisStoreTest, ConcurrentRequestsShareOneConnection) {
  ASSERT_EQ(put("shared", make_entry("payload")), StoreStatus::kOk);
  constexpr int kRequests = 200;
  int hits = 0;
  int done = 0;
  for (int i = 0; i < kRequests; ++i) {
    net::co_spawn(ioc_, store_->get("shared", {}), [&](std::exception_ptr error, GetResult result) {
      ++done;
      if (!error && result.status == StoreStatus::kOk && result.entry->body == "payload") ++hits;
    });
  }
  ASSERT_TRUE(test::run_until(ioc_, [&] { return done == kRequests; }, 5s));
  EXPECT_EQ(hits, kRequests);
}

}  // namespace
}  // namespace foilcache::store

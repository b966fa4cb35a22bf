#include <algorithm>
#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "proxy/store/memory_store.hpp"
#include "tests/support/tag_contract.hpp"
#include "tests/support/asio_run.hpp"
#include "tests/support/manual_clock.hpp"

namespace foilcache::store {
namespace {

using namespace std::chrono_literals;
using TimePoint = std::chrono::steady_clock::time_point;

EntryPtr make_entry(std::size_t body_bytes, std::string route = "r") {
  auto entry = std::make_shared<Entry>();
  entry->body.assign(body_bytes, 'b');
  entry->route = std::move(route);
  return entry;
}


class MemoryStoreCacheTest : public ::testing::Test {
 protected:
  testing::ManualClock clock_;
  // Small bound: one shard, exact LRU.
  MemoryCache cache_{config::MemoryStoreConfig{64 * 1024}, clock_};
};

TEST_F(MemoryStoreCacheTest, MissPutHit) {
  EXPECT_EQ(cache_.get("k"), nullptr);
  auto entry = make_entry(10);
  ASSERT_TRUE(cache_.put("k", entry, 1min));
  EXPECT_EQ(cache_.get("k"), entry);  // the same shared entry, no copy
  EXPECT_EQ(cache_.size(), 1u);
}

TEST_F(MemoryStoreCacheTest, PutReplacesAndKeepsBytesExact) {
  cache_.put("k", make_entry(1000), 1min);
  const std::size_t one = cache_.bytes();
  auto second = make_entry(1000);
  cache_.put("k", second, 1min);
  EXPECT_EQ(cache_.bytes(), one);
  EXPECT_EQ(cache_.size(), 1u);
  EXPECT_EQ(cache_.get("k"), second);
}

TEST_F(MemoryStoreCacheTest, EraseRemovesOnlyThatKey) {
  cache_.put("a", make_entry(10), 1min);
  cache_.put("b", make_entry(10), 1min);
  EXPECT_TRUE(cache_.erase("a"));
  EXPECT_FALSE(cache_.erase("a"));
  EXPECT_EQ(cache_.get("a"), nullptr);
  EXPECT_NE(cache_.get("b"), nullptr);
}

TEST_F(MemoryStoreCacheTest, ExpiresAfterKeepWithInjectedClock) {
  cache_.put("k", make_entry(10), 30s);
  clock_.advance(29s);
  EXPECT_NE(cache_.get("k"), nullptr);
  clock_.advance(1s);
  EXPECT_EQ(cache_.get("k"), nullptr);
  EXPECT_EQ(cache_.size(), 0u);  // collected on get
  EXPECT_EQ(cache_.bytes(), 0u);
}

TEST_F(MemoryStoreCacheTest, NonPositiveKeepStoresNothing) {
  EXPECT_FALSE(cache_.put("k", make_entry(10), 0ms));
  EXPECT_FALSE(cache_.put("k", make_entry(10), -1ms));
  EXPECT_EQ(cache_.size(), 0u);
}

TEST_F(MemoryStoreCacheTest, EvictsLeastRecentlyUsedByBytes) {
  // Each entry is a bit over 10 KiB: six fit in 64 KiB, the seventh evicts.
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(cache_.put("k" + std::to_string(i), make_entry(10 * 1024), 1min));
  ASSERT_EQ(cache_.size(), 6u);
  ASSERT_NE(cache_.get("k0"), nullptr);  // k0 becomes most recent: k1 is now the oldest
  cache_.put("k6", make_entry(10 * 1024), 1min);
  EXPECT_LE(cache_.bytes(), cache_.max_bytes());
  EXPECT_NE(cache_.get("k0"), nullptr);
  EXPECT_EQ(cache_.get("k1"), nullptr);
  EXPECT_NE(cache_.get("k6"), nullptr);
  EXPECT_EQ(cache_.evictions(), 1u);
}

TEST_F(MemoryStoreCacheTest, OneLargeEntryEvictsSeveralSmallOnes) {
  for (int i = 0; i < 6; ++i) cache_.put("small" + std::to_string(i), make_entry(8 * 1024), 1min);
  ASSERT_TRUE(cache_.put("big", make_entry(40 * 1024), 1min));
  EXPECT_LE(cache_.bytes(), cache_.max_bytes());
  EXPECT_NE(cache_.get("big"), nullptr);
  EXPECT_EQ(cache_.get("small0"), nullptr);
}

TEST_F(MemoryStoreCacheTest, EntryLargerThanBoundIsRejectedAndDropsOldVersion) {
  cache_.put("k", make_entry(10), 1min);
  EXPECT_FALSE(cache_.put("k", make_entry(100 * 1024), 1min));
  EXPECT_EQ(cache_.get("k"), nullptr);
  EXPECT_EQ(cache_.bytes(), 0u);
}

TEST_F(MemoryStoreCacheTest, ClearEraseIfAndForEachSeeOnlyLiveEntries) {
  cache_.put("library:1", make_entry(10, "library_paged"), 1min);
  cache_.put("library:2", make_entry(10, "library_paged"), 1min);
  cache_.put("system", make_entry(10, "system_info"), 1min);
  cache_.put("short", make_entry(10, "system_info"), 1s);
  clock_.advance(2s);  // "short" has expired

  std::vector<std::string> seen;
  cache_.for_each([&](std::string_view key, const EntryPtr&) { seen.emplace_back(key); });
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"library:1", "library:2", "system"}));

  EXPECT_EQ(cache_.erase_if([](std::string_view, const Entry& e) { return e.route == "library_paged"; }), 2u);
  EXPECT_EQ(cache_.get("library:1"), nullptr);
  EXPECT_NE(cache_.get("system"), nullptr);
  EXPECT_EQ(cache_.clear(), 1u);
  EXPECT_EQ(cache_.size(), 0u);
  EXPECT_EQ(cache_.bytes(), 0u);
}

TEST(MemoryStoreCacheSharding, LargeBoundUsesShardsAndStaysWithinBound) {
  MemoryCache cache(config::MemoryStoreConfig{64u << 20});
  EXPECT_EQ(cache.shard_count(), 16u);
  for (int i = 0; i < 2000; ++i) cache.put("key" + std::to_string(i), make_entry(64 * 1024), 1min);
  EXPECT_LE(cache.bytes(), cache.max_bytes());
  EXPECT_GT(cache.size(), 500u);
  EXPECT_GT(cache.evictions(), 0u);
}

TEST(MemoryStoreCacheConcurrency, ThreadsMixingOperationsKeepInvariants) {
  MemoryCache cache(config::MemoryStoreConfig{16u << 20});  // 4 shards
  ASSERT_EQ(cache.shard_count(), 4u);
  constexpr int kThreads = 4;
  constexpr int kOpsPerThread = 20'000;
  std::atomic<int> hits{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      std::uniform_int_distribution<int> key(0, 499);
      std::uniform_int_distribution<int> op(0, 9);
      std::uniform_int_distribution<std::size_t> size(0, 64 * 1024);
      for (int i = 0; i < kOpsPerThread; ++i) {
        const std::string k = "k" + std::to_string(key(rng));
        switch (op(rng)) {
          case 0: case 1: case 2: cache.put(k, make_entry(size(rng), k), 1min); break;
          case 3: cache.erase(k); break;
          default:
            if (auto entry = cache.get(k)) {
              EXPECT_EQ(entry->route, k);  // never another key's entry
              hits.fetch_add(1, std::memory_order_relaxed);
            }
        }
      }
    });
  }
  std::thread admin([&] {
    for (int i = 0; i < 50; ++i) {
      EXPECT_LE(cache.bytes(), cache.max_bytes());
      cache.for_each([](std::string_view, const EntryPtr& entry) { ASSERT_NE(entry, nullptr); });
      if (i % 10 == 0) cache.erase_if([](std::string_view key, const Entry&) { return key.back() == '7'; });
    }
  });
  for (auto& thread : threads) thread.join();
  admin.join();
  EXPECT_LE(cache.bytes(), cache.max_bytes());
  EXPECT_GT(hits.load(), 0);
}

TEST(MemoryStore, ImplementsStoreThroughSharedCache) {
  auto cache = std::make_shared<MemoryCache>(config::MemoryStoreConfig{});
  net::io_context ioc;
  auto first = std::make_unique<MemoryStore>(cache);
  auto second = std::make_unique<MemoryStore>(cache);
  EXPECT_STREQ(first->health().mode, "memory");
  EXPECT_TRUE(first->health().available);

  auto entry = make_entry(100);
  auto put = test::run_awaitable(ioc, first->put("key", entry, 1min));
  ASSERT_TRUE(put);
  EXPECT_EQ(*put, StoreStatus::kOk);

  auto got = test::run_awaitable(ioc, second->get("key", {}));  // another thread's store sees it
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, StoreStatus::kOk);
  EXPECT_EQ(got->entry, entry);

  EXPECT_EQ(test::run_awaitable(ioc, second->del("key")), StoreStatus::kOk);
  EXPECT_EQ(test::run_awaitable(ioc, first->del("key")), StoreStatus::kNotFound);
  auto missing = test::run_awaitable(ioc, first->get("key", {}));
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, StoreStatus::kNotFound);
  EXPECT_EQ(missing->entry, nullptr);
}

TEST(MemoryStore, RemoveMatchingAndCountFollowTheGlob) {
  auto cache = std::make_shared<MemoryCache>(config::MemoryStoreConfig{});
  MemoryStore store(cache);
  net::io_context ioc;
  auto entry = std::make_shared<Entry>();
  entry->body = "x";
  for (const char* key : {"library_paged:1:anon", "library_paged:2:anon", "system_info"}) {
    ASSERT_EQ(test::run_awaitable(ioc, store.put(key, entry, std::chrono::minutes(1))), StoreStatus::kOk);
  }
  EXPECT_EQ(test::run_awaitable(ioc, store.count())->count, 3u);
  auto removed = test::run_awaitable(ioc, store.remove_matching("library_paged:*"));
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->count, 2u);
  EXPECT_EQ(test::run_awaitable(ioc, store.get("system_info", {}))->status, StoreStatus::kOk);
  EXPECT_EQ(test::run_awaitable(ioc, store.count())->count, 1u);
}

TEST(MemoryStore, TagGenerationsInvalidateExactlyTheTaggedEntries) {
  auto cache = std::make_shared<MemoryCache>(config::MemoryStoreConfig{});
  MemoryStore store(cache);
  net::io_context ioc;
  test_contract::check_tag_generations(ioc, store);
  // Stats, the fetch lock and the channel are the process's own: nothing shared.
  static_assert(!std::is_base_of_v<SharedCounters, MemoryStore>);
  static_assert(!std::is_base_of_v<FetchLock, MemoryStore>);
  static_assert(!std::is_base_of_v<InvalidationChannel, MemoryStore>);
}

TEST(MemoryStore, OversizedPutIsUnavailableAndZeroKeepIsANoop) {
  auto cache = std::make_shared<MemoryCache>(config::MemoryStoreConfig{16 * 1024});
  MemoryStore store(cache);
  net::io_context ioc;
  EXPECT_EQ(test::run_awaitable(ioc, store.put("big", make_entry(64 * 1024), 1min)), StoreStatus::kUnavailable);
  EXPECT_EQ(test::run_awaitable(ioc, store.put("k", make_entry(10), 0ms)), StoreStatus::kOk);
  EXPECT_EQ(cache->size(), 0u);
}

}  // namespace
}  // namespace foilcache::store

// The embedded store used when redis.url is empty: one byte-bounded LRU shared by every io
// thread (MemoryCache), seen through a per-thread MemoryStore.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "proxy/store/store.hpp"
#include "proxy/config/config.hpp"

namespace foilcache::store {

// Thread-safe, byte-bounded LRU of entries with a keep-until deadline. Keys are hashed to
// shards, each with its own mutex and LRU list, so io threads rarely contend; the byte
// bound is split evenly across shards. Entries expire `keep` after put (checked lazily on
// get and by the admin helpers). Safe to call from any thread.
class MemoryCache {
 public:
  // Visitor of for_each / erase_if: the rendered key (no prefix) and the live entry.
  using Visitor = std::function<void(std::string_view key, const EntryPtr& entry)>;
  using Predicate = std::function<bool(std::string_view key, const Entry& entry)>;

  // Expiry uses `clock`'s steady time (it must outlive the cache). `max_shards` is an
  // upper bound: fewer shards are used when max_bytes is small, so that every shard can
  // hold at least kMinShardBytes (and a small cache behaves as one exact LRU).
  explicit MemoryCache(config::MemoryStoreConfig config, const common::Clock& clock = common::Clock::real(),
                       std::size_t max_shards = 16);
  ~MemoryCache();
  MemoryCache(const MemoryCache&) = delete;
  MemoryCache& operator=(const MemoryCache&) = delete;

  // The live entry under `key` (and marks it most recently used), or nullptr.
  EntryPtr get(std::string_view key);
  // Inserts or replaces `key`, then evicts least recently used entries of its shard until
  // the shard is within its bound. Returns false (and stores nothing) when the entry alone
  // exceeds a shard's bound, or when `keep` is not positive.
  bool put(std::string key, EntryPtr entry, std::chrono::milliseconds keep);
  // Removes `key`; true when a live entry was removed.
  bool erase(std::string_view key);
  // Removes every entry; returns how many live ones there were.
  std::size_t clear();
  // Removes every live entry for which `pred` is true; returns how many. `pred` runs under
  // a shard lock: it must not call back into this cache.
  std::size_t erase_if(const Predicate& pred);
  // Calls `visit` for every live entry (under a shard lock: must not call back into this cache).
  void for_each(const Visitor& visit) const;

  std::size_t size() const;   // entries held (may include expired ones not yet collected)
  std::size_t bytes() const;  // sum of Entry::approx_bytes + key sizes held
  std::size_t max_bytes() const { return max_bytes_; }
  std::size_t shard_count() const { return shards_.size(); }
  std::size_t evictions() const;  // entries evicted for space since construction

  // Tag generations (EntryStore::invalidate_tag): 0 until a tag is first invalidated. A fixed
  // table of atomics indexed by a hash of the tag, so a hit takes no lock: two tags sharing
  // a slot invalidate each other's entries too (safe; it only costs hits).
  std::uint64_t generation(std::string_view tag) const;
  void bump_generation(std::string_view tag);

  static constexpr std::size_t kMinShardBytes = 4u << 20;

 private:
  struct Shard;
  Shard& shard_for(std::string_view key) const;

  std::size_t max_bytes_;
  const common::Clock& clock_;
  std::vector<std::unique_ptr<Shard>> shards_;
  static constexpr std::size_t kGenerationSlots = 256;
  std::array<std::atomic<std::uint64_t>, kGenerationSlots> generations_{};
};

// Per-thread view of a shared MemoryCache implementing EntryStore (it has no other
// instance to share a lock, counters or a channel with). Every operation completes without
// suspending. Health: always available, mode "memory".
class MemoryStore final : public EntryStore {
 public:
  explicit MemoryStore(std::shared_ptr<MemoryCache> cache);

  net::awaitable<GetResult> get(std::string key, std::span<const std::string> tags) override;
  // kUnavailable when the entry is larger than the cache can hold.
  net::awaitable<StoreStatus> put(std::string key, EntryPtr entry, std::chrono::milliseconds keep) override;
  net::awaitable<StoreStatus> del(std::string key) override;
  net::awaitable<CountResult> remove_matching(std::string glob) override;
  net::awaitable<CountResult> count() override;
  net::awaitable<StoreStatus> invalidate_tag(std::string tag, std::uint64_t* generation) override;
  Health health() const override { return Health{true, false, "memory"}; }

  MemoryCache& cache() { return *cache_; }

 private:
  std::shared_ptr<MemoryCache> cache_;
};

}  // namespace foilcache::store

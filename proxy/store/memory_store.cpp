#include "proxy/store/memory_store.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <list>
#include <mutex>
#include <unordered_map>

namespace foilcache::store {

using TimePoint = std::chrono::steady_clock::time_point;

namespace {
// Per-node bookkeeping beyond the entry itself (list node, index slot).
constexpr std::size_t kNodeOverhead = 96;
}  // namespace

struct MemoryCache::Shard {
  struct Node {
    std::string key;
    EntryPtr entry;
    TimePoint expires_at;
    std::size_t bytes = 0;
  };
  using List = std::list<Node>;

  mutable std::mutex mutex;
  List lru;  // front: most recently used
  // Keys view the key string of their node, which lives (and never moves) while indexed.
  std::unordered_map<std::string_view, List::iterator> index;
  std::size_t bytes = 0;
  std::size_t max_bytes = 0;
  std::size_t evictions = 0;

  // Precondition: mutex held.
  void remove(List::iterator it) {
    bytes -= it->bytes;
    index.erase(it->key);
    lru.erase(it);
  }
};

MemoryCache::MemoryCache(config::MemoryStoreConfig config, const common::Clock& clock, std::size_t max_shards)
    : max_bytes_(config.max_bytes), clock_(clock) {
  const std::size_t count = std::clamp<std::size_t>(max_bytes_ / kMinShardBytes, 1, std::max<std::size_t>(max_shards, 1));
  shards_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    auto shard = std::make_unique<Shard>();
    shard->max_bytes = max_bytes_ / count;
    shards_.push_back(std::move(shard));
  }
}

MemoryCache::~MemoryCache() = default;

MemoryCache::Shard& MemoryCache::shard_for(std::string_view key) const {
  const std::size_t hash = std::hash<std::string_view>{}(key);
  // Mix high bits in: the shard's own hash map uses the low bits of the same hash.
  return *shards_[(hash ^ (hash >> 32)) % shards_.size()];
}

EntryPtr MemoryCache::get(std::string_view key) {
  Shard& shard = shard_for(key);
  const TimePoint now = clock_.steady_now();
  std::lock_guard lock(shard.mutex);
  auto found = shard.index.find(key);
  if (found == shard.index.end()) return nullptr;
  auto it = found->second;
  if (it->expires_at <= now) {
    shard.remove(it);
    return nullptr;
  }
  shard.lru.splice(shard.lru.begin(), shard.lru, it);
  return it->entry;
}

bool MemoryCache::put(std::string key, EntryPtr entry, std::chrono::milliseconds keep) {
  if (!entry || keep.count() <= 0) return false;
  Shard& shard = shard_for(key);
  const std::size_t bytes = entry->approx_bytes() + key.size() + kNodeOverhead;
  if (bytes > shard.max_bytes) {
    erase(key);  // a stale smaller version must not outlive the rejected replacement
    return false;
  }
  const TimePoint expires_at = clock_.steady_now() + keep;

  std::lock_guard lock(shard.mutex);
  if (auto found = shard.index.find(key); found != shard.index.end()) shard.remove(found->second);
  shard.lru.push_front(Shard::Node{std::move(key), std::move(entry), expires_at, bytes});
  shard.index.emplace(shard.lru.front().key, shard.lru.begin());
  shard.bytes += bytes;
  while (shard.bytes > shard.max_bytes) {
    shard.remove(std::prev(shard.lru.end()));
    ++shard.evictions;
  }
  return true;
}

bool MemoryCache::erase(std::string_view key) {
  Shard& shard = shard_for(key);
  const TimePoint now = clock_.steady_now();
  std::lock_guard lock(shard.mutex);
  auto found = shard.index.find(key);
  if (found == shard.index.end()) return false;
  const bool live = found->second->expires_at > now;
  shard.remove(found->second);
  return live;
}

std::size_t MemoryCache::clear() {
  return erase_if([](std::string_view, const Entry&) { return true; });
}

std::size_t MemoryCache::erase_if(const Predicate& pred) {
  const TimePoint now = clock_.steady_now();
  std::size_t erased = 0;
  for (auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    for (auto it = shard->lru.begin(); it != shard->lru.end();) {
      auto next = std::next(it);
      const bool live = it->expires_at > now;
      if (!live) {
        shard->remove(it);
      } else if (pred(it->key, *it->entry)) {
        shard->remove(it);
        ++erased;
      }
      it = next;
    }
  }
  return erased;
}

void MemoryCache::for_each(const Visitor& visit) const {
  const TimePoint now = clock_.steady_now();
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    for (const auto& node : shard->lru) {
      if (node.expires_at > now) visit(node.key, node.entry);
    }
  }
}

std::size_t MemoryCache::size() const {
  std::size_t total = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    total += shard->lru.size();
  }
  return total;
}

std::size_t MemoryCache::bytes() const {
  std::size_t total = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    total += shard->bytes;
  }
  return total;
}

std::size_t MemoryCache::evictions() const {
  std::size_t total = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    total += shard->evictions;
  }
  return total;
}

std::uint64_t MemoryCache::generation(std::string_view tag) const {
  return generations_[std::hash<std::string_view>{}(tag) % kGenerationSlots].load(std::memory_order_acquire);
}

void MemoryCache::bump_generation(std::string_view tag) {
  generations_[std::hash<std::string_view>{}(tag) % kGenerationSlots].fetch_add(1, std::memory_order_acq_rel);
}

MemoryStore::MemoryStore(std::shared_ptr<MemoryCache> cache) : cache_(std::move(cache)) {}

net::awaitable<GetResult> MemoryStore::get(std::string key, std::span<const std::string> tags) {
  GetResult result;
  for (const auto& tag : tags) result.generations.push_back(cache_->generation(tag));
  EntryPtr entry = cache_->get(key);
  if (entry && tags.empty() && !entry->tags.empty()) {
    // An admin lookup: check the entry against its own tags.
    std::vector<std::string> own;
    std::vector<std::uint64_t> current;
    for (const auto& [tag, generation] : entry->tags) {
      own.push_back(tag);
      current.push_back(cache_->generation(tag));
    }
    if (!tags_current(*entry, own, current)) entry.reset();
  } else if (entry && !tags_current(*entry, tags, result.generations)) {
    entry.reset();
  }
  result.entry = std::move(entry);
  result.status = result.entry ? StoreStatus::kOk : StoreStatus::kNotFound;
  co_return result;
}

net::awaitable<StoreStatus> MemoryStore::invalidate_tag(std::string tag, std::uint64_t* generation) {
  cache_->bump_generation(tag);
  if (generation) *generation = cache_->generation(tag);
  co_return StoreStatus::kOk;
}

net::awaitable<StoreStatus> MemoryStore::put(std::string key, EntryPtr entry, std::chrono::milliseconds keep) {
  if (keep.count() <= 0) co_return StoreStatus::kOk;  // nothing to keep
  co_return cache_->put(std::move(key), std::move(entry), keep) ? StoreStatus::kOk : StoreStatus::kUnavailable;
}

net::awaitable<StoreStatus> MemoryStore::del(std::string key) {
  co_return cache_->erase(key) ? StoreStatus::kOk : StoreStatus::kNotFound;
}

net::awaitable<CountResult> MemoryStore::remove_matching(std::string glob) {
  const auto removed = cache_->erase_if([&](std::string_view key, const Entry&) {
    const std::string k(key);
    return ::fnmatch(glob.c_str(), k.c_str(), 0) == 0;
  });
  co_return CountResult{StoreStatus::kOk, removed};
}

net::awaitable<CountResult> MemoryStore::count() {
  std::uint64_t live = 0;
  cache_->for_each([&](std::string_view, const EntryPtr&) { ++live; });
  co_return CountResult{StoreStatus::kOk, live};
}


}  // namespace foilcache::store

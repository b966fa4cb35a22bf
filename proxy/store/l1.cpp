#include "proxy/store/l1.hpp"

#include <fnmatch.h>

namespace foilcache::store {

L1::L1(config::L1Config config, const common::Clock& clock)
    : config_(config), clock_(clock), cache_(config::MemoryStoreConfig{config.max_bytes}, clock_) {}

std::atomic<std::uint64_t>& L1::slot(std::string_view tag) const {
  return generations_[std::hash<std::string_view>{}(tag) % kSlots];
}

bool L1::current(const Entry& entry) const {
  for (const auto& [tag, generation] : entry.tags) {
    if (generation < slot(tag).load(std::memory_order_acquire)) return false;
  }
  return true;
}

EntryPtr L1::get(std::string_view key) {
  if (!trusted()) return nullptr;
  EntryPtr entry = cache_.get(key);
  if (entry && !current(*entry)) return nullptr;  // invalidated: its memory goes with LRU/TTL
  return entry;
}

void L1::put(std::string key, EntryPtr entry, std::chrono::milliseconds keep) {
  if (!entry || !trusted() || !current(*entry)) return;  // fetched before an invalidation
  if (entry->stored_at_ms <= admit_after_ms_.load(std::memory_order_acquire)) return;  // before a data loss
  cache_.put(std::move(key), std::move(entry), keep);
}

void L1::apply(const Invalidation& invalidation) {
  switch (invalidation.kind) {
    case Invalidation::Kind::kTag: {
      auto& known = slot(invalidation.value);
      auto seen = known.load(std::memory_order_relaxed);
      while (seen < invalidation.generation &&
             !known.compare_exchange_weak(seen, invalidation.generation, std::memory_order_release)) {
      }
      break;
    }
    case Invalidation::Kind::kKey:
      cache_.erase(invalidation.value);
      break;
    case Invalidation::Kind::kPattern:
      cache_.erase_if([&](std::string_view key, const Entry&) {
        const std::string k(key);
        return ::fnmatch(invalidation.value.c_str(), k.c_str(), 0) == 0;
      });
      break;
    case Invalidation::Kind::kClear:
      cache_.clear();
      break;
    case Invalidation::Kind::kHeartbeat:
      break;
  }
}

void L1::heard() {
  const auto now_ns = now().time_since_epoch().count();
  if (lost_.load(std::memory_order_relaxed) || !trusted()) {
    // Heard again after a gap: anything may have been invalidated meanwhile.
    cache_.clear();
    lost_.store(false, std::memory_order_relaxed);
  }
  last_heard_ns_.store(now_ns, std::memory_order_relaxed);
}

void L1::resubscribed() {
  cache_.clear();
  lost_.store(true, std::memory_order_relaxed);
}

bool L1::observe_epoch(std::string_view epoch) {
  std::lock_guard lock(epoch_mutex_);
  if (epoch == epoch_) return false;
  const bool lost = !epoch_.empty();
  epoch_ = std::string(epoch);
  if (!lost) return false;
  // Refuse first, then empty: an entry admitted in between would be one built before.
  const auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.system_now().time_since_epoch()).count();
  admit_after_ms_.store(now_ms, std::memory_order_release);
  for (auto& generation : generations_) generation.store(0, std::memory_order_release);
  cache_.clear();
  return true;
}

std::string L1::epoch() const {
  std::lock_guard lock(epoch_mutex_);
  return epoch_;
}

bool L1::trusted() const {
  if (lost_.load(std::memory_order_relaxed)) return false;
  const auto last = last_heard_ns_.load(std::memory_order_relaxed);
  const auto bound = std::chrono::duration_cast<std::chrono::nanoseconds>(config_.max_staleness).count();
  return now().time_since_epoch().count() - last < bound;
}

}  // namespace foilcache::store

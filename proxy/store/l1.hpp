// The L1 tier: an in-process, byte-bounded LRU (MemoryCache: sharded, one mutex per shard,
// no global lock) in front of Redis, so a hit needs no Redis round trip.
//
// Coherence across replicas. Every invalidation (tag, key, pattern, clear, webhook) is
// applied here at once and published on the Redis channel `<prefix>@invalidate`; every
// instance subscribes and applies what it hears. Entries record the generation of each
// tag (Entry::tags): a tag invalidation carries the new generation, which is recorded in
// O(1) (no scan of the L1), and an entry that recorded an older one is neither served nor
// admitted afterwards, so a fetch racing an invalidation cannot bring the old answer back.
// The generations live in a fixed table of atomics indexed by a hash of the tag name: the
// hit path reads it without a lock. Two tags sharing a slot only cost L1 hits (the slot
// holds the larger generation), never correctness. An instance trusts its L1 only while it
// hears the channel: every instance publishes a heartbeat every max_staleness / 4, and
// when nothing was heard for max_staleness (Redis down, subscription lost) the L1 is not
// used; when it is heard again after such a gap, the L1 is emptied first (messages may have
// been missed). So an instance serves an entry invalidated elsewhere for at most
// max_staleness, and normally not at all (see the acknowledgements in invalidation_bus.hpp).
//
// Threading: every member may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <array>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "proxy/store/invalidation.hpp"
#include "proxy/store/memory_store.hpp"
#include "proxy/config/config.hpp"

namespace foilcache::store {

class L1 {
 public:
  // Trust is measured on `clock`'s steady time (it must outlive the L1).
  explicit L1(config::L1Config config, const common::Clock& clock = common::Clock::real());

  // The live entry under `key`, or null (absent, expired, or the L1 is not trusted now).
  EntryPtr get(std::string_view key);
  // Admits `entry` for `keep`, unless the L1 is not trusted or one of its tags was
  // invalidated after the entry was fetched (an older generation than the last heard).
  void put(std::string key, EntryPtr entry, std::chrono::milliseconds keep);
  // Applies an invalidation (local or heard on the channel).
  void apply(const Invalidation& invalidation);

  // The channel was heard (any message, own heartbeats included).
  void heard();
  // (Re)subscribed: what was sent meanwhile is lost, so nothing held can be trusted.
  void resubscribed();
  // True while the channel was heard within max_staleness.
  bool trusted() const;

  // The store's epoch (InvalidationChannel::epoch), as heard from the store or a message.
  // Another one than the last seen means the store lost its data (FLUSHALL, a failover to an
  // empty replica) and restarted its generations below those heard: everything held is
  // emptied, the generations heard are forgotten, and entries built before now (which
  // may record generations from before the loss) are no longer admitted. True when that
  // happened. The first epoch seen is only remembered.
  bool observe_epoch(std::string_view epoch);
  // The last epoch seen ("" before any).
  std::string epoch() const;

  const config::L1Config& config() const { return config_; }
  MemoryCache& cache() { return cache_; }

 private:
  std::chrono::steady_clock::time_point now() const { return clock_.steady_now(); }

  config::L1Config config_;
  const common::Clock& clock_;
  MemoryCache cache_;
  std::atomic<std::int64_t> last_heard_ns_{std::numeric_limits<std::int64_t>::min()};
  std::atomic<bool> lost_{true};  // not heard within the bound since the last clear
  mutable std::mutex epoch_mutex_;
  std::string epoch_;  // guarded by epoch_mutex_
  // Entries stored at or before this (unix ms) are not admitted: built before a data loss.
  std::atomic<std::int64_t> admit_after_ms_{std::numeric_limits<std::int64_t>::min()};
  // True when every tag of `entry` is at the latest generation heard.
  bool current(const Entry& entry) const;
  std::atomic<std::uint64_t>& slot(std::string_view tag) const;

  static constexpr std::size_t kSlots = 256;
  mutable std::array<std::atomic<std::uint64_t>, kSlots> generations_{};  // latest heard, by tag hash
};

}  // namespace foilcache::store

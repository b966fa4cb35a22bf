// What the admin API, the webhook (and later the app's writes and event feeds) ask for:
// tags, one key or a key pattern invalidated in the store, then on every replica's L1
// (InvalidationBus), then the warming hook told.
//
// Threading: one per io thread, used on that thread.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "proxy/metrics/metrics.hpp"
#include "proxy/metrics/stats.hpp"
#include "proxy/store/invalidation_bus.hpp"
#include "proxy/store/store.hpp"

namespace foilcache::store {

class Invalidator {
 public:
  // Called after tags were invalidated (warming refetches their entries); may be empty.
  using OnInvalidated = std::function<void(const std::vector<std::string>& tags)>;

  // Every reference must outlive the invalidator; `on_invalidated` is read at each call,
  // so it may be set after construction (before the io threads serve).
  Invalidator(EntryStore& store, InvalidationBus& bus, metrics::Metrics* metrics, metrics::Stats& stats,
              const OnInvalidated& on_invalidated);

  // Invalidates each of `tags` in O(1) for every replica, counted per tag under the
  // matching one of `labels` (the tag as configured, "library:{user}", so a label never
  // names a user; empty: the tags themselves). False when the store failed: the tags from
  // that one on are left as they were in the store, and this process's L1 is emptied (so
  // at least here nothing they covered is served; the others stop trusting their L1 within
  // l1.max_staleness, as they cannot hear the channel either).
  net::awaitable<bool> tags(const std::vector<std::string>& tags, std::span<const std::string> labels = {});
  // Removes one entry everywhere: kNotFound when there was none, kUnavailable on failure.
  net::awaitable<StoreStatus> key(std::string key);
  // Removes the entries whose key matches `glob` ("*": every entry) everywhere; the L1s are
  // told even when the store failed part way (they drop what they hold of it).
  net::awaitable<CountResult> matching(std::string glob);

 private:
  EntryStore& store_;
  InvalidationBus& bus_;
  metrics::Metrics* metrics_;
  metrics::Stats& stats_;
  const OnInvalidated& on_invalidated_;
};

}  // namespace foilcache::store

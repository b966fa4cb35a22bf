// The two tiers as one: the in-process L1 (when on), then the back-end store. Counts what
// the request path's store work costs: the store histogram (only the back-end lookup, never
// L1), sets, written bytes, unavailability.
//
// Threading: one per io thread (its EntryStore is that thread's); the L1 is shared.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/metrics/metrics.hpp"
#include "proxy/metrics/stats.hpp"
#include "proxy/store/l1.hpp"
#include "proxy/store/store.hpp"

namespace foilcache::store {

struct Lookup {
  enum class Tier {
    kL1,     // a fresh L1 entry recorded under exactly the tags asked for
    kStore,  // the back-end answered (status says how)
  };
  Tier tier = Tier::kStore;
  StoreStatus status = StoreStatus::kNotFound;
  EntryPtr entry;                           // set when status == kOk
  std::vector<std::uint64_t> generations;   // kStore and not kUnavailable: the tags' generations
};

class TieredStore {
 public:
  // `l1` null: memory mode or l1 off. `metrics` null in tests. All must outlive the tiers.
  TieredStore(L1* l1, EntryStore& store, metrics::Metrics* metrics, metrics::Stats& stats);

  // Precondition: on the store's io thread. With `use_l1`, an L1 entry counts only while
  // fresh at `now` and recorded exactly `tags`; otherwise the store is asked (one round
  // trip with the tags' generations), and that lookup alone is observed in the histogram.
  net::awaitable<Lookup> lookup(std::string_view key, std::span<const std::string> tags, bool use_l1,
                                std::chrono::system_clock::time_point now);
  // Keeps a fresh `entry` in the L1 (with `use_l1`) for the rest of its freshness at `now`.
  void remember(std::string key, const EntryPtr& entry, bool use_l1, std::chrono::system_clock::time_point now);
  // Puts `entry` in both tiers (L1 at `now`, as remember), counting a set, its bytes and
  // its latency, or the store's unavailability.
  net::awaitable<StoreStatus> put(std::string key, EntryPtr entry, std::chrono::milliseconds keep, bool use_l1,
                                  std::chrono::system_clock::time_point now);

  EntryStore& store() { return store_; }
  bool has_l1() const { return l1_ != nullptr; }

 private:
  L1* l1_;
  EntryStore& store_;
  metrics::Metrics* metrics_;
  metrics::Stats& stats_;
};

}  // namespace foilcache::store

#include "proxy/store/tiered_store.hpp"

#include "proxy/cache/freshness.hpp"

namespace foilcache::store {

using SteadyClock = std::chrono::steady_clock;

TieredStore::TieredStore(L1* l1, EntryStore& store, metrics::Metrics* metrics, metrics::Stats& stats)
    : l1_(l1), store_(store), metrics_(metrics), stats_(stats) {}

net::awaitable<Lookup> TieredStore::lookup(std::string_view key, std::span<const std::string> tags, bool use_l1,
                                           std::chrono::system_clock::time_point now) {
  if (use_l1 && l1_) {
    // The L1 holds only entries no invalidation has touched (store::L1).
    EntryPtr entry = l1_->get(key);
    if (entry && cache::freshness(*entry, now).fresh() && same_tags(*entry, tags)) {
      co_return Lookup{Lookup::Tier::kL1, StoreStatus::kOk, std::move(entry), {}};
    }
  }
  const auto started = SteadyClock::now();
  std::string owned(key);  // a named local: GCC 12 and by-value coroutine arguments
  auto found = co_await store_.get(std::move(owned), tags);
  if (metrics_) {
    metrics_->observe_store(metrics::StoreOp::kGet, SteadyClock::now() - started);
    if (found.status == StoreStatus::kUnavailable) metrics_->count_error(metrics::ErrorKind::kStoreUnavailable);
  }
  co_return Lookup{Lookup::Tier::kStore, found.status, std::move(found.entry), std::move(found.generations)};
}

void TieredStore::remember(std::string key, const EntryPtr& entry, bool use_l1,
                           std::chrono::system_clock::time_point now) {
  if (!use_l1 || l1_ == nullptr) return;
  const auto left = cache::freshness(*entry, now).left_ms();
  if (left > 0) l1_->put(std::move(key), entry, std::chrono::milliseconds(left));
}

net::awaitable<StoreStatus> TieredStore::put(std::string key, EntryPtr entry, std::chrono::milliseconds keep,
                                             bool use_l1, std::chrono::system_clock::time_point now) {
  remember(key, entry, use_l1, now);
  const auto started = SteadyClock::now();
  const auto bytes = entry->approx_bytes();
  const auto status = co_await store_.put(std::move(key), std::move(entry), keep);
  if (status == StoreStatus::kOk) stats_.add(metrics::Stat::kSets);
  if (metrics_) {
    metrics_->observe_store(metrics::StoreOp::kPut, SteadyClock::now() - started);
    if (status == StoreStatus::kOk) metrics_->add_written_bytes(bytes);
    if (status == StoreStatus::kUnavailable) metrics_->count_error(metrics::ErrorKind::kStoreUnavailable);
  }
  co_return status;
}

}  // namespace foilcache::store

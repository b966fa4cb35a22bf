#include "proxy/store/invalidator.hpp"

namespace foilcache::store {

Invalidator::Invalidator(EntryStore& store, InvalidationBus& bus, metrics::Metrics* metrics, metrics::Stats& stats,
                         const OnInvalidated& on_invalidated)
    : store_(store), bus_(bus), metrics_(metrics), stats_(stats), on_invalidated_(on_invalidated) {}

net::awaitable<bool> Invalidator::tags(const std::vector<std::string>& tags, std::span<const std::string> labels) {
  for (std::size_t i = 0; i < tags.size(); ++i) {
    const std::string& tag = tags[i];
    std::string name = tag;  // a named local: GCC 12 and by-value coroutine arguments
    std::uint64_t generation = 0;
    if (co_await store_.invalidate_tag(std::move(name), &generation) != StoreStatus::kOk) {
      bus_.clear_here();
      co_return false;
    }
    Invalidation message;
    message.kind = Invalidation::Kind::kTag;
    message.value = tag;
    message.generation = generation;
    co_await bus_.broadcast(std::move(message));
    if (metrics_) metrics_->count_invalidation(i < labels.size() ? labels[i] : tag);
  }
  if (on_invalidated_ && !tags.empty()) on_invalidated_(tags);
  co_return true;
}

net::awaitable<StoreStatus> Invalidator::key(std::string key) {
  std::string name = key;
  const auto status = co_await store_.del(std::move(name));
  if (status != StoreStatus::kOk) co_return status;
  Invalidation message;
  message.kind = Invalidation::Kind::kKey;
  message.value = std::move(key);
  co_await bus_.broadcast(std::move(message));
  stats_.add(metrics::Stat::kDeletes);
  co_return status;
}

net::awaitable<CountResult> Invalidator::matching(std::string glob) {
  Invalidation message;
  message.kind = glob == "*" ? Invalidation::Kind::kClear : Invalidation::Kind::kPattern;
  message.value = glob;
  const auto removed = co_await store_.remove_matching(std::move(glob));
  co_await bus_.broadcast(std::move(message));
  stats_.add(metrics::Stat::kDeletes, removed.count);
  co_return removed;
}

}  // namespace foilcache::store

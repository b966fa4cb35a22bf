#include "proxy/cache/store.hpp"

namespace foilcache::cache {

bool tags_current(const Entry& entry, std::span<const std::string> tags, std::span<const std::uint64_t> generations) {
  if (entry.tags.size() != tags.size() || generations.size() != tags.size()) return false;
  for (std::size_t i = 0; i < tags.size(); ++i) {
    if (entry.tags[i].first != tags[i] || entry.tags[i].second != generations[i]) return false;
  }
  return true;
}

net::awaitable<LockResult> Store::try_lock(std::string, std::string, std::chrono::milliseconds) {
  co_return LockResult::kAcquired;
}

net::awaitable<void> Store::unlock(std::string, std::string, bool) { co_return; }

net::awaitable<std::optional<std::int64_t>> Store::publish(std::string) { co_return std::nullopt; }

net::awaitable<void> Store::acknowledge(std::string) { co_return; }

net::awaitable<std::optional<std::int64_t>> Store::acknowledgements(std::string) { co_return std::nullopt; }

net::awaitable<StoreStatus> Store::add_counters(Counters) { co_return StoreStatus::kUnavailable; }

net::awaitable<std::optional<Counters>> Store::read_counters() { co_return std::nullopt; }

net::awaitable<StoreStatus> Store::reset_counters() { co_return StoreStatus::kUnavailable; }

}  // namespace foilcache::cache

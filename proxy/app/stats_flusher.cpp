#include "proxy/app/stats_flusher.hpp"

#include <algorithm>

namespace foilcache::app {

net::awaitable<void> flush_stats(store::SharedCounters& counters, metrics::Stats& stats,
                                 const http_server::DrainState& drain) {
  net::steady_timer timer(co_await net::this_coro::executor);
  for (bool last = false; !last;) {
    timer.expires_after(kStatsFlushInterval);
    co_await timer.async_wait(kNoThrow);
    last = drain.is_draining();
    auto values = stats.take_unflushed();
    const bool any = std::any_of(values.begin(), values.end(), [](const auto& v) { return v.second != 0; });
    if (!any) continue;
    auto copy = values;  // a named local: GCC 12 and by-value coroutine arguments
    if (co_await counters.add(std::move(copy)) != store::StoreStatus::kOk) stats.restore_unflushed(values);
  }
}

}  // namespace foilcache::app

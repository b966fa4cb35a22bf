// Adds what this process counted to the shared counters, so /api/cache/info is cluster-wide
// (at least once a second, as INTERFACE.md promises).
#pragma once

#include "common/net.hpp"
#include "proxy/http/drain.hpp"
#include "proxy/metrics/stats.hpp"
#include "proxy/store/store.hpp"

namespace foilcache::app {

// How often this process adds its stats to the shared counters.
inline constexpr std::chrono::milliseconds kStatsFlushInterval{500};

// Flushes `stats` into `counters` every kStatsFlushInterval until the server drains (then
// once more). A failed flush keeps the counts for the next one. On the counters' io thread.
net::awaitable<void> flush_stats(store::SharedCounters& counters, metrics::Stats& stats,
                                 const http_server::DrainState& drain);

}  // namespace foilcache::app

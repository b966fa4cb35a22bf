// Cache statistics of this process (the admin API's "stats"). Atomics shared by every io
// thread; incremented on the request path with relaxed ordering.
#pragma once

#include <atomic>
#include <cstdint>

namespace foilcache::admin {

struct Stats {
  std::atomic<std::uint64_t> hits{0};     // answered from the store
  std::atomic<std::uint64_t> misses{0};   // looked up, not found, sent upstream
  std::atomic<std::uint64_t> sets{0};     // entries stored
  std::atomic<std::uint64_t> deletes{0};  // entries removed by the admin API
  std::atomic<std::uint64_t> bypass{0};   // routed but not eligible, or the store unavailable

  static void add(std::atomic<std::uint64_t>& counter, std::uint64_t n = 1) {
    counter.fetch_add(n, std::memory_order_relaxed);
  }
  void reset() {
    for (auto* counter : {&hits, &misses, &sets, &deletes, &bypass}) counter->store(0, std::memory_order_relaxed);
  }
};

}  // namespace foilcache::admin

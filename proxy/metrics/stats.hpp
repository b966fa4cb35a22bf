// Cache statistics (the admin API's "stats"). Atomics shared by every io thread, bumped on
// the request path with relaxed ordering.
//
// With a shared store (Redis), the stats are cluster-wide: each process adds what it
// counted since the last flush to the store's shared counters at least once a second
// (app::StatsFlusher), and /api/cache/info reads the totals plus what is not flushed yet.
// With the memory store they are this process's own.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace foilcache::metrics {

enum class Stat : std::size_t {
  kHits,     // answered from the store (fresh)
  kMisses,   // looked up, not found, sent upstream
  kSets,     // entries stored
  kDeletes,  // entries removed by the admin API
  kStale,    // answered from a stale entry (stale-while-revalidate / stale-if-error)
  kBypass,   // routed but not eligible, or the store unavailable
};

class Stats {
 public:
  static constexpr std::size_t kCount = 6;
  static constexpr std::array<const char*, kCount> kNames{"hits", "misses", "sets", "deletes", "stale", "bypass"};
  using Values = std::vector<std::pair<std::string, std::uint64_t>>;  // name -> value, in kNames order

  void add(Stat stat, std::uint64_t n = 1) {
    const auto i = static_cast<std::size_t>(stat);
    total_[i].fetch_add(n, std::memory_order_relaxed);
    unflushed_[i].fetch_add(n, std::memory_order_relaxed);
  }
  // This process's counts since start (or the last reset).
  Values totals() const { return snapshot(total_); }
  // Counts not yet added to the shared counters.
  Values unflushed() const { return snapshot(unflushed_); }
  // Takes the unflushed counts (zeroing them) for a flush; give them back on failure.
  Values take_unflushed() {
    Values out;
    for (std::size_t i = 0; i < kCount; ++i) {
      out.emplace_back(kNames[i], unflushed_[i].exchange(0, std::memory_order_relaxed));
    }
    return out;
  }
  void restore_unflushed(const Values& values) {
    for (std::size_t i = 0; i < kCount && i < values.size(); ++i) {
      unflushed_[i].fetch_add(values[i].second, std::memory_order_relaxed);
    }
  }
  void reset() {
    for (std::size_t i = 0; i < kCount; ++i) {
      total_[i].store(0, std::memory_order_relaxed);
      unflushed_[i].store(0, std::memory_order_relaxed);
    }
  }

 private:
  using Counters = std::array<std::atomic<std::uint64_t>, kCount>;
  static Values snapshot(const Counters& counters) {
    Values out;
    for (std::size_t i = 0; i < kCount; ++i) out.emplace_back(kNames[i], counters[i].load(std::memory_order_relaxed));
    return out;
  }
  Counters total_{};
  Counters unflushed_{};
};

}  // namespace foilcache::metrics

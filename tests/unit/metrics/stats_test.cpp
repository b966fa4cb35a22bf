// The admin API's counters: totals, what is not flushed yet, and a failed flush given back.
#include "proxy/metrics/stats.hpp"

#include <gtest/gtest.h>

namespace foilcache::metrics {
namespace {

std::uint64_t value(const Stats::Values& values, const char* name) {
  for (const auto& [n, v] : values) {
    if (n == name) return v;
  }
  return ~0ull;
}

TEST(StatsCounters, TotalsAndUnflushedMoveTogetherUntilAFlush) {
  Stats stats;
  stats.add(Stat::kHits, 3);
  stats.add(Stat::kMisses);
  EXPECT_EQ(value(stats.totals(), "hits"), 3u);
  EXPECT_EQ(value(stats.unflushed(), "misses"), 1u);
  auto taken = stats.take_unflushed();
  EXPECT_EQ(value(taken, "hits"), 3u);
  EXPECT_EQ(value(stats.unflushed(), "hits"), 0u);
  EXPECT_EQ(value(stats.totals(), "hits"), 3u);  // the process's own count stays
  stats.restore_unflushed(taken);                // the flush failed
  EXPECT_EQ(value(stats.unflushed(), "hits"), 3u);
  stats.reset();
  EXPECT_EQ(value(stats.totals(), "hits"), 0u);
  EXPECT_EQ(value(stats.unflushed(), "hits"), 0u);
}

TEST(StatsCounters, NamesInContractOrder) {
  Stats stats;
  std::vector<std::string> names;
  for (const auto& [n, v] : stats.totals()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"hits", "misses", "sets", "deletes", "stale", "bypass"}));
}

}  // namespace
}  // namespace foilcache::metrics

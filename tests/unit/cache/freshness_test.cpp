// Freshness arithmetic at a given time: one field changed from a fresh baseline per case.
#include "proxy/cache/freshness.hpp"

#include <gtest/gtest.h>

#include "tests/support/manual_clock.hpp"

namespace foilcache::cache {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kStoredAt = 1'790'000'000'000;  // ms

Entry entry_with_ttl(std::uint32_t ttl_s) {
  Entry e;
  e.stored_at_ms = kStoredAt;
  e.ttl_s = ttl_s;
  return e;
}

std::chrono::system_clock::time_point at(std::int64_t ms_after_store) {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(kStoredAt + ms_after_store));
}

struct Case {
  const char* name;
  std::uint32_t ttl_s;
  std::int64_t now_after_ms;
  bool fresh;
  std::int64_t age_s;
  std::int64_t ttl_left_s;
};

class FreshnessAt : public ::testing::TestWithParam<Case> {};

TEST_P(FreshnessAt, Computes) {
  const auto& c = GetParam();
  const Freshness f = freshness(entry_with_ttl(c.ttl_s), at(c.now_after_ms));
  EXPECT_EQ(f.fresh(), c.fresh);
  EXPECT_EQ(f.age_s(), c.age_s);
  EXPECT_EQ(f.ttl_left_s(), c.ttl_left_s);
  EXPECT_EQ(f.age_ms, c.now_after_ms);
  EXPECT_EQ(f.left_ms(), static_cast<std::int64_t>(c.ttl_s) * 1000 - c.now_after_ms);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, FreshnessAt,
    ::testing::Values(Case{"JustStored", 60, 0, true, 0, 60}, Case{"HalfWay", 60, 30'500, true, 30, 30},
                      Case{"OneMsBeforeTtl", 60, 59'999, true, 59, 1},
                      Case{"AtTtlIsStale", 60, 60'000, false, 60, 0},
                      Case{"PastTtl", 60, 75'000, false, 75, -15},
                      // Another replica's clock is ahead: age is never negative in headers.
                      Case{"ClockBehindStorer", 60, -2'500, true, 0, 60},
                      Case{"ZeroTtlIsNeverFresh", 0, 0, false, 0, 0}),
    [](const auto& info) { return std::string(info.param.name); });

config::Route route_with(std::chrono::milliseconds swr, std::chrono::milliseconds sie) {
  config::Route r;
  r.ttl = 60s;
  r.stale_while_revalidate = swr;
  r.stale_if_error = sie;
  return r;
}

TEST(FreshnessStaleWhileRevalidate, OnlyWithinTheWindowPastTtl) {
  const auto route = route_with(30s, 0s);
  const Entry e = entry_with_ttl(60);
  EXPECT_FALSE(within_stale_while_revalidate(freshness(e, at(59'999)), route.stale_while_revalidate));  // still fresh
  EXPECT_TRUE(within_stale_while_revalidate(freshness(e, at(60'000)), route.stale_while_revalidate));
  EXPECT_TRUE(within_stale_while_revalidate(freshness(e, at(89'999)), route.stale_while_revalidate));
  EXPECT_FALSE(within_stale_while_revalidate(freshness(e, at(90'000)), route.stale_while_revalidate));
  EXPECT_FALSE(within_stale_while_revalidate(freshness(e, at(60'000)), route_with(0s, 0s).stale_while_revalidate));
}

TEST(FreshnessStaleIfError, WindowPastTtlAndOffWhenZero) {
  const auto route = route_with(0s, 10s);
  const Entry e = entry_with_ttl(60);
  EXPECT_TRUE(within_stale_if_error(freshness(e, at(30'000)), route.stale_if_error));  // fresh counts too
  EXPECT_TRUE(within_stale_if_error(freshness(e, at(69'999)), route.stale_if_error));
  EXPECT_FALSE(within_stale_if_error(freshness(e, at(70'000)), route.stale_if_error));
  EXPECT_FALSE(within_stale_if_error(freshness(e, at(30'000)), route_with(0s, 0s).stale_if_error));
}

TEST(FreshnessWithManualClock, AdvancesWithoutSleeping) {
  testing::ManualClock clock(at(0));
  const Entry e = entry_with_ttl(2);
  EXPECT_TRUE(freshness(e, clock.system_now()).fresh());
  clock.advance(1999ms);
  EXPECT_TRUE(freshness(e, clock.system_now()).fresh());
  clock.advance(1ms);
  EXPECT_FALSE(freshness(e, clock.system_now()).fresh());
}

}  // namespace
}  // namespace foilcache::cache

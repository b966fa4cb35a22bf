// EventPlan: burst coalescing, resyncs after outages and retries, stepped with a ManualClock.
#include "proxy/feeds/event_plan.hpp"

#include <gtest/gtest.h>

#include "tests/support/manual_clock.hpp"

namespace foilcache::feeds {
namespace {

using namespace std::chrono_literals;
using Kind = Batch::Kind;

const std::vector<std::string> kLibrary{"library"};
const std::vector<std::string> kSystem{"system"};
const std::vector<std::string> kAll{"library", "system"};

class EventPlanTest : public ::testing::Test {
 protected:
  // A wall clock 0.5 s past a 30 s period boundary.
  EventPlanTest() : clock_(std::chrono::system_clock::time_point(std::chrono::milliseconds(1'790'000'010'500))) {}
  Now now() const { return Now{clock_.steady_now(), clock_.system_now()}; }
  std::optional<Batch> event(const std::vector<std::string>& tags, std::string label = "library_updated") {
    return plan_.on_event("@event:" + std::to_string(++n_), std::move(label), tags, now());
  }
  std::chrono::milliseconds until_due() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(plan_.next_due(now()) - now().steady);
  }

  testing::ManualClock clock_;
  EventPlan plan_{PlanTimes{250ms, 30s, 100ms}};
  int n_ = 0;
};

TEST_F(EventPlanTest, FirstEventIsAppliedAtOnce) {
  const auto batch = event(kLibrary);
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->kind, Kind::kEvents);
  EXPECT_EQ(batch->claim, "@event:1");
  EXPECT_EQ(batch->tags, kLibrary);
  EXPECT_EQ(batch->events, (std::vector<std::pair<std::string, std::uint64_t>>{{"library_updated", 1}}));
  EXPECT_TRUE(plan_.due(now(), false, kAll).empty());
}

TEST_F(EventPlanTest, BurstMergesIntoOneInvalidationAtTheWindowsEnd) {
  ASSERT_TRUE(event(kLibrary));
  clock_.advance(10ms);
  for (int i = 0; i < 48; ++i) EXPECT_FALSE(event(kLibrary)) << i;
  EXPECT_FALSE(event(kSystem, "job_update"));
  EXPECT_EQ(until_due(), 240ms) << "the window runs from the first application";
  clock_.advance(239ms);
  EXPECT_TRUE(plan_.due(now(), false, kAll).empty());
  clock_.advance(1ms);
  const auto due = plan_.due(now(), false, kAll);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].kind, Kind::kEvents);
  EXPECT_EQ(due[0].claim, "@event:2") << "claimed by its first message, as every replica names it";
  EXPECT_EQ(due[0].tags, kAll) << "the union, each once";
  EXPECT_EQ(due[0].events,
            (std::vector<std::pair<std::string, std::uint64_t>>{{"library_updated", 48}, {"job_update", 1}}));
  EXPECT_TRUE(plan_.due(now(), false, kAll).empty());
}

TEST_F(EventPlanTest, AFloodCostsOneInvalidationPerWindow) {
  int batches = 0;
  for (int i = 0; i < 1000; ++i) {  // one event a millisecond for a second
    if (event(kLibrary)) ++batches;
    batches += static_cast<int>(plan_.due(now(), false, kAll).size());
    clock_.advance(1ms);
  }
  batches += static_cast<int>(plan_.due(now(), false, kAll).size());
  EXPECT_GE(batches, 4);
  EXPECT_LE(batches, 5) << "1 s of flood with a 250 ms window";
}

TEST_F(EventPlanTest, AQuietWindowLaterAppliesAtOnceAgain) {
  ASSERT_TRUE(event(kLibrary));
  clock_.advance(250ms);
  EXPECT_TRUE(event(kLibrary)) << "a whole window passed since the last application";
  clock_.advance(100ms);
  EXPECT_FALSE(event(kLibrary));
  clock_.advance(150ms);
  EXPECT_EQ(plan_.due(now(), false, kAll).size(), 1u);
  clock_.advance(100ms);
  EXPECT_FALSE(event(kLibrary)) << "within the window after the trailing application";
}

TEST_F(EventPlanTest, ZeroWindowAppliesEveryEvent) {
  plan_.set_times(PlanTimes{0ms, 30s, 100ms});
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(event(kLibrary)) << i;
}

TEST_F(EventPlanTest, SubscribingIsAResyncOfEveryMappedTag) {
  const Batch batch = plan_.on_subscribed(kAll);
  EXPECT_EQ(batch.kind, Kind::kSubscribed);
  EXPECT_TRUE(batch.claim.empty()) << "each replica resyncs what it may have missed";
  EXPECT_EQ(batch.tags, kAll);
}

TEST_F(EventPlanTest, WhileDownEveryWallClockPeriodIsAClaimedResync) {
  EXPECT_TRUE(plan_.due(now(), true, kAll).empty());
  EXPECT_EQ(until_due(), 29'500ms) << "the next multiple of max_staleness";
  clock_.advance(29'500ms);
  auto due = plan_.due(now(), true, kAll);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].kind, Kind::kDown);
  EXPECT_EQ(due[0].tags, kAll);
  EXPECT_EQ(due[0].claim, "@feed-down:59666668:30000") << "the period, the same on every replica";
  EXPECT_EQ(until_due(), 30s);
  clock_.advance(30s);
  due = plan_.due(now(), true, kAll);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].claim, "@feed-down:59666669:30000");
}

TEST_F(EventPlanTest, UpAtAPeriodBoundaryNothingIsDue) {
  plan_.due(now(), false, kAll);
  clock_.advance(29'500ms);
  EXPECT_TRUE(plan_.due(now(), false, kAll).empty());
  clock_.advance(30s);
  EXPECT_TRUE(plan_.due(now(), true, {}).empty()) << "down, but no rule names a tag";
}

TEST_F(EventPlanTest, AWallClockSteppedBackDoesNotSilenceThePeriods) {
  plan_.due(now(), true, kAll);
  clock_.set_system(clock_.system_now() - std::chrono::hours(1));
  plan_.due(now(), true, kAll);
  EXPECT_LE(until_due(), 30s);
}

TEST_F(EventPlanTest, FailedTagsAreRetriedAloneWithBackOff) {
  const auto first = event(kLibrary);
  ASSERT_TRUE(first);
  plan_.on_failed(*first, now());
  plan_.on_failed(Batch{Kind::kDown, "@feed-down:1:30000", kAll, {}, {}}, now());
  plan_.on_failed(plan_.on_subscribed(kAll), now());
  EXPECT_EQ(until_due(), 100ms) << "redis.reconnect_min: the store is often just connecting";
  clock_.advance(100ms);
  auto due = plan_.due(now(), false, kAll);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].kind, Kind::kRetry);
  EXPECT_TRUE(due[0].claim.empty());
  EXPECT_EQ(due[0].tags, kAll);
  EXPECT_TRUE(due[0].events.empty()) << "its messages were counted when they failed";
  EXPECT_EQ(due[0].retried, (std::vector<Kind>{Kind::kDown, Kind::kSubscribed})) << "the resyncs it completes";

  // Failing again doubles the wait, up to a quarter of max_staleness; success resets it.
  std::chrono::milliseconds waits[8];
  for (auto& wait : waits) {
    plan_.on_failed(due[0], now());
    wait = until_due();
    clock_.advance(wait);
    due = plan_.due(now(), false, kAll);
    ASSERT_EQ(due.size(), 1u);
    EXPECT_EQ(due[0].retried.size(), 2u) << "carried along, each once";
  }
  EXPECT_EQ(waits[0], 200ms);
  EXPECT_EQ(waits[1], 400ms);
  EXPECT_EQ(waits[6], 7'500ms);
  EXPECT_EQ(waits[7], 7'500ms);
  plan_.on_invalidated(due[0]);
  EXPECT_EQ(plan_.retry_interval(), 100ms);
}

TEST_F(EventPlanTest, NextDueIsTheEarliestDeadline) {
  ASSERT_TRUE(event(kLibrary));
  EXPECT_FALSE(event(kLibrary));
  EXPECT_EQ(until_due(), 250ms);
  plan_.set_times(PlanTimes{250ms, 100ms, 100ms});  // periods now shorter than the window's end
  EXPECT_LE(until_due(), 250ms);
}

}  // namespace
}  // namespace foilcache::feeds

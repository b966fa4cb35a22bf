// The coalescing lock: the pure plan as a table, and Coalescer::lock on a fake store.
#include "proxy/pipeline/coalescer.hpp"

#include <gtest/gtest.h>

#include "tests/support/asio_run.hpp"
#include "tests/support/fake_store.hpp"

namespace foilcache::pipeline {
namespace {

using namespace std::chrono_literals;
using store::LockResult;

struct PlanCase {
  const char* name;
  LockResult result;
  std::chrono::milliseconds left;  // deadline - now
  LockStep step;
};

class CoalescerLockPlan : public ::testing::TestWithParam<PlanCase> {};

TEST_P(CoalescerLockPlan, Steps) {
  const LockPlan plan{20ms};
  const auto now = std::chrono::steady_clock::time_point(1h);
  EXPECT_EQ(plan.next(GetParam().result, now, now + GetParam().left), GetParam().step);
}

INSTANTIATE_TEST_SUITE_P(Cases, CoalescerLockPlan,
                         ::testing::Values(PlanCase{"Acquired", LockResult::kAcquired, 0ms, LockStep::kFetch},
                                           PlanCase{"BusyWithTimeLeft", LockResult::kBusy, 21ms, LockStep::kPollAfter},
                                           PlanCase{"BusyNoTimeForAPoll", LockResult::kBusy, 20ms, LockStep::kGiveUp},
                                           PlanCase{"PassMark", LockResult::kPass, 5s, LockStep::kGiveUp},
                                           PlanCase{"StoreFailed", LockResult::kUnavailable, 5s, LockStep::kGiveUp}),
                         [](const auto& info) { return std::string(info.param.name); });

class CoalescerTest : public ::testing::Test {
 protected:
  // Real time: the lock's wait is measured on the clock the poll timer runs on.
  CoalescerTest() : coalescer_(flights_, &fake_, fake_, common::Clock::real()) {}
  Coalescer::Lease lock(std::chrono::milliseconds wait = 1s) {
    auto lease = test::run_awaitable(ioc_, coalescer_.lock("k", tags_, wait), 5s);
    EXPECT_TRUE(lease);
    return lease.value_or(Coalescer::Lease{});
  }
  store::EntryPtr fresh_entry() const {
    auto e = std::make_shared<cache::Entry>();
    e->ttl_s = 60;
    e->stored_at_ms = common::to_unix_ms(std::chrono::system_clock::now());
    e->tags = {{"library", 0}};
    return e;
  }

  net::io_context ioc_;
  testing::FakeStore fake_;
  Flights flights_;
  Coalescer coalescer_;
  const std::vector<std::string> tags_{"library"};
};

TEST_F(CoalescerTest, AcquiredLockIsAFetchWithAToken) {
  const auto lease = lock();
  EXPECT_EQ(lease.verdict, Coalescer::Lease::Verdict::kFetch);
  EXPECT_EQ(lease.token.size(), 32u);
  ASSERT_TRUE(test::run_awaitable(ioc_, coalescer_.unlock("k", lease.token, true)));
  EXPECT_EQ(fake_.calls.back(), "pass k");
}

TEST_F(CoalescerTest, BusyLockPollsUntilAnotherInstancesEntryShowsUp) {
  fake_.lock_answer = LockResult::kBusy;
  const auto entry = fresh_entry();
  int peeks = 0;
  fake_.on_call = [&](const std::string& call) {
    if (call == "get k" && ++peeks == 2) fake_.entries["k"] = entry;  // stored by the other instance
  };
  const auto lease = lock();
  EXPECT_EQ(lease.verdict, Coalescer::Lease::Verdict::kFound);
  EXPECT_EQ(lease.found, entry);
  EXPECT_EQ(peeks, 2);
}

TEST_F(CoalescerTest, StoreFailingWhilePollingGoesAlone) {
  fake_.lock_answer = LockResult::kBusy;
  fake_.on_call = [&](const std::string& call) {
    if (call == "get k") fake_.down = true;
  };
  EXPECT_EQ(lock().verdict, Coalescer::Lease::Verdict::kAlone);
}

TEST_F(CoalescerTest, PassMarkGoesAloneAtOnce) {
  fake_.lock_answer = LockResult::kPass;
  const auto lease = lock();
  EXPECT_EQ(lease.verdict, Coalescer::Lease::Verdict::kAlone);
  EXPECT_EQ(fake_.calls, std::vector<std::string>{"lock k"});
}

TEST_F(CoalescerTest, StaleEntryKeepsPollingAndRecordsTheGenerationsSeen) {
  fake_.lock_answer = LockResult::kBusy;
  auto stale = fresh_entry();
  std::const_pointer_cast<cache::Entry>(stale)->stored_at_ms -= 120'000;
  fake_.entries["k"] = stale;
  fake_.generations["library"] = 0;
  const auto lease = lock(100ms);  // the wait ends: given up
  EXPECT_EQ(lease.verdict, Coalescer::Lease::Verdict::kAlone);
  ASSERT_TRUE(lease.generations);
  EXPECT_EQ(*lease.generations, std::vector<std::uint64_t>{0});
}

TEST_F(CoalescerTest, TryLockOnceGivesATokenOnlyWhenAcquired) {
  const auto acquired = test::run_awaitable(ioc_, coalescer_.try_lock_once("k", 1s));
  ASSERT_TRUE(acquired);
  EXPECT_TRUE(*acquired);
  fake_.lock_answer = LockResult::kBusy;
  const auto busy = test::run_awaitable(ioc_, coalescer_.try_lock_once("k", 1s));
  ASSERT_TRUE(busy);
  EXPECT_FALSE(*busy);
}

}  // namespace
}  // namespace foilcache::pipeline

// The cross-replica claims: ClaimPlan's decisions, the claim loop against a scripted
// FetchLock, and the claim key.
#include "proxy/feeds/event_claim.hpp"

#include <gtest/gtest.h>

#include "tests/support/asio_run.hpp"
#include "tests/support/fake_store.hpp"
#include "tests/support/manual_clock.hpp"

namespace foilcache::feeds {
namespace {

using namespace std::chrono_literals;
using store::LockResult;

TEST(EventClaimKey, IsTheSha256OfTheBytes) {
  EXPECT_EQ(event_claim_key("abc"), "@event:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(event_claim_key(""), "@event:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_NE(event_claim_key("a"), event_claim_key("b"));
}

TEST(EventClaimRecheck, SeesTheDoneMarkBeforeItExpires) {
  EXPECT_LT(kRecheck, store::FetchLock::kPassMarkerLifetime / 2) << "at least two looks while the mark stands";
}

struct PlanCase {
  const char* name;
  std::vector<LockResult> answers;   // try_lock's answers, in order
  std::vector<ClaimStep> steps;      // the plan's step after each
  bool took_over;
};

class EventClaimPlan : public ::testing::TestWithParam<PlanCase> {};

TEST_P(EventClaimPlan, Decides) {
  const auto& c = GetParam();
  testing::ManualClock clock;
  ClaimPlan plan(clock.steady_now(), 30s, 250ms);
  for (std::size_t i = 0; i < c.answers.size(); ++i) {
    EXPECT_EQ(plan.next(c.answers[i], clock.steady_now()), c.steps[i]) << "answer " << i;
    clock.advance(250ms);
  }
  EXPECT_EQ(plan.took_over(), c.took_over);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, EventClaimPlan,
    ::testing::Values(
        PlanCase{"Won", {LockResult::kAcquired}, {ClaimStep::kApply}, false},
        PlanCase{"AlreadyDone", {LockResult::kPass}, {ClaimStep::kSkip}, false},
        PlanCase{"StoreDownAppliesAnyway", {LockResult::kUnavailable}, {ClaimStep::kApply}, false},
        PlanCase{"WinnerFinishes",
                 {LockResult::kBusy, LockResult::kBusy, LockResult::kPass},
                 {ClaimStep::kRecheck, ClaimStep::kRecheck, ClaimStep::kSkip},
                 false},
        PlanCase{"WinnerDiedClaimExpired",
                 {LockResult::kBusy, LockResult::kAcquired},
                 {ClaimStep::kRecheck, ClaimStep::kApply},
                 true},
        PlanCase{"StoreFailsWhileWaiting",
                 {LockResult::kBusy, LockResult::kUnavailable},
                 {ClaimStep::kRecheck, ClaimStep::kApply},
                 false}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(EventClaimPlanLimits, ABusyClaimIsAppliedAfterTwiceItsTtl) {
  testing::ManualClock clock;
  ClaimPlan plan(clock.steady_now(), 30s, 250ms);
  EXPECT_EQ(plan.next(LockResult::kBusy, clock.steady_now()), ClaimStep::kRecheck);
  EXPECT_EQ(plan.recheck_at(), clock.steady_now() + 250ms);
  clock.advance(59'999ms);
  EXPECT_EQ(plan.next(LockResult::kBusy, clock.steady_now()), ClaimStep::kRecheck);
  clock.advance(1ms);
  EXPECT_EQ(plan.next(LockResult::kBusy, clock.steady_now()), ClaimStep::kApply);
}

TEST(EventClaimPeriod, AppliesOnlyWhatItClaimed) {
  EXPECT_EQ(period_step(LockResult::kAcquired), ClaimStep::kApply);
  EXPECT_EQ(period_step(LockResult::kUnavailable), ClaimStep::kApply);
  EXPECT_EQ(period_step(LockResult::kBusy), ClaimStep::kSkip);
  EXPECT_EQ(period_step(LockResult::kPass), ClaimStep::kSkip);
}

// The claim loop against FakeStore's FetchLock, answering from a script.
class EventClaimLoop : public ::testing::Test {
 protected:
  void script(std::vector<LockResult> answers) {
    answers_ = std::move(answers);
    store_.on_call = [this](const std::string& call) {
      if (call.rfind("lock ", 0) != 0) return;
      store_.lock_answer = answers_[std::min(locks_++, answers_.size() - 1)];
    };
  }
  Claimed claim() {
    // Named locals: GCC 12 and by-value coroutine arguments.
    std::string key = "@event:k";
    std::string token = "token";
    const config::Duration ttl = 30s;
    const config::Duration recheck = 1ms;
    auto result =
        test::run_awaitable(ioc_, claim_event(store_, std::move(key), std::move(token), ttl, recheck, clock_), 5s);
    EXPECT_TRUE(result) << "the claim did not decide";
    return result.value_or(Claimed{});
  }

  net::io_context ioc_;
  testing::FakeStore store_;
  testing::ManualClock clock_;
  std::vector<LockResult> answers_;
  std::size_t locks_ = 0;
};

TEST_F(EventClaimLoop, WinnerHoldsTheClaim) {
  script({LockResult::kAcquired});
  const Claimed c = claim();
  EXPECT_TRUE(c.apply);
  EXPECT_TRUE(c.acquired);
  EXPECT_FALSE(c.took_over);
  EXPECT_EQ(store_.calls, (std::vector<std::string>{"lock @event:k"}));
}

TEST_F(EventClaimLoop, LoserLooksAgainUntilTheMark) {
  script({LockResult::kBusy, LockResult::kBusy, LockResult::kPass});
  const Claimed c = claim();
  EXPECT_FALSE(c.apply);
  EXPECT_EQ(locks_, 3u);
}

TEST_F(EventClaimLoop, LoserTakesOverAnExpiredClaim) {
  script({LockResult::kBusy, LockResult::kAcquired});
  const Claimed c = claim();
  EXPECT_TRUE(c.apply);
  EXPECT_TRUE(c.acquired);
  EXPECT_TRUE(c.took_over);
}

TEST_F(EventClaimLoop, StoreDownMeansApplyWithoutHolding) {
  store_.down = true;
  const Claimed c = claim();
  EXPECT_TRUE(c.apply);
  EXPECT_FALSE(c.acquired) << "nothing to finish";
}

TEST_F(EventClaimLoop, AHolderThatNeverFinishesIsOverruledAfterTwoTtls) {
  script({LockResult::kBusy});
  store_.on_call = [this](const std::string&) {
    store_.lock_answer = LockResult::kBusy;
    clock_.advance(10s);
  };
  const Claimed c = claim();
  EXPECT_TRUE(c.apply);
  EXPECT_FALSE(c.acquired);
  EXPECT_EQ(store_.calls.size(), 6u) << "looks at 10, 20, ... 60 s";
}

TEST_F(EventClaimLoop, FinishMarksDoneOrReleases) {
  for (const bool invalidated : {true, false}) {
    std::string key = "@event:k";
    std::string token = "token";
    ASSERT_TRUE(test::run_awaitable(ioc_, finish_event_claim(store_, std::move(key), std::move(token), invalidated)));
  }
  EXPECT_EQ(store_.calls, (std::vector<std::string>{"pass @event:k", "unlock @event:k"}));
}

}  // namespace
}  // namespace foilcache::feeds

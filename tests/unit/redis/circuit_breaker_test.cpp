// CircuitBreaker as a pure state machine: scripted command outcomes on an injected clock.
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "proxy/redis/circuit_breaker.hpp"

namespace foilcache::redis {
namespace {

using namespace std::chrono_literals;
using Duration = CircuitBreaker::Duration;

enum class Op {
  kSend,       // allows() is true; the command is sent (on_sent) and its ticket kept
  kAllowed,    // allows() is true, but the command is not sent (e.g. no connection)
  kRefused,    // allows() is false: the command fails fast
  kSucceed,    // the most recently sent outstanding command gets a reply
  kFail,       // the most recently sent outstanding command times out
  kAdvance,    // the clock moves forward by `ms`
  kReconnect,  // a new connection's handshake succeeded
};

struct Step {
  Op op;
  Duration ms{0};
};
using Script = std::vector<Step>;

Script operator+(Script a, const Script& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

Script repeat(int times, const Script& script) {
  Script out;
  for (int i = 0; i < times; ++i) out = out + script;
  return out;
}

const Step kSend{Op::kSend};
const Step kAllowed{Op::kAllowed};
const Step kRefused{Op::kRefused};
const Step kSucceed{Op::kSucceed};
const Step kFail{Op::kFail};
const Step kReconnect{Op::kReconnect};
Step advance(Duration by) { return {Op::kAdvance, by}; }

// From a closed breaker to an open one, with the first cooldown.
const Script kOpenIt = repeat(CircuitBreaker::kThreshold, {kSend, kFail});
// Open -> half-open -> the probe fails -> open again, with a cooldown twice as long.
Script failed_probe_after(Duration cooldown) { return {advance(cooldown), kSend, kFail}; }

struct BreakerCase {
  std::string name;
  Script script;
  BreakerState state;
  Duration cooldown = CircuitBreaker::kCooldown;
  int failures = 0;  // consecutive failures counted while closed
};

void PrintTo(const BreakerCase& c, std::ostream* os) { *os << c.name; }

class CircuitBreakerTest : public ::testing::TestWithParam<BreakerCase> {};

TEST_P(CircuitBreakerTest, FollowsTheScript) {
  const BreakerCase& c = GetParam();
  CircuitBreaker breaker;
  CircuitBreaker::TimePoint now{};  // the injected clock: only kAdvance moves it
  std::vector<CircuitBreaker::Ticket> outstanding;
  for (std::size_t i = 0; i < c.script.size(); ++i) {
    const Step& step = c.script[i];
    SCOPED_TRACE("step " + std::to_string(i));
    switch (step.op) {
      case Op::kSend:
        ASSERT_TRUE(breaker.allows(now));
        outstanding.push_back(breaker.on_sent());
        break;
      case Op::kAllowed: ASSERT_TRUE(breaker.allows(now)); break;
      case Op::kRefused: ASSERT_FALSE(breaker.allows(now)); break;
      case Op::kSucceed:
        ASSERT_FALSE(outstanding.empty());
        breaker.on_success(outstanding.back());
        outstanding.pop_back();
        break;
      case Op::kFail:
        ASSERT_FALSE(outstanding.empty());
        breaker.on_failure(outstanding.back(), now);
        outstanding.pop_back();
        break;
      case Op::kAdvance: now += step.ms; break;
      case Op::kReconnect: breaker.on_reconnected(); break;
    }
  }
  EXPECT_EQ(to_string(breaker.state()), std::string(to_string(c.state)));
  EXPECT_EQ(breaker.cooldown(), c.cooldown);
  EXPECT_EQ(breaker.consecutive_failures(), c.failures);
}

constexpr int kBelow = CircuitBreaker::kThreshold - 1;
constexpr Duration kFirst = CircuitBreaker::kCooldown;
constexpr Duration kMax = CircuitBreaker::kMaxCooldown;
constexpr Duration kJustBefore = kFirst - 1ms;

INSTANTIATE_TEST_SUITE_P(
    Cases, CircuitBreakerTest,
    ::testing::Values(
        BreakerCase{"NewBreakerIsClosed", {kSend, kSend}, BreakerState::kClosed},
        BreakerCase{"FailuresBelowTheThresholdKeepItClosed", repeat(kBelow, {kSend, kFail}) + Script{kSend},
                    BreakerState::kClosed, kFirst, kBelow},
        BreakerCase{"ThresholdFailuresInARowOpenIt", kOpenIt, BreakerState::kOpen},
        BreakerCase{"ReplyBetweenFailuresResetsTheCount",
                    repeat(kBelow, {kSend, kFail}) + Script{kSend, kSucceed} + repeat(kBelow, {kSend, kFail}),
                    BreakerState::kClosed, kFirst, kBelow},
        BreakerCase{"OpenRefusesUntilTheCooldownEnds",
                    kOpenIt + Script{kRefused, advance(kJustBefore), kRefused}, BreakerState::kOpen},
        BreakerCase{"CooldownEndTurnsItHalfOpen", kOpenIt + Script{advance(kFirst), kAllowed},
                    BreakerState::kHalfOpen},
        BreakerCase{"HalfOpenLetsExactlyOneProbeThrough",
                    kOpenIt + Script{advance(kFirst), kSend, kRefused, kRefused, advance(kMax), kRefused},
                    BreakerState::kHalfOpen},
        BreakerCase{"ProbeNotSentIsNotUsedUp",
                    kOpenIt + Script{advance(kFirst), kAllowed, kAllowed, kSend, kRefused}, BreakerState::kHalfOpen},
        BreakerCase{"ProbeReplyClosesIt", kOpenIt + Script{advance(kFirst), kSend, kSucceed, kSend, kSend},
                    BreakerState::kClosed},
        BreakerCase{"ClosingStartsTheCountAfresh",
                    kOpenIt + Script{advance(kFirst), kSend, kSucceed} + repeat(kBelow, {kSend, kFail}),
                    BreakerState::kClosed, kFirst, kBelow},
        BreakerCase{"ProbeFailureReopensWithADoubledCooldown",
                    kOpenIt + failed_probe_after(kFirst) + Script{advance(2 * kFirst - 1ms), kRefused},
                    BreakerState::kOpen, 2 * kFirst},
        BreakerCase{"ReopenedBreakerProbesAfterTheLongerCooldown",
                    kOpenIt + failed_probe_after(kFirst) + Script{advance(2 * kFirst), kSend, kRefused},
                    BreakerState::kHalfOpen, 2 * kFirst},
        BreakerCase{"RepeatedProbeFailuresCapTheCooldown", kOpenIt + repeat(6, failed_probe_after(kMax)),
                    BreakerState::kOpen, kMax},
        BreakerCase{"ProbeReplyResetsTheCooldown",
                    kOpenIt + repeat(6, failed_probe_after(kMax)) + Script{advance(kMax), kSend, kSucceed} + kOpenIt,
                    BreakerState::kOpen, kFirst},
        BreakerCase{"ReconnectEndsTheCooldownEarly", kOpenIt + Script{kReconnect, kSend, kRefused},
                    BreakerState::kHalfOpen},
        BreakerCase{"ReconnectDoesNotCloseItWithoutAReply", kOpenIt + Script{kReconnect, kSend, kFail, kRefused},
                    BreakerState::kOpen, 2 * kFirst},
        BreakerCase{"ReconnectLeavesAClosedCountAlone",
                    repeat(kBelow, {kSend, kFail}) + Script{kReconnect, kSend, kFail}, BreakerState::kOpen},
        BreakerCase{"CommandsSentBeforeOpeningDoNotCountAfterIt",
                    Script{kSend} + kOpenIt + Script{kSucceed, kRefused}, BreakerState::kOpen},
        BreakerCase{"LateFailureFromBeforeTheOpeningDoesNotReopen",
                    Script{kSend} + kOpenIt + Script{advance(kFirst), kSend, kSucceed, kFail}, BreakerState::kClosed}),
    [](const ::testing::TestParamInfo<BreakerCase>& info) { return info.param.name; });

TEST(CircuitBreakerNames, EveryStateHasAName) {
  EXPECT_STREQ(to_string(BreakerState::kClosed), "closed");
  EXPECT_STREQ(to_string(BreakerState::kOpen), "open");
  EXPECT_STREQ(to_string(BreakerState::kHalfOpen), "half-open");
}

TEST(CircuitBreakerTickets, UntrackedOutcomesAreIgnored) {
  CircuitBreaker breaker;
  const CircuitBreaker::TimePoint now{};
  for (int i = 0; i < 2 * CircuitBreaker::kThreshold; ++i) breaker.on_failure(CircuitBreaker::kUntracked, now);
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
  EXPECT_EQ(breaker.consecutive_failures(), 0);
}

}  // namespace
}  // namespace foilcache::redis

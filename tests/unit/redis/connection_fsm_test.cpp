// ConnectionFsm stepped by hand: scripted events on an injected time, no sockets, no sleeps.
#include <functional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "proxy/redis/connection_fsm.hpp"
#include "proxy/redis/redis_error.hpp"

namespace foilcache::redis {
namespace {

using namespace std::chrono_literals;
using TimePoint = ConnectionFsm::TimePoint;
using Duration = ConnectionFsm::Duration;
using State = ConnectionFsm::State;
using Type = ConnAction::Type;
using Report = ConnAction::Report;
using Argv = std::vector<std::string>;

const TimePoint kT0 = TimePoint{} + 1h;
constexpr std::uint32_t kSeed = 7;
constexpr const char* kPassword = "pa55-w0rd";

config::RedisConfig base_config() {
  config::RedisConfig config;
  config.host = "10.0.0.5";
  config.port = 6380;
  config.connect_timeout = 500ms;
  config.reconnect_min = 100ms;
  config.reconnect_max = 800ms;
  return config;
}

ConnectionFsm make_fsm(const config::RedisConfig& config = base_config(), std::uint32_t seed = kSeed) {
  return ConnectionFsm(endpoint_of(config), config, seed);
}

Result reply(ReplyType type, std::string_view text) {
  Result result;
  result.reply = Reply::make(type, text);
  return result;
}
Result ok() { return reply(ReplyType::kStatus, "OK"); }
Result failed(Errc errc) { return Result{make_error_code(errc), {}}; }

// Runs one attempt from `first` (the kConnect of start() or of a back-off's end) through a
// handshake the server accepts; returns every kSend's argv and checks their deadline.
std::vector<Argv> handshake(ConnectionFsm& fsm, ConnAction first, TimePoint now) {
  EXPECT_EQ(first.type, Type::kConnect);
  ConnAction action = fsm.on_connected({}, {}, now);
  std::vector<Argv> sent;
  while (action.type == Type::kSend) {
    EXPECT_EQ(action.until, first.until) << "every step is bounded by the attempt's deadline";
    sent.push_back(action.argv);
    action = fsm.on_reply(action.argv.front() == "PING" ? reply(ReplyType::kStatus, "PONG") : ok(), now);
  }
  EXPECT_EQ(action.type, Type::kServe);
  EXPECT_EQ(action.report, Report::kConnected);
  EXPECT_EQ(fsm.state(), State::kReady);
  return sent;
}

// A started FSM that completed its handshake at kT0.
ConnectionFsm ready_fsm(const config::RedisConfig& config = base_config()) {
  ConnectionFsm fsm = make_fsm(config);
  handshake(fsm, fsm.start(kT0), kT0);
  return fsm;
}

// Fails one attempt at `now` by refusing its TCP connect; returns the kWait.
ConnAction refuse_attempt(ConnectionFsm& fsm, TimePoint now) {
  return fsm.on_connected(make_error_code(Errc::connect_failed), "Connection refused", now);
}

// --- the handshake plan ---

struct PlanCase {
  const char* name;
  std::string username;
  std::string password;
  int db;
  std::vector<Argv> plan;
};

std::ostream& operator<<(std::ostream& out, const PlanCase& c) { return out << c.name; }

class ConnectionFsmPlan : public ::testing::TestWithParam<PlanCase> {};

TEST_P(ConnectionFsmPlan, SendsTheStepsInOrderThenServes) {
  config::RedisConfig config = base_config();
  config.username = GetParam().username;
  config.password = GetParam().password;
  config.db = GetParam().db;
  ConnectionFsm fsm = make_fsm(config);
  EXPECT_EQ(handshake(fsm, fsm.start(kT0), kT0), GetParam().plan);
}

INSTANTIATE_TEST_SUITE_P(
    Configs, ConnectionFsmPlan,
    ::testing::Values(PlanCase{"NoPassword", "", "", 0, {{"PING"}}},
                      PlanCase{"Password", "", kPassword, 0, {{"AUTH", kPassword}, {"PING"}}},
                      PlanCase{"UsernameAndPassword", "app", kPassword, 0, {{"AUTH", "app", kPassword}, {"PING"}}},
                      // AUTH needs a password: a username alone sends none.
                      PlanCase{"UsernameWithoutPassword", "app", "", 0, {{"PING"}}},
                      PlanCase{"Database", "", "", 3, {{"SELECT", "3"}, {"PING"}}},
                      PlanCase{"Everything", "app", kPassword, 15, {{"AUTH", "app", kPassword}, {"SELECT", "15"}, {"PING"}}}),
    [](const ::testing::TestParamInfo<PlanCase>& info) { return std::string(info.param.name); });

// --- a server found through Sentinel: ROLE, moving, none known yet ---

Result role(std::string_view name) {
  Result result;
  result.reply = Reply::make(ReplyType::kArray);
  result.reply.elements.push_back(Reply::make(ReplyType::kString, name));
  return result;
}

TEST(ConnectionFsmTopology, VerifyMasterAddsRoleBeforePing) {
  config::RedisConfig config = base_config();
  config.verify_master = true;
  ConnectionFsm fsm = make_fsm(config);
  fsm.start(kT0);
  ConnAction action = fsm.on_connected({}, {}, kT0);
  ASSERT_EQ(action.argv, (Argv{"ROLE"}));
  action = fsm.on_reply(role("master"), kT0);
  ASSERT_EQ(action.argv, (Argv{"PING"}));
  EXPECT_EQ(fsm.on_reply(reply(ReplyType::kStatus, "PONG"), kT0).type, Type::kServe);
}

TEST(ConnectionFsmTopology, AReplicaIsRefused) {
  config::RedisConfig config = base_config();
  config.verify_master = true;
  ConnectionFsm fsm = make_fsm(config);
  fsm.start(kT0);
  fsm.on_connected({}, {}, kT0);
  const ConnAction action = fsm.on_reply(role("slave"), kT0);
  EXPECT_EQ(action.type, Type::kClose);
  EXPECT_EQ(fsm.state(), State::kBackoff);
  EXPECT_NE(fsm.last_error().find("is not a master"), std::string::npos) << fsm.last_error();
}

TEST(ConnectionFsmTopology, NoServerKnownFailsFastAndWaits) {
  ConnectionFsm fsm = make_fsm();
  fsm.set_endpoint(Endpoint{});
  const ConnAction action = fsm.start(kT0);
  EXPECT_EQ(action.type, Type::kWait);
  EXPECT_EQ(fsm.last_error(), "no server known yet");
}

TEST(ConnectionFsmTopology, ANewEndpointSkipsTheBackoff) {
  ConnectionFsm fsm = make_fsm();
  const ConnAction wait = refuse_attempt(fsm, (fsm.start(kT0), kT0));
  ASSERT_EQ(wait.type, Type::kWait);
  refuse_attempt(fsm, (fsm.on_deadline(wait.until), wait.until));  // a second failure: the back-off grew
  ASSERT_GT(fsm.next_backoff(), base_config().reconnect_min);
  fsm.set_endpoint(Endpoint{"10.0.0.6", 6381});
  const ConnAction now = fsm.skip_backoff(wait.until + 1ms);
  EXPECT_EQ(now.type, Type::kConnect);
  EXPECT_EQ(now.host, "10.0.0.6");
  EXPECT_EQ(now.port, 6381);
  EXPECT_EQ(fsm.next_backoff(), base_config().reconnect_min) << "a new server starts a new streak";
  EXPECT_EQ(fsm.skip_backoff(wait.until + 2ms).type, Type::kNone) << "only from a back-off";
}

// --- the first steps of an attempt ---

TEST(ConnectionFsmStart, AnAddressIsConnectedToAtOnce) {
  ConnectionFsm fsm = make_fsm();
  EXPECT_EQ(fsm.state(), State::kIdle);
  const ConnAction action = fsm.start(kT0);
  EXPECT_EQ(action.type, Type::kConnect);
  EXPECT_EQ(action.host, "10.0.0.5");
  EXPECT_EQ(action.port, 6380);
  EXPECT_EQ(action.until, kT0 + 500ms);
  EXPECT_EQ(fsm.state(), State::kConnecting);
  EXPECT_EQ(fsm.start(kT0).type, Type::kNone);  // once
}

TEST(ConnectionFsmStart, AnEmptyHostIsTheLocalServer) {
  config::RedisConfig config = base_config();
  config.host.clear();
  EXPECT_EQ(endpoint_of(config).host, "127.0.0.1");
  EXPECT_EQ(endpoint_of(config).name(), "127.0.0.1:6380");
  ConnectionFsm fsm = make_fsm(config);
  EXPECT_EQ(fsm.start(kT0).host, "127.0.0.1");
}

TEST(ConnectionFsmStart, ANameIsResolvedFirst) {
  config::RedisConfig config = base_config();
  config.host = "redis.internal";
  ConnectionFsm fsm = make_fsm(config);
  const ConnAction resolve = fsm.start(kT0);
  EXPECT_EQ(resolve.type, Type::kResolve);
  EXPECT_EQ(resolve.host, "redis.internal");
  EXPECT_EQ(resolve.port, 6380);
  EXPECT_EQ(fsm.state(), State::kResolving);
  EXPECT_EQ(fsm.on_deadline(kT0 + 1s).type, Type::kNone);  // resolution is never cut short

  const ConnAction connect = fsm.on_resolved({}, "10.1.2.3", kT0 + 10ms);
  EXPECT_EQ(connect.type, Type::kConnect);
  EXPECT_EQ(connect.host, "10.1.2.3");
  EXPECT_EQ(connect.port, 6380);
  EXPECT_EQ(connect.until, kT0 + 500ms);  // what is left of the attempt
}

TEST(ConnectionFsmStart, ANameThatDoesNotResolveIsAFailedAttempt) {
  config::RedisConfig config = base_config();
  config.host = "nowhere.invalid";
  for (const bool with_error : {true, false}) {
    ConnectionFsm fsm = make_fsm(config);
    fsm.start(kT0);
    const boost::system::error_code ec =
        with_error ? make_error_code(boost::system::errc::host_unreachable) : boost::system::error_code{};
    const ConnAction action = fsm.on_resolved(ec, "", kT0);
    EXPECT_EQ(action.type, Type::kWait);  // nothing to close
    EXPECT_EQ(fsm.state(), State::kBackoff);
    EXPECT_EQ(fsm.last_error().rfind("cannot resolve nowhere.invalid: ", 0), 0u) << fsm.last_error();
    if (!with_error) {
      EXPECT_EQ(fsm.last_error(), "cannot resolve nowhere.invalid: no address");
    }
  }
}

// --- failed attempts: each one closes what is open and backs off ---

struct FailureCase {
  const char* name;
  std::string password;
  // Drives a started FSM (its kConnect given) to the failure and returns the FSM's answer.
  std::function<ConnAction(ConnectionFsm&, const ConnAction& connect)> fail;
  Type type;  // kClose when a connection is open, kWait when none is left
  std::string error;
};

std::ostream& operator<<(std::ostream& out, const FailureCase& c) { return out << c.name; }

class ConnectionFsmFailure : public ::testing::TestWithParam<FailureCase> {};

TEST_P(ConnectionFsmFailure, ClosesAndBacksOff) {
  config::RedisConfig config = base_config();
  config.password = GetParam().password;
  config.db = 2;
  ConnectionFsm fsm = make_fsm(config);
  const ConnAction connect = fsm.start(kT0);
  const ConnAction action = GetParam().fail(fsm, connect);
  EXPECT_EQ(action.type, GetParam().type);
  EXPECT_EQ(action.report, Report::kStreakStarted);
  EXPECT_EQ(fsm.state(), State::kBackoff);
  EXPECT_EQ(fsm.last_error(), GetParam().error);
  EXPECT_GT(action.until, kT0);
}

// The reply to the step named `step` of a handshake with a password and db 2 (AUTH, SELECT, PING).
std::function<ConnAction(ConnectionFsm&, const ConnAction&)> answer_step(std::string step,
                                                                         std::function<Result()> result) {
  return [step, result](ConnectionFsm& fsm, const ConnAction&) {
    ConnAction action = fsm.on_connected({}, {}, kT0);
    while (action.type == Type::kSend && action.argv.front() != step) action = fsm.on_reply(ok(), kT0);
    EXPECT_EQ(action.type, Type::kSend);
    return fsm.on_reply(result(), kT0);
  };
}

// A factory of `reply` (a Result owns its buffers: it is made, not copied).
std::function<Result()> refusal(std::string text) {
  return [text] { return reply(ReplyType::kError, text); };
}
std::function<Result()> failure(Errc errc) {
  return [errc] { return failed(errc); };
}

INSTANTIATE_TEST_SUITE_P(
    Attempts, ConnectionFsmFailure,
    ::testing::Values(
        FailureCase{"ConnectRefused", "",
                    [](ConnectionFsm& fsm, const ConnAction&) { return refuse_attempt(fsm, kT0 + 1ms); },
                    Type::kWait, "connect: Connection refused"},
        FailureCase{"ConnectTimeout", "",
                    [](ConnectionFsm& fsm, const ConnAction& connect) { return fsm.on_deadline(connect.until); },
                    Type::kClose, "connect timed out"},
        FailureCase{"AuthRefused", kPassword,
                    answer_step("AUTH", refusal("WRONGPASS invalid username-password pair")),
                    Type::kClose, "AUTH refused: WRONGPASS invalid username-password pair"},
        FailureCase{"SelectRefused", kPassword,
                    answer_step("SELECT", refusal("ERR DB index is out of range")), Type::kClose,
                    "SELECT refused: ERR DB index is out of range"},
        FailureCase{"PingNeedsAuth", "", answer_step("PING", refusal("NOAUTH Authentication required.")),
                    Type::kClose, "PING refused: NOAUTH Authentication required."},
        FailureCase{"HandshakeTimeout", kPassword, answer_step("PING", failure(Errc::timeout)), Type::kClose,
                    "PING: redis command timed out"},
        FailureCase{"HandshakeDeadline", kPassword,
                    [](ConnectionFsm& fsm, const ConnAction& connect) {
                      fsm.on_connected({}, {}, kT0);
                      EXPECT_EQ(fsm.on_deadline(connect.until - 1ms).type, Type::kNone);
                      return fsm.on_deadline(connect.until);
                    },
                    Type::kClose, "AUTH: redis command timed out"},
        FailureCase{"LostDuringHandshake", "", answer_step("SELECT", failure(Errc::connection_lost)), Type::kClose,
                    "SELECT: redis connection lost"},
        FailureCase{"LostWhileConnecting", "",
                    [](ConnectionFsm& fsm, const ConnAction&) { return fsm.on_lost("connect: out of memory", kT0); },
                    Type::kClose, "connect: out of memory"}),
    [](const ::testing::TestParamInfo<FailureCase>& info) { return std::string(info.param.name); });

TEST(ConnectionFsmLateReply, IsStillAnAnswer) {
  ConnectionFsm fsm = make_fsm();
  const ConnAction connect = fsm.start(kT0);
  EXPECT_EQ(fsm.on_deadline(connect.until - 1ms).type, Type::kNone);  // not yet
  fsm.on_connected({}, {}, connect.until + 1s);  // the FSM judges outcomes, not their time
  EXPECT_EQ(fsm.on_reply(ok(), connect.until + 2s).type, Type::kServe);
}

// --- back-off ---

// The next attempt after a failure at `now`: waits out the back-off, returns the waited span.
Duration fail_and_wait(ConnectionFsm& fsm, TimePoint& now) {
  const ConnAction wait = refuse_attempt(fsm, now);
  EXPECT_EQ(wait.type, Type::kWait);
  EXPECT_EQ(fsm.on_deadline(wait.until - 1ms).type, Type::kNone);  // not over yet
  const Duration waited = std::chrono::duration_cast<Duration>(wait.until - now);
  now = wait.until;
  EXPECT_EQ(fsm.on_deadline(now).type, Type::kConnect);  // the next attempt
  return waited;
}

TEST(ConnectionFsmBackoff, DoublesUpToTheCapWithJitterInTheUpperHalf) {
  ConnectionFsm fsm = make_fsm();
  TimePoint now = kT0;
  fsm.start(now);
  const std::vector<Duration> bases{100ms, 200ms, 400ms, 800ms, 800ms, 800ms};
  for (const Duration base : bases) {
    EXPECT_EQ(fsm.next_backoff(), base);
    const Duration waited = fail_and_wait(fsm, now);
    EXPECT_GE(waited, base - base / 2) << base.count();
    EXPECT_LE(waited, base) << base.count();
  }
}

TEST(ConnectionFsmBackoff, AFixedSeedGivesTheSameJitter) {
  const auto waits = [](std::uint32_t seed) {
    ConnectionFsm fsm = make_fsm(base_config(), seed);
    TimePoint now = kT0;
    fsm.start(now);
    std::vector<Duration> out;
    for (int i = 0; i < 20; ++i) out.push_back(fail_and_wait(fsm, now));
    return out;
  };
  EXPECT_EQ(waits(kSeed), waits(kSeed));
  EXPECT_NE(waits(kSeed), waits(kSeed + 1));
  const std::vector<Duration> all = waits(kSeed);
  const std::set<Duration> at_the_cap(all.begin() + 4, all.end());  // 100, 200, 400, then 800 ms
  EXPECT_GT(at_the_cap.size(), 1u) << "no jitter at the cap";
}

TEST(ConnectionFsmBackoff, AMinimumAboveTheMaximumIsUsedAsIs) {
  config::RedisConfig config = base_config();
  config.reconnect_min = 300ms;
  config.reconnect_max = 100ms;
  ConnectionFsm fsm = make_fsm(config);
  TimePoint now = kT0;
  fsm.start(now);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(fsm.next_backoff(), 300ms);
    fail_and_wait(fsm, now);
  }
}

TEST(ConnectionFsmBackoff, ASuccessResetsItAndTheStreak) {
  ConnectionFsm fsm = make_fsm();
  TimePoint now = kT0;
  fsm.start(now);
  fail_and_wait(fsm, now);
  fail_and_wait(fsm, now);
  EXPECT_EQ(fsm.next_backoff(), 400ms);
  const ConnAction wait = refuse_attempt(fsm, now);
  EXPECT_EQ(wait.report, Report::kAttemptFailed);
  handshake(fsm, fsm.on_deadline(wait.until), wait.until);
  EXPECT_EQ(fsm.next_backoff(), 100ms);

  const ConnAction lost = fsm.on_lost("Server closed the connection", wait.until);
  EXPECT_LE(lost.until - wait.until, 100ms);
  EXPECT_GE(lost.until - wait.until, 50ms);
  now = lost.until;
  fsm.on_deadline(now);
  EXPECT_EQ(refuse_attempt(fsm, now).report, Report::kStreakStarted);  // a new streak
}

TEST(ConnectionFsmBackoff, OneWarningPerFailureStreak) {
  ConnectionFsm fsm = make_fsm();
  TimePoint now = kT0;
  fsm.start(now);
  std::vector<Report> reports;
  for (int i = 0; i < 3; ++i) {
    const ConnAction wait = refuse_attempt(fsm, now);
    reports.push_back(wait.report);
    now = wait.until;
    fsm.on_deadline(now);
  }
  EXPECT_EQ(reports, (std::vector<Report>{Report::kStreakStarted, Report::kAttemptFailed, Report::kAttemptFailed}));
}

// --- a ready connection ---

TEST(ConnectionFsmServing, FewerTimeoutsInARowThanTheLimitKeepTheConnection) {
  ConnectionFsm fsm = ready_fsm();
  for (int in_a_row = 1; in_a_row < ConnectionFsm::kMaxConsecutiveTimeouts; ++in_a_row) {
    EXPECT_EQ(fsm.on_command_timeouts(in_a_row, kT0).type, Type::kNone);
    EXPECT_EQ(fsm.state(), State::kReady);
  }
}

TEST(ConnectionFsmServing, ThreeTimeoutsInARowCloseAndReconnect) {
  ConnectionFsm fsm = ready_fsm();
  const ConnAction close = fsm.on_command_timeouts(ConnectionFsm::kMaxConsecutiveTimeouts, kT0 + 1s);
  EXPECT_EQ(close.type, Type::kClose);
  EXPECT_EQ(close.report, Report::kLost);
  EXPECT_EQ(fsm.last_error(), "3 commands timed out in a row");
  EXPECT_EQ(fsm.state(), State::kBackoff);
  EXPECT_LE(close.until, kT0 + 1s + 100ms);
  const ConnAction again = fsm.on_deadline(close.until);
  EXPECT_EQ(again.type, Type::kConnect);
  EXPECT_EQ(again.until, close.until + 500ms);
}

TEST(ConnectionFsmServing, TimeoutsOutsideServingAreLeftToTheHandshake) {
  ConnectionFsm fsm = make_fsm();
  fsm.start(kT0);
  fsm.on_connected({}, {}, kT0);
  EXPECT_EQ(fsm.on_command_timeouts(5, kT0).type, Type::kNone);  // PING's own timeout decides
  EXPECT_EQ(fsm.state(), State::kHandshake);
}

TEST(ConnectionFsmServing, ALostConnectionIsReestablished) {
  ConnectionFsm fsm = ready_fsm();
  const ConnAction wait = fsm.on_lost("Server closed the connection", kT0 + 1s);
  EXPECT_EQ(wait.type, Type::kWait);
  EXPECT_EQ(wait.report, Report::kLost);
  EXPECT_EQ(fsm.last_error(), "Server closed the connection");
  EXPECT_EQ(fsm.on_lost("again", kT0 + 1s).until, wait.until);  // while waiting: the same wait
  EXPECT_EQ(fsm.on_lost("again", kT0 + 1s).report, Report::kNone);
  handshake(fsm, fsm.on_deadline(wait.until), wait.until);
}

TEST(ConnectionFsmServing, EventsOfOtherStatesChangeNothing) {
  ConnectionFsm fsm = ready_fsm();
  EXPECT_EQ(fsm.start(kT0).type, Type::kNone);
  EXPECT_EQ(fsm.on_resolved({}, "10.0.0.9", kT0).type, Type::kNone);
  EXPECT_EQ(fsm.on_connected({}, {}, kT0).type, Type::kNone);
  EXPECT_EQ(fsm.on_reply(ok(), kT0).type, Type::kNone);
  EXPECT_EQ(fsm.on_deadline(kT0 + 1h).type, Type::kNone);
  EXPECT_EQ(fsm.state(), State::kReady);
  ConnectionFsm idle = make_fsm();
  EXPECT_EQ(idle.on_lost("nothing", kT0).type, Type::kNone);
  EXPECT_EQ(idle.on_deadline(kT0 + 1h).type, Type::kNone);
  EXPECT_EQ(idle.state(), State::kIdle);
}

// --- stop ---

struct StopCase {
  const char* name;
  State state;
  std::function<void(ConnectionFsm&)> reach;  // from a fresh FSM named "redis.internal"
};

std::ostream& operator<<(std::ostream& out, const StopCase& c) { return out << c.name; }

class ConnectionFsmStop : public ::testing::TestWithParam<StopCase> {};

TEST_P(ConnectionFsmStop, IsTerminal) {
  config::RedisConfig config = base_config();
  config.host = "redis.internal";
  ConnectionFsm fsm = make_fsm(config);
  GetParam().reach(fsm);
  ASSERT_EQ(fsm.state(), GetParam().state);
  EXPECT_EQ(fsm.stop().type, Type::kStopped);
  EXPECT_EQ(fsm.state(), State::kStopped);
  const TimePoint later = kT0 + 1h;
  EXPECT_EQ(fsm.start(later).type, Type::kStopped);
  EXPECT_EQ(fsm.on_resolved({}, "10.0.0.9", later).type, Type::kStopped);
  EXPECT_EQ(fsm.on_connected({}, {}, later).type, Type::kStopped);
  EXPECT_EQ(fsm.on_reply(ok(), later).type, Type::kStopped);
  EXPECT_EQ(fsm.on_deadline(later).type, Type::kStopped);
  EXPECT_EQ(fsm.on_lost("gone", later).type, Type::kStopped);
  EXPECT_EQ(fsm.on_command_timeouts(ConnectionFsm::kMaxConsecutiveTimeouts, later).type, Type::kStopped);
  EXPECT_EQ(fsm.stop().type, Type::kStopped);
  EXPECT_EQ(fsm.state(), State::kStopped);
}

INSTANTIATE_TEST_SUITE_P(
    States, ConnectionFsmStop,
    ::testing::Values(
        StopCase{"Idle", State::kIdle, [](ConnectionFsm&) {}},
        StopCase{"Resolving", State::kResolving, [](ConnectionFsm& fsm) { fsm.start(kT0); }},
        StopCase{"Connecting", State::kConnecting,
                 [](ConnectionFsm& fsm) {
                   fsm.start(kT0);
                   fsm.on_resolved({}, "10.0.0.9", kT0);
                 }},
        StopCase{"Handshake", State::kHandshake,
                 [](ConnectionFsm& fsm) {
                   fsm.start(kT0);
                   fsm.on_resolved({}, "10.0.0.9", kT0);
                   fsm.on_connected({}, {}, kT0);
                 }},
        StopCase{"Ready", State::kReady,
                 [](ConnectionFsm& fsm) {
                   fsm.start(kT0);
                   handshake(fsm, fsm.on_resolved({}, "10.0.0.9", kT0), kT0);
                 }},
        StopCase{"Backoff", State::kBackoff,
                 [](ConnectionFsm& fsm) {
                   fsm.start(kT0);
                   fsm.on_resolved(make_error_code(boost::system::errc::host_unreachable), "", kT0);
                 }}),
    [](const ::testing::TestParamInfo<StopCase>& info) { return std::string(info.param.name); });

// --- the password never shows ---

struct ScrubCase {
  const char* name;
  std::function<void(ConnectionFsm&)> fail;  // from a fresh FSM configured with kPassword
  std::string error;
};

std::ostream& operator<<(std::ostream& out, const ScrubCase& c) { return out << c.name; }

class ConnectionFsmPassword : public ::testing::TestWithParam<ScrubCase> {};

TEST_P(ConnectionFsmPassword, NeverInLastError) {
  config::RedisConfig config = base_config();
  config.username = "app";
  config.password = kPassword;
  ConnectionFsm fsm = make_fsm(config);
  GetParam().fail(fsm);
  EXPECT_EQ(fsm.last_error().find(kPassword), std::string::npos) << fsm.last_error();
  EXPECT_EQ(fsm.last_error(), GetParam().error);
}

// The AUTH step's reply is `result`.
std::function<void(ConnectionFsm&)> answer_auth(std::string error) {
  return [error](ConnectionFsm& fsm) {
    fsm.start(kT0);
    const ConnAction auth = fsm.on_connected({}, {}, kT0);
    EXPECT_EQ(auth.argv, (Argv{"AUTH", "app", kPassword}));
    fsm.on_reply(reply(ReplyType::kError, error), kT0);
  };
}

INSTANTIATE_TEST_SUITE_P(
    Failures, ConnectionFsmPassword,
    ::testing::Values(
        ScrubCase{"PlainRefusal", answer_auth("WRONGPASS invalid username-password pair"),
                  "AUTH refused: WRONGPASS invalid username-password pair"},
        ScrubCase{"ServerEchoesIt", answer_auth(std::string("ERR bad password ") + kPassword),
                  "AUTH refused: ERR bad password ***"},
        ScrubCase{"EchoedTwice",
                  answer_auth(std::string(kPassword) + " is not " + kPassword + "!"),
                  "AUTH refused: *** is not ***!"},
        ScrubCase{"InALostConnection",
                  [](ConnectionFsm& fsm) {
                    handshake(fsm, fsm.start(kT0), kT0);
                    fsm.on_lost(std::string("peer said ") + kPassword, kT0);
                  },
                  "peer said ***"},
        ScrubCase{"InAConnectError",
                  [](ConnectionFsm& fsm) {
                    fsm.start(kT0);
                    fsm.on_connected(make_error_code(Errc::connect_failed), kPassword, kT0);
                  },
                  "connect: ***"}),
    [](const ::testing::TestParamInfo<ScrubCase>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace foilcache::redis

// The life cycle of one Redis connection as a sans-io state machine, after Boost.Redis'
// connect_fsm / run_fsm: resolve, connect, the handshake (AUTH, SELECT, PING) within
// connect_timeout, serving, the stuck-connection rule, and exponential jittered back-off
// between attempts. It does no I/O and reads no clock: a shell (RedisClient) performs each
// action it returns and feeds back what happened, with the time, so tests step it without
// sockets or sleeps.
//
// Every event returns the next action. An event the current state does not expect (a late
// answer, a deadline not reached yet) returns kNone and changes nothing; after stop() every
// event returns kStopped.
//
// Threading: one thread drives it (the client's io thread); not thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <boost/system/error_code.hpp>

#include "proxy/config/config.hpp"
#include "proxy/redis/reply.hpp"

namespace foilcache::redis {

// The server one connection talks to. Data, not configuration: a topology (Sentinel, Cluster)
// runs one ConnectionFsm per node it learned of.
struct Endpoint {
  std::string host;        // a DNS name or an IP address literal
  std::uint16_t port = 0;
  std::string name() const;  // "host:port", for log lines
};

// The configured server: config.host (127.0.0.1 when empty) and config.port.
Endpoint endpoint_of(const config::RedisConfig& config);

// What the shell does next. Deadlines are steady-clock time points.
struct ConnAction {
  using TimePoint = std::chrono::steady_clock::time_point;

  enum class Type : std::uint8_t {
    kNone,      // nothing changes: keep doing what the last action asked
    kResolve,   // resolve `host` (a name) and report on_resolved; not cut short at `until`
                // (as getaddrinfo cannot be): a late answer leaves no time to connect
    kConnect,   // open a TCP connection to `host` (an address) and `port`; report on_connected,
                // or on_deadline once `until` has passed
    kSend,      // send `argv` as one command that times out at `until`; report its Result with
                // on_reply (Errc::timeout when it timed out)
    kServe,     // the handshake is done: serve commands; report on_lost when the connection
                // ends and on_command_timeouts when commands time out
    kClose,     // close the connection now (nothing if it is already gone), then wait for the
                // back-off's end `until` and report on_deadline
    kWait,      // no connection is left: wait for the back-off's end `until`, report on_deadline
    kStopped,   // stop() was called: do nothing more
  };

  // What the shell logs and counts when it takes the action. The FSM decides, so "one warning
  // per failure streak" is a tested rule here rather than a counter in the shell.
  enum class Report : std::uint8_t {
    kNone,           // nothing to report
    kConnected,      // a handshake completed (with kServe)
    kStreakStarted,  // an attempt failed, the first of a streak: worth a warning (last_error())
    kAttemptFailed,  // another attempt of the same streak failed: count it, do not log it
    kLost,           // a ready connection was lost or closed as stuck (last_error() says why)
  };

  Type type = Type::kNone;
  Report report = Report::kNone;
  std::string host;               // kResolve: the name; kConnect: the address
  std::uint16_t port = 0;         // kResolve, kConnect
  std::vector<std::string> argv;  // kSend: AUTH [username] password | SELECT db | ROLE | PING
  TimePoint until = TimePoint::max();  // kResolve, kConnect, kSend: the attempt's deadline;
                                       // kClose, kWait: the back-off's end
};

class ConnectionFsm {
 public:
  using Clock = std::chrono::steady_clock;
  using TimePoint = Clock::time_point;
  using Duration = config::Duration;

  // Commands in a row that time out on a ready connection before it counts as stuck.
  static constexpr int kMaxConsecutiveTimeouts = 3;

  enum class State : std::uint8_t {
    kIdle,        // constructed; start() not called yet
    kResolving,   // waiting for the server name's address
    kConnecting,  // TCP connect in progress
    kHandshake,   // connected; a handshake command is in flight (the only commands allowed)
    kReady,       // serving commands
    kBackoff,     // between attempts: waiting for the back-off's end
    kStopped,     // stop() was called: terminal
  };

  // Copies what it needs of `config`: username, password, db, verify_master (the handshake
  // plan; with verify_master a ROLE step fails the attempt unless the server is a master),
  // connect_timeout, reconnect_min and reconnect_max. `jitter_seed` seeds the back-off's
  // random half (fixed in tests, random in the client).
  ConnectionFsm(Endpoint endpoint, const config::RedisConfig& config, std::uint32_t jitter_seed);

  // The first attempt: kResolve for a name, kConnect for an address literal.
  ConnAction start(TimePoint now);
  // The address `host` resolved to (empty: none), or why it did not (`ec`).
  ConnAction on_resolved(boost::system::error_code ec, std::string_view address, TimePoint now);
  // The TCP connect's outcome; `detail` says what failed when `ec` is set (the connection is
  // then gone: nothing to close). Success starts the handshake.
  ConnAction on_connected(boost::system::error_code ec, std::string_view detail, TimePoint now);
  // A handshake command's result: the next step, kServe after PING, or a failed attempt on an
  // error reply (e.g. a refused AUTH) or an error code (timeout, connection lost).
  ConnAction on_reply(const Result& result, TimePoint now);
  // `now` is at or after the last action's `until`: a connect or handshake timed out, or the
  // back-off ended (the next attempt starts). Earlier, or in another state: kNone.
  ConnAction on_deadline(TimePoint now);
  // The connection ended, or the shell could not carry out the attempt, for reason `why`.
  // Ready: a loss (back-off from reconnect_min); an attempt: a failed attempt; during the
  // back-off: the same kWait again.
  ConnAction on_lost(std::string_view why, TimePoint now);
  // `in_a_row` commands timed out in a row with no reply in between. On a ready connection
  // kMaxConsecutiveTimeouts or more mean it is stuck: kClose, then a new attempt.
  ConnAction on_command_timeouts(int in_a_row, TimePoint now);
  // Terminal, from every state; idempotent.
  ConnAction stop();
  // The server of the next attempt (a topology moved: a new master). An empty host means
  // none is known: attempts fail at once and back off until one is set.
  void set_endpoint(Endpoint endpoint) { endpoint_ = std::move(endpoint); }
  // The endpoint changed during a back-off: the next attempt starts now, with the back-off
  // reset (a new server, not another failure). In other states: kNone.
  ConnAction skip_backoff(TimePoint now);

  State state() const noexcept { return state_; }
  const Endpoint& endpoint() const noexcept { return endpoint_; }
  // Why the last attempt failed or the last connection ended ("" if none); every occurrence
  // of the password is replaced by "***", also where the server echoed it.
  const std::string& last_error() const noexcept { return last_error_; }
  // The base of the next back-off before jitter: reconnect_min after a success, doubled by
  // each back-off up to max(reconnect_max, reconnect_min).
  Duration next_backoff() const noexcept { return backoff_; }

 private:
  using Type = ConnAction::Type;
  using Report = ConnAction::Report;

  ConnAction begin_attempt(TimePoint now);
  ConnAction next_step();  // kSend of the next handshake step, or kServe
  ConnAction fail(std::string why, Type type, TimePoint now);
  ConnAction back_off(Type type, Report report, TimePoint now);
  Duration jittered(Duration base);
  void set_error(std::string message);

  Endpoint endpoint_;
  std::string password_;  // only to scrub it from last_error_
  Duration connect_timeout_;
  Duration reconnect_min_;
  Duration reconnect_max_;
  std::vector<std::vector<std::string>> plan_;  // the handshake's commands, in order
  std::size_t step_ = 0;                        // index in plan_ of the command in flight

  State state_ = State::kIdle;
  TimePoint deadline_{};  // the attempt's deadline, or the back-off's end
  Duration backoff_;
  int failure_streak_ = 0;  // failed attempts since the last success
  std::minstd_rand rng_;
  std::string last_error_;
};

}  // namespace foilcache::redis

// The Redis client's circuit breaker: after kThreshold consecutive failed commands it opens,
// and the client fails commands at once instead of letting each one wait for its timeout
// while Redis is stalled; after a cooldown it lets one probe command through (half-open),
// whose reply closes it again and whose failure reopens it with a longer cooldown.
//
// A pure state machine in the style of a sans-io FSM: no I/O and no clock of its own (the
// caller passes `now`), so tests step it deterministically without sleeping.
//
// Threading: one thread drives it (the client's io thread), so it takes no locks; only
// state() may be read from other threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace foilcache::redis {

enum class BreakerState {
  kClosed,    // commands are sent; consecutive failures are counted
  kOpen,      // commands fail fast until the cooldown ends
  kHalfOpen,  // one probe command may be sent; the others fail fast until it completes
};

// "closed", "open" or "half-open".
const char* to_string(BreakerState state) noexcept;

class CircuitBreaker {
 public:
  using Clock = std::chrono::steady_clock;
  using TimePoint = Clock::time_point;
  using Duration = std::chrono::milliseconds;
  // Names the state period in which a command was sent (see on_sent()).
  using Ticket = std::uint64_t;

  // Consecutive failures (timeouts, lost connections) that open a closed breaker.
  static constexpr int kThreshold = 5;
  // How long the breaker stays open the first time; each failed probe doubles it, up to
  // kMaxCooldown, and closing resets it.
  static constexpr Duration kCooldown{1'000};
  static constexpr Duration kMaxCooldown{10'000};
  // A ticket whose outcome never counts, for commands the breaker does not gate (the
  // client's own handshake).
  static constexpr Ticket kUntracked = 0;

  CircuitBreaker() = default;
  CircuitBreaker(const CircuitBreaker&) = delete;
  CircuitBreaker& operator=(const CircuitBreaker&) = delete;

  // Any thread.
  BreakerState state() const noexcept { return state_.load(std::memory_order_relaxed); }
  // How long the breaker stays (or last stayed) open; kCooldown while closed.
  Duration cooldown() const noexcept { return cooldown_; }
  // Failures counted towards kThreshold while closed.
  int consecutive_failures() const noexcept { return failures_; }

  // Whether a command may be sent at `now`: closed, or half-open with no probe in flight.
  // An open breaker whose cooldown has ended turns half-open here. Reserves nothing: call
  // on_sent() once the command was actually sent.
  bool allows(TimePoint now) noexcept;
  // Records that a command allowed just before was sent (while half-open it is the probe)
  // and returns its ticket, to be passed back with its outcome.
  Ticket on_sent() noexcept;

  // Outcomes of commands, by ticket. Only commands sent in the current state period count:
  // a command sent before the breaker opened says nothing about the probe.
  // A reply of any type (an error reply is an answer too): closed -> resets the count;
  // the probe -> closes the breaker and resets the cooldown.
  void on_success(Ticket ticket) noexcept;
  // A timeout or lost connection: closed -> opens at kThreshold in a row; the probe ->
  // reopens with the next (doubled) cooldown from `now`.
  void on_failure(Ticket ticket, TimePoint now) noexcept;

  // The server answered a fresh connection's handshake (PING): an open breaker ends its
  // cooldown early and turns half-open, so the next command probes at once. It does not
  // close it: only a command's reply proves the server serves commands again.
  void on_reconnected() noexcept;

 private:
  // Moves to `next` and starts a new period: outstanding tickets stop counting.
  void enter(BreakerState next) noexcept;

  std::atomic<BreakerState> state_{BreakerState::kClosed};
  Ticket period_ = kUntracked + 1;
  int failures_ = 0;
  bool probe_in_flight_ = false;
  Duration cooldown_ = kCooldown;
  TimePoint open_until_{};
};

}  // namespace foilcache::redis

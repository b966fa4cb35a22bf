#include "proxy/redis/circuit_breaker.hpp"

#include <algorithm>

namespace foilcache::redis {

const char* to_string(BreakerState state) noexcept {
  switch (state) {
    case BreakerState::kClosed: return "closed";
    case BreakerState::kOpen: return "open";
    case BreakerState::kHalfOpen: return "half-open";
  }
  return "unknown";
}

bool CircuitBreaker::allows(TimePoint now) noexcept {
  switch (state()) {
    case BreakerState::kClosed: return true;
    case BreakerState::kOpen:
      if (now < open_until_) return false;
      enter(BreakerState::kHalfOpen);
      return true;
    case BreakerState::kHalfOpen: return !probe_in_flight_;
  }
  return false;
}

CircuitBreaker::Ticket CircuitBreaker::on_sent() noexcept {
  if (state() == BreakerState::kHalfOpen) probe_in_flight_ = true;
  return period_;
}

void CircuitBreaker::on_success(Ticket ticket) noexcept {
  if (ticket != period_) return;
  if (state() == BreakerState::kHalfOpen) {
    cooldown_ = kCooldown;
    enter(BreakerState::kClosed);
  }
  failures_ = 0;
}

void CircuitBreaker::on_failure(Ticket ticket, TimePoint now) noexcept {
  if (ticket != period_) return;
  if (state() == BreakerState::kHalfOpen) {
    cooldown_ = std::min(cooldown_ * 2, kMaxCooldown);
  } else if (++failures_ < kThreshold) {
    return;
  }
  open_until_ = now + cooldown_;
  enter(BreakerState::kOpen);
}

void CircuitBreaker::on_reconnected() noexcept {
  if (state() == BreakerState::kOpen) enter(BreakerState::kHalfOpen);
}

void CircuitBreaker::enter(BreakerState next) noexcept {
  state_.store(next, std::memory_order_relaxed);
  ++period_;
  failures_ = 0;
  probe_in_flight_ = false;
}

}  // namespace foilcache::redis

// Claims in foilcache's store (store::FetchLock) that let one replica, of all that heard the
// same thing, do the Redis work: N replicas hearing one event invalidate its tags once.
//
// Events (claim_event): every replica that is to apply a batch takes the lock of
// event_claim_key(its first message) for the claim TTL (feeds.socketio.max_staleness):
// - kAcquired: this replica invalidates, then marks the claim done (FetchLock::unlock with
//   pass: try_lock answers kPass for kPassMarkerLifetime), or, when its store failed,
//   releases the claim so that another replica may try.
// - kPass: another replica did it: deduplicated.
// - kBusy: another replica is at it: look again every kRecheck, which is shorter than the
//   mark's lifetime, so the mark is seen. If the holder dies before it marks, its claim
//   expires after the claim TTL and the next look takes it over: while one replica stays
//   connected, an event is applied within claim TTL + kRecheck of its arrival. A claim still
//   busy after twice the TTL is applied anyway.
// - kUnavailable: applied anyway (fresh beats cheap).
// A replica that looks again after the mark expired (its loop stalled over a second) applies
// a second time: the cost of a lost mark is an extra invalidation, never a missed one.
//
// Periods while the feed is down (period_step): the period's lock is left to expire with
// the period, so the first replica down in it invalidates and the others skip; if that one
// dies mid-way, the next period (max_staleness later) covers.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/net.hpp"
#include "proxy/config/config.hpp"
#include "proxy/store/store.hpp"

namespace foilcache::feeds {

using SteadyTime = std::chrono::steady_clock::time_point;

// How often a replica that lost a claim looks whether the winner marked it done.
inline constexpr config::Duration kRecheck = store::FetchLock::kPassMarkerLifetime / 4;

// "@event:" and the SHA-256 (hex) of a message's bytes: the same on every replica. The
// store prefixes it (foilcache's keys only); '@' keeps it apart from rendered keys.
std::string event_claim_key(std::string_view message);

enum class ClaimStep {
  kApply,    // invalidate (this replica claimed it, took it over, or cannot know)
  kSkip,     // another replica did or does it
  kRecheck,  // another replica holds it: ask again at recheck_at()
};

// The decisions of one event claim (pure; the times are given).
class ClaimPlan {
 public:
  ClaimPlan(SteadyTime start, config::Duration ttl, config::Duration recheck);
  // The answer of one try_lock at `now`.
  ClaimStep next(store::LockResult result, SteadyTime now);
  SteadyTime recheck_at() const { return recheck_at_; }
  // kApply came after kBusy: the holder's claim expired unmarked.
  bool took_over() const { return took_over_; }

 private:
  SteadyTime start_;
  config::Duration ttl_;
  config::Duration recheck_;
  SteadyTime recheck_at_{};
  bool seen_busy_ = false;
  bool took_over_ = false;
};

// A period claim's answer: kApply (acquired, or the store cannot tell) or kSkip.
ClaimStep period_step(store::LockResult result);

struct Claimed {
  bool apply = false;      // this replica invalidates
  bool acquired = false;   // it holds the claim: finish_event_claim afterwards
  bool took_over = false;
};

// Runs a ClaimPlan against `lock` until it decides, waiting `recheck` between looks (on the
// caller's executor). `clock` must outlive it.
net::awaitable<Claimed> claim_event(store::FetchLock& lock, std::string key, std::string token,
                                    config::Duration ttl, config::Duration recheck, const common::Clock& clock);

// After an acquired claim: marks it done (`invalidated`) or releases it for another replica.
net::awaitable<void> finish_event_claim(store::FetchLock& lock, std::string key, std::string token, bool invalidated);

}  // namespace foilcache::feeds

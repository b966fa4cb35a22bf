#include "proxy/feeds/event_claim.hpp"

#include <openssl/sha.h>

#include "common/hex.hpp"

namespace foilcache::feeds {
namespace {

constexpr std::string_view kEventClaimPrefix = "@event:";
// A busy claim is waited for this many claim TTLs before it is applied regardless.
constexpr int kGiveUpTtls = 2;

}  // namespace

std::string event_claim_key(std::string_view message) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest);
  std::string key(kEventClaimPrefix);
  common::append_hex_lower(key, digest);
  return key;
}

ClaimPlan::ClaimPlan(SteadyTime start, config::Duration ttl, config::Duration recheck)
    : start_(start), ttl_(ttl), recheck_(recheck) {}

ClaimStep ClaimPlan::next(store::LockResult result, SteadyTime now) {
  switch (result) {
    case store::LockResult::kAcquired:
      took_over_ = seen_busy_;
      return ClaimStep::kApply;
    case store::LockResult::kPass:
      return ClaimStep::kSkip;
    case store::LockResult::kUnavailable:
      return ClaimStep::kApply;
    case store::LockResult::kBusy:
      break;
  }
  seen_busy_ = true;
  if (now - start_ >= kGiveUpTtls * ttl_) return ClaimStep::kApply;
  recheck_at_ = now + recheck_;
  return ClaimStep::kRecheck;
}

ClaimStep period_step(store::LockResult result) {
  return result == store::LockResult::kAcquired || result == store::LockResult::kUnavailable ? ClaimStep::kApply
                                                                                            : ClaimStep::kSkip;
}

net::awaitable<Claimed> claim_event(store::FetchLock& lock, std::string key, std::string token,
                                    config::Duration ttl, config::Duration recheck, const common::Clock& clock) {
  ClaimPlan plan(clock.steady_now(), ttl, recheck);
  net::steady_timer timer(co_await net::this_coro::executor);
  for (;;) {
    std::string name = key;  // named locals: GCC 12 and by-value coroutine arguments
    std::string attempt = token;
    const auto result = co_await lock.try_lock(std::move(name), std::move(attempt), ttl);
    const ClaimStep step = plan.next(result, clock.steady_now());
    if (step == ClaimStep::kApply) co_return Claimed{true, result == store::LockResult::kAcquired, plan.took_over()};
    if (step == ClaimStep::kSkip) co_return Claimed{};
    timer.expires_after(plan.recheck_at() - clock.steady_now());
    co_await timer.async_wait(kNoThrow);
  }
}

net::awaitable<void> finish_event_claim(store::FetchLock& lock, std::string key, std::string token, bool invalidated) {
  co_await lock.unlock(std::move(key), std::move(token), /*pass=*/invalidated);
}

}  // namespace foilcache::feeds

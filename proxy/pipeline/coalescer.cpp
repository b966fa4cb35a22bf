#include "proxy/pipeline/coalescer.hpp"

#include "common/hex.hpp"
#include "proxy/cache/freshness.hpp"

namespace foilcache::pipeline {
namespace {

// Random lock tokens: 128 bits, so two holders never share one.
constexpr std::size_t kTokenDigits = 32;

}  // namespace

LockStep LockPlan::next(store::LockResult result, std::chrono::steady_clock::time_point now,
                        std::chrono::steady_clock::time_point deadline) const {
  if (result == store::LockResult::kAcquired) return LockStep::kFetch;
  if (result != store::LockResult::kBusy || now + poll >= deadline) return LockStep::kGiveUp;
  return LockStep::kPollAfter;
}

net::awaitable<Coalescer::Lease> Coalescer::lock(const std::string& key, std::span<const std::string> tags,
                                                 std::chrono::milliseconds wait) {
  Lease lease;
  const std::string token = common::random_hex(kTokenDigits);
  const LockPlan plan{kPoll};
  const auto deadline = clock_.steady_now() + wait;
  net::steady_timer timer(co_await net::this_coro::executor);
  for (;;) {
    std::string lock_key = key;  // named locals: GCC 12 and by-value coroutine arguments
    std::string attempt = token;
    const auto result = co_await lock_->try_lock(std::move(lock_key), std::move(attempt), std::min(wait, kLockTtl));
    const LockStep step = plan.next(result, clock_.steady_now(), deadline);
    if (step == LockStep::kFetch) {
      lease.verdict = Lease::Verdict::kFetch;
      lease.token = token;
      co_return lease;
    }
    if (step == LockStep::kGiveUp) co_return lease;
    // Another instance is fetching: its entry shows up in the store.
    timer.expires_after(kPoll);
    co_await timer.async_wait(kNoThrow);
    std::string peek_key = key;
    auto peek = co_await store_.get(std::move(peek_key), tags);
    if (peek.status == store::StoreStatus::kUnavailable) co_return lease;
    if (peek.status == store::StoreStatus::kOk && peek.entry &&
        cache::freshness(*peek.entry, clock_.system_now()).fresh()) {
      lease.verdict = Lease::Verdict::kFound;
      lease.found = std::move(peek.entry);
      co_return lease;
    }
    lease.generations = std::move(peek.generations);
  }
}

net::awaitable<std::optional<std::string>> Coalescer::try_lock_once(const std::string& key,
                                                                    std::chrono::milliseconds ttl) {
  std::string token = common::random_hex(kTokenDigits);
  std::string lock_key = key;
  std::string attempt = token;
  if (co_await lock_->try_lock(std::move(lock_key), std::move(attempt), ttl) != store::LockResult::kAcquired) {
    co_return std::nullopt;
  }
  co_return token;
}

net::awaitable<void> Coalescer::unlock(const std::string& key, const std::string& token, bool pass) {
  std::string lock_key = key;
  std::string held = token;
  co_await lock_->unlock(std::move(lock_key), std::move(held), pass);
}

}  // namespace foilcache::pipeline

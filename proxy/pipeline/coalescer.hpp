// One upstream fetch per key (Pingora's cache lock; Envoy's thundering-herd handler). In
// this process the first miss of a key leads and the others follow it (Flights). With a
// shared store the leader also takes the key's lock in the store, so one instance fetches
// while the leaders elsewhere poll the store for its entry; when the lock holder's answer
// is not storable it leaves a "pass" mark and everyone goes upstream at once. Every wait is
// bounded by timeouts.coalesce_wait: past it, or with the store failing, a request goes
// upstream itself (and may still store).
//
// Outcomes, named as Pingora's: a FlightGuard destroyed without an entry is dangling (the
// followers go alone), the store's "pass" mark is a give-up, the lock's TTL a timeout.
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "proxy/pipeline/flights.hpp"
#include "proxy/store/store.hpp"

namespace foilcache::pipeline {

// The next step of a leader trying to take the store's lock.
enum class LockStep {
  kFetch,      // the lock is ours: fetch, then unlock
  kPollAfter,  // another instance fetches: look for its entry after the poll interval
  kGiveUp,     // the store failed, said "pass", or the wait is over: fetch without the lock
};

// The pure lock plan (Boost.Redis' FSM style: decisions apart from I/O).
struct LockPlan {
  std::chrono::milliseconds poll;  // how often a waiting leader looks for the entry
  // What to do after try_lock answered `result` at `now`, with `deadline` the wait's end.
  LockStep next(store::LockResult result, std::chrono::steady_clock::time_point now,
                std::chrono::steady_clock::time_point deadline) const;
};

class Coalescer {
 public:
  // How often a coalesced request polls the store while another instance fetches.
  static constexpr std::chrono::milliseconds kPoll{20};
  // The store's lock expires after this even if its holder never releases it (Redis failed
  // at that moment, the process died): a fetch slower than this may be repeated by another
  // instance, but an orphaned lock never stalls a key for long.
  static constexpr std::chrono::milliseconds kLockTtl{1000};

  // `lock` null: this process is alone (the flights are the whole story). Every reference
  // outlives the coalescer.
  Coalescer(Flights& flights, store::FetchLock* lock, store::EntryStore& store, const common::Clock& clock)
      : flights_(flights), lock_(lock), store_(store), clock_(clock) {}

  Flights& flights() { return flights_; }
  bool shared() const { return lock_ != nullptr; }

  // What the leader's wait for the store's lock came to.
  struct Lease {
    enum class Verdict {
      kFetch,  // the lock is ours (`token`): fetch, then unlock()
      kFound,  // another instance stored a fresh entry meanwhile: `found`
      kAlone,  // no lock: fetch without it (given up, store failed, wait over)
    };
    Verdict verdict = Verdict::kAlone;
    std::string token;
    store::EntryPtr found;
    // The tags' generations the last poll saw (a fetch after it records these).
    std::optional<std::vector<std::uint64_t>> generations;
  };
  // Precondition: shared(). Takes the lock of `key`; while another instance holds it,
  // peeks at the store (with `tags`) every kPoll for that instance's fresh entry, until
  // `wait` ends.
  net::awaitable<Lease> lock(const std::string& key, std::span<const std::string> tags,
                             std::chrono::milliseconds wait);
  // One attempt (a background refresh): the token when the lock is ours, else nullopt.
  net::awaitable<std::optional<std::string>> try_lock_once(const std::string& key, std::chrono::milliseconds ttl);
  // Releases the lock taken under `token`; `pass`: the fetch was not storable.
  net::awaitable<void> unlock(const std::string& key, const std::string& token, bool pass);

 private:
  Flights& flights_;
  store::FetchLock* lock_;
  store::EntryStore& store_;
  const common::Clock& clock_;
};

}  // namespace foilcache::pipeline

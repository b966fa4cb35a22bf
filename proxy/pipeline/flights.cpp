#include "proxy/pipeline/flights.hpp"

namespace foilcache::pipeline {
namespace {
}  // namespace

// One follower's wake-up: its timer lives on its own executor, so the leader (maybe on
// another thread) only posts there; the shared_ptr keeps it alive if the follower left.
struct Waiter {
  explicit Waiter(net::any_io_executor executor) : timer(executor) {}
  net::steady_timer timer;
  EntryPtr entry;
  bool woken = false;
};

class Flights::Flight {
 public:
  std::string key;
  bool done = false;
  EntryPtr entry;
  std::vector<std::shared_ptr<Waiter>> waiters;
};

Flights::Joined Flights::join(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto [it, inserted] = flights_.try_emplace(key);
  if (inserted) {
    it->second = std::make_shared<Flight>();
    it->second->key = key;
  }
  return {it->second, inserted};
}

void Flights::publish(const FlightPtr& flight, EntryPtr entry) {
  std::vector<std::shared_ptr<Waiter>> waiters;
  {
    std::lock_guard lock(mutex_);
    if (flight->done) return;
    flight->done = true;
    flight->entry = entry;
    waiters.swap(flight->waiters);
    // Without an entry there is nothing for later arrivals: the flight ends now.
    if (!entry) erase_locked(flight);
  }
  wake(waiters, entry);
}

void Flights::finish(const FlightPtr& flight, EntryPtr entry) {
  publish(flight, std::move(entry));
  std::lock_guard lock(mutex_);
  erase_locked(flight);
}

void Flights::erase_locked(const FlightPtr& flight) {
  const auto it = flights_.find(flight->key);
  if (it != flights_.end() && it->second == flight) flights_.erase(it);
}

void Flights::wake(const std::vector<std::shared_ptr<Waiter>>& waiters, const EntryPtr& entry) {
  for (const auto& waiter : waiters) {
    net::post(waiter->timer.get_executor(), [waiter, entry] {
      waiter->entry = entry;
      waiter->woken = true;
      waiter->timer.cancel();
    });
  }
}

net::awaitable<EntryPtr> Flights::wait(FlightPtr flight, net::any_io_executor executor,
                                       std::chrono::milliseconds bound) {
  auto waiter = std::make_shared<Waiter>(executor);
  {
    std::lock_guard lock(mutex_);
    if (flight->done) co_return flight->entry;
    flight->waiters.push_back(waiter);
  }
  // The wake-up is posted to this executor, so it runs only once this coroutine suspends
  // here: it cannot be lost between the registration above and the wait below.
  waiter->timer.expires_after(bound);
  co_await waiter->timer.async_wait(kNoThrow);
  co_return waiter->woken ? waiter->entry : nullptr;
}

std::size_t Flights::in_flight() const {
  std::lock_guard lock(mutex_);
  return flights_.size();
}

}  // namespace foilcache::pipeline

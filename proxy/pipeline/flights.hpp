// Request coalescing inside one process: concurrent misses of one rendered key share one
// upstream fetch. The first request of a key leads (fetches, stores, publishes the entry);
// the others follow: they wait, bounded, for the leader's entry and answer from it.
// Requests with different keys (in particular different {user} values) never meet here:
// the key is the whole identity of a flight. Across processes the leader also takes a
// Redis lock (store::FetchLock); that protocol lives in coalescer.hpp.
//
// Threading: the registry is shared by every io thread (a mutex around a map, touched
// once per miss, never on hits); a follower is woken on its own executor.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "proxy/cache/entry.hpp"
#include "common/net.hpp"

namespace foilcache::pipeline {

using cache::EntryPtr;

struct Waiter;  // a follower's wake-up (coalescing.cpp)

class Flights {
 public:
  class Flight;
  using FlightPtr = std::shared_ptr<Flight>;

  struct Joined {
    FlightPtr flight;
    bool leader = false;
  };

  // The flight of `key`: a new one led by the caller, or the one in progress.
  Joined join(const std::string& key);

  // Leader: gives `entry` to every follower (null: not storable, or the fetch failed; the
  // followers then go upstream themselves). A flight published with an entry stays joinable
  // until finish(): a request arriving while the entry is being written to the store gets
  // it at once instead of missing in the store and fetching again. The first call wins.
  void publish(const FlightPtr& flight, EntryPtr entry);
  // Leader: publishes `entry` if nothing was published yet, and ends the flight.
  void finish(const FlightPtr& flight, EntryPtr entry);

  // Follower: the leader's entry, or null when it had none or `bound` passed first.
  // Precondition: runs on `executor` (the caller's io_context).
  net::awaitable<EntryPtr> wait(FlightPtr flight, net::any_io_executor executor, std::chrono::milliseconds bound);

  std::size_t in_flight() const;  // keys being fetched now (for tests and metrics)

 private:
  void erase_locked(const FlightPtr& flight);
  static void wake(const std::vector<std::shared_ptr<Waiter>>& waiters, const EntryPtr& entry);

  mutable std::mutex mutex_;
  std::unordered_map<std::string, FlightPtr> flights_;
};

// Ends a led flight when the leader's scope ends, whatever the path (error, client gone):
// with the entry given to set(), else with null.
class FlightGuard {
 public:
  FlightGuard() = default;
  FlightGuard(Flights& flights, Flights::FlightPtr flight) : flights_(&flights), flight_(std::move(flight)) {}
  ~FlightGuard() { finish(nullptr); }
  FlightGuard(const FlightGuard&) = delete;
  FlightGuard& operator=(const FlightGuard&) = delete;
  FlightGuard(FlightGuard&& other) noexcept : flights_(other.flights_), flight_(std::move(other.flight_)) {}
  FlightGuard& operator=(FlightGuard&& other) noexcept {
    finish(nullptr);
    flights_ = other.flights_;
    flight_ = std::move(other.flight_);
    return *this;
  }

  bool leads() const { return flight_ != nullptr; }
  // Gives `entry` to the followers now; the flight ends with the guard (the first call wins).
  void publish(EntryPtr entry) {
    if (flight_) flights_->publish(flight_, std::move(entry));
  }
  // Publishes `entry` (unless published already) and ends the flight now.
  void finish(EntryPtr entry) {
    if (flight_) flights_->finish(flight_, std::move(entry));
    flight_.reset();
  }

 private:
  Flights* flights_ = nullptr;
  Flights::FlightPtr flight_;
};

}  // namespace foilcache::pipeline

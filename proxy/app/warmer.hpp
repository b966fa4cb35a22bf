// Warming (config `warm:`): GET requests foilcache sends to its own listener over
// loopback, so they take the normal request path (route, key, store) and a missing or
// invalidated entry is fetched and stored before a real reader asks for it.
//
// - At start-up every warm entry is fetched once the store is reachable (bounded wait);
//   after an invalidation, the entries whose route carries one of the invalidated tags.
// - At most limits.warm_concurrency requests are in flight; each is bounded by the upstream
//   timeouts. Failures are logged (the path only: never headers, which carry credentials)
//   and counted as errors_total{kind="warm_failed"}; they are never fatal.
//
// Threading: runs on one worker's io_context; warm() may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "proxy/app/worker.hpp"
#include "common/net.hpp"

namespace foilcache::app {

class Warmer {
 public:
  // `self`: foilcache's own listen address as a client reaches it (loopback for 0.0.0.0).
  Warmer(Worker& worker, tcp::endpoint self);

  // Warms at start-up: waits (bounded) for the store, then every warm entry.
  void start();
  // Warms the entries whose route has one of `tags`. Thread-safe; returns at once.
  void warm_tags(std::vector<std::string> tags);

  // Warm requests completed since start (any outcome); for tests and logs.
  std::uint64_t completed() const { return completed_.load(std::memory_order_relaxed); }

 private:
  struct Result {
    bool ok = false;
    std::string x_cache;  // what foilcache answered ("MISS": fetched and stored; "HIT")
    std::string error;
  };
  net::awaitable<void> start_when_store_ready();
  // Sends `requests`, at most warm_concurrency at once, and logs a summary.
  net::awaitable<void> round(std::vector<config::WarmRequest> requests, std::string why);
  net::awaitable<Result> fetch(const config::WarmRequest& request);

  Worker& worker_;
  tcp::endpoint self_;
  std::atomic<std::uint64_t> completed_{0};
};

// The address a local client uses to reach a server listening on `host`:`port`.
tcp::endpoint loopback_for(const std::string& host, std::uint16_t port);

}  // namespace foilcache::app

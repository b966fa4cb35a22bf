// Per-io-thread state. Each io thread owns one Worker: its io_context, its acceptor
// (SO_REUSEPORT), its storage and its upstream pool, so the request path takes no lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/clock.hpp"
#include "common/net.hpp"
#include "proxy/cache/coalescing.hpp"
#include "proxy/config/config.hpp"
#include "proxy/log/access_log.hpp"
#include "proxy/metrics/stats.hpp"
#include "proxy/store/invalidation_bus.hpp"
#include "proxy/store/invalidator.hpp"
#include "proxy/store/l1.hpp"
#include "proxy/store/store.hpp"
#include "proxy/store/tiered_store.hpp"
#include "proxy/upstream/upstream_pool.hpp"

namespace foilcache::metrics {
class Metrics;
struct RouteSeries;
}  // namespace foilcache::metrics

namespace foilcache::app {

// State shared by all workers: atomics, and data fixed before the io threads start.
struct SharedState {
  std::atomic<bool> draining{false};
  std::atomic<std::uint64_t> active_sessions{0};
  // Every worker's store, for health reports (EntryStore::health() is cheap, any thread).
  std::vector<const store::EntryStore*> stores;
  // The process's metrics (owned by the Server; outlives the workers). May be null in tests.
  metrics::Metrics* metrics = nullptr;
  // The in-process tier in front of Redis (owned by the Server); null when off.
  store::L1* l1 = nullptr;
  // The time source of every request (tests of pure code inject their own clocks).
  const common::Clock* clock = &common::Clock::real();
  // Names this process in invalidation message ids (random per start).
  std::string instance_id;
  // Misses being fetched upstream, by key: concurrent ones wait for the first (coalescing).
  cache::Flights flights;
  // The admin API's hit/miss/set/delete/stale/bypass counters of this process.
  metrics::Stats stats;
  // Called (on the invalidating io thread) after tags were invalidated: warming refetches
  // their entries. Set before the io threads start; may be empty.
  store::Invalidator::OnInvalidated on_invalidated;
};

// Member order matters: the io_context is destroyed after the storage and pool (which own
// I/O objects of it) and before the state that suspended coroutines still reference.
struct Worker {
  explicit Worker(SharedState& shared) : shared(shared), ioc(1) {}

  SharedState& shared;
  // Keep-alive connections waiting for their next request; drained on shutdown.
  std::unordered_set<beast::tcp_stream*> idle_streams;
  // The config this thread serves with; replaced on this thread only (SIGHUP reload).
  std::shared_ptr<const config::Config> config;
  // The metric series of config->routes, by index; replaced together with `config`.
  std::vector<const metrics::RouteSeries*> route_series;
  net::io_context ioc;
  store::Backend backend;
  std::unique_ptr<store::TieredStore> tiers;
  std::unique_ptr<store::InvalidationBus> bus;
  std::unique_ptr<store::Invalidator> invalidator;
  std::unique_ptr<upstream::Pool> pool;
  // This thread's access-log buffer (written when config->log.access).
  std::unique_ptr<log::AccessLog> access_log;
};

}  // namespace foilcache::app

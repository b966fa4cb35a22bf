// One io thread's parts, built in dependency order, owned, destroyed in reverse: its
// io_context, storage, upstream pool and client, the pipeline, the admin handlers, the
// access log and its listener (SO_REUSEPORT), so the request path takes no lock. The only
// type that knows every module.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/net.hpp"
#include "proxy/http/drain.hpp"
#include "proxy/http/handler.hpp"
#include "proxy/http/session.hpp"
#include "proxy/metrics/stats.hpp"
#include "proxy/pipeline/flights.hpp"
#include "proxy/store/invalidator.hpp"
#include "proxy/store/l1.hpp"
#include "proxy/store/memory_store.hpp"
#include "proxy/store/store.hpp"

namespace foilcache::metrics {
class Metrics;
}  // namespace foilcache::metrics

namespace foilcache::admin {
class AdminApi;
class StatusEndpoints;
class WebhookHandler;
}  // namespace foilcache::admin

namespace foilcache::log {
class AccessLog;
}  // namespace foilcache::log

namespace foilcache::pipeline {
class CachePipeline;
class Coalescer;
class EntryWriter;
class Forwarder;
class PassThrough;
class Revalidator;
class Tunnel;
class WriteThrough;
}  // namespace foilcache::pipeline

namespace foilcache::store {
class InvalidationBus;
class TieredStore;
}  // namespace foilcache::store

namespace foilcache::upstream {
class Client;
class Pool;
}  // namespace foilcache::upstream

namespace foilcache::http_server {
class Listener;
}  // namespace foilcache::http_server

namespace foilcache::app {

// What every worker shares: atomics, and data fixed before the io threads start. Owned by
// the Server; outlives the workers.
struct Shared {
  http_server::DrainState drain;
  std::vector<const store::EntryStore*> stores;    // every worker's, for health reports
  metrics::Metrics* metrics = nullptr;              // may be null in tests
  store::L1* l1 = nullptr;                          // the in-process tier; null when off
  std::shared_ptr<store::MemoryCache> memory;       // memory mode: the embedded store
  const common::Clock* clock = &common::Clock::real();
  std::string instance_id;                          // names this process in invalidation ids
  pipeline::Flights flights;                        // misses being fetched, by key
  metrics::Stats stats;                             // the admin API's counters of this process
  store::Invalidator::OnInvalidated on_invalidated;  // warming; set before the io threads start
  http_server::ConnectionLimits connections;        // client connections open, in all and per address
  std::size_t descriptors = 0;                      // RLIMIT_NOFILE at start-up; 0: unlimited
};

class Worker {
 public:
  // Builds every part on a new io_context, the listener bound to `endpoint` (port 0: any).
  // Throws std::system_error when the address cannot be bound (start-up only).
  Worker(Shared& shared, std::shared_ptr<const http_server::Snapshot> snapshot, const tcp::endpoint& endpoint);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Starts accepting and the background tasks. Before the io thread runs.
  void start();
  // A reloaded config for new requests. On this worker's io thread.
  void apply(std::shared_ptr<const http_server::Snapshot> snapshot);
  // Stops accepting and wakes idle keep-alive connections (drain). On this worker's io thread.
  void stop_accepting();

  net::io_context& ioc() { return ioc_; }
  std::uint16_t port() const;
  const config::Config& config() const { return *slot_.current->config; }
  Shared& shared() { return shared_; }
  store::EntryStore& store() { return *backend_.entries; }
  store::SharedCounters* counters() { return backend_.counters; }
  store::InvalidationBus& bus() { return *bus_; }
  store::Invalidator& invalidator() { return *invalidator_; }
  store::FetchLock* lock() { return backend_.lock; }

 private:
  // The connection caps of the current config (limits.*) and the descriptors there are.
  http_server::ConnectionCaps connection_caps() const;

  // Member order is the contract: what suspended coroutines' destructors reference is
  // declared BEFORE ioc_ (it outlives the frames); what owns I/O objects of ioc_ AFTER it
  // (destroyed first). Nothing runs on ioc_ once the Server stopped it.
  Shared& shared_;
  http_server::ConfigSlot slot_;
  http_server::IdleSet idle_;
  http_server::Handlers handlers_;
  std::unique_ptr<http_server::SessionContext> sessions_;
  net::io_context ioc_;
  store::Backend backend_;
  std::unique_ptr<upstream::Pool> pool_;
  std::unique_ptr<upstream::Client> client_;
  std::unique_ptr<store::TieredStore> tiers_;
  std::unique_ptr<store::InvalidationBus> bus_;
  std::unique_ptr<store::Invalidator> invalidator_;
  std::unique_ptr<pipeline::EntryWriter> writer_;
  std::unique_ptr<pipeline::Coalescer> coalescer_;
  std::unique_ptr<pipeline::Forwarder> forwarder_;
  std::unique_ptr<pipeline::Revalidator> revalidator_;
  std::unique_ptr<pipeline::CachePipeline> cache_pipeline_;
  std::unique_ptr<pipeline::PassThrough> pass_through_;
  std::unique_ptr<pipeline::WriteThrough> write_through_;
  std::unique_ptr<pipeline::Tunnel> tunnel_;
  std::unique_ptr<admin::AdminApi> admin_api_;
  std::unique_ptr<admin::WebhookHandler> webhook_;
  std::unique_ptr<admin::StatusEndpoints> status_;
  std::unique_ptr<log::AccessLog> access_log_;
  std::unique_ptr<http_server::Listener> listener_;
};

}  // namespace foilcache::app

// A routed request, as one straight line of named steps (Pingora's phases):
//   request_filter (prepare the upstream header) -> request_cache_filter (cacheability)
//   -> cache_key (KeyTemplate::render) -> lookup (TieredStore) -> hit | stale | miss
//   -> miss: coalesce -> Forwarder -> logging (stats and the route's metrics, last).
#pragma once

#include "common/clock.hpp"
#include "proxy/http/handler.hpp"
#include "proxy/metrics/stats.hpp"
#include "proxy/pipeline/coalescer.hpp"
#include "proxy/pipeline/entry_writer.hpp"
#include "proxy/pipeline/forwarder.hpp"
#include "proxy/pipeline/revalidator.hpp"
#include "proxy/store/tiered_store.hpp"

namespace foilcache::pipeline {

class CachePipeline final : public http_server::Handler {
 public:
  // Every reference outlives the pipeline; `metrics` may be null. Per-request settings come
  // from the exchange's snapshot.
  CachePipeline(store::TieredStore& tiers, Coalescer& coalescer, Forwarder& forwarder, Revalidator& revalidator,
                EntryWriter& writer, const common::Clock& clock, metrics::Metrics* metrics, metrics::Stats& stats)
      : tiers_(tiers),
        coalescer_(coalescer),
        forwarder_(forwarder),
        revalidator_(revalidator),
        writer_(writer),
        clock_(clock),
        metrics_(metrics),
        stats_(stats) {}

  // Precondition: decision.target is kRouted.
  net::awaitable<http_server::Outcome> handle(http_server::Exchange& ex, const http_server::Decision& d) override;

 private:
  net::awaitable<http_server::Outcome> serve(Request& req, const http_server::Decision& d);
  // A miss others may share: see coalescer.hpp.
  net::awaitable<http_server::Outcome> coalesced_forward(Request& req, ForwardPlan& plan);
  // A miss while the store is unavailable: shared in this process only, never stored.
  net::awaitable<http_server::Outcome> bypass_coalesced(Request& req, ForwardPlan& plan);
  // Cache-Status of a request answered from the entry of the fetch it was collapsed into.
  std::string collapsed_status(const ForwardPlan& plan, const cache::Entry& entry) const;
  // Counts the answer in the admin stats and the route's metrics.
  void log_result(const Request& req, http_server::Outcome& outcome);

  store::TieredStore& tiers_;
  Coalescer& coalescer_;
  Forwarder& forwarder_;
  Revalidator& revalidator_;
  EntryWriter& writer_;
  const common::Clock& clock_;
  metrics::Metrics* metrics_;
  metrics::Stats& stats_;
};

}  // namespace foilcache::pipeline

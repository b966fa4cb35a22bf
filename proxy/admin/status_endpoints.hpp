// The proxy's own status paths (INTERFACE.md "Observability"): GET /healthz (200 while
// serving, with the store's state), GET /readyz (503 while draining), GET /metrics
// (Prometheus text). Never forwarded, never cached (Cache-Control: no-store).
#pragma once

#include <vector>

#include "proxy/http/handler.hpp"
#include "proxy/store/store.hpp"

namespace foilcache::metrics {
class Metrics;
}  // namespace foilcache::metrics

namespace foilcache::admin {

class StatusEndpoints final : public http_server::Handler {
 public:
  // `stores`: every io thread's store (health is read from any thread); `metrics` may be null.
  StatusEndpoints(const std::vector<const store::EntryStore*>& stores, metrics::Metrics* metrics)
      : stores_(stores), metrics_(metrics) {}

  // Precondition: decision.target is kHealth, kReady or kMetrics.
  net::awaitable<http_server::Outcome> handle(http_server::Exchange& ex, const http_server::Decision& d) override;

  // /healthz's body: {"status":"ok","store":"memory"|"enabled"|"degraded","store_connections":N}
  // ("enabled" once every io thread's Redis connection is up; "degraded": requests bypass).
  std::string health_body() const;

 private:
  const std::vector<const store::EntryStore*>& stores_;
  metrics::Metrics* metrics_;
};

}  // namespace foilcache::admin

#include "proxy/pipeline/pass_through.hpp"

#include "proxy/http/forwarding.hpp"
#include "proxy/metrics/metrics.hpp"

namespace foilcache::pipeline {

net::awaitable<http_server::Outcome> PassThrough::handle(http_server::Exchange& ex, const http_server::Decision&) {
  Request req(ex, nullptr, metrics_ ? &metrics_->unrouted() : nullptr);
  http_util::prepare_upstream_request(req.header(), {ex.client_address, "http"}, req.config.trust_forwarded_headers,
                                      false);
  ForwardPlan plan;  // unrouted: no X-Cache, nothing stored
  http_server::Outcome outcome = co_await forwarder_.forward(req, plan);
  if (req.series) metrics::Metrics::count_request(*req.series, metrics::Result::kPass);
  outcome.upstream = req.upstream;
  co_return outcome;
}

}  // namespace foilcache::pipeline

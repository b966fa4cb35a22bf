#include "proxy/pipeline/write_through.hpp"

#include "proxy/cache/identity.hpp"
#include "proxy/http/forwarding.hpp"
#include "proxy/metrics/metrics.hpp"

namespace foilcache::pipeline {

net::awaitable<http_server::Outcome> WriteThrough::handle(http_server::Exchange& ex, const http_server::Decision& d) {
  const config::Route& route = *d.route;
  Request req(ex, &route, metrics_ ? route_series(ex, d.route_index) : nullptr);
  auto& request = req.header();
  http_util::prepare_upstream_request(request, {ex.client_address, "http"}, req.config.trust_forwarded_headers,
                                      false);
  // Rendered from the request as it reached foilcache, exactly as the reads it refreshes
  // render their tags (the same {user} for the same credentials).
  const std::string user = cache::route_user(route, request, req.config.identity);
  const config::RenderInput input{route.method, d.path, d.query, &d.params, &request, user};
  ForwardPlan plan;  // x_cache "": a write is not a cache read
  plan.cache_status = cache::kStatusWrite;
  plan.invalidates = config::render_all(route.invalidate_templates, input);
  http_server::Outcome outcome = co_await forwarder_.forward(req, plan);
  if (req.series) metrics::Metrics::count_request(*req.series, metrics::Result::kPass);
  outcome.route = route.name;
  outcome.upstream = req.upstream;
  co_return outcome;
}

}  // namespace foilcache::pipeline

#include "proxy/admin/status_endpoints.hpp"

#include "proxy/http/responses.hpp"
#include "proxy/metrics/metrics.hpp"

namespace foilcache::admin {

std::string StatusEndpoints::health_body() const {
  std::size_t available = 0;
  bool memory = false;
  for (const auto* store : stores_) {
    const auto health = store->health();
    available += health.available ? 1 : 0;
    memory = memory || std::string_view(health.mode) == "memory";
  }
  const char* store = memory ? "memory" : available == stores_.size() ? "enabled" : "degraded";
  return std::string("{\"status\":\"ok\",\"store\":\"") + store + "\",\"store_connections\":" +
         std::to_string(available) + "}\n";
}

net::awaitable<http_server::Outcome> StatusEndpoints::handle(http_server::Exchange& ex,
                                                             const http_server::Decision& d) {
  const auto& request = ex.parser.get();
  const bool has_body = ex.parser.chunked() || ex.parser.content_length().value_or(0) > 0;
  const bool keep_alive = request.keep_alive() && !has_body && !ex.draining();
  const bool head = request.method() == http::verb::head;
  const auto write_timeout = ex.config().timeouts.write;
  http_server::Outcome outcome;
  outcome.keep_alive = keep_alive;
  outcome.status = 200;
  if (d.target == http_server::Target::kHealth) {
    outcome.bytes = co_await http_server::write_simple(ex.client, write_timeout, http::status::ok, health_body(),
                                                       "application/json", keep_alive, head);
  } else if (d.target == http_server::Target::kReady) {
    const bool ready = !ex.draining();
    outcome.status = ready ? 200 : 503;
    outcome.bytes = co_await http_server::write_simple(
        ex.client, write_timeout, ready ? http::status::ok : http::status::service_unavailable,
        ready ? "{\"status\":\"ready\"}\n" : "{\"status\":\"draining\"}\n", "application/json", keep_alive, head);
  } else {
    // A named local: GCC 12 destroys some temporaries passed by value to a coroutine twice.
    std::string text = metrics_ ? metrics_->scrape() : std::string();
    outcome.bytes = co_await http_server::write_simple(ex.client, write_timeout, http::status::ok, std::move(text),
                                                       "text/plain; version=0.0.4; charset=utf-8", keep_alive, head);
  }
  co_return outcome;
}

}  // namespace foilcache::admin

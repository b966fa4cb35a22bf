// A request no route matches: streamed to the app and back untouched (any method, bodies
// both ways, bounded memory), counted as PASS on the unrouted series.
#pragma once

#include "proxy/http/handler.hpp"
#include "proxy/pipeline/forwarder.hpp"

namespace foilcache::pipeline {

class PassThrough final : public http_server::Handler {
 public:
  PassThrough(Forwarder& forwarder, metrics::Metrics* metrics) : forwarder_(forwarder), metrics_(metrics) {}
  net::awaitable<http_server::Outcome> handle(http_server::Exchange& ex, const http_server::Decision& d) override;

 private:
  Forwarder& forwarder_;
  metrics::Metrics* metrics_;
};

}  // namespace foilcache::pipeline

// A write route (POST/PUT/PATCH/DELETE with `invalidates:`): streamed to the app and back
// untouched, never cached; its rendered tags ("library:{user}" for the writer) are
// invalidated when the app answers 2xx/3xx, before the answer reaches the client, so the
// writer's next read is fresh on every replica (read-your-writes). A 4xx/5xx answer
// invalidates nothing. Counted as PASS on the route's series.
#pragma once

#include "proxy/http/handler.hpp"
#include "proxy/pipeline/forwarder.hpp"

namespace foilcache::pipeline {

class WriteThrough final : public http_server::Handler {
 public:
  WriteThrough(Forwarder& forwarder, metrics::Metrics* metrics) : forwarder_(forwarder), metrics_(metrics) {}
  // Precondition: decision.target is kWrite.
  net::awaitable<http_server::Outcome> handle(http_server::Exchange& ex, const http_server::Decision& d) override;

 private:
  Forwarder& forwarder_;
  metrics::Metrics* metrics_;
};

}  // namespace foilcache::pipeline

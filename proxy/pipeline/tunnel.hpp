// WebSocket (or any Upgrade): forwarded on a fresh connection; after 101 the two
// connections are spliced until either side closes or nothing moves for
// timeouts.tunnel_idle. A refused upgrade is relayed as an ordinary answer, then closed.
// Counted as PASS on the unrouted series, whatever route the path matches.
#pragma once

#include "proxy/http/handler.hpp"
#include "proxy/pipeline/entry_writer.hpp"
#include "proxy/upstream/client.hpp"

namespace foilcache::pipeline {

class Tunnel final : public http_server::Handler {
 public:
  Tunnel(upstream::Client& client, EntryWriter& writer, const common::Clock& clock, metrics::Metrics* metrics)
      : client_(client), writer_(writer), clock_(clock), metrics_(metrics) {}
  net::awaitable<http_server::Outcome> handle(http_server::Exchange& ex, const http_server::Decision& d) override;

 private:
  upstream::Client& client_;
  EntryWriter& writer_;
  const common::Clock& clock_;
  metrics::Metrics* metrics_;
};

}  // namespace foilcache::pipeline

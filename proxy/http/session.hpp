// One downstream (client) connection: the HTTP/1.1 keep-alive loop with per-phase
// timeouts and abuse limits. It reads each request header, asks decide() where it goes,
// hands it to that target's Handler and writes the access-log line.
#pragma once

#include "common/net.hpp"
#include "proxy/http/connection_limits.hpp"
#include "proxy/http/drain.hpp"
#include "proxy/http/handler.hpp"

namespace foilcache::log {
class AccessLog;
}  // namespace foilcache::log

namespace foilcache::metrics {
class Metrics;
}  // namespace foilcache::metrics

namespace foilcache::http_server {

// What every session of one io thread shares. All of it outlives the sessions.
struct SessionContext {
  const ConfigSlot& slot;
  const Handlers& handlers;
  DrainState& drain;
  IdleSet& idle;
  log::AccessLog* access_log = nullptr;  // null: no access log
  metrics::Metrics* metrics = nullptr;   // null in tests
};

// Serves `socket` until the client closes, a timeout fires, an error occurs or the server
// drains. Owns the socket and its connection slot (released when it ends); runs on the io
// thread of `context`.
net::awaitable<void> serve_connection(tcp::socket socket, ConnectionSlot slot, const SessionContext& context);

}  // namespace foilcache::http_server

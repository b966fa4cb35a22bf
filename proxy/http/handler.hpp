// The front door's one interface (Proxygen's RequestHandler, in coroutine form): the
// session reads a request header, decides where it goes (router.hpp) and hands it to the
// Handler of that target, which writes the whole answer.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "common/net.hpp"
#include "proxy/config/config.hpp"
#include "proxy/http/drain.hpp"
#include "proxy/http/router.hpp"

namespace foilcache::metrics {
struct RouteSeries;
}  // namespace foilcache::metrics

namespace foilcache::http_server {

// One config and the metric series of its routes (series[i] is config->routes[i]; empty
// without metrics). Immutable; replaced whole on reload.
struct Snapshot {
  std::shared_ptr<const config::Config> config;
  std::vector<const metrics::RouteSeries*> series;
};

// One io thread's current snapshot; replaced on that thread only (SIGHUP reload).
struct ConfigSlot {
  std::shared_ptr<const Snapshot> current;
};

// One request: its header read, its body (if any) not yet.
struct Exchange {
  beast::tcp_stream& client;
  beast::flat_buffer& buffer;                        // the client connection's read buffer
  http::request_parser<http::empty_body>& parser;    // holds the request header
  std::string_view client_address;
  // The config of the whole request (the session holds it until the request is logged);
  // background work the request starts copies the pointer.
  const std::shared_ptr<const Snapshot>& snapshot;
  const DrainState& drain;

  const config::Config& config() const { return *snapshot->config; }
  bool draining() const { return drain.is_draining(); }
};

// What the session needs to know afterwards (keep-alive, the access log).
struct Outcome {
  bool keep_alive = false;   // the connection may serve another request
  unsigned status = 0;       // status sent to the client (0: none)
  const char* cache = "";    // X-Cache value sent ("" when the request matched no route)
  std::uint64_t bytes = 0;   // body bytes sent to the client
  std::string_view route;    // matched route name ("" when none); owned by the snapshot
  std::chrono::nanoseconds upstream{0};  // spent on the app (0: not called)
};

class Handler {
 public:
  virtual ~Handler() = default;
  // Serves one request and writes its whole answer (or closes). Precondition: on the
  // session's io thread; `decision` was made for this request by decide().
  virtual net::awaitable<Outcome> handle(Exchange& ex, const Decision& decision) = 0;
};

// The handler of each target, filled by the app (every entry set before serving).
struct Handlers {
  std::array<Handler*, kTargetCount> by_target{};
  Handler& operator[](Target t) const { return *by_target[static_cast<std::size_t>(t)]; }
};

}  // namespace foilcache::http_server

// The request path for everything the proxy does not answer itself:
//   route match -> policy::request_cacheability -> KeyTemplate::render -> Store::get
//   -> (hit: respond) | (miss: upstream -> policy::response_storability -> Store::put)
// and the streaming pass-through for the rest (unrouted, bodies, WebSocket upgrades).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "proxy/app/worker.hpp"
#include "common/net.hpp"

namespace foilcache::cache {

// What one downstream connection hands to the handler for one request.
struct Exchange {
  beast::tcp_stream& client;
  beast::flat_buffer& client_buffer;
  http::request_parser<http::empty_body>& parser;  // header read; body (if any) not yet
  std::string_view client_address;
};

// What the session needs to know afterwards.
struct Outcome {
  bool keep_alive = false;  // the connection may serve another request
  unsigned status = 0;      // status sent to the client (0: none)
  const char* cache = "";   // X-Cache value sent ("" when the request matched no route)
  std::uint64_t bytes = 0;  // body bytes sent to the client
  std::string route;        // matched route name ("" when none), for the access log
  std::chrono::nanoseconds upstream{0};  // spent on the app (0: not called)
};

// Serves one request. Precondition: runs on worker.ioc's thread; the request header has
// been read and is not an own path (/healthz, /api/cache/..., ...).
net::awaitable<Outcome> handle_request(app::Worker& worker, Exchange exchange);

}  // namespace foilcache::cache

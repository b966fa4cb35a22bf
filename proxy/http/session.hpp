// One downstream (client) connection: HTTP/1.1 keep-alive loop with per-phase timeouts
// and abuse limits; answers the proxy's own paths and hands everything else to
// cache::handle_request.
#pragma once

#include "proxy/app/worker.hpp"
#include "common/net.hpp"

namespace foilcache::http_server {

// Serves `socket` until the client closes, a timeout fires, an error occurs or the server
// drains. Runs on worker.ioc's thread; owns the socket.
net::awaitable<void> serve_connection(tcp::socket socket, app::Worker& worker);

// True for the paths the proxy answers itself and never forwards.
bool is_own_path(std::string_view path);

}  // namespace foilcache::http_server

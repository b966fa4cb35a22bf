// Keep-alive connections to the upstream (the library service), one pool per io thread.
// Not thread-safe: every call runs on the owning io_context's thread.
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "proxy/config/config.hpp"
#include "common/net.hpp"

namespace foilcache::upstream {

// One upstream connection and its read buffer. `reused` tells whether it came from the
// pool (a request that fails on a reused connection before any response byte may be
// retried once on a fresh one).
struct Connection {
  explicit Connection(net::any_io_executor ex) : stream(std::move(ex)) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  std::chrono::steady_clock::time_point idle_since;
  bool reused = false;
};

using ConnectionPtr = std::unique_ptr<Connection>;

class Pool {
 public:
  Pool(net::any_io_executor ex, config::UpstreamAddress address, config::TimeoutsConfig timeouts,
       std::size_t max_idle);

  // A pooled live connection, or a new one connected within timeouts.upstream_connect.
  // `fresh` skips the pool (WebSocket tunnels, retries).
  net::awaitable<std::pair<error_code, ConnectionPtr>> acquire(bool fresh = false);

  // Returns a connection whose last response was read completely and allows keep-alive.
  void release(ConnectionPtr connection);

  std::size_t idle_count() const { return idle_.size(); }

 private:
  // Idle connections are closed once they sat for timeouts.upstream_idle, whether or not a
  // request comes to take one: each holds an app worker or file descriptor. One timer, set
  // for the oldest (idle_ is in release order).
  void schedule_sweep();
  void sweep();

  // True when the idle connection has not been closed or written to by the upstream.
  static bool still_usable(Connection& connection);

  net::any_io_executor executor_;
  config::UpstreamAddress address_;
  config::TimeoutsConfig timeouts_;
  std::size_t max_idle_;
  std::vector<ConnectionPtr> idle_;  // LIFO: the warmest connection last, the oldest first
  tcp::resolver::results_type endpoints_;
  net::steady_timer sweep_timer_;
  bool sweep_scheduled_ = false;
};

}  // namespace foilcache::upstream

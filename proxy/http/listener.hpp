// One io thread's acceptor on the shared listen port (SO_REUSEPORT: every worker binds the
// same address and the kernel spreads connections across them) and its accept loop.
#pragma once

#include <cstdint>
#include <functional>

#include "common/net.hpp"

namespace foilcache::http_server {

class Listener {
 public:
  // Binds and listens. Throws std::system_error when the address cannot be bound
  // (start-up only).
  Listener(net::io_context& ioc, const tcp::endpoint& endpoint);

  std::uint16_t port() const { return port_; }
  // Accepts until close(), calling `on_accept` (on the io thread) with each connection. A
  // failed accept (EMFILE and the like) is logged and retried after a pause.
  void start(std::function<void(tcp::socket)> on_accept);
  // Stops accepting. On the io thread.
  void close();

 private:
  net::awaitable<void> accept_loop(std::function<void(tcp::socket)> on_accept);

  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
};

}  // namespace foilcache::http_server

// One io thread's acceptor on the shared listen port (SO_REUSEPORT: every worker binds the
// same address and the kernel spreads connections across them) and its accept loop.
#pragma once

#include <cstdint>
#include <functional>

#include "common/net.hpp"
#include "proxy/log/log_throttle.hpp"

namespace foilcache::metrics {
class Metrics;
}  // namespace foilcache::metrics

namespace foilcache::http_server {

struct Accepting {
  // On the io thread, with each connection: true when it took it; false when it cannot yet
  // (the connection cap): the connection waits and is offered again every kAcceptPause.
  std::function<bool(tcp::socket&)> on_accept;
  // False: hold new connections in the kernel's backlog for now (the connection cap is
  // reached); asked again every kAcceptPause. Empty: always accept.
  std::function<bool()> may_accept;
  metrics::Metrics* metrics = nullptr;  // counts failed accepts; may be null
};

class Listener {
 public:
  // Binds and listens. Throws std::system_error when the address cannot be bound
  // (start-up only).
  Listener(net::io_context& ioc, const tcp::endpoint& endpoint);

  std::uint16_t port() const { return port_; }
  // Accepts until close(). A failed accept (out of descriptors: EMFILE, ENFILE, ENOBUFS) is
  // counted, logged at most once per kAcceptLogInterval, and retried after kAcceptRetryDelay:
  // open connections keep being served, and accepting resumes once descriptors are free.
  void start(Accepting accepting);
  // Stops accepting. On the io thread.
  void close();

 private:
  net::awaitable<void> accept_loop(Accepting accepting);

  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  log::LogThrottle failure_log_;
};

}  // namespace foilcache::http_server

#include "proxy/http/listener.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <system_error>

#include "proxy/log/log.hpp"
#include "proxy/metrics/metrics.hpp"

namespace foilcache::http_server {
namespace {

constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(50);   // after EMFILE and the like
constexpr auto kAcceptPause = std::chrono::milliseconds(10);        // while the connection cap is reached
constexpr auto kAcceptLogInterval = std::chrono::seconds(10);       // one warning per interval

net::awaitable<void> pause(tcp::acceptor& acceptor, std::chrono::milliseconds delay) {
  net::steady_timer timer(acceptor.get_executor(), delay);
  co_await timer.async_wait(kNoThrow);
}

}  // namespace

Listener::Listener(net::io_context& ioc, const tcp::endpoint& endpoint)
    : acceptor_(ioc), failure_log_(kAcceptLogInterval) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(net::socket_base::reuse_address(true));
  int one = 1;
  if (::setsockopt(acceptor_.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    throw std::system_error(errno, std::generic_category(), "SO_REUSEPORT");
  }
  acceptor_.bind(endpoint);
  acceptor_.listen(net::socket_base::max_listen_connections);
  port_ = acceptor_.local_endpoint().port();
}

void Listener::start(Accepting accepting) {
  net::co_spawn(acceptor_.get_executor(), accept_loop(std::move(accepting)), net::detached);
}

void Listener::close() {
  error_code ignored;
  acceptor_.close(ignored);
}

net::awaitable<void> Listener::accept_loop(Accepting accepting) {
  while (acceptor_.is_open()) {
    if (accepting.may_accept && !accepting.may_accept()) {
      co_await pause(acceptor_, kAcceptPause);
      continue;
    }
    auto [ec, socket] = co_await acceptor_.async_accept(kNoThrow);
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (ec) {
      if (accepting.metrics != nullptr) accepting.metrics->count_error(metrics::ErrorKind::kAcceptFailed);
      if (const auto n = failure_log_.occur(std::chrono::steady_clock::now())) {
        log::warn("accept failed " + std::to_string(n) + " time(s) (the last: " + ec.message() +
                  "); open connections are still served, new ones wait in the backlog");
      }
      co_await pause(acceptor_, kAcceptRetryDelay);
      continue;
    }
    while (!accepting.on_accept(socket)) {
      co_await pause(acceptor_, kAcceptPause);
      if (!acceptor_.is_open()) co_return;
    }
  }
}

}  // namespace foilcache::http_server

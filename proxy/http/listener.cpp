#include "proxy/http/listener.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <system_error>

#include "proxy/log/log.hpp"

namespace foilcache::http_server {
namespace {

constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(50);  // after EMFILE and the like

}  // namespace

Listener::Listener(net::io_context& ioc, const tcp::endpoint& endpoint) : acceptor_(ioc) {
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

void Listener::start(std::function<void(tcp::socket)> on_accept) {
  net::co_spawn(acceptor_.get_executor(), accept_loop(std::move(on_accept)), net::detached);
}

void Listener::close() {
  error_code ignored;
  acceptor_.close(ignored);
}

net::awaitable<void> Listener::accept_loop(std::function<void(tcp::socket)> on_accept) {
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(kNoThrow);
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (ec) {
      log::warn("accept failed: " + ec.message());
      net::steady_timer timer(acceptor_.get_executor(), kAcceptRetryDelay);
      co_await timer.async_wait(kNoThrow);
      continue;
    }
    on_accept(std::move(socket));
  }
}

}  // namespace foilcache::http_server

#include "proxy/upstream/pool.hpp"

#include <sys/socket.h>

#include <cerrno>

namespace foilcache::upstream {

Pool::Pool(net::any_io_executor ex, config::UpstreamAddress address, config::TimeoutsConfig timeouts,
           std::size_t max_idle)
    : executor_(std::move(ex)),
      address_(std::move(address)),
      timeouts_(timeouts),
      max_idle_(max_idle),
      sweep_timer_(executor_) {}

bool Pool::still_usable(Connection& connection) {
  // An idle keep-alive connection must have nothing to read: EOF or stray bytes mean the
  // upstream closed it or broke framing.
  char byte;
  const auto fd = connection.stream.socket().native_handle();
  const auto n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

net::awaitable<std::pair<error_code, ConnectionPtr>> Pool::acquire(bool fresh) {
  const auto now = std::chrono::steady_clock::now();
  while (!fresh && !idle_.empty()) {
    auto connection = std::move(idle_.back());
    idle_.pop_back();
    if (now - connection->idle_since < timeouts_.upstream_idle && still_usable(*connection)) {
      connection->reused = true;
      co_return std::pair{error_code{}, std::move(connection)};
    }
  }

  if (endpoints_.empty()) {
    tcp::resolver resolver(executor_);
    auto [ec, results] =
        co_await resolver.async_resolve(address_.host, std::to_string(address_.port), kNoThrow);
    if (ec) co_return std::pair{ec, ConnectionPtr{}};
    endpoints_ = std::move(results);
  }
  auto connection = std::make_unique<Connection>(executor_);
  connection->stream.expires_after(timeouts_.upstream_connect);
  auto [ec, endpoint] = co_await connection->stream.async_connect(endpoints_, kNoThrow);
  if (ec) {
    endpoints_ = {};  // re-resolve next time (the app may have moved)
    co_return std::pair{ec, ConnectionPtr{}};
  }
  connection->stream.socket().set_option(tcp::no_delay(true));
  co_return std::pair{error_code{}, std::move(connection)};
}

void Pool::release(ConnectionPtr connection) {
  if (!connection || idle_.size() >= max_idle_ || connection->buffer.size() != 0) return;
  connection->stream.expires_never();
  connection->buffer.shrink_to_fit();  // an idle connection keeps no streaming buffer
  connection->idle_since = std::chrono::steady_clock::now();
  idle_.push_back(std::move(connection));
  if (!sweep_scheduled_) schedule_sweep();
}

void Pool::schedule_sweep() {
  if (idle_.empty()) return;
  sweep_scheduled_ = true;
  sweep_timer_.expires_at(idle_.front()->idle_since + timeouts_.upstream_idle);
  sweep_timer_.async_wait([this](const error_code& ec) {
    if (ec) return;  // the pool is going away: `this` may be gone
    sweep_scheduled_ = false;
    sweep();
  });
}

void Pool::sweep() {
  const auto now = std::chrono::steady_clock::now();
  std::size_t expired = 0;
  while (expired < idle_.size() && now - idle_[expired]->idle_since >= timeouts_.upstream_idle) ++expired;
  idle_.erase(idle_.begin(), idle_.begin() + static_cast<std::ptrdiff_t>(expired));  // closes them
  schedule_sweep();
}

}  // namespace foilcache::upstream

#include "upstream_stub/socketio_publisher.hpp"

#include <iostream>

namespace foilcache::stub {
namespace {

constexpr int kAttempts = 2;  // redis_manager.py _publish: "for retries_left in range(1, -1, -1)"

}  // namespace

SocketIoPublisher::SocketIoPublisher(net::any_io_executor executor, RedisEndpoint endpoint,
                                     std::string channel, std::chrono::milliseconds timeout,
                                     std::size_t queue_limit)
    : strand_(net::make_strand(executor)),
      endpoint_(std::move(endpoint)),
      channel_(std::move(channel)),
      timeout_(timeout),
      queue_limit_(queue_limit),
      wake_(strand_) {}

void SocketIoPublisher::start() { net::co_spawn(strand_, run(), net::detached); }

void SocketIoPublisher::publish(std::string message) {
  if (pending_.fetch_add(1) >= queue_limit_) {
    pending_.fetch_sub(1);
    failed_.fetch_add(1);
    return;
  }
  net::post(strand_, [this, m = std::move(message)]() mutable {
    queue_.push_back(std::move(m));
    wake_.cancel();
  });
}

SocketIoStats SocketIoPublisher::stats() const {
  return {true, published_.load(), failed_.load(), pending_.load()};
}

net::awaitable<void> SocketIoPublisher::run() {
  for (;;) {
    while (queue_.empty()) {
      wake_.expires_at(net::steady_timer::time_point::max());
      co_await wake_.async_wait(kNoThrow);
    }
    const std::string message = std::move(queue_.front());
    queue_.pop_front();
    const std::string command = resp_command({"PUBLISH", channel_, message});
    bool sent = false;
    for (int attempt = 0; attempt < kAttempts && !sent; ++attempt) {
      if (!stream_ && !co_await connect()) continue;
      sent = co_await exchange(command);
      if (!sent) close();
    }
    if (sent) {
      published_.fetch_add(1);
    } else {
      failed_.fetch_add(1);
      std::cerr << "upstream-stub: Cannot publish to redis... giving up\n";
    }
    pending_.fetch_sub(1);
  }
}

net::awaitable<bool> SocketIoPublisher::connect() {
  tcp::resolver resolver(strand_);
  auto [rec, endpoints] = co_await resolver.async_resolve(endpoint_.host, endpoint_.port, kNoThrow);
  if (rec) co_return false;
  stream_.emplace(strand_);
  stream_->expires_after(timeout_);
  auto [cec, connected] = co_await stream_->async_connect(endpoints, kNoThrow);
  if (cec) {
    close();
    co_return false;
  }
  reply_.clear();
  if (!endpoint_.password.empty()) {
    const std::string auth = endpoint_.user.empty()
                                 ? resp_command({"AUTH", endpoint_.password})
                                 : resp_command({"AUTH", endpoint_.user, endpoint_.password});
    if (!co_await exchange(auth)) {
      close();
      co_return false;
    }
  }
  co_return true;
}

net::awaitable<bool> SocketIoPublisher::exchange(const std::string& command) {
  stream_->expires_after(timeout_);
  auto [wec, written] = co_await net::async_write(*stream_, net::buffer(command), kNoThrow);
  if (wec) co_return false;
  auto [rec, line] =
      co_await net::async_read_until(*stream_, net::dynamic_buffer(reply_), "\r\n", kNoThrow);
  if (rec) co_return false;
  // PUBLISH answers ":<subscribers>", AUTH "+OK"; "-ERR ..." is a refusal.
  const bool ok = !reply_.empty() && (reply_[0] == ':' || reply_[0] == '+');
  if (!ok) std::cerr << "upstream-stub: redis: " << reply_.substr(0, line) << '\n';
  reply_.erase(0, line);
  co_return ok;
}

void SocketIoPublisher::close() {
  if (!stream_) return;
  error_code ignored;
  stream_->socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.reset();
}

}  // namespace foilcache::stub

// SocketIoPublisher: PUBLISHes messages on one Redis channel over a plain TCP connection, in
// the order given, as python-socketio's RedisManager._publish does (connect lazily, AUTH
// when the URL has a password, two attempts per message with a reconnect in between, then
// give up). Hand-written RESP: two commands (AUTH, PUBLISH) and one-line replies.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "common/net.hpp"
#include "upstream_stub/event_sink.hpp"
#include "upstream_stub/socketio_message.hpp"

namespace foilcache::stub {

class SocketIoPublisher {
 public:
  // Runs on its own strand of `executor`. `timeout` bounds connect+AUTH and each PUBLISH;
  // at most `queue_limit` messages wait (more are counted failed at once).
  SocketIoPublisher(net::any_io_executor executor, RedisEndpoint endpoint, std::string channel,
                    std::chrono::milliseconds timeout, std::size_t queue_limit);
  SocketIoPublisher(const SocketIoPublisher&) = delete;
  SocketIoPublisher& operator=(const SocketIoPublisher&) = delete;

  // Starts the sending loop. Call once, before publish() is useful.
  void start();
  // Queues `message` for PUBLISH. Thread-safe; returns at once.
  void publish(std::string message);
  // Thread-safe.
  SocketIoStats stats() const;

 private:
  net::awaitable<void> run();
  net::awaitable<bool> connect();
  // Writes `command` and reads one reply line; false on an I/O error or an error reply.
  net::awaitable<bool> exchange(const std::string& command);
  void close();

  net::strand<net::any_io_executor> strand_;
  RedisEndpoint endpoint_;
  std::string channel_;
  std::chrono::milliseconds timeout_;
  std::size_t queue_limit_;
  net::steady_timer wake_;           // waited on while the queue is empty; on strand_
  std::deque<std::string> queue_;    // on strand_
  std::optional<beast::tcp_stream> stream_;  // connected (and authenticated) or empty
  std::string reply_;                // bytes read past the last reply line
  std::atomic<std::uint64_t> published_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::atomic<std::uint64_t> pending_{0};
};

}  // namespace foilcache::stub

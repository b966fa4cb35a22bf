// An asynchronous Redis client: one hiredis connection, driven by AsioAdapter on one
// io_context, with connect/handshake/reconnect, a per-command timeout and a circuit breaker.
//
// Threading: make one client per io thread and use it only from that thread's io_context
// (which must be run by a single thread). Every hiredis call, C callback, timer handler
// and completion runs there, so the client needs no strand and no locks; only connected(),
// breaker_state() and stats() may be read from other threads.
//
// Behaviour:
// - start() begins connecting in the background and returns at once; the client then
//   reconnects forever after a failed connect or a lost connection, with exponential
//   back-off (reconnect_min .. reconnect_max, jittered). One attempt = resolve, TCP
//   connect, AUTH (when a password is configured), SELECT (when db != 0) and PING, all
//   within connect_timeout.
// - Commands are pipelined on the connection. Each completes exactly once, always through
//   a post to its handler's executor (never inline): with a reply, or with Errc::timeout
//   after config.timeout, Errc::not_connected when no connection is ready (nothing is
//   queued), Errc::circuit_open when the circuit breaker holds it back (nothing is sent),
//   Errc::connection_lost, or operation_aborted after stop().
// - A timed-out command stays known to hiredis (its bookkeeping lives until hiredis calls
//   back, then is dropped silently). kMaxConsecutiveTimeouts timeouts in a row mark the
//   connection as stuck: it is closed and re-established.
// - Circuit breaker (see circuit_breaker.hpp): CircuitBreaker::kThreshold commands in a row
//   that time out or lose their connection open it, and commands then fail at once with
//   Errc::circuit_open instead of each waiting config.timeout for a stalled server. After
//   the cooldown, or as soon as a new connection's handshake succeeds, the next command
//   is sent as a probe: its reply closes the breaker, its failure reopens it for a longer
//   cooldown. The handshake's own commands are never held back by it.
// - Errors and logs never contain the password.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/config/config.hpp"
#include "common/net.hpp"
#include "proxy/redis/circuit_breaker.hpp"
#include "proxy/redis/client.hpp"
#include "proxy/redis/connection_fsm.hpp"
#include "proxy/redis/redis_error.hpp"
#include "proxy/redis/reply.hpp"

namespace foilcache::redis {

class RedisClient final : public Client {
 public:
  static constexpr int kMaxConsecutiveTimeouts = 3;
  // Commands in flight on one connection before new ones fail with Errc::overloaded:
  // a stalled server must not make memory grow without bound.
  static constexpr std::size_t kMaxPending = 10'000;

  // Does no I/O. Uses config host, port, username, password, db, timeout, connect_timeout,
  // reconnect_min and reconnect_max (an empty host means 127.0.0.1).
  RedisClient(net::io_context& ioc, config::RedisConfig config, LogFn log = {});
  // Stops the client (see stop()); safe with commands in flight.
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // See Client::subscribe. None of the callbacks may call back into this client (they run
  // inside hiredis callbacks): post what needs it.
  void subscribe(std::string channel, MessageFn on_message, std::function<void()> on_subscribed,
                 std::function<void()> on_lost) override;

  // Where each connection attempt goes, asked before every attempt (a Sentinel's current
  // master; nullopt: none known yet, the attempt fails and backs off). Call before start().
  using TargetFn = std::function<std::optional<Endpoint>()>;
  void set_target(TargetFn target);
  // Asks the target again now: when it names another server than the connection's, the
  // connection is closed and the next attempt goes there.
  void retarget();

  void start() override;
  void stop() override;

  // True while a handshaken connection is ready for commands.
  bool connected() const noexcept override;
  // The circuit breaker's state (kClosed before start()).
  BreakerState breaker_state() const noexcept override;
  // Commands sent and not yet completed.
  std::size_t pending() const noexcept;
  ClientStats stats() const noexcept override;
  // Why the last connection attempt failed or the last connection was lost ("" if none).
  // Never contains the password.
  const std::string& last_error() const noexcept;
  // The server of the current (or next) connection attempt (on the io thread).
  Endpoint endpoint() const;

  // Sends `argv` (binary safe); the strings are copied before this returns.
  void async_command(std::span<const std::string_view> argv, Handler handler) override;
  // One round trip; in order; no MULTI.
  void async_pipeline(std::span<const std::span<const std::string_view>> commands, PipelineHandler handler) override;
  // {endpoint().name()}; async_command_at sends to it when `node` names it.
  std::vector<std::string> data_nodes() const override;
  void async_command_at(std::string_view node, std::span<const std::string_view> argv, Handler handler) override;

  const config::RedisConfig& config() const noexcept;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace foilcache::redis

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
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/config/config.hpp"
#include "common/net.hpp"
#include "proxy/redis/circuit_breaker.hpp"
#include "proxy/redis/redis_error.hpp"
#include "proxy/redis/reply.hpp"

namespace foilcache::redis {

enum class LogLevel {
  kInfo,  // state changes: connected, reconnected, circuit breaker closed
  kWarn,  // connection lost, connect/handshake failed, circuit breaker opened (each once per
          // failure streak)
};
// Receives the client's log lines (no trailing newline). Called on the client's io_context.
using LogFn = std::function<void(LogLevel, std::string_view message)>;

// Counters since construction (readable from any thread).
struct ClientStats {
  std::uint64_t commands = 0;          // commands handed to the connection
  std::uint64_t timeouts = 0;          // commands completed with Errc::timeout
  std::uint64_t rejected = 0;          // commands failed without being sent (not connected, overloaded)
  std::uint64_t short_circuited = 0;   // commands failed without being sent with Errc::circuit_open
                                       // (not counted in rejected)
  std::uint64_t connects = 0;          // handshakes completed
  std::uint64_t connect_failures = 0;  // connection attempts that failed
  std::uint64_t disconnects = 0;       // ready connections lost or closed as stuck
};

class RedisClient {
 public:
  // Completion handler of the callback form; called exactly once, via post.
  using Handler = net::any_completion_handler<void(Result)>;

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

  // Makes this client a subscriber (call before start()): after every (re)connect it
  // SUBSCRIBEs to `channel`, calls `on_subscribed` once the server confirmed, and then
  // `on_message` with each message's payload (on the client's io_context); `on_lost` (may be
  // empty) when such a connection goes away, stop() included. None may call back into this
  // client (they run inside hiredis callbacks): post what needs it. A subscribed
  // connection takes no other commands: use a separate client for them.
  void subscribe(std::string channel, std::function<void(std::string_view payload)> on_message,
                 std::function<void()> on_subscribed, std::function<void()> on_lost = {});

  // Starts connecting (in the background; returns immediately). Call once, on the io_context's thread
  // or before it runs.
  void start();
  // Cancels timers and closes the connection; every command still pending completes with
  // operation_aborted, and later commands too. Idempotent; on the io_context's thread.
  void stop();

  // True while a handshaken connection is ready for commands.
  bool connected() const noexcept;
  // The circuit breaker's state (kClosed before start()).
  BreakerState breaker_state() const noexcept;
  // Commands sent and not yet completed.
  std::size_t pending() const noexcept;
  ClientStats stats() const noexcept;
  // Why the last connection attempt failed or the last connection was lost ("" if none).
  // Never contains the password.
  const std::string& last_error() const noexcept;

  // Sends `argv` (binary safe). The strings are copied before this returns, so they only
  // need to outlive the call itself.
  void async_command(std::span<const std::string_view> argv, Handler handler);

  // Awaitable forms. `argv` is read when the returned awaitable is first awaited: await it in
  // the same full-expression (`co_await client.command({"GET", key})`).
  template <typename CompletionToken>
  auto async_command(std::span<const std::string_view> argv, CompletionToken&& token) {
    return net::async_initiate<CompletionToken, void(Result)>(
        [this](auto handler, std::span<const std::string_view> args) {
          async_command(args, Handler(std::move(handler)));
        },
        token, argv);
  }
  net::awaitable<Result> command(std::span<const std::string_view> argv);
  net::awaitable<Result> command(std::initializer_list<std::string_view> argv);
  // Owning form, for callers that build argv dynamically.
  net::awaitable<Result> command(std::vector<std::string> argv);

  // Sends every command of `commands` back to back (one round trip) and completes once
  // all have, with their results in order. Each command is independent (no MULTI): in a
  // Redis Cluster each may live in another slot. The strings are copied before this returns.
  using PipelineHandler = net::any_completion_handler<void(std::vector<Result>)>;
  void async_pipeline(std::span<const std::vector<std::string_view>> commands, PipelineHandler handler);
  void async_pipeline(std::span<const std::span<const std::string_view>> commands, PipelineHandler handler);
  net::awaitable<std::vector<Result>> pipeline(std::vector<std::vector<std::string_view>> commands);
  // Non-owning form (no copy of the argv lists, no coroutine frame): `commands` and the
  // strings are read when the returned awaitable is first awaited, so await it in the same
  // full-expression, as command(std::span).
  net::awaitable<std::vector<Result>> pipeline(std::span<const std::span<const std::string_view>> commands);

  const config::RedisConfig& config() const noexcept;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace foilcache::redis

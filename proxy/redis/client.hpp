// The one interface the store talks to, whatever Redis runs behind it: one server
// (RedisClient), a Redis Cluster (ClusterClient) or a master found through Sentinel
// (SentinelClient). make_client() (make_client.hpp) picks one from redis.url.
//
// Threading: as RedisClient. One client per io thread, used only from that thread's
// io_context; connected(), breaker_state() and stats() may be read from any thread.
//
// Every command completes exactly once, through a post (never inline), with a reply or an
// error code (see RedisClient): a topology that cannot reach the key's node answers
// Errc::not_connected, which the store treats like any outage (a miss, never a client error).
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/net.hpp"
#include "proxy/config/config.hpp"
#include "proxy/redis/circuit_breaker.hpp"
#include "proxy/redis/reply.hpp"

namespace foilcache::redis {

enum class LogLevel {
  kInfo,  // state changes: connected, reconnected, circuit breaker closed, new topology
  kWarn,  // connection lost, connect/handshake failed, circuit breaker opened (each once per
          // failure streak)
};
// Receives the client's log lines (no trailing newline). Called on the client's io_context.
using LogFn = std::function<void(LogLevel, std::string_view message)>;

// Counters since construction (readable from any thread); a topology sums its connections'.
struct ClientStats {
  std::uint64_t commands = 0;          // commands handed to a connection
  std::uint64_t timeouts = 0;          // commands completed with Errc::timeout
  std::uint64_t rejected = 0;          // commands failed without being sent (not connected, overloaded)
  std::uint64_t short_circuited = 0;   // commands failed without being sent with Errc::circuit_open
                                       // (not counted in rejected)
  std::uint64_t connects = 0;          // handshakes completed
  std::uint64_t connect_failures = 0;  // connection attempts that failed
  std::uint64_t disconnects = 0;       // ready connections lost or closed as stuck
  std::uint64_t redirects = 0;         // cluster: MOVED and ASK answers followed
  std::uint64_t topology_changes = 0;  // cluster: new slot maps; sentinel: new masters
};

// Adds `more`'s counters to `total` (a topology's connections, summed).
ClientStats& operator+=(ClientStats& total, const ClientStats& more);

class Client {
 public:
  using Handler = net::any_completion_handler<void(Result)>;
  using PipelineHandler = net::any_completion_handler<void(std::vector<Result>)>;
  using MessageFn = std::function<void(std::string_view payload)>;

  virtual ~Client() = default;

  // Makes this client a subscriber (call before start()): after every (re)connect it
  // SUBSCRIBEs to `channel`, calls `on_subscribed` once the server confirmed, then
  // `on_message` with each message's payload; `on_lost` (may be empty) when such a
  // connection goes away. A subscribed client takes no other commands. PUBLISH reaches
  // every node of a cluster, so a cluster subscribes on one node (and moves when it fails).
  virtual void subscribe(std::string channel, MessageFn on_message, std::function<void()> on_subscribed,
                         std::function<void()> on_lost) = 0;
  // Starts connecting in the background; once, on the io_context's thread or before it runs.
  virtual void start() = 0;
  // Every pending command completes with operation_aborted, and later ones too. Idempotent.
  virtual void stop() = 0;

  // True while every node the data lives on has a ready connection.
  virtual bool connected() const noexcept = 0;
  // The worst circuit breaker state among the connections.
  virtual BreakerState breaker_state() const noexcept = 0;
  virtual ClientStats stats() const noexcept = 0;

  // Sends `argv` (binary safe) to the node that holds its key. The strings are copied
  // before this returns.
  virtual void async_command(std::span<const std::string_view> argv, Handler handler) = 0;
  // Sends each command of `commands` (independent: no MULTI) and completes once all have,
  // with their results in order: one round trip per node involved.
  virtual void async_pipeline(std::span<const std::span<const std::string_view>> commands,
                              PipelineHandler handler) = 0;
  // The nodes a whole-keyspace command (SCAN) must run on: the server, or every master.
  virtual std::vector<std::string> data_nodes() const = 0;
  // Sends `argv` to the node `node` names (one of data_nodes()) as it is, without routing
  // or redirection; Errc::not_connected when that node is not known any more.
  virtual void async_command_at(std::string_view node, std::span<const std::string_view> argv,
                                Handler handler) = 0;

  // Awaitable forms. The span and initializer_list forms read `argv` when first awaited:
  // await them in the same full-expression (`co_await client.command({"GET", key})`).
  net::awaitable<Result> command(std::span<const std::string_view> argv);
  net::awaitable<Result> command(std::initializer_list<std::string_view> argv);
  net::awaitable<Result> command(std::vector<std::string> argv);  // owning form
  net::awaitable<Result> command_at(std::string node, std::vector<std::string> argv);
  net::awaitable<std::vector<Result>> pipeline(std::vector<std::vector<std::string_view>> commands);
  // Non-owning form: `commands` and its strings are read when first awaited.
  net::awaitable<std::vector<Result>> pipeline(std::span<const std::span<const std::string_view>> commands);
};

}  // namespace foilcache::redis

// A Redis Cluster client (redis+cluster://seed,seed...): one pipelined RedisClient per
// master on this io thread, the slot table from CLUSTER SLOTS, and the redirections of the
// cluster specification. The rules are pure code in cluster_slots.hpp; this is the shell.
//
// - Topology: CLUSTER SLOTS from any node that answers (the known masters first, then the
//   seeds) at start, every kRefreshInterval, and soon after any MOVED, lost connection or
//   unreachable slot (at most once per kMinRefreshGap). A new map adds connections to new
//   masters and closes those to nodes that serve no slot and are no seed.
// - Routing: by the hash slot of the command's key (routing_key); keyless commands go to
//   any ready master; a DEL/UNLINK/EXISTS/TOUCH whose keys span slots is split per key
//   and its answers added up. A pipeline is split by node: one round trip per node, all
//   at once.
// - Redirections: MOVED updates the table and resends to the named node; ASK sends ASKING
//   and the command to the named node, once; TRYAGAIN and CLUSTERDOWN are retried after a
//   short pause while the command's redis.timeout lasts. At most kMaxRedirects per command:
//   then its last error reply is the answer.
// - A slot with no ready master fails its commands at once with Errc::not_connected.
// - Subscriber mode (subscribe()): one connection to one node, moved to the next seed
//   each time it is lost (PUBLISH reaches every node of a cluster).
//
// Threading: as RedisClient (one per io thread; connected(), breaker_state() and stats()
// from any thread).
#pragma once

#include <chrono>
#include <memory>

#include "proxy/redis/client.hpp"

namespace foilcache::redis {

class ClusterClient final : public Client {
 public:
  static constexpr int kMaxRedirects = 5;
  static constexpr std::chrono::milliseconds kRefreshInterval{5'000};
  static constexpr std::chrono::milliseconds kMinRefreshGap{100};

  // Does no I/O. config.nodes are the seeds; the credentials, timeouts and back-off apply
  // to every node's connection.
  ClusterClient(net::io_context& ioc, config::RedisConfig config, LogFn log = {});
  ~ClusterClient() override;
  ClusterClient(const ClusterClient&) = delete;
  ClusterClient& operator=(const ClusterClient&) = delete;

  void subscribe(std::string channel, MessageFn on_message, std::function<void()> on_subscribed,
                 std::function<void()> on_lost) override;
  void start() override;
  void stop() override;
  // A complete slot table whose every master has a ready connection.
  bool connected() const noexcept override;
  BreakerState breaker_state() const noexcept override;
  ClientStats stats() const noexcept override;
  void async_command(std::span<const std::string_view> argv, Handler handler) override;
  void async_pipeline(std::span<const std::span<const std::string_view>> commands, PipelineHandler handler) override;
  // The masters of the current slot table, as "host:port".
  std::vector<std::string> data_nodes() const override;
  void async_command_at(std::string_view node, std::span<const std::string_view> argv, Handler handler) override;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace foilcache::redis

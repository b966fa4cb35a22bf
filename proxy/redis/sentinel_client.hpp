// A client of the master a set of Sentinels monitors (redis+sentinel://s1,s2/NAME[/db]),
// after the redis.io Sentinel client guidelines:
// - Discovery: SENTINEL get-master-addr-by-name NAME to each Sentinel in turn until one
//   answers; the one that answered is asked first next time. At start, every kPollInterval,
//   on +switch-master and before each connection attempt to the master.
// - Verification: the master's connection sends ROLE in its handshake and is refused unless
//   the server says "master" (a Sentinel's answer may be out of date during a failover).
// - Failover: a subscription to +switch-master on one Sentinel (the next one when it is
//   lost) moves the connection to the new master at once; the poll catches a missed message.
// - Commands go to one RedisClient on the master (its timeouts, breaker and back-off); a
//   subscriber follows the master the same way. Sentinels are asked without credentials:
//   the url's user and password are the master's.
//
// Threading: as RedisClient (one per io thread; connected(), breaker_state() and stats()
// from any thread).
#pragma once

#include <chrono>
#include <memory>

#include "proxy/redis/client.hpp"

namespace foilcache::redis {

class SentinelClient final : public Client {
 public:
  static constexpr std::chrono::milliseconds kPollInterval{1'000};

  // Does no I/O. config.nodes are the Sentinels, config.master_name the master.
  SentinelClient(net::io_context& ioc, config::RedisConfig config, LogFn log = {});
  ~SentinelClient() override;
  SentinelClient(const SentinelClient&) = delete;
  SentinelClient& operator=(const SentinelClient&) = delete;

  void subscribe(std::string channel, MessageFn on_message, std::function<void()> on_subscribed,
                 std::function<void()> on_lost) override;
  void start() override;
  void stop() override;
  bool connected() const noexcept override;
  BreakerState breaker_state() const noexcept override;
  ClientStats stats() const noexcept override;
  void async_command(std::span<const std::string_view> argv, Handler handler) override;
  void async_pipeline(std::span<const std::span<const std::string_view>> commands, PipelineHandler handler) override;
  // The master as last discovered ("host:port"; empty before the first answer).
  std::vector<std::string> data_nodes() const override;
  void async_command_at(std::string_view node, std::span<const std::string_view> argv, Handler handler) override;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace foilcache::redis

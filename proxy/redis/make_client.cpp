#include "proxy/redis/make_client.hpp"

#include "proxy/redis/cluster_client.hpp"
#include "proxy/redis/redis_client.hpp"
#include "proxy/redis/sentinel_client.hpp"

namespace foilcache::redis {

std::shared_ptr<Client> make_client(net::io_context& ioc, const config::RedisConfig& config, LogFn log) {
  switch (config.topology) {
    case config::RedisConfig::Topology::kCluster: return std::make_shared<ClusterClient>(ioc, config, std::move(log));
    case config::RedisConfig::Topology::kSentinel:
      return std::make_shared<SentinelClient>(ioc, config, std::move(log));
    case config::RedisConfig::Topology::kServer: break;
  }
  return std::make_shared<RedisClient>(ioc, config, std::move(log));
}

}  // namespace foilcache::redis

// The client redis.url names, for the store and the invalidation subscriber.
#pragma once

#include <memory>

#include "proxy/redis/client.hpp"

namespace foilcache::redis {

// RedisClient for redis://, ClusterClient for redis+cluster://, SentinelClient for
// redis+sentinel://. Does no I/O (call start()).
std::shared_ptr<Client> make_client(net::io_context& ioc, const config::RedisConfig& config, LogFn log = {});

}  // namespace foilcache::redis

#include "proxy/app/backend.hpp"

#include "proxy/redis/make_client.hpp"
#include "proxy/store/redis_store.hpp"

namespace foilcache::app {

store::Backend make_backend(const config::Config& config, net::io_context& ioc,
                            std::shared_ptr<store::MemoryCache> memory) {
  store::Backend backend;
  if (config.redis.url.empty()) {
    backend.entries = std::make_unique<store::MemoryStore>(std::move(memory));
    return backend;
  }
  auto client = redis::make_client(ioc, config.redis);
  client->start();
  auto redis = std::make_unique<store::RedisStore>(std::move(client), config.redis.prefix);
  backend.lock = redis.get();
  backend.counters = redis.get();
  backend.channel = redis.get();
  backend.entries = std::move(redis);
  return backend;
}

}  // namespace foilcache::app

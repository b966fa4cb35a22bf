// The storage of one io thread, from the config: Redis (entries, fetch lock, shared
// counters and invalidation channel in one RedisStore) or the embedded memory store.
#pragma once

#include <memory>

#include "common/net.hpp"
#include "proxy/config/config.hpp"
#include "proxy/store/memory_store.hpp"
#include "proxy/store/store.hpp"

namespace foilcache::app {

// With redis.url set: a RedisStore whose client runs on `ioc` and connects in the
// background (never blocks, never fails when Redis is down). Otherwise a MemoryStore view
// of `memory`, which every io thread shares. Precondition: `memory` set in memory mode.
store::Backend make_backend(const config::Config& config, net::io_context& ioc,
                            std::shared_ptr<store::MemoryCache> memory);

}  // namespace foilcache::app

#include "proxy/app/reload.hpp"

namespace foilcache::app {

Merged merge_restart_only(const config::Config& current, const config::Config& next) {
  auto merged = std::make_shared<config::Config>(next);
  Merged out;
  const auto warn_if = [&](bool changed, const char* what) {
    if (changed) out.warnings.push_back(std::string("reload: '") + what + "' changed; it takes effect after a restart");
  };
  warn_if(merged->listen_host != current.listen_host || merged->listen_port != current.listen_port, "listen");
  warn_if(merged->upstream_url != current.upstream_url, "upstream");
  warn_if(merged->threads != current.threads, "threads");
  warn_if(merged->redis.url != current.redis.url || merged->redis.prefix != current.redis.prefix, "redis");
  merged->listen_host = current.listen_host;
  merged->listen_port = current.listen_port;
  merged->upstream_url = current.upstream_url;
  merged->upstream = current.upstream;
  merged->threads = current.threads;
  merged->redis = current.redis;
  merged->memory = current.memory;
  out.config = std::move(merged);
  return out;
}

}  // namespace foilcache::app

// SIGHUP: a new config takes effect for new requests; the settings that only take effect at
// start-up keep their old values (and say so).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "proxy/config/config.hpp"

namespace foilcache::app {

struct Merged {
  std::shared_ptr<const config::Config> config;
  std::vector<std::string> warnings;  // one per restart-only setting that changed
};

// `next` with listen, upstream, threads, redis and memory taken from `current`. Pure.
Merged merge_restart_only(const config::Config& current, const config::Config& next);

}  // namespace foilcache::app

// The shipped conf/foilcache.yaml, loaded once (no environment: every ${VAR:-default} takes
// its default): the routes and `events:` map the targets judge their inputs against.
#pragma once

#include <optional>
#include <string>

#include "proxy/config/config_loader.hpp"

namespace foilcache::fuzz {

inline const config::Config& shipped_config() {
  static const auto config = config::load_config_file(
      FOILCACHE_SOURCE_DIR "/conf/foilcache.yaml", [](const std::string&) { return std::optional<std::string>{}; });
  return *config;
}

}  // namespace foilcache::fuzz

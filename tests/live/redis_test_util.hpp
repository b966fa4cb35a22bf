// Shared helpers of the Redis client/store tests (not a test file itself).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "proxy/config/config.hpp"
#include "proxy/redis/redis_client.hpp"
#include "tests/support/redis_server.hpp"

namespace foilcache::test {

// Timeouts short enough to keep failure tests quick, generous enough for a loaded CI box
// (`timeout`: the per-command bound).
inline void set_test_timeouts(config::RedisConfig& config, std::chrono::milliseconds timeout) {
  using namespace std::chrono_literals;
  config.prefix = "foilcache-test:";
  config.timeout = timeout;
  config.connect_timeout = 500ms;
  config.reconnect_min = 20ms;
  config.reconnect_max = 200ms;
}

inline config::RedisConfig redis_config_for(const RedisServer& server) {
  config::RedisConfig config;
  config.url = server.url();
  config.host = server.host();
  config.port = server.port();
  set_test_timeouts(config, std::chrono::milliseconds(150));
  return config;
}

// Collects a client's log lines.
struct LogSink {
  std::vector<std::string> lines;
  redis::LogFn fn() {
    return [this](redis::LogLevel, std::string_view line) { lines.emplace_back(line); };
  }
  std::string joined() const {
    std::string all;
    for (const auto& line : lines) all += line + "\n";
    return all;
  }
};

}  // namespace foilcache::test

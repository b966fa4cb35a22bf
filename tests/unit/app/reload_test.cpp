// merge_restart_only: what a reload may change, and what it says about the rest.
#include "proxy/app/reload.hpp"

#include <gtest/gtest.h>

namespace foilcache::app {
namespace {

using namespace std::chrono_literals;

TEST(ReloadMerge, RestartOnlySettingsKeepTheirValuesAndWarn) {
  config::Config current;
  current.listen_port = 8080;
  current.upstream_url = "http://127.0.0.1:5000";
  current.redis.url = "redis://a:6379/0";
  current.memory.max_bytes = 1;
  config::Config next = current;
  next.listen_port = 9090;
  next.upstream_url = "http://127.0.0.1:6000";
  next.threads = 3;
  next.redis.url = "redis://b:6379/0";
  next.memory.max_bytes = 2;
  next.timeouts.idle = 5s;  // reloadable
  const auto merged = merge_restart_only(current, next);
  EXPECT_EQ(merged.config->listen_port, 8080);
  EXPECT_EQ(merged.config->upstream_url, "http://127.0.0.1:5000");
  EXPECT_EQ(merged.config->threads, 0u);
  EXPECT_EQ(merged.config->redis.url, "redis://a:6379/0");
  EXPECT_EQ(merged.config->memory.max_bytes, 1u);
  EXPECT_EQ(merged.config->timeouts.idle, 5s);
  EXPECT_EQ(merged.warnings,
            (std::vector<std::string>{"reload: 'listen' changed; it takes effect after a restart",
                                      "reload: 'upstream' changed; it takes effect after a restart",
                                      "reload: 'threads' changed; it takes effect after a restart",
                                      "reload: 'redis' changed; it takes effect after a restart"}));
}

TEST(ReloadMerge, NothingRestartOnlyChangedNothingToSay) {
  config::Config current;
  config::Config next = current;
  next.log.access = false;
  const auto merged = merge_restart_only(current, next);
  EXPECT_TRUE(merged.warnings.empty());
  EXPECT_FALSE(merged.config->log.access);
}

}  // namespace
}  // namespace foilcache::app

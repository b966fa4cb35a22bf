// SIGHUP: a valid file takes effect for new requests without dropping connections; an
// invalid one is logged with FILE:LINE:COL and the old config keeps serving.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>

#include "tests/integration/deployment.hpp"
#include "tests/support/wait.hpp"

namespace foilcache::testing {
namespace {

constexpr auto kBound = std::chrono::seconds(10);

std::string config_with_routes(std::string_view routes) {
  return config_head("fc-reload:") + std::string(routes);
}

constexpr std::string_view kRespondRoute = R"(routes:
  - name: respond
    match: GET /__stub/respond
    ttl: 5m
    key: "respond:{query}"
)";

void rewrite(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

TEST(Reload, ValidConfigTakesEffectWithoutDroppingConnections) {
  DeploymentOptions options;
  options.config_yaml = config_with_routes(kRespondRoute);
  Deployment d(options);
  auto client = d.client();  // a keep-alive connection opened before the reload
  EXPECT_EQ(client.get("/__stub/respond?size=1").header("X-Cache"), "MISS");
  EXPECT_EQ(client.get("/__stub/respond?size=1").header("X-Cache"), "HIT");

  rewrite(d.config_path(), config_with_routes("routes: []\n"));
  ASSERT_TRUE(d.proxy().signal(SIGHUP));
  // Without the route the request is passed through untouched: no X-Cache at all.
  EXPECT_TRUE(test::wait_until([&] { return !d.get("/__stub/respond?size=1").has("X-Cache"); }, kBound))
      << d.proxy_log();
  EXPECT_FALSE(client.get("/__stub/respond?size=1").has("X-Cache")) << "the old connection still works";
  EXPECT_TRUE(d.proxy().running());
}

TEST(Reload, InvalidConfigIsRejectedAndTheOldOneKeepsServing) {
  DeploymentOptions options;
  options.config_yaml = config_with_routes(kRespondRoute);
  Deployment d(options);
  EXPECT_EQ(d.get("/__stub/respond?size=2").header("X-Cache"), "MISS");

  rewrite(d.config_path(), config_with_routes("routes:\n  - name: respond\n    tll: 5m\n"));
  ASSERT_TRUE(d.proxy().signal(SIGHUP));
  EXPECT_TRUE(test::wait_until(
      [&] { return d.proxy_log().find("rejected, the old config keeps serving") != std::string::npos; }, kBound))
      << d.proxy_log();
  // The error names the file, line and column of the typo.
  EXPECT_NE(d.proxy_log().find(d.config_path().string() + ":10:5: unknown key 'tll'"), std::string::npos)
      << d.proxy_log();
  EXPECT_EQ(d.get("/__stub/respond?size=2").header("X-Cache"), "HIT");
  EXPECT_TRUE(d.proxy().running());
}

}  // namespace
}  // namespace foilcache::testing

// decide(): every top-level routing decision, one request changed from a baseline per case.
#include "proxy/http/router.hpp"

#include <gtest/gtest.h>

#include <cctype>

#include "proxy/config/config_loader.hpp"

namespace foilcache::http_server {
namespace {

std::shared_ptr<const config::Config> config() {
  static const auto loaded = config::load_config_string(R"(
routes:
  - name: paged
    match: GET /api/library/paged
    ttl: 5m
    key: "paged:{query.page|1}"
    shared: true
  - name: app_info
    match: GET /api/app_info/{id}
    ttl: 1h
    key: "app_info:{path.id}"
    shared: true
  - name: ignore
    match: POST /api/library/ignore/{tid}
    invalidates: ["library:{user}"]
  - name: socket
    match: GET /socket.io/*
    ttl: 1m
    key: "never"
    shared: true
)",
                                                        "router_test.yaml");
  return loaded;
}

struct Case {
  const char* name;
  http::verb method;
  const char* target;
  bool upgrade;
  Target expected;
  const char* route;  // expected route name ("" when none)
};

class RouterDecide : public ::testing::TestWithParam<Case> {};

TEST_P(RouterDecide, Decides) {
  const auto& c = GetParam();
  http::request_header<> request;
  request.method(c.method);
  request.target(c.target);
  if (c.upgrade) request.set(http::field::upgrade, "websocket");
  const Decision d = decide(*config(), request);
  EXPECT_EQ(d.target, c.expected);
  EXPECT_EQ(d.route ? d.route->name : std::string(), c.route);
  if (d.route) {
    EXPECT_EQ(&config()->routes[d.route_index], d.route);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RouterDecide,
    ::testing::Values(
        Case{"Health", http::verb::get, "/healthz", false, Target::kHealth, ""},
        Case{"Ready", http::verb::get, "/readyz", false, Target::kReady, ""},
        Case{"Metrics", http::verb::get, "/metrics?x=1", false, Target::kMetrics, ""},
        Case{"Webhook", http::verb::post, "/api/cache/webhook", false, Target::kWebhook, ""},
        Case{"AdminRoot", http::verb::get, "/api/cache", false, Target::kAdmin, ""},
        Case{"AdminCall", http::verb::post, "/api/cache/clear", false, Target::kAdmin, ""},
        Case{"OwnPathEvenWithUpgrade", http::verb::get, "/healthz", true, Target::kHealth, ""},
        Case{"AdminLookalikeIsNotOwn", http::verb::get, "/api/cachex", false, Target::kPass, ""},
        Case{"Routed", http::verb::get, "/api/library/paged?page=2", false, Target::kRouted, "paged"},
        Case{"HeadMatchesGet", http::verb::head, "/api/library/paged", false, Target::kRouted, "paged"},
        Case{"PostIsNotRouted", http::verb::post, "/api/library/paged", false, Target::kPass, ""},
        Case{"WriteRoute", http::verb::post, "/api/library/ignore/0100ABC", false, Target::kWrite, "ignore"},
        Case{"WriteRouteMatchesItsMethodOnly", http::verb::put, "/api/library/ignore/0100ABC", false, Target::kPass,
             ""},
        Case{"GetOfAWritePathIsNotAWrite", http::verb::get, "/api/library/ignore/0100ABC", false, Target::kPass, ""},
        Case{"PathParam", http::verb::get, "/api/app_info/0100ABC", false, Target::kRouted, "app_info"},
        Case{"UpgradeBeatsARoute", http::verb::get, "/socket.io/?EIO=4", true, Target::kUpgrade, ""},
        Case{"Unrouted", http::verb::get, "/api/get_game/1", false, Target::kPass, ""},
        // The path as the app routes it (HARDENING.md "Paths and keys").
        Case{"EncodedIsRoutedAsTheAppDecodesIt", http::verb::get, "/api/library/%70aged", false, Target::kRouted,
             "paged"},
        Case{"DoubleSlashPasses", http::verb::get, "/api//library/paged", false, Target::kPass, ""},
        Case{"LeadingDoubleSlashReadPasses", http::verb::get, "//api/library/paged", false, Target::kPass, ""},
        Case{"LeadingDoubleSlashWriteIsAWrite", http::verb::post, "//api/library/ignore/0100ABC", false,
             Target::kWrite, "ignore"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(RouterDecide, SplitsPathAndQueryAsViewsOfTheTarget) {
  http::request_header<> request;
  request.method(http::verb::get);
  request.target("/api/app_info/X%41?a=1&b");
  const Decision d = decide(*config(), request);
  EXPECT_EQ(d.path, "/api/app_info/X%41");
  EXPECT_EQ(d.query, "a=1&b");
  ASSERT_EQ(d.params.size(), 1u);
  EXPECT_EQ(d.params[0].second, "XA");  // captured segments are decoded
}

TEST(RouterOwnPaths, AreNeverForwarded) {
  EXPECT_TRUE(is_own_path("/healthz"));
  EXPECT_TRUE(is_own_path("/api/cache/keys/x"));
  EXPECT_FALSE(is_own_path("/healthz/"));
  EXPECT_FALSE(is_own_path("/api/cachex"));
  EXPECT_TRUE(is_admin_path("/api/cache"));
  EXPECT_FALSE(is_admin_path("/metrics"));
}

}  // namespace
}  // namespace foilcache::http_server

namespace foilcache::http_server {
namespace {

struct SpellingCase {
  const char* raw;
  const char* normalised;
  bool disguised;  // an own path in another spelling
};

class RouterOwnPathSpelling : public ::testing::TestWithParam<SpellingCase> {};

TEST_P(RouterOwnPathSpelling, IsSeenAsTheAppWouldRouteIt) {
  EXPECT_EQ(normalised_path(GetParam().raw), GetParam().normalised);
  EXPECT_EQ(is_own_path_in_disguise(GetParam().raw), GetParam().disguised);
}

INSTANTIATE_TEST_SUITE_P(
    Paths, RouterOwnPathSpelling,
    ::testing::Values(SpellingCase{"/metrics", "/metrics", false},  // as spelled: own, not disguised
                      SpellingCase{"/api/cache/keys/a%3Ab", "/api/cache/keys/a:b", false},
                      SpellingCase{"/%6detrics", "/metrics", true}, SpellingCase{"/%6Detrics", "/metrics", true},
                      SpellingCase{"/api/%63ache/clear", "/api/cache/clear", true},
                      SpellingCase{"/api/cache%2Fclear", "/api/cache/clear", true},
                      SpellingCase{"/api/cache%2fclear", "/api/cache/clear", true},
                      SpellingCase{"/api/%63ache", "/api/cache", true},
                      SpellingCase{"//metrics", "/metrics", true}, SpellingCase{"/api//cache/info", "/api/cache/info", true},
                      SpellingCase{"/./healthz", "/healthz", true}, SpellingCase{"/x/../readyz", "/readyz", true},
                      SpellingCase{"/../../metrics", "/metrics", true},
                      SpellingCase{"/metrics/", "/metrics/", false},  // another route to the app
                      SpellingCase{"/api/library/%70aged", "/api/library/paged", false},
                      SpellingCase{"/api/cachex", "/api/cachex", false},
                      SpellingCase{"/%2", "/%2", false}, SpellingCase{"/", "/", false}),
    [](const auto& info) {
      std::string name;
      for (const char c : std::string_view(info.param.raw)) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return name + "_" + std::to_string(info.index);
    });

}  // namespace
}  // namespace foilcache::http_server

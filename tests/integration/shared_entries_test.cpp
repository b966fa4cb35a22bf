// Who may be served an entry: an answer that varies on the caller is never stored on a
// shared route, a caller the proxy cannot name (cookies it does not know) is never served,
// nor stores, the anonymous entry of a per-user route, and a client's no-cache is no way
// around an entry.
#include <string>

#include <gtest/gtest.h>

#include "tests/integration/deployment.hpp"

namespace foilcache::testing {
namespace {

DeploymentOptions respond_routes() {
  DeploymentOptions options;
  options.config_yaml = config_head("fc-shared:", "1s") + R"(
routes:
  - name: respond_shared
    match: GET /__stub/respond
    ttl: 5m
    key: "respond:{query}"
    shared: true
  - name: per_user
    match: GET /__stub/echo
    ttl: 5m
    key: "echo:{user}"
)";
  return options;
}

class SharedEntriesVary : public ::testing::TestWithParam<const char*> {};

TEST_P(SharedEntriesVary, OnTheCallerIsNeverStoredOnASharedRoute) {
  Deployment d(respond_routes());
  const std::string target = std::string("/__stub/respond?size=3&vary=") + GetParam();
  const auto first = d.get(target, {{"Cookie", "session=sess-alice"}, {"Authorization", "Bearer token-alice"}});
  ASSERT_EQ(first.status, 200u);
  EXPECT_EQ(first.header("X-Cache"), "MISS");
  EXPECT_EQ(first.header("Cache-Status").find("stored"), std::string::npos) << first.header("Cache-Status");
  const auto other = d.get(target);
  EXPECT_EQ(other.header("X-Cache"), "MISS") << "an answer that varies on the caller was served to another";
}

INSTANTIATE_TEST_SUITE_P(Fields, SharedEntriesVary, ::testing::Values("Cookie", "Authorization", "Accept-Encoding%2C%20Cookie"),
                         [](const auto& info) { return std::to_string(info.index); });

TEST(SharedEntriesVaryAcceptEncoding, IsStillStored) {
  Deployment d(respond_routes());
  EXPECT_EQ(d.get("/__stub/respond?size=3&vary=Accept-Encoding").header("X-Cache"), "MISS");
  EXPECT_EQ(d.get("/__stub/respond?size=3&vary=Accept-Encoding").header("X-Cache"), "HIT");
}

TEST(SharedEntriesUnknownCookies, BypassAPerUserRouteAndNeverReachTheAnonymousEntry) {
  Deployment d(respond_routes());
  // A cookie foilcache does not list in identity.cookies: {user} would be anon, but the app
  // may know the caller by it (what the echo shows stands for a personal answer).
  const auto unknown = d.get("/__stub/echo", {{"Cookie", "app_session=mine"}});
  ASSERT_EQ(unknown.status, 200u);
  EXPECT_EQ(unknown.header("X-Cache"), "BYPASS");
  const auto anonymous = d.get("/__stub/echo");
  EXPECT_EQ(anonymous.header("X-Cache"), "MISS");
  EXPECT_EQ(anonymous.body.find("app_session"), std::string::npos) << anonymous.body;
  EXPECT_EQ(d.get("/__stub/echo").header("X-Cache"), "HIT");
  // ...and a caller with that cookie is not served the anonymous entry either.
  EXPECT_EQ(d.get("/__stub/echo", {{"Cookie", "app_session=mine"}}).header("X-Cache"), "BYPASS");
}

TEST(SharedEntriesUnknownCookies, BesideAListedCookieAreKeyedByThatUser) {
  Deployment d(respond_routes());
  const Headers alice{{"Cookie", "theme=dark; session=sess-alice"}};
  EXPECT_EQ(d.get("/__stub/echo", alice).header("X-Cache"), "MISS");
  EXPECT_EQ(d.get("/__stub/echo", alice).header("X-Cache"), "HIT");
  EXPECT_EQ(d.get("/__stub/echo").header("X-Cache"), "MISS") << "alice's entry is hers";
}

// A client's no-cache (a browser's hard reload) is not a way around the cache: as nginx and
// Varnish do by default, the entry answers (docs/HARDENING.md, "Client cache directives").
TEST(SharedEntriesRequestNoCache, IsAnsweredFromTheEntry) {
  Deployment d(respond_routes());
  ASSERT_EQ(d.get("/__stub/respond?size=3").header("X-Cache"), "MISS");
  for (const Headers& reload : {Headers{{"Cache-Control", "no-cache"}}, Headers{{"Pragma", "no-cache"}},
                                Headers{{"Cache-Control", "max-age=0"}}}) {
    EXPECT_EQ(d.get("/__stub/respond?size=3", reload).header("X-Cache"), "HIT") << reload.front().first;
  }
  EXPECT_EQ(upstream_requests(d.port(), "respond_shared"), 1.0);
}

}  // namespace
}  // namespace foilcache::testing

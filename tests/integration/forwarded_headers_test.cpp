// Client-sent forwarding claims (X-Forwarded-Prefix, -Server, -Scheme, ...), request-line
// overrides (X-Original-URL, X-HTTP-Method-Override, ...) and header names with '_' as an
// attacker sends them: what reaches the app, and whether a shared entry can be poisoned.
#include <string>

#include <gtest/gtest.h>

#include "tests/integration/deployment.hpp"

namespace foilcache::testing {
namespace {

const Headers kForged = {
    {"X-Forwarded-Prefix", "/evil-prefix"},     {"X-Forwarded-Server", "evil-server"},
    {"X-Forwarded-Scheme", "evil-scheme"},      {"X-Forwarded-Ssl", "evil-ssl"},
    {"X-Host", "evil-xhost"},                   {"X-Original-URL", "/evil-original"},
    {"X-Rewrite-URL", "/evil-rewrite"},         {"X-HTTP-Method-Override", "evil-method"},
    {"X_Forwarded_Prefix", "/evil-underscore"}, {"X_Forwarded_Host", "evil-underscore-host"},
};

// One shared route on the stub's echo; `trust`: trust_forwarded_headers.
DeploymentOptions echo_deployment(bool trust) {
  DeploymentOptions options;
  options.config_yaml = config_head("fc-fwd:") + (trust ? "trust_forwarded_headers: true\n" : "") + R"(
routes:
  - name: echo_shared
    match: GET /__stub/echo
    ttl: 5m
    key: "echo"
    shared: true
)";
  return options;
}

TEST(ForwardedHeaders, ClientClaimsNeverReachTheAppNorASharedEntry) {
  Deployment d(echo_deployment(false));
  const auto poisoned = d.get("/__stub/echo", kForged);
  ASSERT_EQ(poisoned.status, 200u) << poisoned.body;
  EXPECT_EQ(poisoned.header("X-Cache"), "MISS");
  EXPECT_EQ(poisoned.body.find("evil"), std::string::npos) << "reached the app:\n" << poisoned.body;
  const auto next = d.get("/__stub/echo");
  EXPECT_EQ(next.header("X-Cache"), "HIT");
  EXPECT_EQ(next.body.find("evil"), std::string::npos) << "served to another caller:\n" << next.body;
}

TEST(ForwardedHeaders, BehindATrustedProxyItsClaimsPassButOverridesAndUnderscoresDoNot) {
  Deployment d(echo_deployment(true));
  const auto response = d.get("/__stub/echo", kForged);
  ASSERT_EQ(response.status, 200u) << response.body;
  for (const char* kept : {"X-Forwarded-Prefix: /evil-prefix", "X-Forwarded-Server: evil-server",
                           "X-Forwarded-Scheme: evil-scheme", "X-Host: evil-xhost"}) {
    EXPECT_NE(response.body.find(kept), std::string::npos) << kept << " in\n" << response.body;
  }
  for (const char* dropped : {"evil-original", "evil-rewrite", "evil-method", "evil-underscore"}) {
    EXPECT_EQ(response.body.find(dropped), std::string::npos) << dropped << " in\n" << response.body;
  }
}

}  // namespace
}  // namespace foilcache::testing

// Request targets and Host as an attacker tries them (RFC 9112 §3.2): what foilcache routes,
// keys and forwards is an origin-form target with one valid Host; every other form is
// answered by foilcache itself and reaches neither a route nor the app.
#include <string>

#include <gtest/gtest.h>

#include "tests/integration/deployment.hpp"

namespace foilcache::testing {
namespace {

struct TargetCase {
  const char* name;
  std::string request;  // raw, whole
  unsigned status;
};

void PrintTo(const TargetCase& c, std::ostream* os) { *os << c.name; }

class RequestTarget : public ::testing::TestWithParam<TargetCase> {};

TEST_P(RequestTarget, IsRefusedBeforeAnyRouteOrTheApp) {
  Deployment d;
  HttpClient client(d.port());
  const auto response = client.raw(GetParam().request);
  EXPECT_EQ(response.status, GetParam().status) << response.body;
  // foilcache's own answer (the stub refuses some of these forms too, in plain text).
  EXPECT_EQ(response.header("Content-Type"), "application/json") << response.body;
  EXPECT_TRUE(client.closed_by_peer());
  EXPECT_TRUE(d.stub().counters().empty()) << "the request reached the app";
  EXPECT_EQ(d.get("/api/system/info").status, 200u);
}

INSTANTIATE_TEST_SUITE_P(
    Forms, RequestTarget,
    ::testing::Values(
        TargetCase{"NoHost", "GET /probe HTTP/1.1\r\n\r\n", 400},
        TargetCase{"TwoHosts", "GET /probe HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400},
        TargetCase{"EmptyHost", "GET /probe HTTP/1.1\r\nHost: \r\n\r\n", 400},
        TargetCase{"HostWithSpace", "GET /probe HTTP/1.1\r\nHost: a b\r\n\r\n", 400},
        TargetCase{"HostWithUserinfo", "GET /probe HTTP/1.1\r\nHost: user@x\r\n\r\n", 400},
        TargetCase{"HostWithPath", "GET /probe HTTP/1.1\r\nHost: x/probe\r\n\r\n", 400},
        TargetCase{"AbsoluteWithUserinfo", "GET http://user:pw@x/probe HTTP/1.1\r\nHost: x\r\n\r\n", 400},
        TargetCase{"AbsoluteOtherScheme", "GET ftp://x/probe HTTP/1.1\r\nHost: x\r\n\r\n", 400},
        TargetCase{"Connect", "CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n", 501},
        TargetCase{"AuthorityFormGet", "GET x:80 HTTP/1.1\r\nHost: x\r\n\r\n", 400},
        TargetCase{"AsteriskGet", "GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400},
        TargetCase{"Relative", "GET probe HTTP/1.1\r\nHost: x\r\n\r\n", 400},
        TargetCase{"Fragment", "GET /probe#frag HTTP/1.1\r\nHost: x\r\n\r\n", 400}),
    [](const auto& info) { return std::string(info.param.name); });

// The request line and the Host line the stub's /__stub/echo received.
std::pair<std::string, std::string> line_and_host(const std::string& echo) {
  const std::string line = echo.substr(0, echo.find('\n'));
  const auto at = echo.find("\nHost: ");
  const std::string host = at == std::string::npos ? "" : echo.substr(at + 7, echo.find('\n', at + 1) - at - 7);
  return {line, host};
}

TEST(RequestTargetAbsoluteForm, ReachesTheAppInOriginFormWithItsAuthorityAsHost) {
  Deployment d;
  HttpClient client(d.port());
  const auto response = client.raw("GET http://library.example:8080/__stub/echo?x=1 HTTP/1.1\r\nHost: evil.example\r\n\r\n");
  ASSERT_EQ(response.status, 200u) << response.body;
  const auto [line, host] = line_and_host(response.body);
  EXPECT_EQ(line, "GET /__stub/echo?x=1 HTTP/1.1");
  EXPECT_EQ(host, "library.example:8080");
  EXPECT_NE(response.body.find("\nX-Forwarded-Host: library.example:8080\n"), std::string::npos) << response.body;
  EXPECT_EQ(response.body.find("evil"), std::string::npos) << response.body;
  EXPECT_EQ(client.get("/api/system/info").status, 200u) << "the connection goes on";
}

TEST(RequestTargetAbsoluteForm, IsRoutedAndKeyedLikeItsOriginForm) {
  Deployment d;
  HttpClient client(d.port());
  const auto first = client.raw("GET http://x/api/system/info HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(first.status, 200u);
  EXPECT_EQ(first.header("X-Cache"), "MISS");
  EXPECT_EQ(client.get("/api/system/info").header("X-Cache"), "HIT") << "one entry for both spellings";
  EXPECT_EQ(d.stub().count("/api/system/info"), 1u);
}

TEST(RequestTargetHttp10, MayOmitHost) {
  Deployment d;
  HttpClient client(d.port());
  const auto response = client.raw("GET /api/system/info HTTP/1.0\r\n\r\n");
  EXPECT_EQ(response.status, 200u) << response.body;
}

TEST(RequestTargetOptionsAsterisk, IsAnsweredByFoilcacheAndTheConnectionGoesOn) {
  Deployment d;
  HttpClient client(d.port());
  const auto response = client.raw("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(response.status, 200u) << response.body;
  EXPECT_EQ(response.header("Content-Length"), "0");
  EXPECT_TRUE(d.stub().counters().empty());
  EXPECT_EQ(client.get("/api/system/info").status, 200u);
}

}  // namespace
}  // namespace foilcache::testing

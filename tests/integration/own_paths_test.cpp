// foilcache's own paths (/healthz, /readyz, /metrics, /api/cache/*) are answered by foilcache
// in every spelling the app would route to them, or refused: never forwarded.
#include <string>

#include <gtest/gtest.h>

#include "tests/integration/deployment.hpp"

namespace foilcache::testing {
namespace {

struct SpellingCase {
  const char* name;
  http::verb method;
  std::string target;
};

void PrintTo(const SpellingCase& c, std::ostream* os) { *os << c.name; }

class OwnPaths : public ::testing::TestWithParam<SpellingCase> {};

TEST_P(OwnPaths, InAnotherSpellingAreRefusedNotForwarded) {
  DeploymentOptions options;
  options.env.emplace_back("FOILCACHE_ADMIN_TOKEN", "admin-token");
  Deployment d(options);
  HttpClient client(d.port());
  const auto response =
      client.request(GetParam().method, GetParam().target, {{"Authorization", "Bearer admin-token"}});
  EXPECT_EQ(response.status, 400u) << response.body;
  EXPECT_EQ(response.header("Content-Type"), "application/json") << "not foilcache's answer: " << response.body;
  EXPECT_TRUE(d.stub().counters().empty()) << "an own path reached the app";
  EXPECT_EQ(d.get("/healthz").status, 200u);
}

INSTANTIATE_TEST_SUITE_P(
    Spellings, OwnPaths,
    ::testing::Values(SpellingCase{"EncodedLetter", http::verb::post, "/api/%63ache/clear"},
                      SpellingCase{"EncodedSlash", http::verb::post, "/api/cache%2Fclear"},
                      SpellingCase{"EncodedMetrics", http::verb::get, "/%6detrics"},
                      SpellingCase{"UpperCaseHex", http::verb::get, "/%6Detrics?x=1"},
                      SpellingCase{"DoubleSlash", http::verb::get, "//metrics"},
                      SpellingCase{"InnerDoubleSlash", http::verb::get, "/api//cache/info"},
                      SpellingCase{"DotSegment", http::verb::get, "/./healthz"},
                      SpellingCase{"DotDotSegment", http::verb::get, "/static/../readyz"},
                      SpellingCase{"EncodedDotDot", http::verb::post, "/x/%2e%2e/api/cache/invalidate/library"},
                      SpellingCase{"AbsoluteFormEncoded", http::verb::get, "http://x/api/cache%2Finfo"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(OwnPathsAbsoluteForm, IsAnsweredByFoilcache) {
  Deployment d;
  HttpClient client(d.port());
  const auto metrics = client.raw("GET http://x/metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(metrics.status, 200u);
  EXPECT_NE(metrics.body.find("foilcache_requests_total"), std::string::npos);
  const auto health = client.raw("GET http://x/healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(health.status, 200u);
  EXPECT_NE(health.body.find("\"status\":\"ok\""), std::string::npos) << health.body;
  EXPECT_TRUE(d.stub().counters().empty());
}

}  // namespace
}  // namespace foilcache::testing

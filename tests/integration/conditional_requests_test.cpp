// Conditional requests answered from the cache: If-None-Match and If-Modified-Since against
// the app's validators or the proxy's strong body hash, and HEAD from the GET entry.
#include <string>

#include <gtest/gtest.h>

#include "tests/integration/scenarios.hpp"

namespace foilcache::testing {
namespace {

using namespace std::chrono_literals;

TEST(ConditionalRequests, EtagAndLastModifiedGive304) {
  Deployment d(slow_info(0ms, stale_route("")));
  // The app's own validators are kept.
  const std::string with_validators =
      "/__stub/respond?size=10&etag=%22v1%22&last_modified=Mon,%2001%20Jan%202024%2000:00:00%20GMT";
  auto miss = d.get(with_validators);
  ASSERT_EQ(miss.header("ETag"), "\"v1\"");
  auto not_modified = d.get(with_validators, {{"If-None-Match", "\"v0\", W/\"v1\""}});
  EXPECT_EQ(not_modified.status, 304u);
  EXPECT_TRUE(not_modified.body.empty());
  EXPECT_EQ(not_modified.header("ETag"), "\"v1\"");
  EXPECT_EQ(not_modified.header("X-Cache"), "HIT");
  EXPECT_EQ(d.get(with_validators, {{"If-None-Match", "\"v2\""}}).status, 200u);
  EXPECT_EQ(d.get(with_validators, {{"If-Modified-Since", "Tue, 02 Jan 2024 00:00:00 GMT"}}).status, 304u);
  EXPECT_EQ(d.get(with_validators, {{"If-Modified-Since", "Sun, 31 Dec 2023 00:00:00 GMT"}}).status, 200u);
  // If-None-Match decides when both are sent.
  EXPECT_EQ(d.get(with_validators, {{"If-None-Match", "\"v2\""}, {"If-Modified-Since", "Tue, 02 Jan 2024 00:00:00 GMT"}})
                .status,
            200u);
}

TEST(ConditionalRequests, AnswersWithoutAValidatorGetAStrongBodyHash) {
  Deployment d(slow_info(0ms, info_route()));
  auto miss = d.get(kInfo);
  const auto etag = miss.header("ETag");
  ASSERT_EQ(etag.size(), 34u) << etag;  // "<32 hex digits>"
  EXPECT_EQ(etag.front(), '"');
  EXPECT_EQ(d.get(kInfo).header("ETag"), etag);
  EXPECT_EQ(d.get(kInfo, {{"If-None-Match", etag}}).status, 304u);
  EXPECT_EQ(d.get(kInfo, {{"If-None-Match", "*"}}).status, 304u);
  // HEAD is answered from the GET entry: headers, no body.
  auto head = d.client().request(http::verb::head, kInfo);
  EXPECT_EQ(head.status, 200u);
  EXPECT_EQ(head.header("X-Cache"), "HIT");
  EXPECT_EQ(head.header("Content-Length"), std::to_string(miss.body.size()));
  EXPECT_TRUE(head.body.empty());
}

}  // namespace
}  // namespace foilcache::testing

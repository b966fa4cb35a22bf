// Tag invalidation through the admin API, as operators use it: exactly the tagged routes,
// on Redis and on the memory store.
#include <gtest/gtest.h>

#include "tests/integration/scenarios.hpp"

namespace foilcache::testing {
namespace {

TEST(TagInvalidation, InvalidatesExactlyTheTaggedRoutes) {
  Deployment d(operator_options());
  ASSERT_EQ(d.get(kLibrary, as_alice()).header("X-Cache"), "MISS");
  ASSERT_EQ(d.get(kLibrary, as_bob()).header("X-Cache"), "MISS");
  ASSERT_EQ(d.get(kInfo).header("X-Cache"), "MISS");
  ASSERT_EQ(d.get(kLibrary, as_alice()).header("X-Cache"), "HIT");

  auto answer = d.client().request(http::verb::post, "/api/cache/invalidate/library", admin());
  ASSERT_EQ(answer.status, 200u) << answer.body;
  EXPECT_NE(answer.body.find(R"("invalidated_tags":["library"])"), std::string::npos) << answer.body;

  // Every user's library entry is gone; the system entry (tag `system`) is not.
  EXPECT_EQ(d.get(kLibrary, as_alice()).header("X-Cache"), "MISS");
  EXPECT_EQ(d.get(kLibrary, as_bob()).header("X-Cache"), "MISS");
  EXPECT_EQ(d.get(kInfo).header("X-Cache"), "HIT");
  EXPECT_EQ(d.stub().count(kLibrary), 4u);
  // The refetched entries are cached again.
  EXPECT_EQ(d.get(kLibrary, as_alice()).header("X-Cache"), "HIT");
  // The old entries stay in Redis until their TTL; nothing else was written or removed.
  EXPECT_EQ(d.redis().cli({"GET", "foilcache:@gen:library"}), "1");
}

TEST(TagInvalidation, UnknownTagIs404AndNeedsTheToken) {
  Deployment d(operator_options());
  EXPECT_EQ(d.client().request(http::verb::post, "/api/cache/invalidate/librar", admin()).status, 404u);
  EXPECT_EQ(d.client().request(http::verb::post, "/api/cache/invalidate/library").status, 401u);
  EXPECT_EQ(d.client().request(http::verb::get, "/api/cache/invalidate/library", admin()).status, 405u);
  EXPECT_TRUE(d.redis().keys("foilcache:@gen:*").empty());
}

TEST(TagInvalidation, WorksOnTheMemoryStore) {
  DeploymentOptions options = operator_options();
  options.redis = false;
  Deployment d(options);
  ASSERT_EQ(d.get(kLibrary, as_alice()).header("X-Cache"), "MISS");
  ASSERT_EQ(d.get(kLibrary, as_alice()).header("X-Cache"), "HIT");
  ASSERT_EQ(d.client().request(http::verb::post, "/api/cache/invalidate/library", admin()).status, 200u);
  EXPECT_EQ(d.get(kLibrary, as_alice()).header("X-Cache"), "MISS");
}

}  // namespace
}  // namespace foilcache::testing

// The admin API: bearer auth, info, clear, pattern invalidation, keys, reset-stats, and
// that nothing outside the prefix is ever touched.
#include <gtest/gtest.h>

#include "tests/integration/deployment.hpp"
#include "tests/support/wait.hpp"

namespace foilcache::testing {
namespace {

constexpr const char* kToken = "admin-token-for-tests";

DeploymentOptions with_token() {
  DeploymentOptions options;
  options.env.emplace_back("FOILCACHE_ADMIN_TOKEN", kToken);
  return options;
}

Headers admin() { return {{"Authorization", std::string("Bearer ") + kToken}}; }

Response admin_call(Deployment& d, http::verb method, std::string_view target, const Headers& headers = admin()) {
  return d.client().request(method, target, headers);
}

TEST(Admin, NoTokenConfiguredIsForbidden) {
  Deployment d;  // the shipped config: admin.token from an unset variable
  auto response = admin_call(d, http::verb::get, "/api/cache/info");
  EXPECT_EQ(response.status, 403u);
}

TEST(Admin, MissingOrWrongTokenIsUnauthorized) {
  Deployment d(with_token());
  EXPECT_EQ(admin_call(d, http::verb::get, "/api/cache/info", {}).status, 401u);
  EXPECT_EQ(admin_call(d, http::verb::get, "/api/cache/info", {{"Authorization", "Bearer nope"}}).status, 401u);
  EXPECT_EQ(admin_call(d, http::verb::get, "/api/cache/info",
                       {{"Authorization", std::string("Bearer ") + kToken + "x"}})
                .status,
            401u);
  EXPECT_EQ(admin_call(d, http::verb::get, "/api/cache/info", {{"Authorization", kToken}}).status, 401u);
  EXPECT_EQ(admin_call(d, http::verb::post, "/api/cache/clear", {}).status, 401u);
}

TEST(Admin, InfoCountsKeysAndStatsAndMasksThePassword) {
  test::RedisServerOptions redis_options;
  redis_options.password = "s3cret-pw";
  DeploymentOptions options = with_token();
  options.redis = false;
  test::RedisServer redis(redis_options);
  options.env.emplace_back("REDIS_URL", "redis://:s3cret-pw@127.0.0.1:" + std::to_string(redis.port()) + "/0");
  Deployment d(options);
  ASSERT_TRUE(test::wait_until([&] { return d.get("/api/system/info").header("X-Cache") == "MISS"; },
                               std::chrono::seconds(10)));
  EXPECT_EQ(d.get("/api/system/info").header("X-Cache"), "HIT");
  auto info = admin_call(d, http::verb::get, "/api/cache/info");
  ASSERT_EQ(info.status, 200u) << info.body;
  EXPECT_NE(info.body.find("\"status\":\"enabled\""), std::string::npos) << info.body;
  EXPECT_NE(info.body.find("\"keys\":1"), std::string::npos) << info.body;
  EXPECT_NE(info.body.find("\"hits\":1"), std::string::npos) << info.body;
  EXPECT_NE(info.body.find("\"misses\":1"), std::string::npos) << info.body;
  EXPECT_NE(info.body.find("\"sets\":1"), std::string::npos) << info.body;
  EXPECT_EQ(info.body.find("s3cret-pw"), std::string::npos) << "the Redis password leaked: " << info.body;
  EXPECT_NE(info.body.find("redis://***@127.0.0.1:"), std::string::npos) << info.body;
  EXPECT_EQ(d.proxy_log().find("s3cret-pw"), std::string::npos) << "the Redis password is in the log";

  EXPECT_EQ(admin_call(d, http::verb::post, "/api/cache/reset-stats").status, 200u);
  EXPECT_NE(admin_call(d, http::verb::get, "/api/cache/info").body.find("\"hits\":0"), std::string::npos);
}

TEST(Admin, ClearRemovesOnlyKeysUnderThePrefix) {
  Deployment d(with_token());
  d.redis().cli({"SET", "celery", "queued job"});
  d.redis().cli({"SET", "library_paged:1:50", "the old cache's key"});
  ASSERT_EQ(d.get("/api/system/info").header("X-Cache"), "MISS");
  ASSERT_EQ(d.get("/api/library/paged?page=1", as_alice()).header("X-Cache"), "MISS");
  ASSERT_EQ(d.get("/api/library/paged?page=2", as_alice()).header("X-Cache"), "MISS");
  auto cleared = admin_call(d, http::verb::post, "/api/cache/clear");
  ASSERT_EQ(cleared.status, 200u) << cleared.body;
  EXPECT_NE(cleared.body.find("\"deleted\":3"), std::string::npos) << cleared.body;
  EXPECT_EQ(d.redis().cli({"GET", "celery"}), "queued job");
  EXPECT_EQ(d.redis().cli({"GET", "library_paged:1:50"}), "the old cache's key");
  EXPECT_EQ(d.get("/api/system/info").header("X-Cache"), "MISS");
}

TEST(Admin, PatternInvalidationHitsExactlyTheMatchingEntries) {
  Deployment d(with_token());
  ASSERT_EQ(d.get("/api/system/info").header("X-Cache"), "MISS");
  ASSERT_EQ(d.get("/api/library/paged?page=1", as_alice()).header("X-Cache"), "MISS");
  ASSERT_EQ(d.get("/api/library/paged?page=2", as_bob()).header("X-Cache"), "MISS");
  auto invalidated = admin_call(d, http::verb::post, "/api/cache/invalidate?pattern=library_paged%3A*");
  ASSERT_EQ(invalidated.status, 200u) << invalidated.body;
  EXPECT_NE(invalidated.body.find("\"invalidated\":2"), std::string::npos) << invalidated.body;
  EXPECT_EQ(d.get("/api/library/paged?page=1", as_alice()).header("X-Cache"), "MISS");
  EXPECT_EQ(d.get("/api/library/paged?page=2", as_bob()).header("X-Cache"), "MISS");
  EXPECT_EQ(d.get("/api/system/info").header("X-Cache"), "HIT");
  EXPECT_EQ(admin_call(d, http::verb::post, "/api/cache/invalidate").status, 400u);
}

TEST(Admin, KeyMetadataAndDelete) {
  Deployment d(with_token());
  ASSERT_EQ(d.get("/api/system/info").header("X-Cache"), "MISS");
  auto meta = admin_call(d, http::verb::get, "/api/cache/keys/system_info");
  ASSERT_EQ(meta.status, 200u) << meta.body;
  EXPECT_NE(meta.body.find("\"route\":\"system_info\""), std::string::npos) << meta.body;
  EXPECT_NE(meta.body.find("\"status\":200"), std::string::npos) << meta.body;
  EXPECT_NE(meta.body.find("\"tags\":[\"system\"]"), std::string::npos) << meta.body;
  EXPECT_NE(meta.body.find("\"ttl\":"), std::string::npos) << meta.body;
  EXPECT_EQ(admin_call(d, http::verb::delete_, "/api/cache/keys/system_info").status, 200u);
  EXPECT_EQ(admin_call(d, http::verb::get, "/api/cache/keys/system_info").status, 404u);
  EXPECT_EQ(admin_call(d, http::verb::delete_, "/api/cache/keys/system_info").status, 404u);
  EXPECT_EQ(d.get("/api/system/info").header("X-Cache"), "MISS");
}

TEST(Admin, WorksOnTheMemoryStoreToo) {
  DeploymentOptions options = with_token();
  options.redis = false;
  Deployment d(options);
  ASSERT_EQ(d.get("/api/system/info").header("X-Cache"), "MISS");
  auto info = admin_call(d, http::verb::get, "/api/cache/info");
  EXPECT_NE(info.body.find("\"status\":\"memory\""), std::string::npos) << info.body;
  EXPECT_NE(info.body.find("\"keys\":1"), std::string::npos) << info.body;
  EXPECT_NE(admin_call(d, http::verb::post, "/api/cache/clear").body.find("\"deleted\":1"), std::string::npos);
}

TEST(Admin, AdminPathsAreNeverForwarded) {
  Deployment d(with_token());
  EXPECT_EQ(admin_call(d, http::verb::get, "/api/cache/nope").status, 404u);
  EXPECT_EQ(admin_call(d, http::verb::get, "/api/cache/clear").status, 405u);
  EXPECT_EQ(d.stub().counters().size(), 0u) << "an admin request reached the app";
}

}  // namespace
}  // namespace foilcache::testing

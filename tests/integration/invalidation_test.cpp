// Invalidation as operators and the library updater use it: tag invalidation through the
// admin API, the signed webhook (each way a delivery can fail), the stub's scan driving
// the webhook end to end, two replicas sharing one Redis (invalidation and stats), and
// warming.
#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "common/webhook_signature.hpp"
#include "tests/integration/deployment.hpp"
#include "tests/support/wait.hpp"

namespace foilcache::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kToken = "admin-token-for-tests";
constexpr const char* kSecret = "webhook-secret-for-tests";
constexpr const char* kLibrary = "/api/library/paged";
constexpr const char* kInfo = "/api/system/info";

Headers admin() { return {{"Authorization", std::string("Bearer ") + kToken}}; }

DeploymentOptions operator_options() {
  DeploymentOptions options;
  options.env.emplace_back("FOILCACHE_ADMIN_TOKEN", kToken);
  options.webhook_secret = kSecret;
  return options;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A delivery as the updater signs it, with the parts a test may spoil.
struct Delivery {
  std::string body = R"({"event":"library_updated","generation":7})";
  std::int64_t timestamp = unix_now();
  std::string secret = kSecret;
  bool sign = true;
  std::string signed_body;  // empty: the body that is sent

  Response send(std::uint16_t port) const {
    Headers headers{{"Content-Type", "application/json"}};
    if (sign) {
      const std::string ts = std::to_string(timestamp);
      headers.emplace_back("X-Foilcache-Timestamp", ts);
      headers.emplace_back("X-Foilcache-Signature",
                           common::sign_webhook(secret, ts, signed_body.empty() ? body : signed_body));
    }
    return HttpClient(port).request(http::verb::post, "/api/cache/webhook", headers, body);
  }
};

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

TEST(Webhook, SignedEventInvalidatesItsTags) {
  Deployment d(operator_options());
  ASSERT_EQ(d.get(kLibrary, as_alice()).header("X-Cache"), "MISS");
  ASSERT_EQ(d.get(kInfo).header("X-Cache"), "MISS");

  Delivery delivery;
  delivery.body = R"({"event":"titledb_updated"})";
  auto answer = delivery.send(d.port());
  ASSERT_EQ(answer.status, 200u) << answer.body;
  EXPECT_EQ(answer.body, "{\"event\":\"titledb_updated\",\"invalidated_tags\":[\"library\",\"system\"]}\n");
  EXPECT_EQ(d.get(kLibrary, as_alice()).header("X-Cache"), "MISS");
  EXPECT_EQ(d.get(kInfo).header("X-Cache"), "MISS");

  // A redelivery is harmless: the same tags are invalid again, and then cached again.
  ASSERT_EQ(delivery.send(d.port()).status, 200u);
  EXPECT_EQ(d.get(kInfo).header("X-Cache"), "MISS");
  EXPECT_EQ(d.get(kInfo).header("X-Cache"), "HIT");
}

TEST(Webhook, EventWithoutMappingIs200WithNoTags) {
  Deployment d(operator_options());
  ASSERT_EQ(d.get(kInfo).header("X-Cache"), "MISS");
  Delivery delivery;
  delivery.body = R"({"event":"user_created"})";
  auto answer = delivery.send(d.port());
  ASSERT_EQ(answer.status, 200u) << answer.body;
  EXPECT_EQ(answer.body, "{\"event\":\"user_created\",\"invalidated_tags\":[]}\n");
  EXPECT_EQ(d.get(kInfo).header("X-Cache"), "HIT");
}

TEST(Webhook, EverySignatureFailureIs401AndInvalidatesNothing) {
  Deployment d(operator_options());
  ASSERT_EQ(d.get(kInfo).header("X-Cache"), "MISS");
  struct Case {
    const char* name;
    Delivery delivery;
  };
  std::vector<Case> cases;
  cases.push_back({"missing", Delivery{}});
  cases.back().delivery.sign = false;
  cases.push_back({"wrong secret", Delivery{}});
  cases.back().delivery.secret = "not-the-secret";
  cases.push_back({"stale timestamp", Delivery{}});
  cases.back().delivery.timestamp = unix_now() - 301;
  cases.push_back({"future timestamp", Delivery{}});
  cases.back().delivery.timestamp = unix_now() + 301;
  cases.push_back({"tampered body", Delivery{}});
  cases.back().delivery.signed_body = R"({"event":"user_created"})";
  cases.back().delivery.body = R"({"event":"titledb_updated"})";
  for (const auto& c : cases) {
    auto answer = c.delivery.send(d.port());
    EXPECT_EQ(answer.status, 401u) << c.name << ": " << answer.body;
  }
  EXPECT_EQ(d.get(kInfo).header("X-Cache"), "HIT") << "a rejected delivery invalidated something";
  EXPECT_TRUE(d.redis().keys("foilcache:@gen:*").empty());
  const auto metrics = d.get("/metrics").body;
  EXPECT_NE(metrics.find("foilcache_errors_total{kind=\"webhook_rejected\"} 5"), std::string::npos);
}

TEST(Webhook, BadBodiesAre400AndOversizedOnes413) {
  Deployment d(operator_options());
  for (const char* body : {"not json", "[1,2]", "{}", R"({"event":7})", R"({"event":""})"}) {
    Delivery delivery;
    delivery.body = body;
    EXPECT_EQ(delivery.send(d.port()).status, 400u) << body;
  }
  Delivery huge;
  huge.body = R"({"event":"library_updated","pad":")" + std::string(100 * 1024, 'x') + "\"}";
  EXPECT_EQ(huge.send(d.port()).status, 413u);
  EXPECT_EQ(d.client().request(http::verb::get, "/api/cache/webhook").status, 405u);
  // The proxy keeps serving.
  EXPECT_EQ(d.get(kInfo).status, 200u);
}

TEST(Webhook, NoSecretConfiguredIsForbidden) {
  Deployment d;  // the shipped config: webhooks.secret from an unset variable
  EXPECT_EQ(Delivery{}.send(d.port()).status, 403u);
}

TEST(Webhook, StubScanDrivesItEndToEnd) {
  // The README's story: a HIT, the library updater scans and calls the webhook, and the
  // next request is a MISS that carries the new library.
  Deployment d(operator_options());
  const auto first = d.get(kLibrary, as_alice());
  ASSERT_EQ(first.header("X-Cache"), "MISS");
  ASSERT_EQ(d.get(kLibrary, as_alice()).header("X-Cache"), "HIT");

  auto scan = d.client().request(http::verb::post, "/api/library/scan", {{"Authorization", "Bearer token-admin"}});
  ASSERT_EQ(scan.status, 200u) << scan.body;
  EXPECT_NE(scan.body.find(R"("webhook":{"status":200,"error":""})"), std::string::npos) << scan.body;

  const auto after = d.get(kLibrary, as_alice());
  EXPECT_EQ(after.header("X-Cache"), "MISS");
  EXPECT_NE(after.body, first.body) << "the scan changed the library; the answer must show it";
  EXPECT_EQ(d.get(kLibrary, as_alice()).body, after.body);
}

TEST(Replicas, InvalidationThroughOneIsSeenByTheOther) {
  Deployment d(operator_options());
  Replica other = d.start_replica();
  ASSERT_EQ(d.get(kLibrary, as_alice()).header("X-Cache"), "MISS");
  ASSERT_EQ(other.get(kLibrary, as_alice()).header("X-Cache"), "HIT") << "replicas share one Redis";

  ASSERT_EQ(Delivery{}.send(d.port()).status, 200u);
  // Effective before the 200, on every replica: no wait.
  EXPECT_EQ(other.get(kLibrary, as_alice()).header("X-Cache"), "MISS");
  EXPECT_EQ(d.get(kLibrary, as_alice()).header("X-Cache"), "HIT");

  ASSERT_EQ(other.client().request(http::verb::post, "/api/cache/invalidate/library", admin()).status, 200u);
  EXPECT_EQ(d.get(kLibrary, as_alice()).header("X-Cache"), "MISS");
  EXPECT_EQ(d.stub().count(kLibrary), 3u);
}

TEST(Replicas, StatsAddUpAcrossReplicas) {
  Deployment d(operator_options());
  Replica other = d.start_replica();
  ASSERT_EQ(d.client().request(http::verb::post, "/api/cache/reset-stats", admin()).status, 200u);
  ASSERT_EQ(d.get(kInfo).header("X-Cache"), "MISS");
  ASSERT_EQ(d.get(kInfo).header("X-Cache"), "HIT");
  for (int i = 0; i < 3; ++i) ASSERT_EQ(other.get(kInfo).header("X-Cache"), "HIT");

  // Each replica flushes its counts at least once a second; either one reports the sum.
  const std::string expected = R"("stats":{"hits":4,"misses":1,"sets":1,"deletes":0,"stale":0,"bypass":0})";
  for (const std::uint16_t port : {d.port(), other.port}) {
    std::string body;
    EXPECT_TRUE(test::wait_until(
        [&] {
          body = HttpClient(port).request(http::verb::get, "/api/cache/info", admin()).body;
          return body.find(expected) != std::string::npos;
        },
        5s))
        << body;
    EXPECT_NE(body.find(R"("scope":"cluster")"), std::string::npos) << body;
  }
}

std::string warm_config() {
  return config_head("foilcache:") + R"(admin:
  token: ${FOILCACHE_ADMIN_TOKEN}
webhooks:
  secret: ${FOILCACHE_WEBHOOK_SECRET}
  events:
    library_updated: [library]
routes:
  - name: library_paged
    match: GET /api/library/paged
    ttl: 5m
    key: "library_paged:{query.page|1}:{user}"
    tags: [library]
  - name: system_info
    match: GET /api/system/info
    ttl: 5m
    key: "system_info"
    shared: true
    tags: [system]
warm:
  - url: /api/library/paged?page=1
    headers:
      Authorization: "Basic YWxpY2U6YWxpY2UtcHc="
  - url: /api/library/paged?page=2
    headers:
      Authorization: "Basic YWxpY2U6YWxpY2UtcHc="
  - url: /api/system/info
)";
}

TEST(Warming, FetchesAtStartUpAndAfterEachInvalidationOfItsTags) {
  DeploymentOptions options = operator_options();
  options.config_yaml = warm_config();
  Deployment d(options);
  // Start-up: every warm entry fetched once (alice's credentials for the {user} route).
  ASSERT_TRUE(test::wait_until([&] { return d.stub().count(kLibrary) == 2 && d.stub().count(kInfo) == 1; }, 10s))
      << d.proxy_log();
  ASSERT_TRUE(test::wait_until([&] { return d.redis().keys("foilcache:library_paged:*").size() == 2; }, 5s));
  EXPECT_EQ(d.get(std::string(kLibrary) + "?page=1", as_alice()).header("X-Cache"), "HIT");
  EXPECT_EQ(d.get(std::string(kLibrary) + "?page=2", as_alice()).header("X-Cache"), "HIT");
  EXPECT_EQ(d.get(kInfo).header("X-Cache"), "HIT");

  // The updater's webhook invalidates `library`: its two warm entries are fetched again,
  // so the first reader after the update already gets a HIT with the new data.
  ASSERT_EQ(Delivery{}.send(d.port()).status, 200u);
  ASSERT_TRUE(test::wait_until([&] { return d.stub().count(kLibrary) == 4; }, 10s)) << d.proxy_log();
  ASSERT_TRUE(test::wait_until(
      [&] { return d.get(std::string(kLibrary) + "?page=1", as_alice()).header("X-Cache") == "HIT"; }, 5s));
  EXPECT_EQ(d.get(std::string(kLibrary) + "?page=2", as_alice()).header("X-Cache"), "HIT");
  EXPECT_EQ(d.stub().count(kLibrary), 4u);
  EXPECT_EQ(d.stub().count(kInfo), 1u) << "system_info is not tagged `library`: not refetched";
  // Credentials from the warm list never reach the log.
  EXPECT_EQ(d.proxy_log().find("YWxpY2U6YWxpY2UtcHc="), std::string::npos);
}

TEST(Warming, AFailingRequestIsLoggedAndCountedNotFatal) {
  DeploymentOptions options = operator_options();
  // No credentials for a route the app guards: the app answers 401, nothing is stored.
  options.config_yaml = warm_config().substr(0, warm_config().find("warm:")) + "warm:\n  - url: /api/library/paged?page=9\n";
  Deployment d(options);
  const std::string line = "warm (start-up): 1 request(s), 0 fetched and stored, 1 failed";
  ASSERT_TRUE(test::wait_until([&] { return d.proxy_log().find(line) != std::string::npos; }, 10s)) << d.proxy_log();
  EXPECT_NE(d.proxy_log().find("warm: GET /api/library/paged?page=9 failed: status 401"), std::string::npos)
      << d.proxy_log();
  EXPECT_NE(d.get("/metrics").body.find("foilcache_errors_total{kind=\"warm_failed\"} 1"), std::string::npos);
  EXPECT_TRUE(d.proxy().running());
  EXPECT_EQ(d.get(kInfo).status, 200u);
}

}  // namespace
}  // namespace foilcache::testing

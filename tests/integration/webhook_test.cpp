// The signed webhook as the library updater sends it: each way a delivery can fail, and
// the stub's scan driving it end to end.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/integration/scenarios.hpp"

namespace foilcache::testing {
namespace {

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

}  // namespace
}  // namespace foilcache::testing

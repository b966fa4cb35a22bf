// Writes that pass through invalidate what they change: a write route's rendered tags are
// invalidated on the app's 2xx/3xx answer, before the client gets it, on every replica;
// scoped tags ("library:{user}") refresh the writer's entries and nobody else's.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "tests/integration/scenarios.hpp"

namespace foilcache::testing {
namespace {

const Headers kAliceSession = {{"Cookie", "session=sess-alice"}};
const Headers kBobSession = {{"Cookie", "session=sess-bob"}};
constexpr const char* kPage = "/api/library/paged?page=1";

std::string write_routes_config() {
  return config_head("fc-writes:", "1s") + "admin:\n  token: ${FOILCACHE_ADMIN_TOKEN}\n" + info_route() + R"(
  - name: library_paged
    match: GET /api/library/paged
    ttl: 5m
    key: "library_paged:{query.page|1}:{user}"
    tags: [library, "library:{user}"]
  - name: ignore_title
    match: POST /api/library/ignore/{tid}
    invalidates: ["library:{user}"]
  - name: scan
    match: POST /api/library/scan
    invalidates: [library]
)";
}

DeploymentOptions write_options() {
  DeploymentOptions options = operator_options();
  options.config_yaml = write_routes_config();
  return options;
}

// A title of a user's first library page with updates not yet ignored, and their
// versions (what the ignore toggle names).
struct PendingUpdate {
  std::string tid;
  std::vector<int> versions;
};

PendingUpdate pending_update(const std::string& page_body) {
  rapidjson::Document doc;
  doc.Parse(page_body.data(), page_body.size());
  if (doc.HasParseError() || !doc.IsObject()) return {};
  for (const auto& item : doc["data"]["items"].GetArray()) {
    if (!item["has_non_ignored_updates"].GetBool()) continue;
    PendingUpdate update{item["id"].GetString(), {}};
    for (const auto& app : item["apps"].GetArray()) {
      if (std::string(app["app_type"].GetString()) == "UPDATE" && !app["owned"].GetBool()) {
        update.versions.push_back(app["app_version"].GetInt());
      }
    }
    return update;
  }
  return {};
}

// The has_non_ignored_updates flag of `tid` on a library page; nullopt when not listed.
std::optional<bool> pending_flag(const std::string& page_body, const std::string& tid) {
  rapidjson::Document doc;
  doc.Parse(page_body.data(), page_body.size());
  if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
  for (const auto& item : doc["data"]["items"].GetArray()) {
    if (item["id"].GetString() == tid) return item["has_non_ignored_updates"].GetBool();
  }
  return std::nullopt;
}

// Ignores every pending update of the title (one write each); the last write's answer.
Response ignore_update(HttpClient client, const Headers& who, const PendingUpdate& update) {
  Headers headers = who;
  headers.emplace_back("Content-Type", "application/json");
  Response last;
  for (const int version : update.versions) {
    last = client.request(http::verb::post, "/api/library/ignore/" + update.tid, headers,
                          R"({"type":"update","item_id":)" + std::to_string(version) + R"(,"ignored":true})");
    if (last.status != 200) break;
  }
  return last;
}

TEST(WriteInvalidation, TheWritersNextReadIsFreshAndOtherUsersKeepTheirEntries) {
  Deployment d(write_options());
  const auto before = d.get(kPage, kAliceSession);
  ASSERT_EQ(before.header("X-Cache"), "MISS");
  ASSERT_EQ(d.get(kPage, kBobSession).header("X-Cache"), "MISS");
  ASSERT_EQ(d.get(kInfo).header("X-Cache"), "MISS");
  ASSERT_EQ(d.get(kPage, kAliceSession).header("X-Cache"), "HIT");
  const PendingUpdate update = pending_update(before.body);
  ASSERT_FALSE(update.versions.empty()) << before.body;

  const auto write = ignore_update(d.client(), kAliceSession, update);
  ASSERT_EQ(write.status, 200u) << write.body;
  EXPECT_FALSE(write.has("X-Cache")) << "a write is not a cache read";
  EXPECT_EQ(write.header("Cache-Status"), "foilcache; fwd=method; detail=invalidated");

  const auto after = d.get(kPage, kAliceSession);
  EXPECT_EQ(after.header("X-Cache"), "MISS") << "the writer's very next read";
  EXPECT_EQ(pending_flag(after.body, update.tid), false) << "and it shows the write";
  EXPECT_EQ(d.get(kPage, kBobSession).header("X-Cache"), "HIT") << "another user's entry is not concerned";
  EXPECT_EQ(d.get(kInfo).header("X-Cache"), "HIT");
  EXPECT_EQ(d.stub().count("/api/library/paged"), 3u);
  // One tag invalidated (once per write), counted under its configured name: no user in a
  // label.
  EXPECT_EQ(d.redis().keys("fc-writes:@gen:library:*").size(), 1u);
  const auto metrics = d.get("/metrics").body;
  const std::string counted =
      R"(foilcache_invalidations_total{tag="library:{user}"} )" + std::to_string(update.versions.size());
  EXPECT_NE(metrics.find(counted), std::string::npos) << metrics;
  EXPECT_NE(metrics.find(R"(foilcache_requests_total{result="PASS",route="ignore_title"})"), std::string::npos);
}

TEST(WriteInvalidation, AnErrorAnswerInvalidatesNothing) {
  Deployment d(write_options());
  ASSERT_EQ(d.get(kPage, kAliceSession).header("X-Cache"), "MISS");
  Headers headers = kAliceSession;
  headers.emplace_back("Content-Type", "application/json");
  // The app refuses a toggle without item_id (400), and one sent with Basic auth (500).
  const auto refused = d.client().request(http::verb::post, "/api/library/ignore/0100000000010000", headers,
                                          R"({"type":"update"})");
  ASSERT_EQ(refused.status, 400u) << refused.body;
  EXPECT_EQ(refused.header("Cache-Status"), "foilcache; fwd=method");
  const auto failed = d.client().request(http::verb::post, "/api/library/ignore/0100000000010000", as_alice(),
                                         R"({"type":"update","item_id":1,"ignored":true})");
  ASSERT_EQ(failed.status, 500u) << failed.body;
  EXPECT_EQ(d.get(kPage, kAliceSession).header("X-Cache"), "HIT");
  EXPECT_TRUE(d.redis().keys("fc-writes:@gen:*").empty());
}

TEST(WriteInvalidation, ReachesEveryReplicaBeforeTheAnswer) {
  Deployment d(write_options());
  Replica other = d.start_replica();
  const auto page = d.get(kPage, kAliceSession);
  ASSERT_EQ(page.header("X-Cache"), "MISS");
  ASSERT_EQ(other.get(kPage, kAliceSession).header("X-Cache"), "HIT");
  ASSERT_EQ(other.get(kPage, kAliceSession).header("X-Cache"), "HIT") << "now in the other replica's L1";
  ASSERT_EQ(other.get(kPage, kBobSession).header("X-Cache"), "MISS");

  const PendingUpdate update = pending_update(page.body);
  ASSERT_FALSE(update.versions.empty());
  ASSERT_EQ(ignore_update(d.client(), kAliceSession, update).status, 200u);
  // No wait: the write's answer came after every replica dropped the writer's entries.
  const auto after = other.get(kPage, kAliceSession);
  EXPECT_EQ(after.header("X-Cache"), "MISS");
  EXPECT_EQ(pending_flag(after.body, update.tid), false);
  EXPECT_EQ(other.get(kPage, kBobSession).header("X-Cache"), "HIT");
}

TEST(WriteInvalidation, AnUnscopedWriteRefreshesEveryUser) {
  Deployment d(write_options());
  ASSERT_EQ(d.get(kPage, kAliceSession).header("X-Cache"), "MISS");
  ASSERT_EQ(d.get(kPage, kBobSession).header("X-Cache"), "MISS");
  const Headers admin_user = {{"Authorization", basic_auth("admin", "admin-pw")}};
  const auto scan = d.client().request(http::verb::post, "/api/library/scan", admin_user);
  ASSERT_EQ(scan.status, 200u) << scan.body;
  EXPECT_EQ(d.get(kPage, kAliceSession).header("X-Cache"), "MISS");
  EXPECT_EQ(d.get(kPage, kBobSession).header("X-Cache"), "MISS");
  EXPECT_EQ(d.get(kInfo).header("X-Cache"), "MISS") << "first read of an untagged route";
  // The scan by a caller the app refuses (alice is no admin) changes nothing.
  EXPECT_EQ(d.client().request(http::verb::post, "/api/library/scan", as_alice()).status, 403u);
  EXPECT_EQ(d.get(kPage, kBobSession).header("X-Cache"), "HIT");
}

TEST(WriteInvalidation, WithRedisDownTheWriteIsAnsweredAndNothingStaleIsServed) {
  Deployment d(write_options());
  const auto page = d.get(kPage, kAliceSession);
  ASSERT_EQ(page.header("X-Cache"), "MISS");
  ASSERT_EQ(d.get(kPage, kAliceSession).header("X-Cache"), "HIT");
  const PendingUpdate update = pending_update(page.body);
  ASSERT_FALSE(update.versions.empty());
  d.redis().kill();
  const auto write = ignore_update(d.client(), kAliceSession, update);
  ASSERT_EQ(write.status, 200u) << "a Redis outage is never a client error";
  EXPECT_EQ(write.header("Cache-Status"), "foilcache; fwd=method; detail=invalidation-failed");
  const auto after = d.get(kPage, kAliceSession);
  EXPECT_NE(after.header("X-Cache"), "HIT");
  EXPECT_EQ(pending_flag(after.body, update.tid), false);
}

TEST(WriteInvalidation, TheAdminAPIKnowsScopedTags) {
  Deployment d(write_options());
  ASSERT_EQ(d.get(kPage, kAliceSession).header("X-Cache"), "MISS");
  const auto keys = d.redis().keys("fc-writes:library_paged:*");
  ASSERT_EQ(keys.size(), 1u);
  const std::string key = keys[0].substr(std::string("fc-writes:").size());
  const auto meta = d.client().request(http::verb::get, "/api/cache/keys/" + key, admin());
  ASSERT_EQ(meta.status, 200u) << meta.body;
  const auto scoped = meta.body.find("\"library:");
  ASSERT_NE(scoped, std::string::npos) << "the entry lists its rendered tags: " << meta.body;
  const std::string tag = meta.body.substr(scoped + 1, meta.body.find('"', scoped + 1) - scoped - 1);

  EXPECT_EQ(d.client().request(http::verb::post, "/api/cache/invalidate/" + tag, admin()).status, 200u);
  EXPECT_EQ(d.get(kPage, kAliceSession).header("X-Cache"), "MISS");
  EXPECT_EQ(d.client().request(http::verb::post, "/api/cache/invalidate/librar:x", admin()).status, 404u);
}

}  // namespace
}  // namespace foilcache::testing

// Cache behaviour end to end: the real foilcache binary with the shipped config (unless a
// test says otherwise), a real redis-server and the stub.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

#include "tests/integration/deployment.hpp"
#include "tests/support/wait.hpp"

namespace foilcache::testing {
namespace {

constexpr auto kBound = std::chrono::seconds(10);
constexpr const char* kLibrary = "/api/library/paged";

// A config with test routes over the stub's /__stub/respond (status, Cache-Control, cookies
// chosen by the query), plus the shipped-style library route.
std::string respond_config(std::string_view ttl = "5m") {
  return config_head("fc-test:") + R"(routes:
  - name: respond_anon
    match: GET /__stub/respond
    ttl: )" + std::string(ttl) + R"(
    key: "respond:{query}"
  - name: library_paged
    match: GET /api/library/paged
    ttl: 5m
    key: "library_paged:{query.page|1}:{query.per_page|50}:{query.sort_by}:{query.sort}:{query.order|asc}:{query.dlc}:{query.redundant}:{user}"
)";
}

// Headers that must be equal between a MISS and the HIT it stored.
void expect_same_end_to_end_headers(const Response& miss, const Response& hit) {
  for (const auto& field : miss.headers) {
    const std::string name(field.name_string());
    if (name == "X-Cache" || name == "Cache-Status" || name == "Age" || name == "Content-Length" ||
        name == "Transfer-Encoding" || name == "Connection") {
      continue;
    }
    EXPECT_EQ(hit.header(name), std::string(field.value())) << "header " << name;
  }
  for (const auto& field : hit.headers) {
    const std::string name(field.name_string());
    if (name == "Age" || name == "Content-Length" || name == "Connection") continue;
    EXPECT_TRUE(miss.has(name)) << "HIT has " << name << " which the MISS had not";
  }
}

TEST(Cache, MissInsertHit) {
  Deployment d;
  auto miss = d.get("/api/library/paged?page=1", as_alice());
  ASSERT_EQ(miss.status, 200u) << miss.body << d.proxy_log();
  EXPECT_EQ(miss.header("X-Cache"), "MISS");
  EXPECT_EQ(miss.count("X-Cache"), 1u) << "the app's own X-Cache must be replaced, not duplicated";
  EXPECT_EQ(miss.header("Cache-Control"), "private, max-age=300");

  auto hit = d.get("/api/library/paged?page=1", as_alice());
  ASSERT_EQ(hit.status, 200u);
  EXPECT_EQ(hit.header("X-Cache"), "HIT");
  EXPECT_EQ(hit.count("X-Cache"), 1u);
  EXPECT_EQ(hit.header("Cache-Control"), "private, max-age=300");
  EXPECT_FALSE(hit.header("Age").empty());
  EXPECT_EQ(hit.body, miss.body);
  EXPECT_EQ(hit.header("X-Total-Count"), miss.header("X-Total-Count"));
  expect_same_end_to_end_headers(miss, hit);
  EXPECT_EQ(d.stub().count(kLibrary), 1u);

  // Every key written is under the prefix.
  for (const auto& key : d.redis().keys("*")) EXPECT_TRUE(key.starts_with("foilcache:")) << key;
}

TEST(Cache, HeadIsServedFromTheGetEntry) {
  Deployment d;
  auto miss = d.get("/api/system/info");
  ASSERT_EQ(miss.status, 200u);
  auto client = d.client();
  auto head = client.request(http::verb::head, "/api/system/info");
  EXPECT_EQ(head.status, 200u);
  EXPECT_EQ(head.header("X-Cache"), "HIT");
  EXPECT_EQ(head.header("Content-Length"), std::to_string(miss.body.size()));
  EXPECT_TRUE(head.body.empty());
  // The connection is still usable after a bodiless answer.
  EXPECT_EQ(client.get("/api/system/info").header("X-Cache"), "HIT");
}

TEST(Cache, EntryExpiresAfterTtl) {
  DeploymentOptions options;
  options.config_yaml = respond_config("1s");
  Deployment d(options);
  EXPECT_EQ(d.get("/__stub/respond?size=10").header("X-Cache"), "MISS");
  EXPECT_EQ(d.get("/__stub/respond?size=10").header("X-Cache"), "HIT");
  EXPECT_TRUE(test::wait_until([&] { return d.get("/__stub/respond?size=10").header("X-Cache") == "MISS"; },
                               std::chrono::seconds(5), std::chrono::milliseconds(100)));
}

TEST(Cache, QueryOrderAndEmptyParametersShareOneEntry) {
  Deployment d;
  EXPECT_EQ(d.get("/api/library/paged?page=1&per_page=20", as_alice()).header("X-Cache"), "MISS");
  EXPECT_EQ(d.get("/api/library/paged?per_page=20&page=1", as_alice()).header("X-Cache"), "HIT");
  EXPECT_EQ(d.get("/api/library/paged?per_page=20&page=1&x=", as_alice()).header("X-Cache"), "HIT");
  // No page at all is page 1 under {query.page|1}, and so is page= (empty).
  EXPECT_EQ(d.get("/api/library/paged?per_page=20", as_alice()).header("X-Cache"), "HIT");
  EXPECT_EQ(d.get("/api/library/paged?per_page=20&page=", as_alice()).header("X-Cache"), "HIT");
  EXPECT_EQ(d.stub().count(kLibrary), 1u);
  // A parameter the app reads is part of the key.
  EXPECT_EQ(d.get("/api/library/paged?per_page=20&order=desc", as_alice()).header("X-Cache"), "MISS");
  EXPECT_EQ(d.get("/api/library/paged?per_page=20&sort=size", as_alice()).header("X-Cache"), "MISS");
  EXPECT_EQ(d.stub().count(kLibrary), 3u);
}

TEST(Cache, InjectionAttemptsCannotShapeKeys) {
  Deployment d;
  const std::vector<std::string> attempts = {
      "/api/library/paged?page=1:*",         "/api/library/paged?page=%3A%2A%3F",
      "/api/library/paged?page=%7Buser%7D",  "/api/library/paged?page=1&sort_by=name:anon",
      "/api/library/paged?page=[a-z]",       "/api/library/paged?page=%25",
  };
  for (const auto& target : attempts) {
    auto response = d.get(target, as_alice());
    EXPECT_NE(response.status, 0u) << target;
  }
  const auto keys = d.redis().keys("*");
  for (const auto& key : keys) {
    // foilcache's own keys (a "pass" mark left for a moment by a request whose answer was
    // not storable) are under the prefix too, but are not entries.
    if (key.starts_with("foilcache:@lock:")) continue;
    ASSERT_TRUE(key.starts_with("foilcache:library_paged:")) << key;
    // Only the template's own 8 separators: no value contributed a ':' or a glob character.
    EXPECT_EQ(std::count(key.begin(), key.end(), ':'), 9) << key;
    EXPECT_EQ(key.find_first_of("*?[]{}"), std::string::npos) << key;
  }
  // "page=1:*" and "page=%3A%2A%3F" must not have collided with anything: one entry each
  // for the requests the app answered 200.
  std::set<std::string> unique(keys.begin(), keys.end());
  EXPECT_EQ(unique.size(), keys.size());
}

TEST(Cache, UsersNeverSeeEachOthersEntries) {
  Deployment d;
  auto alice = d.get("/api/library/paged?page=1", as_alice());
  auto bob = d.get("/api/library/paged?page=1", as_bob());
  ASSERT_EQ(alice.status, 200u);
  ASSERT_EQ(bob.status, 200u);
  EXPECT_EQ(alice.header("X-Cache"), "MISS");
  EXPECT_EQ(bob.header("X-Cache"), "MISS");
  EXPECT_NE(alice.body, bob.body) << "the stub's per-user ignore flags must differ";
  auto alice_hit = d.get("/api/library/paged?page=1", as_alice());
  auto bob_hit = d.get("/api/library/paged?page=1", as_bob());
  EXPECT_EQ(alice_hit.header("X-Cache"), "HIT");
  EXPECT_EQ(bob_hit.header("X-Cache"), "HIT");
  EXPECT_EQ(alice_hit.body, alice.body);
  EXPECT_EQ(bob_hit.body, bob.body);

  // The same user by session cookie is another identity (another credential): no HIT
  // of the Basic entry, and the app's answer for it.
  auto cookie = d.get("/api/library/paged?page=1", {{"Cookie", "session=sess-alice"}});
  EXPECT_EQ(cookie.status, 200u);
  EXPECT_EQ(cookie.header("X-Cache"), "MISS");

  // A wrong password is another {user}: it misses and the app refuses it.
  auto wrong = d.get("/api/library/paged?page=1", {{"Authorization", basic_auth("alice", "nope")}});
  EXPECT_EQ(wrong.status, 401u);
  EXPECT_NE(wrong.header("X-Cache"), "HIT");
}

TEST(Cache, AnonymousCallerGets401AfterAnEntryExists) {
  Deployment d;
  ASSERT_EQ(d.get("/api/library/paged?page=1", as_alice()).status, 200u);
  ASSERT_EQ(d.get("/api/library/paged?page=1", as_alice()).header("X-Cache"), "HIT");
  for (int i = 0; i < 2; ++i) {
    auto anonymous = d.get("/api/library/paged?page=1");
    EXPECT_EQ(anonymous.status, 401u);
    EXPECT_EQ(anonymous.header("X-Cache"), "MISS");
  }
  EXPECT_EQ(d.stub().count(kLibrary), 3u) << "both anonymous requests reached the app";
}

TEST(Cache, CredentialedRequestsBypassRoutesWithoutUser) {
  DeploymentOptions options;
  options.config_yaml = respond_config();
  Deployment d(options);
  for (const auto& credentials : {as_alice(), Headers{{"Cookie", "session=sess-alice"}}}) {
    auto first = d.get("/__stub/respond?size=5", credentials);
    auto second = d.get("/__stub/respond?size=5", credentials);
    EXPECT_EQ(first.header("X-Cache"), "BYPASS");
    EXPECT_EQ(second.header("X-Cache"), "BYPASS");
  }
  EXPECT_EQ(d.get("/__stub/respond?size=5").header("X-Cache"), "MISS");
  EXPECT_EQ(d.get("/__stub/respond?size=5").header("X-Cache"), "HIT");
  // A credentialed request is never answered from the anonymous entry either.
  EXPECT_EQ(d.get("/__stub/respond?size=5", as_bob()).header("X-Cache"), "BYPASS");
}

struct UncacheableCase {
  const char* name;
  const char* query;
};

class CacheUncacheableResponses : public ::testing::TestWithParam<UncacheableCase> {};

TEST_P(CacheUncacheableResponses, AreNeverStored) {
  DeploymentOptions options;
  options.config_yaml = respond_config();
  Deployment d(options);
  const std::string target = std::string("/__stub/respond?") + GetParam().query;
  auto first = d.get(target);
  auto second = d.get(target);
  EXPECT_EQ(first.header("X-Cache"), "MISS");
  EXPECT_EQ(second.header("X-Cache"), "MISS") << "stored although " << GetParam().name;
  EXPECT_EQ(d.stub().count("/__stub/respond"), 0u);  // /__stub/* is not counted by the stub
  // No entry: at most foilcache's own bookkeeping (the coalescing lock's "pass" mark).
  EXPECT_TRUE(d.redis().keys("fc-test:[^@]*").empty());
}

INSTANTIATE_TEST_SUITE_P(
    Policy, CacheUncacheableResponses,
    ::testing::Values(UncacheableCase{"NoStore", "size=3&cache_control=no-store"},
                      UncacheableCase{"Private", "size=3&cache_control=private"},
                      UncacheableCase{"NoCache", "size=3&cache_control=no-cache"},
                      UncacheableCase{"SetCookie", "size=3&set_cookie=a%3Db"},
                      UncacheableCase{"NotFound", "size=3&status=404"},
                      UncacheableCase{"ServerError", "size=3&status=500"},
                      UncacheableCase{"VaryStar", "size=3&vary=*"},
                      UncacheableCase{"TooLarge", "size=9000000"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Cache, UncacheableResponseKeepsTheAppsCacheControl) {
  DeploymentOptions options;
  options.config_yaml = respond_config();
  Deployment d(options);
  auto response = d.get("/__stub/respond?size=3&cache_control=no-store");
  EXPECT_EQ(response.header("Cache-Control"), "no-store");
}

TEST(Cache, StoredBodiesAreFetchedWithoutContentEncoding) {
  DeploymentOptions options;
  options.config_yaml = respond_config();
  Deployment d(options);
  auto miss = d.get("/__stub/respond?size=3&echo_header=Accept-Encoding", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(miss.header("X-Cache"), "MISS");
  EXPECT_EQ(miss.header("X-Echo-Accept-Encoding"), "(absent)")
      << "a gzip body stored under a key without Accept-Encoding would reach clients that cannot read it";
  // Requests that are not stored keep it.
  auto bypass = d.get("/__stub/respond?size=3&echo_header=Accept-Encoding",
                      {{"Accept-Encoding", "gzip"}, {"Authorization", basic_auth("alice", "alice-pw")}});
  EXPECT_EQ(bypass.header("X-Cache"), "BYPASS");
  EXPECT_EQ(bypass.header("X-Echo-Accept-Encoding"), "gzip");
}

TEST(Cache, ForgedForwardedHostCannotPoisonTheShopIndex) {
  Deployment d;
  Headers tinfoil = as_alice();
  tinfoil.emplace_back("User-Agent", "Tinfoil/17.0");
  Headers forged = tinfoil;
  forged.emplace_back("X-Forwarded-Host", "evil.example");
  forged.emplace_back("X-Forwarded-Proto", "https");
  auto poisoned = d.get("/index.json", forged);
  ASSERT_EQ(poisoned.status, 200u) << poisoned.body;
  EXPECT_EQ(poisoned.body.find("evil.example"), std::string::npos) << "the forged host reached the app";
  EXPECT_EQ(poisoned.body.find("https://"), std::string::npos) << "the forged scheme reached the app";
  auto honest = d.get("/index.json", tinfoil);
  EXPECT_EQ(honest.body.find("evil.example"), std::string::npos);
}

TEST(Cache, ShopIndexIsPerCaller) {
  Deployment d;
  Headers alice = as_alice();
  alice.emplace_back("User-Agent", "Tinfoil/17.0");
  Headers bob = as_bob();
  bob.emplace_back("User-Agent", "Tinfoil/17.0");
  auto a1 = d.get("/tinfoil.json", alice);
  auto b1 = d.get("/tinfoil.json", bob);
  ASSERT_EQ(a1.status, 200u);
  EXPECT_EQ(d.get("/tinfoil.json", alice).header("X-Cache"), "HIT");
  auto b2 = d.get("/tinfoil.json", bob);
  EXPECT_EQ(b2.header("X-Cache"), "HIT");
  EXPECT_NE(a1.body.find("alice"), std::string::npos) << "the stub embeds the caller's credentials";
  EXPECT_EQ(b2.body.find("alice"), std::string::npos) << "bob was served alice's credentials";
  EXPECT_EQ(b1.body, b2.body);
  // Another client (Cyberfoil lower-cases title ids) is another entry.
  Headers cyber = as_alice();
  cyber.emplace_back("User-Agent", "Cyberfoil/1.0");
  EXPECT_EQ(d.get("/tinfoil.json", cyber).header("X-Cache"), "MISS");
}

TEST(Cache, WorksOnTheEmbeddedMemoryStore) {
  DeploymentOptions options;
  options.redis = false;
  Deployment d(options);
  EXPECT_NE(d.get("/healthz").body.find("\"store\":\"memory\""), std::string::npos);
  EXPECT_EQ(d.get("/api/system/info").header("X-Cache"), "MISS");
  EXPECT_EQ(d.get("/api/system/info").header("X-Cache"), "HIT");
  EXPECT_EQ(d.get("/api/library/paged?page=2", as_bob()).header("X-Cache"), "MISS");
  EXPECT_EQ(d.get("/api/library/paged?page=2", as_bob()).header("X-Cache"), "HIT");
}

}  // namespace
}  // namespace foilcache::testing

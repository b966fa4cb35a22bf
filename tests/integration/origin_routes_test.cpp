// `ttl: origin` routes through the real binary: the origin's Cache-Control, Expires, Age
// and CDN-Cache-Control decide what is stored and for how long, within ttl_default and
// ttl_cap; what the origin says reaches the client unchanged.
#include <string>

#include <gtest/gtest.h>

#include "tests/integration/scenarios.hpp"

namespace foilcache::testing {
namespace {

DeploymentOptions origin_options(std::string_view bounds = {}) {
  DeploymentOptions options;
  options.config_yaml = config_head("fc-origin:", "1s") +
                        "routes:\n  - name: respond\n    match: GET /__stub/respond\n    ttl: origin\n" +
                        std::string(bounds) + "    key: \"respond:{query}\"\n    shared: true\n";
  return options;
}

// The ttl= of a Cache-Status, or -1000000 when there is none.
int ttl_of(const Response& r) {
  const std::string status = r.header("Cache-Status");
  const auto at = status.find("ttl=");
  return at == std::string::npos ? -1'000'000 : std::stoi(status.substr(at + 4));
}

// /__stub/respond answering `size` bytes with `query` (already percent-encoded) added.
std::string respond(std::string_view query) { return "/__stub/respond?size=10&" + std::string(query); }

TEST(OriginRoutes, MaxAgeIsStoredAndPassedOn) {
  Deployment d(origin_options());
  const std::string target = respond("cache_control=public%2C%20max-age%3D60");
  const Response miss = d.get(target);
  EXPECT_EQ(miss.header("X-Cache"), "MISS");
  EXPECT_EQ(miss.header("Cache-Control"), "public, max-age=60") << "the origin's, not rewritten";
  const Response hit = d.get(target);
  EXPECT_EQ(hit.header("X-Cache"), "HIT");
  EXPECT_EQ(hit.header("Cache-Control"), "public, max-age=60");
  EXPECT_EQ(hit.count("Cache-Control"), 1u);
  EXPECT_NE(hit.header("Cache-Status").find("ttl="), std::string::npos) << hit.header("Cache-Status");
}

TEST(OriginRoutes, WhatTheOriginForbidsIsNeverStored) {
  Deployment d(origin_options("    ttl_default: 60s\n"));
  for (const std::string query : {"cache_control=no-store", "cache_control=private%2C%20max-age%3D60",
                                  "cache_control=max-age%3D60&status=206", "cache_control=max-age%3D0"}) {
    ASSERT_EQ(d.get(respond(query)).header("X-Cache"), "MISS") << query;
    EXPECT_EQ(d.get(respond(query)).header("X-Cache"), "MISS") << query << " was stored";
  }
}

TEST(OriginRoutes, AReceivedAgeCountsAgainstTheLifetime) {
  Deployment d(origin_options());
  const std::string target = respond("cache_control=max-age%3D100&header=Age%3A%2090");
  d.get(target);
  const Response hit = d.get(target);
  ASSERT_EQ(hit.header("X-Cache"), "HIT");
  EXPECT_GE(std::stoi(hit.header("Age")), 90) << "RFC 9111 §4.2.3: the age it arrived with is kept";
  d.get(respond("cache_control=max-age%3D100&header=Age%3A%20100"));
  EXPECT_EQ(d.get(respond("cache_control=max-age%3D100&header=Age%3A%20100")).header("X-Cache"), "MISS")
      << "arrived stale: not stored";
}

TEST(OriginRoutes, CdnCacheControlWinsAndTheCapBounds) {
  Deployment d(origin_options("    ttl_cap: 30s\n"));
  const std::string target = respond("cache_control=no-store&header=CDN-Cache-Control%3A%20max-age%3D3600");
  d.get(target);
  const Response hit = d.get(target);
  ASSERT_EQ(hit.header("X-Cache"), "HIT") << "RFC 9213: the targeted field replaces Cache-Control";
  EXPECT_GE(ttl_of(hit), 25) << hit.header("Cache-Status");  // capped at 30 s, a few seconds of slack
  EXPECT_LE(ttl_of(hit), 30) << hit.header("Cache-Status");
  EXPECT_EQ(hit.header("Cache-Control"), "no-store") << "the origin's Cache-Control is passed on for browsers";
}

TEST(OriginRoutes, SilenceUsesTheDefaultOrIsNotStored) {
  Deployment quiet(origin_options());
  quiet.get(respond("x=1"));
  EXPECT_EQ(quiet.get(respond("x=1")).header("X-Cache"), "MISS") << "no freshness, no default: not stored";
  Deployment defaulted(origin_options("    ttl_default: 45s\n"));
  defaulted.get(respond("x=1"));
  const Response hit = defaulted.get(respond("x=1"));
  EXPECT_EQ(hit.header("X-Cache"), "HIT");
  EXPECT_GE(ttl_of(hit), 40) << hit.header("Cache-Status");  // the 45 s default, a few seconds of slack
  EXPECT_LE(ttl_of(hit), 45) << hit.header("Cache-Status");
}

TEST(OriginRoutes, AnExpiredEntryIsRevalidatedAndFreshened) {
  Deployment d(origin_options());
  // Fresh for 2 s; the stub answers 304 to If-None-Match: "v1" and echoes what it got.
  const std::string target = respond("etag=%22v1%22&cache_control=max-age%3D2&echo_header=If-None-Match");
  const Response first = d.get(target);
  ASSERT_EQ(first.header("X-Cache"), "MISS");
  ASSERT_EQ(first.header("X-Echo-If-None-Match"), "(absent)");
  Response revalidated;
  ASSERT_TRUE(get_until(
      d, target, [](const Response& r) { return r.header("Cache-Status").find("detail=revalidated") != std::string::npos; },
      revalidated))
      << "once stale, the next request revalidates: " << revalidated.header("Cache-Status");
  EXPECT_EQ(revalidated.status, 200u) << "the client asked unconditionally: it gets the whole answer";
  EXPECT_EQ(revalidated.body, first.body);
  EXPECT_EQ(revalidated.header("ETag"), "\"v1\"");
  EXPECT_EQ(revalidated.header("X-Echo-If-None-Match"), "\"v1\"") << "the 304's fields updated the entry (§3.2)";
  EXPECT_NE(revalidated.header("Cache-Status").find("fwd-status=304; stored"), std::string::npos)
      << revalidated.header("Cache-Status");
  const Response hit = d.get(target);
  EXPECT_EQ(hit.header("X-Cache"), "HIT") << "freshened for another 2 s: " << hit.header("Cache-Status");
  const Response conditional = d.client().get(target, {{"If-None-Match", "\"v1\""}});
  EXPECT_EQ(conditional.status, 304u) << "a client's own validator is answered from the entry";
}

TEST(OriginRoutes, TheBackgroundRefreshRevalidates) {
  Deployment d(origin_options());
  // RFC 5861 from the origin: served stale for 30 s while one refresh runs, which asks with
  // the entry's validator (RFC 9111 §4.3.1); the stub's 304 repeats what it received.
  const std::string target =
      respond("etag=%22v3%22&cache_control=max-age%3D1%2C%20stale-while-revalidate%3D30&echo_header=If-None-Match");
  const Response first = d.get(target);
  ASSERT_EQ(first.header("X-Cache"), "MISS");
  ASSERT_EQ(first.header("X-Echo-If-None-Match"), "(absent)");
  Response stale;
  ASSERT_TRUE(get_until(d, target, [](const Response& r) { return r.header("X-Cache") == "STALE"; }, stale))
      << stale.header("Cache-Status");
  EXPECT_EQ(stale.body, first.body);
  Response refreshed;
  ASSERT_TRUE(
      get_until(d, target, [](const Response& r) { return r.header("X-Echo-If-None-Match") == "\"v3\""; }, refreshed))
      << "the refresh sent If-None-Match and the 304 updated the entry: " << refreshed.header("X-Echo-If-None-Match");
  EXPECT_EQ(refreshed.body, first.body) << "the stored body, freshened";
  EXPECT_EQ(refreshed.header("ETag"), "\"v3\"");
}

TEST(OriginRoutes, TheOriginsStaleIfErrorStandsInForADeadApp) {
  Deployment d(origin_options());
  // RFC 5861 §4 from the origin (the route has no window of its own); must-revalidate closes it.
  const std::string lenient = respond("cache_control=max-age%3D1%2C%20stale-if-error%3D60");
  // An ETag keeps the strict one stored past its freshness (for revalidation): only the rule refuses it.
  const std::string strict =
      respond("etag=%22s1%22&cache_control=max-age%3D1%2C%20stale-if-error%3D60%2C%20must-revalidate");
  ASSERT_EQ(d.get(lenient).header("X-Cache"), "MISS");
  ASSERT_EQ(d.get(strict).header("X-Cache"), "MISS");
  d.kill_stub();
  Response stale;
  ASSERT_TRUE(get_until(d, lenient, [](const Response& r) { return r.header("X-Cache") == "STALE"; }, stale))
      << stale.status << " " << stale.header("Cache-Status");
  EXPECT_EQ(stale.status, 200u);
  EXPECT_NE(stale.header("Cache-Status").find("detail=stale-if-error"), std::string::npos) << stale.header("Cache-Status");
  Response refused;  // fresh a few milliseconds longer than `lenient`: asked until it is not
  ASSERT_TRUE(get_until(d, strict, [](const Response& r) { return r.header("X-Cache") != "HIT"; }, refused));
  EXPECT_EQ(refused.status, 502u) << "must-revalidate: never served stale (RFC 9111 §5.2.2.2)";
  EXPECT_NE(refused.header("X-Cache"), "STALE");
}

TEST(OriginRoutes, TheRequestsOwnDirectivesAreHonoured) {
  Deployment d(origin_options());
  const std::string target = respond("etag=%22v2%22&cache_control=max-age%3D600");
  const Response cold = d.client().get(target, {{"Cache-Control", "only-if-cached"}});
  EXPECT_EQ(cold.status, 504u) << "only-if-cached and nothing stored: the app is not asked";
  ASSERT_EQ(d.get(target).header("X-Cache"), "MISS");
  EXPECT_EQ(d.client().get(target, {{"Cache-Control", "only-if-cached"}}).header("X-Cache"), "HIT");
  const Response validated = d.client().get(target, {{"Cache-Control", "no-cache"}});
  EXPECT_NE(validated.header("Cache-Status").find("fwd-status=304"), std::string::npos)
      << "no-cache: revalidated with the app first: " << validated.header("Cache-Status");
  EXPECT_EQ(validated.status, 200u);
  EXPECT_EQ(d.get(target).header("X-Cache"), "HIT") << "a plain request takes the stored answer";
}

TEST(OriginRoutes, RangesAreCutFromTheStoredWholeAnswer) {
  Deployment d(origin_options());
  const std::string target = "/__stub/respond?size=100&cache_control=max-age%3D600";
  const Response first = d.client().get(target, {{"Range", "bytes=10-19"}});
  EXPECT_EQ(first.status, 206u) << "the whole answer was fetched and stored, the part served from it";
  EXPECT_EQ(first.header("X-Cache"), "MISS");
  EXPECT_EQ(first.body, "klmnopqrst");
  EXPECT_EQ(first.header("Content-Range"), "bytes 10-19/100");
  const Response whole = d.get(target);
  EXPECT_EQ(whole.header("X-Cache"), "HIT") << "stored as the complete 200, never as a 206";
  EXPECT_EQ(whole.status, 200u);
  EXPECT_EQ(whole.body.size(), 100u);
  const Response suffix = d.client().get(target, {{"Range", "bytes=-3"}});
  EXPECT_EQ(suffix.status, 206u);
  EXPECT_EQ(suffix.body, "tuv");
  const Response beyond = d.client().get(target, {{"Range", "bytes=100-"}});
  EXPECT_EQ(beyond.status, 416u);
  EXPECT_EQ(beyond.header("Content-Range"), "bytes */100");
  const Response several = d.client().get(target, {{"Range", "bytes=0-1,5-6"}});
  EXPECT_EQ(several.status, 200u) << "several ranges: the whole answer (RFC 9110 §14.2 allows it)";
}

TEST(OriginRoutes, HeadIsAnsweredFromTheEntryAndNeverStored) {
  Deployment d(origin_options());
  const std::string target = respond("cache_control=max-age%3D600&x=head");
  auto client = d.client();
  const Response cold = client.request(http::verb::head, target);
  EXPECT_EQ(cold.header("X-Cache"), "MISS") << "forwarded as HEAD";
  EXPECT_TRUE(cold.body.empty());
  EXPECT_EQ(client.get(target).header("X-Cache"), "MISS") << "a HEAD answer has no body to store (RFC 9110 §9.3.2)";
  const Response head = client.request(http::verb::head, target);
  EXPECT_EQ(head.header("X-Cache"), "HIT") << "the stored GET answers HEAD";
  EXPECT_EQ(head.header("Content-Length"), "10");
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(head.header("Cache-Control"), "max-age=600");
}

TEST(OriginRoutes, AnUnsafeMethodInvalidatesItsTargetAndLocation) {
  Deployment d(origin_options());
  const std::string page = respond("cache_control=max-age%3D600");        // the URI a POST changes
  const std::string other = respond("cache_control=max-age%3D601");       // named by its Location
  for (const auto& target : {page, other}) {
    ASSERT_EQ(d.get(target).header("X-Cache"), "MISS");
    ASSERT_EQ(d.get(target).header("X-Cache"), "HIT");
  }
  const Response refused = d.client().request(http::verb::post, page + "&status=404");
  ASSERT_EQ(refused.status, 404u);
  EXPECT_EQ(d.get(page).header("X-Cache"), "HIT") << "an error answer invalidates nothing (RFC 9111 §4.4)";
  ASSERT_EQ(d.client().request(http::verb::post, page).status, 200u);
  EXPECT_EQ(d.get(page).header("X-Cache"), "MISS") << "the target URI of a successful POST";
  EXPECT_EQ(d.get(other).header("X-Cache"), "HIT");
  const Response moved = d.client().request(
      http::verb::delete_,
      "/__stub/respond?size=1&header=Location%3A%20%2F__stub%2Frespond%3Fsize%3D10%26cache_control%3Dmax-age%253D601");
  ASSERT_EQ(moved.header("Location"), other);
  EXPECT_EQ(d.get(other).header("X-Cache"), "MISS") << "the Location of a successful DELETE, same host";
}

TEST(OriginRoutes, AConfiguredTargetedFieldComesFirst) {
  Deployment d(origin_options("    targeted_fields: [Foilcache-Cache-Control, CDN-Cache-Control]\n"));
  const std::string target =
      respond("header=CDN-Cache-Control%3A%20no-store&header=Foilcache-Cache-Control%3A%20max-age%3D120");
  d.get(target);
  const Response hit = d.get(target);
  ASSERT_EQ(hit.header("X-Cache"), "HIT") << "the first targeted field present decides (RFC 9213 §2.2)";
  EXPECT_GE(ttl_of(hit), 110) << hit.header("Cache-Status");  // max-age=120, a few seconds of slack
  EXPECT_LE(ttl_of(hit), 120) << hit.header("Cache-Status");
}

}  // namespace
}  // namespace foilcache::testing

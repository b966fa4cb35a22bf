// RFC 9111 for `ttl: origin` routes: storage rules, freshness lifetime, age, windows and
// the targeted field, as a table of responses at a fixed time.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "proxy/cache/origin_freshness.hpp"

namespace foilcache::cache {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;
using Verdict = OriginVerdict;

// "Sun, 06 Nov 1994 08:49:37 GMT"
constexpr std::int64_t kNow = 784111777;
constexpr const char* kDate = "Sun, 06 Nov 1994 08:49:37 GMT";
const std::vector<std::string> kTargeted{"CDN-Cache-Control"};

struct Case {
  const char* name;
  unsigned status;
  Fields response;
  Verdict verdict;
  std::int64_t lifetime_s = 0;
  std::int64_t initial_age_s = 0;
  Fields request = {};
  bool must_revalidate = false;
};

std::ostream& operator<<(std::ostream& out, const Case& c) { return out << c.name; }

OriginFreshness judge(const Case& c, OriginBounds bounds = {}) {
  http::request_header<> request;
  request.method(http::verb::get);
  for (const auto& [name, value] : c.request) request.insert(name, value);
  http::response_header<> response;
  response.result(c.status);
  for (const auto& [name, value] : c.response) response.insert(name, value);
  return origin_freshness(request, response, bounds, kNow - 1, kNow, kTargeted);
}

class OriginFreshnessTable : public ::testing::TestWithParam<Case> {};

TEST_P(OriginFreshnessTable, Judges) {
  const Case& c = GetParam();
  const OriginFreshness f = judge(c, OriginBounds{0, 86'400});
  EXPECT_EQ(f.verdict, c.verdict);
  if (c.verdict != Verdict::kStorable) return;
  EXPECT_EQ(f.lifetime_s, c.lifetime_s);
  EXPECT_EQ(f.initial_age_s, c.initial_age_s);
  EXPECT_EQ(f.must_revalidate, c.must_revalidate);
}

INSTANTIATE_TEST_SUITE_P(
    Rfc9111, OriginFreshnessTable,
    ::testing::Values(
        // §4.2.1: s-maxage > max-age > Expires - Date.
        Case{"MaxAge", 200, {{"Date", kDate}, {"Cache-Control", "max-age=60"}}, Verdict::kStorable, 60, 1},
        Case{"SMaxAgeWins", 200, {{"Date", kDate}, {"Cache-Control", "max-age=60, s-maxage=30"}}, Verdict::kStorable, 30, 1,
             {}, true},
        Case{"MaxAgeBeatsExpires", 200,
             {{"Date", kDate}, {"Expires", "Sun, 06 Nov 1994 09:49:37 GMT"}, {"Cache-Control", "max-age=5"}},
             Verdict::kStorable, 5, 1},
        Case{"ExpiresMinusDate", 200, {{"Date", kDate}, {"Expires", "Sun, 06 Nov 1994 08:50:37 GMT"}}, Verdict::kStorable,
             60, 1},
        Case{"ExpiresInThePast", 200, {{"Date", kDate}, {"Expires", "Sun, 06 Nov 1994 08:00:00 GMT"}}, Verdict::kStorable, 0,
             1},
        Case{"ExpiresZeroIsPast", 200, {{"Date", kDate}, {"Expires", "0"}}, Verdict::kStorable, 0, 1},
        Case{"ExpiresObsoleteFormat", 200, {{"Date", kDate}, {"Expires", "Sunday, 06-Nov-94 08:51:37 GMT"}},
             Verdict::kStorable, 120, 1},
        Case{"TwoDifferentExpiresAreStale", 200,
             {{"Date", kDate}, {"Expires", "Sun, 06 Nov 1994 08:50:37 GMT"}, {"Expires", "Sun, 06 Nov 1994 09:50:37 GMT"}},
             Verdict::kStorable, 0, 1},
        // Parse rules: quoted values, duplicates, invalid and huge numbers, case.
        Case{"QuotedMaxAge", 200, {{"Cache-Control", "max-age=\"60\""}}, Verdict::kStorable, 60, 1},
        Case{"UpperCaseDirective", 200, {{"Cache-Control", "MAX-AGE=60"}}, Verdict::kStorable, 60, 1},
        Case{"SameMaxAgeTwice", 200, {{"Cache-Control", "max-age=60"}, {"Cache-Control", "max-age=60"}}, Verdict::kStorable,
             60, 1},
        Case{"ConflictingMaxAgeIsStale", 200, {{"Cache-Control", "max-age=60, max-age=120"}}, Verdict::kStorable, 0, 1},
        Case{"NegativeMaxAgeIsStale", 200, {{"Cache-Control", "max-age=-1"}}, Verdict::kStorable, 0, 1},
        Case{"GarbageMaxAgeIsStale", 200, {{"Cache-Control", "max-age=soon"}}, Verdict::kStorable, 0, 1},
        Case{"HugeMaxAgeIsCapped", 200, {{"Cache-Control", "max-age=99999999999999999999999"}}, Verdict::kStorable, 86'400,
             1},
        // §4.2.3: Age and Date.
        Case{"ReceivedAge", 200, {{"Date", kDate}, {"Age", "30"}, {"Cache-Control", "max-age=60"}}, Verdict::kStorable, 60,
             31},
        Case{"AgeListUsesTheFirst", 200, {{"Age", "30, 40"}, {"Cache-Control", "max-age=60"}}, Verdict::kStorable, 60, 31},
        Case{"InvalidAgeIgnored", 200, {{"Age", "old"}, {"Cache-Control", "max-age=60"}}, Verdict::kStorable, 60, 1},
        Case{"DateInThePastIsApparentAge", 200,
             {{"Date", "Sun, 06 Nov 1994 08:48:37 GMT"}, {"Cache-Control", "max-age=600"}}, Verdict::kStorable, 600, 60},
        Case{"BadDateIsTheReceiptTime", 200, {{"Date", "yesterday"}, {"Cache-Control", "max-age=60"}}, Verdict::kStorable,
             60, 1},
        // §4.2.2: heuristic freshness, only for heuristically cacheable statuses.
        Case{"HeuristicTenPercent", 200, {{"Date", kDate}, {"Last-Modified", "Sun, 06 Nov 1994 07:49:37 GMT"}},
             Verdict::kStorable, 360, 1},
        Case{"HeuristicCappedAtOneDay", 200, {{"Date", kDate}, {"Last-Modified", "Sun, 06 Nov 1984 08:49:37 GMT"}},
             Verdict::kStorable, 86'400, 1},
        Case{"HeuristicNotFor302", 302, {{"Date", kDate}, {"Last-Modified", "Sun, 06 Nov 1994 07:49:37 GMT"}},
             Verdict::kNoFreshness},
        Case{"HeuristicFor404", 404, {{"Date", kDate}, {"Last-Modified", "Sun, 06 Nov 1994 07:49:37 GMT"}},
             Verdict::kStorable, 360, 1},
        Case{"NothingSaid", 200, {{"Date", kDate}}, Verdict::kNoFreshness},
        Case{"ExplicitFreshnessMakes302Storable", 302, {{"Cache-Control", "max-age=60"}}, Verdict::kStorable, 60, 1},
        // §3 and §5.2.2: what is never stored.
        Case{"NoStore", 200, {{"Cache-Control", "max-age=60, no-store"}}, Verdict::kNoStore},
        Case{"RequestNoStore", 200, {{"Cache-Control", "max-age=60"}}, Verdict::kNoStore, 0, 0,
             {{"Cache-Control", "no-store"}}},
        Case{"Private", 200, {{"Cache-Control", "private, max-age=60"}}, Verdict::kPrivate},
        Case{"PrivateQualified", 200, {{"Cache-Control", "private=\"Set-Cookie\", max-age=60"}}, Verdict::kPrivate},
        Case{"Partial", 206, {{"Cache-Control", "max-age=60"}, {"Content-Range", "bytes 0-9/100"}}, Verdict::kStatus},
        Case{"NotModified", 304, {{"Cache-Control", "max-age=60"}}, Verdict::kStatus},
        Case{"Informational", 103, {{"Cache-Control", "max-age=60"}}, Verdict::kStatus},
        // §3.5: Authorization.
        Case{"AuthorizationWithoutPermission", 200, {{"Cache-Control", "max-age=60"}}, Verdict::kAuthorization, 0, 0,
             {{"Authorization", "Basic YTpi"}}},
        Case{"AuthorizationWithPublic", 200, {{"Cache-Control", "public, max-age=60"}}, Verdict::kStorable, 60, 1,
             {{"Authorization", "Basic YTpi"}}},
        Case{"AuthorizationWithSMaxAge", 200, {{"Cache-Control", "s-maxage=60"}}, Verdict::kStorable, 60, 1,
             {{"Authorization", "Basic YTpi"}}, true},
        Case{"AuthorizationWithMustRevalidate", 200, {{"Cache-Control", "must-revalidate, max-age=60"}},
             Verdict::kStorable, 60, 1, {{"Authorization", "Basic YTpi"}}, true},
        // no-cache: stored, never fresh; proxy-revalidate.
        Case{"NoCacheStoredStale", 200, {{"Cache-Control", "no-cache, max-age=60"}}, Verdict::kStorable, 0, 1, {}, true},
        Case{"ProxyRevalidate", 200, {{"Cache-Control", "proxy-revalidate, max-age=60"}}, Verdict::kStorable, 60, 1, {},
             true},
        // RFC 9213: the targeted field replaces Cache-Control and Expires.
        Case{"CdnCacheControlWins", 200,
             {{"Cache-Control", "no-store"}, {"CDN-Cache-Control", "max-age=300"}, {"Expires", "0"}}, Verdict::kStorable,
             300, 1},
        Case{"CdnCacheControlNoStore", 200, {{"Cache-Control", "max-age=60"}, {"CDN-Cache-Control", "no-store"}},
             Verdict::kNoStore},
        Case{"EmptyCdnCacheControlIgnored", 200, {{"Cache-Control", "max-age=60"}, {"CDN-Cache-Control", " "}},
             Verdict::kStorable, 60, 1}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(OriginFreshness, TheCapBoundsEveryLifetime) {
  const Case c{"Long", 200, {{"Cache-Control", "max-age=604800"}}, Verdict::kStorable};
  EXPECT_EQ(judge(c, OriginBounds{0, 3600}).lifetime_s, 3600);
}

TEST(OriginFreshness, TheDefaultAppliesWhenNothingElseDoes) {
  const Case silent{"Silent", 200, {{"Date", kDate}}, Verdict::kStorable};
  const OriginFreshness f = judge(silent, OriginBounds{120, 3600});
  EXPECT_EQ(f.verdict, Verdict::kStorable);
  EXPECT_EQ(f.lifetime_s, 120);
  EXPECT_TRUE(f.defaulted);
  const Case redirect{"Redirect", 302, {{"Date", kDate}}, Verdict::kNoFreshness};
  EXPECT_EQ(judge(redirect, OriginBounds{120, 3600}).verdict, Verdict::kNoFreshness)
      << "not cacheable by default: the default does not make it so";
  const Case public_redirect{"PublicRedirect", 302, {{"Cache-Control", "public"}}, Verdict::kStorable};
  EXPECT_EQ(judge(public_redirect, OriginBounds{120, 3600}).lifetime_s, 120) << "public makes it storable";
}

TEST(OriginFreshness, StaleWindowsComeFromTheOriginUnlessItForbidsStale) {
  const Case windows{"Windows", 200, {{"Cache-Control", "max-age=60, stale-while-revalidate=30, stale-if-error=600"}},
                     Verdict::kStorable};
  const OriginFreshness f = judge(windows);
  EXPECT_EQ(f.stale_while_revalidate_s, 30);
  EXPECT_EQ(f.stale_if_error_s, 600);
  const Case strict{"Strict", 200, {{"Cache-Control", "max-age=60, must-revalidate, stale-if-error=600"}},
                    Verdict::kStorable};
  EXPECT_EQ(judge(strict).stale_if_error_s, 0) << "must-revalidate: never served stale";
}

// The windows a stored entry is served stale in (RFC 5861, RFC 9111 §4.2.4), read from what
// it stored: the pipeline's check when it is expired.
TEST(OriginFreshness, StoredEntriesKeepTheirOwnStaleWindows) {
  using namespace std::chrono_literals;
  config::Route route;
  route.stale_while_revalidate = 10s;
  route.stale_if_error = 20s;
  route.ttl_cap = 1h;
  route.targeted_fields = kTargeted;
  Entry entry;
  entry.headers = {{"Cache-Control", "max-age=60, stale-while-revalidate=30, stale-if-error=7200"}};
  const auto fixed = stale_windows(entry, route);
  EXPECT_EQ(fixed.while_revalidate_ms, 10'000) << "a fixed route: the route's windows, whatever was stored";
  EXPECT_EQ(fixed.if_error_ms, 20'000);
  route.origin_ttl = true;
  const auto origin = stale_windows(entry, route);
  EXPECT_EQ(origin.while_revalidate_ms, 30'000) << "the larger of the route's and the origin's";
  EXPECT_EQ(origin.if_error_ms, 3'600'000) << "within ttl_cap";
  entry.headers.emplace_back("CDN-Cache-Control", "max-age=60, must-revalidate");
  const auto targeted = stale_windows(entry, route);
  EXPECT_EQ(targeted.while_revalidate_ms, 0) << "the targeted field speaks first (RFC 9213), and forbids stale";
  EXPECT_EQ(targeted.if_error_ms, 0);
  const Freshness expired{61'000, 60'000};
  EXPECT_FALSE(within_stale_while_revalidate(expired, entry, route));
  entry.headers = {{"Cache-Control", "max-age=60"}, {"Cache-Control", "stale-while-revalidate=5"}};
  EXPECT_EQ(stale_windows(entry, route).while_revalidate_ms, 10'000) << "lines combined; the route's is larger";
  EXPECT_TRUE(within_stale_while_revalidate(expired, entry, route));
  EXPECT_FALSE(within_stale_while_revalidate(Freshness{71'000, 60'000}, entry, route));
  entry.headers = {{"Cache-Control", "s-maxage=60, stale-if-error=600"}};
  EXPECT_FALSE(within_stale_if_error(expired, entry, route)) << "s-maxage implies proxy-revalidate (§5.2.2.10)";
}

TEST(OriginFreshness, FreshLeftSubtractsTheAgeItArrivedWith) {
  const Case aged{"Aged", 200, {{"Age", "50"}, {"Cache-Control", "max-age=60"}}, Verdict::kStorable};
  EXPECT_EQ(judge(aged).fresh_left_s(), 9);
}

TEST(OriginFreshness, HeuristicStatuses) {
  for (const unsigned status : {200u, 203u, 204u, 206u, 300u, 301u, 308u, 404u, 405u, 410u, 414u, 501u}) {
    EXPECT_TRUE(heuristically_cacheable(status)) << status;
  }
  for (const unsigned status : {201u, 302u, 303u, 307u, 400u, 403u, 500u, 502u, 503u}) {
    EXPECT_FALSE(heuristically_cacheable(status)) << status;
  }
}

TEST(OriginFreshness, AgeParsing) {
  EXPECT_EQ(parse_age("0"), 0);
  EXPECT_EQ(parse_age(" 12 "), 12);
  EXPECT_EQ(parse_age("12, 13"), 12);
  EXPECT_EQ(parse_age("99999999999999999999999"), 2'147'483'648);
  EXPECT_EQ(parse_age("-1"), std::nullopt);
  EXPECT_EQ(parse_age("1.5"), std::nullopt);
  EXPECT_EQ(parse_age(""), std::nullopt);
}

http::request_header<> asking(std::string_view cache_control, std::string_view pragma = {}) {
  http::request_header<> request;
  request.method(http::verb::get);
  if (!cache_control.empty()) request.set(http::field::cache_control, cache_control);
  if (!pragma.empty()) request.set(http::field::pragma, pragma);
  return request;
}

TEST(OriginFreshness, RequestDirectivesDecideReuse) {
  // age 10 s, 50 s fresh left
  EXPECT_EQ(request_reuse(asking(""), 10, 50'000, false), Reuse::kServe);
  EXPECT_EQ(request_reuse(asking("no-cache"), 10, 50'000, false), Reuse::kValidate);
  EXPECT_EQ(request_reuse(asking("", "no-cache"), 10, 50'000, false), Reuse::kValidate) << "Pragma (§5.4)";
  EXPECT_EQ(request_reuse(asking("max-age=60", "no-cache"), 10, 50'000, false), Reuse::kServe)
      << "Pragma is ignored beside Cache-Control";
  EXPECT_EQ(request_reuse(asking("max-age=5"), 10, 50'000, false), Reuse::kValidate);
  EXPECT_EQ(request_reuse(asking("max-age=10"), 10, 50'000, false), Reuse::kServe);
  EXPECT_EQ(request_reuse(asking("min-fresh=60"), 10, 50'000, false), Reuse::kValidate);
  EXPECT_EQ(request_reuse(asking("min-fresh=40"), 10, 50'000, false), Reuse::kServe);
}

TEST(OriginFreshness, MaxStaleServesStaleUnlessTheOriginForbids) {
  // 30 s stale
  EXPECT_EQ(request_reuse(asking(""), 90, -30'000, false), Reuse::kValidate);
  EXPECT_EQ(request_reuse(asking("max-stale=60"), 90, -30'000, false), Reuse::kServe);
  EXPECT_EQ(request_reuse(asking("max-stale=10"), 90, -30'000, false), Reuse::kValidate);
  EXPECT_EQ(request_reuse(asking("max-stale"), 90, -30'000, false), Reuse::kServe) << "no value: any staleness";
  EXPECT_EQ(request_reuse(asking("max-stale"), 90, -30'000, true), Reuse::kValidate) << "must-revalidate";
  EXPECT_TRUE(forbids_stale("max-age=60, must-revalidate"));
  EXPECT_TRUE(forbids_stale("s-maxage=60"));
  EXPECT_FALSE(forbids_stale("public, max-age=60"));
  EXPECT_TRUE(only_if_cached(asking("only-if-cached")));
  EXPECT_FALSE(only_if_cached(asking("max-age=0")));
}

}  // namespace
}  // namespace foilcache::cache

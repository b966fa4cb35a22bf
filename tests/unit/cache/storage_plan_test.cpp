// plan_storage: a fixed-TTL route keeps its behaviour; a `ttl: origin` route takes the
// lifetime, the age and the windows from the origin, bounded by the route.
#include <gtest/gtest.h>

#include "proxy/cache/storage_plan.hpp"

namespace foilcache::cache {
namespace {

using namespace std::chrono_literals;

const auto kNow = std::chrono::system_clock::time_point{} + 784111777s;

http::response_header<> answer(std::string_view cache_control, std::string_view age = {}) {
  http::response_header<> response;
  response.result(200);
  if (!cache_control.empty()) response.set(http::field::cache_control, cache_control);
  if (!age.empty()) response.set(http::field::age, age);
  return response;
}

StoragePlan plan(const config::Route& route, const http::response_header<>& response) {
  http::request_header<> request;
  request.method(http::verb::get);
  return plan_storage(route, request, response, 10, 1000, kNow - 1s, kNow);
}

config::Route origin_route() {
  config::Route route;
  route.name = "static";
  route.origin_ttl = true;
  route.ttl_cap = 1h;
  route.ttl = route.ttl_cap;
  return route;
}

TEST(StoragePlan, AFixedRouteKeepsItsTtlWhateverTheOriginSays) {
  config::Route route;
  route.ttl = 5min;
  route.stale_if_error = 1min;
  const StoragePlan p = plan(route, answer("max-age=1", "30"));
  EXPECT_TRUE(p.storable());
  EXPECT_EQ(p.ttl_s, 300u);
  EXPECT_EQ(p.age_ms, 0);
  EXPECT_EQ(p.keep, 6min);
  EXPECT_FALSE(plan(route, answer("no-store")).storable()) << "the fixed route's own policy";
}

TEST(StoragePlan, AnOriginRouteKeepsTheFreshPartAndTheLargerWindow) {
  config::Route route = origin_route();
  route.stale_if_error = 10s;
  const StoragePlan p = plan(route, answer("max-age=100, stale-while-revalidate=50", "30"));
  ASSERT_TRUE(p.storable());
  EXPECT_EQ(p.ttl_s, 100u);
  EXPECT_EQ(p.age_ms, 31'000) << "the Age received plus the round trip";
  EXPECT_EQ(p.keep, 119s) << "69 s fresh left, then the origin's 50 s window (larger than the route's 10 s)";
}

TEST(StoragePlan, MustRevalidateKeepsNoStaleWindow) {
  config::Route route = origin_route();
  route.stale_while_revalidate = 1min;
  const StoragePlan p = plan(route, answer("max-age=100, must-revalidate"));
  ASSERT_TRUE(p.storable());
  EXPECT_EQ(p.keep, 99s);
}

TEST(StoragePlan, ArrivedStaleIsNotStored) {
  const StoragePlan p = plan(origin_route(), answer("max-age=100", "200"));
  EXPECT_FALSE(p.storable());
  EXPECT_EQ(p.origin, OriginVerdict::kNoFreshness);
}

TEST(StoragePlan, AValidatorKeepsTheAnswerForRevalidation) {
  http::response_header<> response = answer("max-age=10");
  response.set(http::field::etag, "\"v1\"");
  const StoragePlan p = plan(origin_route(), response);
  ASSERT_TRUE(p.storable());
  EXPECT_EQ(p.keep, 69s) << "9 s fresh, then 60 s in which a request revalidates it";
  http::response_header<> arrived_stale = answer("max-age=10", "20");
  arrived_stale.set(http::field::last_modified, "Sun, 06 Nov 1994 08:00:00 GMT");
  EXPECT_TRUE(plan(origin_route(), arrived_stale).storable()) << "stale on arrival, still worth revalidating";
}

TEST(StoragePlan, AFastRoundTripIsNoSecondOfAge) {
  http::request_header<> request;
  request.method(http::verb::get);
  const auto sent = kNow + 999ms;  // the clock's second turns during a 2 ms round trip
  const StoragePlan p = plan_storage(origin_route(), request, answer("max-age=10"), 10, 1000, sent, sent + 2ms);
  EXPECT_EQ(p.age_ms, 0);
}

TEST(StoragePlan, SharedChecksStillApply) {
  http::response_header<> response = answer("max-age=100");
  response.set(http::field::set_cookie, "s=1");
  EXPECT_EQ(plan(origin_route(), response).verdict, ResponseStorability::kSetCookie);
}

}  // namespace
}  // namespace foilcache::cache

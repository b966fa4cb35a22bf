// The proxy's Cache-Status and Cache-Control strings, byte for byte (clients and dashboards read them).
#include "proxy/cache/cache_status.hpp"

#include <gtest/gtest.h>

namespace foilcache::cache {
namespace {

using namespace std::chrono_literals;

TEST(CacheStatusHit, CarriesTtlLeftAndDetail) {
  EXPECT_EQ(hit_status(Freshness{10'400, 60'000}), "foilcache; hit; ttl=50");
  EXPECT_EQ(hit_status(Freshness{75'000, 60'000}, "stale-while-revalidate"),
            "foilcache; hit; ttl=-15; detail=stale-while-revalidate");
  EXPECT_EQ(hit_status(Freshness{-3'000, 60'000}, "coalesced"), "foilcache; hit; ttl=60; detail=coalesced");
}

TEST(CacheStatusCollapsed, NamesTheForwardItJoined) {
  // RFC 9211 §2.6: collapsed into another request's forward; the entry it made answered.
  EXPECT_EQ(collapsed_status(Freshness{-3'000, 60'000}, "uri-miss", 200),
            "foilcache; fwd=uri-miss; fwd-status=200; collapsed; ttl=60; detail=coalesced");
  EXPECT_EQ(collapsed_status(Freshness{0, 30'000}, "stale", 404),
            "foilcache; fwd=stale; fwd-status=404; collapsed; ttl=30; detail=coalesced");
  std::string alone{kStatusMiss};
  alone += kNotCollapsed;
  EXPECT_EQ(alone, "foilcache; fwd=uri-miss; collapsed=?0") << "waited, then had to go forward itself";
}

TEST(CacheStatusStaleIfError, WithAndWithoutTheAppsStatus) {
  EXPECT_EQ(stale_if_error_status(Freshness{70'000, 60'000}, 503),
            "foilcache; fwd=stale; fwd-status=503; ttl=-10; detail=stale-if-error");
  EXPECT_EQ(stale_if_error_status(Freshness{70'000, 60'000}, 0), "foilcache; fwd=stale; ttl=-10; detail=stale-if-error");
}

TEST(CacheStatusForward, AppendsStatusAndStored) {
  std::string status{kStatusMiss};
  append_forward_status(status, 200, true);
  EXPECT_EQ(status, "foilcache; fwd=uri-miss; fwd-status=200; stored");
  status = kStatusStaleMiss;
  append_forward_status(status, 404, false);
  EXPECT_EQ(status, "foilcache; fwd=stale; fwd-status=404");
}

TEST(CacheStatusCacheControl, PrivateWhenTheKeyNamesTheUser) {
  config::Route shared;
  shared.ttl = 5min;
  shared.key = config::KeyTemplate::parse("system_info", {});
  EXPECT_EQ(cache_control_value(shared), "public, max-age=300");
  config::Route per_user = shared;
  per_user.ttl = 1500ms;  // whole seconds, rounded down
  per_user.key = config::KeyTemplate::parse("lib:{user}", {});
  EXPECT_EQ(cache_control_value(per_user), "private, max-age=1");
}

}  // namespace
}  // namespace foilcache::cache

#include "proxy/cache/storage_plan.hpp"

#include <algorithm>
#include <array>
#include <string>

namespace foilcache::cache {
namespace {

// RFC 9213 §2.2's targeted field: foilcache is a CDN-like shared cache.
const std::array<std::string, 1> kTargetedFields{"CDN-Cache-Control"};

std::int64_t unix_s(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

StoragePlan plan_storage(const config::Route& route, const http::request_header<>& request,
                         const http::response_header<>& response, std::size_t body_size, std::size_t limit,
                         std::chrono::system_clock::time_point request_time, std::chrono::system_clock::time_point now) {
  StoragePlan plan;
  plan.verdict = response_storability(response, route, body_size, limit);
  if (!route.origin_ttl) {
    plan.ttl_s = static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(route.ttl).count());
    plan.keep = route.keep();
    return plan;
  }
  const OriginBounds bounds{std::chrono::duration_cast<std::chrono::seconds>(route.ttl_default).count(),
                            std::chrono::duration_cast<std::chrono::seconds>(route.ttl_cap).count()};
  const OriginFreshness f = origin_freshness(request, response, bounds, unix_s(request_time), unix_s(now),
                                             std::span<const std::string>(kTargetedFields));
  plan.origin = f.verdict;
  plan.ttl_s = static_cast<std::uint32_t>(f.lifetime_s);
  plan.age_ms = f.initial_age_s * 1000;
  // The route's stale windows unless the origin forbids serving stale; the origin's own
  // (RFC 5861) when larger.
  const std::int64_t window_s =
      f.must_revalidate ? 0
                        : std::max({std::chrono::duration_cast<std::chrono::seconds>(
                                        std::max(route.stale_while_revalidate, route.stale_if_error))
                                        .count(),
                                    f.stale_while_revalidate_s, f.stale_if_error_s});
  plan.keep = std::chrono::seconds(std::max<std::int64_t>(0, f.fresh_left_s() + window_s));
  if (plan.storable() && plan.keep.count() == 0) plan.origin = OriginVerdict::kNoFreshness;  // nothing to keep
  return plan;
}

}  // namespace foilcache::cache

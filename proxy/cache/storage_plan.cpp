#include "proxy/cache/storage_plan.hpp"

#include <algorithm>
#include <string>

#include "proxy/cache/vary.hpp"

namespace foilcache::cache {
namespace {

// The shortest time an expired answer with a validator stays stored, to be revalidated.
constexpr std::int64_t kRevalidationKeep_s = 60;

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
  // The round trip in whole seconds of its own length, not of the clock's second boundaries
  // (a 1 ms answer must not count as a second of age).
  const std::int64_t delay_s = std::chrono::duration_cast<std::chrono::seconds>(now - request_time).count();
  const OriginFreshness f = origin_freshness(request, response, bounds, unix_s(now) - std::max<std::int64_t>(0, delay_s),
                                             unix_s(now), route.targeted_fields);
  plan.origin = f.verdict;
  if (auto fields = selecting_fields(response, route); fields && !fields->empty()) {
    plan.variant = variant_id(*fields, request);
    plan.vary_fields = std::move(*fields);
  }
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
  // An answer with a validator is kept past its freshness for revalidation (§4.3): as long
  // again as it was fresh, at least kRevalidationKeep, never past the cap.
  const bool validator = response.count(http::field::etag) != 0 || response.count(http::field::last_modified) != 0;
  const std::int64_t revalidation_s =
      validator ? std::min<std::int64_t>(std::max<std::int64_t>(f.lifetime_s, kRevalidationKeep_s), bounds.ttl_cap_s) : 0;
  plan.keep = std::chrono::seconds(std::max<std::int64_t>(0, f.fresh_left_s() + std::max(window_s, revalidation_s)));
  if (plan.storable() && plan.keep.count() == 0) plan.origin = OriginVerdict::kNoFreshness;  // nothing to keep
  return plan;
}

}  // namespace foilcache::cache

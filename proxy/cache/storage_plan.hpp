// Whether, and for how long, an upstream answer is stored: the one decision the forwarder
// and the background refresh share. A fixed-TTL route stores for its ttl, with the route's
// policy (policy.hpp); a `ttl: origin` route lets the origin decide (origin_freshness.hpp)
// within its ttl_default and ttl_cap, then applies the checks every route shares
// (Set-Cookie, size, Vary, Content-Encoding, content_types). Pure.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/net.hpp"
#include "proxy/cache/origin_freshness.hpp"
#include "proxy/cache/policy.hpp"
#include "proxy/config/config.hpp"

namespace foilcache::cache {

struct StoragePlan {
  ResponseStorability verdict = ResponseStorability::kStatus;
  OriginVerdict origin = OriginVerdict::kStorable;  // origin routes: the origin's word
  std::uint32_t ttl_s = 0;   // the entry's freshness lifetime
  std::int64_t age_ms = 0;   // the age it arrived with: stored_at is now minus this
  std::chrono::milliseconds keep{0};  // how long the store keeps it (fresh part + stale windows)
  // Origin routes, an answer with Vary (vary.hpp): the fields that select it, and the
  // variant the request selects (its id). Empty when the URL has one answer.
  std::vector<std::string> vary_fields;
  std::string variant;

  bool storable() const { return verdict == ResponseStorability::kStorable && origin == OriginVerdict::kStorable; }
};

// `request_time`: when the request went to the app; `now`: when its answer arrived.
StoragePlan plan_storage(const config::Route& route, const http::request_header<>& request,
                         const http::response_header<>& response, std::size_t body_size, std::size_t limit,
                         std::chrono::system_clock::time_point request_time, std::chrono::system_clock::time_point now);

}  // namespace foilcache::cache

// The origin's word on a response, for `ttl: origin` routes: whether a shared cache may
// store it (RFC 9111 §3, §3.5, §5.2.2), how long it is fresh (§4.2.1 explicit, §4.2.2
// heuristic), how old it already is (§4.2.3), and the RFC 5861 windows it grants, with a
// targeted field (RFC 9213 CDN-Cache-Control) taking precedence over Cache-Control. Pure:
// the caller passes the times; nothing here reads a clock or throws on any header.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/net.hpp"
#include "proxy/cache/cache_control.hpp"
#include "proxy/cache/entry.hpp"
#include "proxy/cache/freshness.hpp"
#include "proxy/config/config.hpp"

namespace foilcache::cache {

// The route's bounds on what the origin may ask for.
struct OriginBounds {
  std::int64_t ttl_default_s = 0;  // the origin gives no freshness and no heuristic applies
  std::int64_t ttl_cap_s = 86'400;  // no lifetime (explicit, heuristic or default) exceeds it
};

// Why a response is not stored (kStorable: it is).
enum class OriginVerdict : std::uint8_t {
  kStorable,
  kStatus,         // not a final status foilcache may store (1xx, 206, 304)
  kNoStore,        // no-store
  kPrivate,        // private (qualified or not: foilcache never stores part of a response)
  kAuthorization,  // the request had Authorization and the response allows no shared copy (§3.5)
  kNoFreshness,    // no explicit freshness, no heuristic, no ttl_default: nothing to keep
};

struct OriginFreshness {
  OriginVerdict verdict = OriginVerdict::kNoFreshness;
  std::int64_t lifetime_s = 0;     // freshness lifetime, capped; 0: stale at once
  std::int64_t initial_age_s = 0;  // corrected_initial_age (§4.2.3): how old it arrived
  bool heuristic = false;          // the lifetime is §4.2.2's 10 % of Last-Modified's age
  bool defaulted = false;          // the lifetime is the route's ttl_default
  // must-revalidate, proxy-revalidate, s-maxage or no-cache: never served stale without
  // the origin's word (no stale-while-revalidate or stale-if-error window).
  bool must_revalidate = false;
  std::int64_t stale_while_revalidate_s = 0;  // RFC 5861, 0 when must_revalidate
  std::int64_t stale_if_error_s = 0;
  const char* targeted = "";  // the targeted field that decided ("" : Cache-Control)

  bool storable() const { return verdict == OriginVerdict::kStorable; }
  // Freshness left on arrival (lifetime minus the age it came with); <= 0: stale already.
  std::int64_t fresh_left_s() const { return lifetime_s - initial_age_s; }
};

// `request_time_s` / `response_time_s`: when the request went to the origin and when its
// response arrived, in seconds since the epoch. `targeted_fields`: the fields, in order of
// precedence, that override Cache-Control when present (RFC 9213 §2.2: CDN-Cache-Control).
OriginFreshness origin_freshness(const http::request_header<>& request, const http::response_header<>& response,
                                 const OriginBounds& bounds, std::int64_t request_time_s,
                                 std::int64_t response_time_s, std::span<const std::string> targeted_fields);

// What a request's own directives (RFC 9111 §5.2.1) allow of a stored entry on an origin
// route: kServe it, or kValidate it with the origin first (revalidate, or refetch).
enum class Reuse : std::uint8_t { kServe, kValidate };
// `age_s` and `left_ms`: the entry's age and freshness left (negative: stale by that much);
// `must_revalidate`: the stored answer said must-revalidate, proxy-revalidate, s-maxage or
// no-cache (entry_must_revalidate). no-cache (or, without Cache-Control, Pragma: no-cache),
// max-age, min-fresh and max-stale are honoured; only-if-cached is the caller's (504 on a miss).
Reuse request_reuse(const http::request_header<>& request, std::int64_t age_s, std::int64_t left_ms,
                    bool must_revalidate);

// The stored Cache-Control `value` (or what stored_cache_control read) forbids serving the
// entry stale.
bool forbids_stale(std::string_view value);
bool forbids_stale(const CacheControl& cc);

// What an entry stored by `route` says to foilcache: its first targeted field with a value
// (RFC 9213), else its Cache-Control lines combined.
CacheControl stored_cache_control(const Entry& entry, const config::Route& route);

// How long past its freshness an entry may answer (RFC 5861), in milliseconds. A fixed
// route: its own windows. An origin route: the larger of the route's and the stored
// answer's own, within ttl_cap; none when the answer forbids stale (must-revalidate,
// proxy-revalidate, s-maxage, no-cache).
struct StaleWindows {
  std::int64_t while_revalidate_ms = 0;
  std::int64_t if_error_ms = 0;
};
StaleWindows stale_windows(const Entry& entry, const config::Route& route);
bool within_stale_while_revalidate(const Freshness& f, const Entry& entry, const config::Route& route);
bool within_stale_if_error(const Freshness& f, const Entry& entry, const config::Route& route);

// The request asks only-if-cached (§5.2.1.7): a miss is answered 504, the app never asked.
bool only_if_cached(const http::request_header<>& request);

// RFC 9110 §15.1: the statuses a cache may store with heuristic freshness.
bool heuristically_cacheable(unsigned status);

// §5.1: an Age field value as seconds (a list: its first member); nullopt when invalid.
std::optional<std::int64_t> parse_age(std::string_view value);

}  // namespace foilcache::cache

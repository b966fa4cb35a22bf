// How old an entry is and how much freshness it has left, at a given time: the only place
// that subtracts timestamps (RFC 9111 §4.2 with the route's fixed TTL; RFC 5861 windows).
// Pure: the caller reads the clock once and passes `now`.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "proxy/cache/entry.hpp"
#include "proxy/config/config.hpp"

namespace foilcache::cache {

struct Freshness {
  std::int64_t age_ms = 0;  // now - stored_at (negative: the storing replica's clock is ahead)
  std::int64_t ttl_ms = 0;  // the entry's freshness lifetime

  // Freshness left; <= 0: stale.
  std::int64_t left_ms() const { return ttl_ms - age_ms; }
  bool fresh() const { return left_ms() > 0; }
  // How long the entry has been stale (negative while fresh).
  std::int64_t stale_ms() const { return -left_ms(); }
  // The Age header (RFC 9111 §5.1): whole seconds, never negative.
  std::int64_t age_s() const { return std::max<std::int64_t>(0, age_ms / 1000); }
  // Cache-Status ttl= (RFC 9211 §2.3): the lifetime in seconds minus age_s(); negative when stale.
  std::int64_t ttl_left_s() const { return ttl_ms / 1000 - age_s(); }
};

// `entry` seen at `now`.
Freshness freshness(const Entry& entry, std::chrono::system_clock::time_point now);

// RFC 5861 §3: a stale entry may answer while one refresh runs, within `window` past its
// TTL (0: never). The window is the route's, or on an origin route the stored answer's
// (stale_windows in origin_freshness.hpp).
bool within_stale_while_revalidate(const Freshness& f, std::chrono::milliseconds window);

// RFC 5861 §4: an entry may answer for a failed app (connect error, timeout, 5xx) until
// `window` past its TTL has passed (0: never).
bool within_stale_if_error(const Freshness& f, std::chrono::milliseconds window);

}  // namespace foilcache::cache

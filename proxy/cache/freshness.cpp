#include "proxy/cache/freshness.hpp"

#include "common/clock.hpp"

namespace foilcache::cache {

Freshness freshness(const Entry& entry, std::chrono::system_clock::time_point now) {
  return Freshness{common::to_unix_ms(now) - entry.stored_at_ms, static_cast<std::int64_t>(entry.ttl_s) * 1000};
}

bool within_stale_while_revalidate(const Freshness& f, std::chrono::milliseconds window) {
  return !f.fresh() && f.stale_ms() < window.count();
}

bool within_stale_if_error(const Freshness& f, std::chrono::milliseconds window) {
  return window.count() != 0 && f.stale_ms() < window.count();
}

}  // namespace foilcache::cache

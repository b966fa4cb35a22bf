// The proxy's own response fields on routed answers: Cache-Status (RFC 9211) and the
// Cache-Control it sends in place of the app's. Pure.
#pragma once

#include <string>
#include <string_view>

#include "proxy/cache/freshness.hpp"
#include "proxy/config/config.hpp"

namespace foilcache::cache {

// Cache-Status values of answers that did not come from an entry (the forward reason).
inline constexpr std::string_view kStatusBypass = "foilcache; fwd=bypass";
inline constexpr std::string_view kStatusStoreDown = "foilcache; fwd=bypass; detail=store-unavailable";
inline constexpr std::string_view kStatusStoreDownCoalesced =
    "foilcache; fwd=bypass; collapsed; detail=store-unavailable-coalesced";
inline constexpr std::string_view kStatusMiss = "foilcache; fwd=uri-miss";
// A write route (an unsafe method): forwarded, never cached (RFC 9211 fwd=method).
inline constexpr std::string_view kStatusWrite = "foilcache; fwd=method";
inline constexpr std::string_view kStatusStaleMiss = "foilcache; fwd=stale";  // expired entry refetched

// "foilcache; hit; ttl=<ttl_left_s>[; detail=<detail>]" for an answer from an entry.
std::string hit_status(const Freshness& f, std::string_view detail = {});

// "foilcache; fwd=<fwd>; fwd-status=<status>; collapsed; ttl=<ttl_left_s>; detail=coalesced": a
// request collapsed into another's fetch of the same key (RFC 9211 §2.6), answered from the
// entry that fetch made (`fwd` is the reason that fetch went forward).
std::string collapsed_status(const Freshness& f, std::string_view fwd, unsigned fwd_status);
// The parameter a request that waited for another's fetch and then went forward on its own
// appends (RFC 9211 §2.6: "if not, a new request had to be made").
inline constexpr std::string_view kNotCollapsed = "; collapsed=?0";

// "foilcache; fwd=stale[; fwd-status=<status>]; ttl=<ttl_left_s>; detail=stale-if-error":
// a stale entry answered for a failed app (`fwd_status` 0: the app sent no answer).
std::string stale_if_error_status(const Freshness& f, unsigned fwd_status);

// Appends "; fwd-status=<status>" and, when `stored`, "; stored" (RFC 9211 §2.4, §2.7).
void append_forward_status(std::string& status, unsigned fwd_status, bool stored);

// Appends the Cache-Control of `route`'s answers: "private, max-age=<ttl>" when its key
// names {user}, else "public, max-age=<ttl>".
void append_cache_control(std::string& out, const config::Route& route);
std::string cache_control_value(const config::Route& route);

// Appends `value` in decimal without a temporary string (hit path).
void append_int(std::string& out, std::int64_t value);

}  // namespace foilcache::cache

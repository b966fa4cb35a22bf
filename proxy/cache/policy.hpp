// Shared-cache policy (INTERFACE.md "Safety"; RFC 9111). Pure functions: no I/O, no
// clock, table-tested.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "proxy/config/config.hpp"
#include "common/net.hpp"

namespace foilcache::cache {

enum class RequestCacheability {
  kCacheable,          // may be served from / stored to cache
  kBypassMethod,       // not GET/HEAD
  kBypassCredentials,  // carries credentials and the route has neither {user} nor shared: true
  kBypassNoStore,      // request Cache-Control: no-store (RFC 9111 §5.2.1.5)
  kBypassUpgrade,      // an Upgrade request (WebSocket) is never cached
  kBypassUnknownCookies,  // a {user} route (not shared), no Authorization, and cookies none of
                          // which is in identity.cookies: {user} would be "anon" for a caller
                          // the app may know by them
};

// Precondition: `route` matched this request. Checks method, Upgrade, no-store, then
// credentials (with `identity`: which cookies name a caller); returns the first that fails.
RequestCacheability request_cacheability(const http::request_header<>& request, const config::Route& route,
                                         const config::IdentityConfig& identity);

enum class ResponseStorability {
  kStorable,   // may be stored
  kStatus,     // status not in route.statuses
  kContentType,  // route.content_types is set and the answer's Content-Type matches none
  kNoStore,    // Cache-Control: no-store
  kNoCache,    // Cache-Control: no-cache (would need revalidation on every reuse)
  kPrivate,    // Cache-Control: private and the key has no {user}
  kSetCookie,  // Set-Cookie present
  kTooLarge,   // body over the route's limit (or Content-Length says so)
  kVary,       // Vary: *, or a header the key does not render (RFC 9111 §4.1); Accept-Encoding
               // is exempt (stripped upstream), Cookie/Authorization too on a {user} route
               // that is not shared (never on a shared one: it would serve them to everyone).
               // A `ttl: origin` route stores the others as variants (vary.hpp)
  kEncoded,    // Content-Encoding other than identity: the app ignored the stripped
               // Accept-Encoding, and such a body cannot be served to every client
};

// `body_size` is the received body size (or Content-Length before reading it).
// `limit` is the route's effective max entry size; a Content-Length field over it is
// kTooLarge too. Checks run in the enum's order and the first failing one is returned.
ResponseStorability response_storability(const http::response_header<>& response, const config::Route& route,
                                         std::size_t body_size, std::size_t limit);

// True when `content_type`'s media type (parameters ignored, case-insensitive) matches one
// of `patterns`: "type/subtype", "type/*" or "*/*". An empty list matches anything; a
// missing or empty Content-Type matches only "*/*".
bool content_type_matches(std::string_view content_type, const std::vector<std::string>& patterns);

// RFC 9110 §12.5.3: true when `accept_encoding` (a request's Accept-Encoding) allows gzip:
// "gzip" or "x-gzip" with q > 0, or "*" with q > 0 when gzip is not listed.
bool accepts_gzip(std::string_view accept_encoding);

// True for a Content-Type worth compressing: text/*, JSON, XML, JavaScript, SVG and the
// +json / +xml suffixes. Images, archives and anything unknown are not.
bool compressible_type(std::string_view content_type);

const char* to_string(RequestCacheability value);
const char* to_string(ResponseStorability value);

}  // namespace foilcache::cache

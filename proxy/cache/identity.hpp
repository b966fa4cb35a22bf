// The {user} identity of a request (INTERFACE.md "Key templates"): a keyed hash
// (HMAC-SHA256 with identity.secret) of the Authorization header and the cookies listed
// in identity.cookies, or "anon" when the request carries none of them. Never the raw
// credential.
#pragma once

#include <string>

#include "proxy/config/config.hpp"
#include "common/net.hpp"

namespace foilcache::cache {

// True when the request carries credentials in the Safety sense (Authorization or Cookie).
bool has_credentials(const http::fields& headers);

// True when the request has no Authorization, and Cookie fields whose cookies are all
// outside identity.cookies (at least one of them): the caller is "anon" to {user}, but may
// not be to the app. A member without '=' counts as an unknown cookie.
bool unknown_cookies_only(const http::fields& headers, const config::IdentityConfig& identity);

// Hex (32 lowercase digits) of the first 16 bytes of HMAC-SHA256(secret, canonical
// credential string), or "anon" when the request has no Authorization and none of
// identity.cookies. The canonical string is unambiguous (length-prefixed parts; every
// Authorization field in order; listed cookies from every Cookie field sorted by name,
// a repeated name kept in request order since the app reads the first) so different
// credentials never hash the same input. Aborts if OpenSSL cannot compute the HMAC:
// any fallback id would merge callers.
std::string user_id(const http::fields& headers, const config::IdentityConfig& identity);

// What `route`'s {user} renders for a request: user_id() when its key or a tag (or a
// written tag) names {user}, else "anon" without hashing anything. Reads and writes of
// the same caller render the same value.
inline std::string route_user(const config::Route& route, const http::fields& headers,
                              const config::IdentityConfig& identity) {
  return route.renders_user() ? user_id(headers, identity) : std::string("anon");
}

}  // namespace foilcache::cache

// Cache-Control field parsing (RFC 9111 §5.2): a token parser, not a substring search,
// so "no-store-ish" is not no-store and `private="Set-Cookie"` is private.
#pragma once

#include <optional>
#include <string_view>

#include "common/net.hpp"
#include "common/text.hpp"

namespace foilcache::cache {

// The directives foilcache acts on; others are ignored.
struct CacheControl {
  bool no_store = false;                       // §5.2.1.5 / §5.2.2.5
  bool no_cache = false;                       // §5.2.1.4 / §5.2.2.4, with or without a field list
  bool private_ = false;                       // §5.2.2.7, with or without a field list
  bool public_ = false;                        // §5.2.2.9
  std::optional<unsigned long long> max_age;   // §5.2.1.1 / §5.2.2.1
  std::optional<unsigned long long> s_maxage;  // §5.2.2.10
  bool must_revalidate = false;                // §5.2.2.2
  bool proxy_revalidate = false;               // §5.2.2.8
  std::optional<unsigned long long> stale_while_revalidate;  // RFC 5861 §3
  std::optional<unsigned long long> stale_if_error;          // RFC 5861 §4
  // max-age or s-maxage given twice with different values, or with a value that is not
  // delta-seconds: §4.2.1 lets a cache treat the response as stale, and foilcache does.
  bool conflicting = false;
  // Request directives (§5.2.1): max-stale without a value accepts any staleness.
  std::optional<unsigned long long> max_stale;
  std::optional<unsigned long long> min_fresh;
  bool only_if_cached = false;
};

// Parses one field value into `out` (directives accumulate). Directive names are
// case-insensitive; malformed members are skipped up to the next top-level comma.
void parse_cache_control(std::string_view value, CacheControl& out);

// Every Cache-Control field of `fields`, combined (RFC 9110 §5.3).
CacheControl parse_cache_control(const http::fields& fields);
// Every field named `name` (a targeted field such as CDN-Cache-Control, RFC 9213), combined;
// nullopt when there is none.
std::optional<CacheControl> parse_cache_control(const http::fields& fields, std::string_view name);


}  // namespace foilcache::cache

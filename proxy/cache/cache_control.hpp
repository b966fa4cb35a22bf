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
};

// Parses one field value into `out` (directives accumulate). Directive names are
// case-insensitive; malformed members are skipped up to the next top-level comma.
void parse_cache_control(std::string_view value, CacheControl& out);

// Every Cache-Control field of `fields`, combined (RFC 9110 §5.3).
CacheControl parse_cache_control(const http::fields& fields);


}  // namespace foilcache::cache

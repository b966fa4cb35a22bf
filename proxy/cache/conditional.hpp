// Conditional requests against a stored entry (RFC 9110 §13): whether a HIT may answer 304,
// and the 304's header block. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/net.hpp"
#include "proxy/cache/entry.hpp"

namespace foilcache::cache {

// RFC 9110 §13.1.2: true when `if_none_match` (a field value) matches `etag` by weak
// comparison; "*" matches any entry that has an ETag. An empty `etag` never matches.
bool none_match(std::string_view if_none_match, std::string_view etag);

// An HTTP-date as seconds since the epoch: IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"),
// RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT": a two-digit year is 1969..2068) or asctime
// ("Sun Nov  6 08:49:37 1994"); nullopt for anything else.
std::optional<std::int64_t> parse_http_date(std::string_view text);

// RFC 9110 §13.2.2: If-None-Match decides when present (against the ETag of the variant
// sent: `gzip` or identity); else If-Modified-Since against the entry's Last-Modified.
bool not_modified(const http::request_header<>& request, const Entry& entry, bool gzip);

// The status line and the headers a 304 repeats from the full answer (RFC 9110 §15.4.5:
// ETag of the variant, Last-Modified, Vary, Content-Location, Expires, Date), as
// "HTTP/1.1 304 Not Modified\r\nName: value\r\n..." (no final blank line).
std::string not_modified_head(const Entry& entry, bool gzip);

// "\"<32 lower-case hex digits>\"": the first 16 bytes of SHA-256 of `body`.
std::string body_etag(std::string_view body);

// RFC 9111 §4.3.1: adds the validators of `stale` to a request going to the origin:
// If-None-Match with its ETag when the origin sent one (not the digest foilcache makes for
// an answer without), If-Modified-Since with its Last-Modified. Nothing when the request
// carries conditionals of its own. Returns the fields it added (to remove them after).
std::vector<http::field> add_validators(http::request_header<>& request, const Entry& stale);

}  // namespace foilcache::cache

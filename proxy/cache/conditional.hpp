// Conditional requests against a stored entry (RFC 9110 §13): whether a HIT may answer 304,
// and the 304's header block. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

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

}  // namespace foilcache::cache

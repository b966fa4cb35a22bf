#include "proxy/cache/conditional.hpp"

#include <ctime>

#include <openssl/sha.h>

#include "common/hex.hpp"
#include "common/text.hpp"

namespace foilcache::cache {
namespace {

// Bytes of the body digest in a generated ETag (32 hex digits).
constexpr std::size_t kEtagDigestBytes = 16;

// Headers a 304 repeats from the full answer (RFC 9110 §15.4.5).
bool kept_in_304(std::string_view name) {
  for (const char* kept : {"ETag", "Last-Modified", "Vary", "Content-Location", "Expires", "Date"}) {
    if (common::iequals(name, kept)) return true;
  }
  return false;
}

}  // namespace

bool none_match(std::string_view if_none_match, std::string_view etag) {
  if (etag.empty()) return false;
  const auto opaque = [](std::string_view tag) { return tag.starts_with("W/") ? tag.substr(2) : tag; };
  const auto wanted = opaque(etag);
  bool matched = false;
  common::for_each_list_member(if_none_match, [&](std::string_view item) {
    matched = matched || item == "*" || opaque(item) == wanted;
  });
  return matched;
}

std::optional<std::int64_t> parse_http_date(std::string_view text) {
  // RFC 9110 §5.6.7: a recipient accepts all three formats (IMF-fixdate, the obsolete
  // RFC 850 form with a two-digit year, asctime); it sends only the first.
  const std::string copy(text);
  for (const char* format : {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"}) {
    std::tm tm{};
    const char* end = ::strptime(copy.c_str(), format, &tm);
    if (end != nullptr && *end == '\0') return static_cast<std::int64_t>(::timegm(&tm));
  }
  return std::nullopt;
}

bool not_modified(const http::request_header<>& request, const Entry& entry, bool gzip) {
  const auto if_none_match = request[http::field::if_none_match];
  if (!if_none_match.empty()) return none_match(if_none_match, entry.etag(gzip));
  const auto if_modified_since = request[http::field::if_modified_since];
  if (if_modified_since.empty()) return false;  // the common case: no scan of the entry
  const auto last_modified = entry.header("Last-Modified");
  if (last_modified.empty()) return false;
  const auto since = parse_http_date(if_modified_since);
  const auto modified = parse_http_date(last_modified);
  return since && modified && *modified <= *since;
}

std::string not_modified_head(const Entry& entry, bool gzip) {
  std::string head = "HTTP/1.1 304 Not Modified\r\n";
  for (const auto& [name, value] : entry.headers) {
    if (!kept_in_304(name)) continue;
    const bool etag = common::iequals(name, "ETag");
    head.append(name).append(": ").append(etag ? entry.etag(gzip) : value).append("\r\n");
  }
  return head;
}

std::string body_etag(std::string_view body) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest);
  std::string tag = "\"";
  common::append_hex_lower(tag, std::span<const unsigned char>(digest, kEtagDigestBytes));
  tag.push_back('"');
  return tag;
}

std::vector<http::field> add_validators(http::request_header<>& request, const Entry& stale) {
  std::vector<http::field> added;
  for (const auto field : {http::field::if_none_match, http::field::if_modified_since, http::field::if_match,
                           http::field::if_unmodified_since, http::field::if_range}) {
    if (request.count(field) != 0) return added;
  }
  const std::string_view etag = stale.header("ETag");
  const std::string* identity = stale.identity();
  if (!etag.empty() && identity != nullptr && etag != body_etag(*identity)) {
    request.set(http::field::if_none_match, etag);
    added.push_back(http::field::if_none_match);
  }
  const std::string_view modified = stale.header("Last-Modified");
  if (!modified.empty()) {
    request.set(http::field::if_modified_since, modified);
    added.push_back(http::field::if_modified_since);
  }
  return added;
}

}  // namespace foilcache::cache

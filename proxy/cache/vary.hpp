// Several stored answers per URL, chosen by the request fields the answer names in Vary
// (RFC 9111 §4.1), on `ttl: origin` routes. Pure: the caller brings the nonce.
//
// The layout, as Envoy's cache filter keeps it: the URL's key holds a variant index (an
// Entry that is never served: status kVariantIndexStatus) naming the selecting fields, a
// nonce and the variant ids stored so far; each variant is an ordinary entry under
// variant_key(key, nonce, id), the id a digest of the request's normalized values of those
// fields. A lookup reads the index, then the one variant the request selects. Removing or
// invalidating the index (by key, pattern or tag) strands every variant it listed: the next
// index has a new nonce, so no replica's L1 can answer from a variant that was invalidated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/net.hpp"
#include "proxy/cache/entry.hpp"
#include "proxy/config/config.hpp"

namespace foilcache::cache {

inline constexpr unsigned kVariantIndexStatus = 0;  // no HTTP status is 0
inline constexpr std::size_t kMaxVariants = 8;      // per URL: the oldest leaves the index first
inline constexpr std::size_t kMaxVaryFields = 4;    // more in one Vary: not stored

// True when the key already separates answers that vary on request field `name`:
// Accept-Encoding (stripped upstream, the proxy serves the codings itself), a header the
// key renders, and Cookie/Authorization on a {user} route that is not shared.
bool key_covers_vary(std::string_view name, const config::Route& route);

// The request fields `response`'s Vary names that the route's key does not cover: lower
// case, sorted, each once (empty: the key covers them all, or no Vary). nullopt when they
// cannot select a stored variant: `Vary: *` never matches (§4.1), a credential field the key
// does not separate would serve one caller's answer to another, and more than kMaxVaryFields.
std::optional<std::vector<std::string>> selecting_fields(const http::response_header<>& response,
                                                         const config::Route& route);
// The same, read from a stored entry's headers.
std::optional<std::vector<std::string>> selecting_fields(const Entry& entry, const config::Route& route);

// The request's values of `fields` (lower-case names), normalized as §4.1 allows: field
// lines combined, list members trimmed, whitespace dropped and case folded for the Accept
// family (tokens), an absent field told from an empty one.
std::string selecting_values(std::span<const std::string> fields, const http::request_header<>& request);

// The variant a request selects: 32 hex digits of SHA-256 of selecting_values.
std::string variant_id(std::span<const std::string> fields, const http::request_header<>& request);

// The variant of `entry`'s selecting fields that `request` selects ("" when the entry's
// answer does not vary on any): what StoragePlan::variant is for an answer stored there.
std::string stored_variant(const Entry& entry, const config::Route& route, const http::request_header<>& request);

// The store key of one variant of `key`.
std::string variant_key(std::string_view key, std::string_view nonce, std::string_view id);

struct VariantIndex {
  std::vector<std::string> fields;  // selecting_fields of the answers it lists
  std::string nonce;                // part of every variant key: a new index, new keys
  std::vector<std::string> ids;     // stored variants, oldest first, at most kMaxVariants

  bool lists(std::string_view id) const;
  // Adds `id` (last), dropping the oldest beyond kMaxVariants; false when it was listed.
  bool add(std::string id);
};

bool is_variant_index(const Entry& entry);
// nullopt for an entry that is not a well-formed index.
std::optional<VariantIndex> read_variant_index(const Entry& entry);
// The index as an entry under the URL's key: `tags` at `generations` like its variants, and
// fresh for `keep` (as long as the store keeps it), so the L1 holds it as long.
EntryPtr make_variant_index(const VariantIndex& index, std::string_view route, std::span<const std::string> tags,
                            std::span<const std::uint64_t> generations, std::chrono::system_clock::time_point now,
                            std::chrono::milliseconds keep);

}  // namespace foilcache::cache

// The entry for a storable upstream answer (what a MISS stores and every HIT replays). Pure:
// the caller gives the time.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>

#include "common/net.hpp"
#include "proxy/cache/conditional.hpp"
#include "proxy/cache/entry.hpp"
#include "proxy/cache/storage_plan.hpp"
#include "proxy/config/config.hpp"

namespace foilcache::cache {

// Smaller bodies are stored as they are: gzip's framing and a Content-Encoding header eat
// most of what compressing them would save.
inline constexpr std::size_t kMinCompressBytes = 1024;

// The entry for `response` (its header already rewritten for the client) and `body`,
// stored by `route` at `now`, recording `tags` at `generations` (seen before the fetch: an
// invalidation during it leaves this entry stale; a tag without a generation is not
// recorded). Stored headers exclude framing, hop-by-hop and the proxy's own fields. An
// answer without a validator gets a strong ETag (a digest of the body, so equal bodies
// share it across replicas and restarts). A compressible body of kMinCompressBytes or more
// is also kept gzip-compressed when the route allows (compressed once here, never per hit).
// `storage` (plan_storage's answer) gives the lifetime and the age the answer arrived with;
// without it they are the route's ttl and 0. A `ttl: origin` route keeps the origin's
// Cache-Control: clients see what the origin said, not a rewritten lifetime.
EntryPtr build_entry(const config::Route& route, std::span<const std::string> tags,
                     std::span<const std::uint64_t> generations, const http::response_header<>& response,
                     std::string body, std::chrono::system_clock::time_point now,
                     const StoragePlan* storage = nullptr);

// RFC 9111 §3.2: `stale`'s stored header fields updated by a 304: every field the 304
// carries (but framing, hop-by-hop and the proxy's own) replaces all stored fields of its
// name. Returned as a response header with the stored status, which plan_storage judges.
http::response_header<> updated_header(const Entry& stale, const http::response_header<>& not_modified);

// RFC 9111 §4.3.4: `stale` freshened by a 304 whose updated header is `updated`: stored
// anew at `now` with `storage`'s lifetime and age and the tags' current `generations`;
// the body (and its gzip) is the stored one.
EntryPtr freshened_entry(const Entry& stale, const http::response_header<>& updated, const StoragePlan& storage,
                         std::span<const std::uint64_t> generations, std::chrono::system_clock::time_point now);

// RFC 9110 §7.6.1 and the proxy's own fields: false for the headers an entry never keeps.
bool is_stored_header(const http::fields::value_type& field);


}  // namespace foilcache::cache

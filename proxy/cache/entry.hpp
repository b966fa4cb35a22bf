// A stored response: what a HIT replays. Immutable once built and shared between
// concurrent hits (std::shared_ptr<const Entry>).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace foilcache::cache {

struct Entry {
  unsigned status = 200;
  // End-to-end headers of the upstream response, in order, minus hop-by-hop headers and
  // the proxy's own (X-Cache, Age, Cache-Control are added at serve time).
  std::vector<std::pair<std::string, std::string>> headers;
  // The identity-encoded body. For a compressed entry decoded from the store it is empty:
  // identity() inflates `gzip` on first use.
  std::string body;
  // The body gzip-compressed, sent to clients that accept gzip; empty when not compressed.
  std::string gzip;
  std::uint64_t identity_size = 0;  // the identity body's length (== body.size() once known)
  std::int64_t stored_at_ms = 0;  // unix epoch milliseconds
  std::uint32_t ttl_s = 0;        // freshness lifetime
  std::string route;              // the route that stored it (for admin metadata)
  // The route's tags, each with the generation it had when the response was fetched: the
  // entry is valid only while every tag still has that generation (see Store::get).
  std::vector<std::pair<std::string, std::uint64_t>> tags;
  // The status line and `headers`, serialized once ("HTTP/1.1 200 OK\r\nName: value\r\n...")
  // by finish_entry(), so a hit writes them without re-serializing (not encoded: derived).
  // A compressed entry also has `gzip_head`: the same with the gzip variant's ETag and
  // Content-Encoding: gzip. Both then carry Vary: Accept-Encoding (see finish_entry).
  std::string head;
  std::string gzip_head;
  // Origin routes, an answer with Vary: the variant_id (vary.hpp) of the request that
  // fetched it, so a coalesced request can tell whether it selects the same variant. In
  // memory only (not encoded): "" for an entry read from the store.
  std::string variant;

  bool compressed() const { return !gzip.empty(); }
  // The identity body: `body`, or `gzip` inflated once (thread-safe; the entry is shared).
  // Null when the stored gzip does not inflate to identity_size bytes.
  const std::string* identity() const;
  // The ETag of the variant sent (the stored one, "-gzip" appended inside the quotes for
  // the gzip variant: a representation's strong validator must differ per encoding).
  std::string etag(bool gzip_variant) const;
  // identity + gzip + headers + fixed overhead, for byte bounds: string capacities, and the
  // identity body even before it is inflated, so a bound holds whatever clients ask for.
  std::size_t approx_bytes() const;
  // The value of the first stored header `name` (ASCII case-insensitive), "" when absent.
  std::string_view header(std::string_view name) const;
  // For a compressed entry whose identity body is not held (decoded from the store):
  // identity() inflates `gzip` on first use. Call before sharing the entry.
  void inflate_on_demand();

 private:
  struct Inflated {
    std::once_flag once;
    std::string body;
    bool failed = false;
  };
  // Set by inflate_on_demand() for a compressed entry held without its identity body.
  std::shared_ptr<Inflated> inflated_;  // shared by copies: same gzip, same identity
};

using EntryPtr = std::shared_ptr<const Entry>;

// Fills entry.head (and gzip_head when compressed) from status and headers. Call once the
// entry is complete (body or gzip, identity_size set), before sharing it.
void finish_entry(Entry& entry);

// Compresses `entry.body` into `entry.gzip` when that saves at least 1/8 of it, and then
// adds Vary: Accept-Encoding to its headers (unless a Vary names it already).
void compress_entry(Entry& entry);

}  // namespace foilcache::cache

// A stored response: what a HIT replays. Immutable once built and shared between
// concurrent hits (std::shared_ptr<const Entry>).
#pragma once

#include <cstdint>
#include <memory>
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
  std::string body;
  std::int64_t stored_at_ms = 0;  // unix epoch milliseconds
  std::uint32_t ttl_s = 0;        // freshness lifetime
  std::string route;              // the route that stored it (for admin metadata)
  // The route's tags, each with the generation it had when the response was fetched: the
  // entry is valid only while every tag still has that generation (see Store::get).
  std::vector<std::pair<std::string, std::uint64_t>> tags;
  // The status line and `headers`, serialized once ("HTTP/1.1 200 OK\r\nName: value\r\n...")
  // by finish_entry(), so a hit writes them without re-serializing (not encoded: derived).
  std::string head;

  std::size_t approx_bytes() const;  // body + headers + fixed overhead, for byte bounds
};

using EntryPtr = std::shared_ptr<const Entry>;

// Fills entry.head from status and headers. Call once the entry is complete, before sharing it.
void finish_entry(Entry& entry);

// Binary codec used by RedisStore (versioned; decode rejects anything malformed).
std::string encode_entry(const Entry& entry);
// Returns nullptr when `bytes` is not a valid encoding (wrong magic/version, truncated).
EntryPtr decode_entry(std::string_view bytes);

}  // namespace foilcache::cache

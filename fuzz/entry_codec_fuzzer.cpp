// The stored-entry codec on a value read back from Redis, which may be damaged, truncated or
// written by something else: decode_entry, then what a HIT does with a decoded entry (the
// identity body inflated from a stored gzip, the ETags, the 304 head). A value that decodes
// must encode back to the same bytes (the format has one encoding per entry).
// Input: the stored value.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proxy/cache/conditional.hpp"
#include "proxy/cache/entry_codec.hpp"

using namespace foilcache;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const cache::EntryPtr entry = cache::decode_entry(bytes);
  if (!entry) return 0;
  if (cache::encode_entry(*entry) != bytes) __builtin_trap();
  const std::string* identity = entry->identity();
  if (identity != nullptr && identity->size() != entry->identity_size) __builtin_trap();
  (void)entry->etag(false);
  (void)entry->etag(true);
  (void)entry->approx_bytes();
  (void)entry->header("ETag");
  (void)cache::not_modified_head(*entry, entry->compressed());
  return 0;
}

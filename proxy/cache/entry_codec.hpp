// The stored-entry codec: what RedisStore writes and reads (versioned, binary; decode
// rejects anything malformed, so a damaged or foreign value is a miss, never a crash).
#pragma once

#include <string>
#include <string_view>

#include "proxy/cache/entry.hpp"

namespace foilcache::cache {

// `entry` as bytes (format v3, see entry_codec.cpp).
std::string encode_entry(const Entry& entry);
// The entry encoded in `bytes`, or nullptr when `bytes` is not a valid encoding (wrong
// magic or version, truncated, trailing bytes, forged sizes).
EntryPtr decode_entry(std::string_view bytes);

}  // namespace foilcache::cache

// One message on the L1 invalidation channel (<prefix>@invalidate) and its text form.
// Pure; table-tested.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace foilcache::store {

// One message on the invalidation channel.
struct Invalidation {
  enum class Kind { kTag, kKey, kPattern, kClear, kHeartbeat };
  Kind kind = Kind::kHeartbeat;
  std::string value;            // tag name, rendered key or glob ("" for clear, heartbeat)
  std::uint64_t generation = 0;  // kTag: the tag's generation after the invalidation
  std::string id;               // "<instance>:<sequence>": what receivers acknowledge

  // "<kind> <id> <generation> <value>" (value last: it may contain spaces).
  std::string encode() const;
  static std::optional<Invalidation> decode(std::string_view text);
};

}  // namespace foilcache::store

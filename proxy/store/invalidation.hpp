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
  // "<instance>:<sequence>[@<epoch>]": what receivers acknowledge, whole; the sender's view
  // of the store's epoch rides in it ("-@<epoch>" on a heartbeat), so older receivers,
  // which treat the id as opaque, still acknowledge it.
  std::string id;

  // The store epoch the sender knew when it sent this ("" from senders that do not say).
  std::string_view epoch() const {
    const auto at = id.rfind('@');
    return at == std::string::npos ? std::string_view{} : std::string_view(id).substr(at + 1);
  }

  // "<kind> <id> <generation> <value>" (value last: it may contain spaces).
  std::string encode() const;
  static std::optional<Invalidation> decode(std::string_view text);
};

}  // namespace foilcache::store

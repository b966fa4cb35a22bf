// Byte ranges served from a stored complete answer (RFC 9110 §14): the one range a request
// asks for, checked against If-Range. Pure. Several ranges, other units and bad syntax are
// ignored (the whole answer is sent, which §14.2 allows).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/net.hpp"
#include "proxy/cache/entry.hpp"

namespace foilcache::cache {

struct RangeAnswer {
  enum class Kind : std::uint8_t {
    kWhole,          // no usable Range (or If-Range does not match): the whole 200
    kPartial,        // 206 with bytes first..last
    kUnsatisfiable,  // 416 with Content-Range: bytes */length
  };
  Kind kind = Kind::kWhole;
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive
  std::uint64_t length() const { return last - first + 1; }
};

// `range`: the request's Range value ("bytes=0-99", "bytes=100-", "bytes=-50"); `length`:
// the stored body's length.
RangeAnswer parse_range(std::string_view range, std::uint64_t length);

// The range `request` asks of `entry` (a stored 200 of `length` bytes): If-Range (§13.1.5)
// must match the entry's strong ETag, or equal its Last-Modified exactly, for a part.
RangeAnswer range_for(const http::request_header<>& request, const Entry& entry, std::uint64_t length);

// "bytes first-last/length" (206) or "bytes */length" (416).
std::string content_range(const RangeAnswer& answer, std::uint64_t length);

}  // namespace foilcache::cache

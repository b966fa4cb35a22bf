// Hexadecimal and percent encoding: the one table of hex digits in the code base.
// Pure; no allocation beyond the output string.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <string_view>

namespace foilcache::common {

inline constexpr char kHexLower[] = "0123456789abcdef";
inline constexpr char kHexUpper[] = "0123456789ABCDEF";

// Appends two lower-case hex digits per byte of `bytes`.
inline void append_hex_lower(std::string& out, std::span<const unsigned char> bytes) {
  for (const unsigned char byte : bytes) {
    out.push_back(kHexLower[byte >> 4]);
    out.push_back(kHexLower[byte & 0xf]);
  }
}

// `bytes` as lower-case hex.
inline std::string hex_lower(std::span<const unsigned char> bytes) {
  std::string out;
  out.reserve(2 * bytes.size());
  append_hex_lower(out, bytes);
  return out;
}

// Appends "%XX" (RFC 3986 §2.1: upper-case digits) for `byte`.
inline void append_pct_upper(std::string& out, unsigned char byte) {
  const char escaped[3] = {'%', kHexUpper[byte >> 4], kHexUpper[byte & 0xf]};
  out.append(escaped, 3);
}

// `value` as exactly `digits` upper-case hex digits (the low ones; zero-padded).
inline std::string hex_upper(std::uint64_t value, int digits) {
  std::string out(static_cast<std::size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i, value >>= 4) out[static_cast<std::size_t>(i)] = kHexUpper[value & 0xf];
  return out;
}

// The value of one hex digit, or -1.
inline int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// `digits` random lower-case hex digits (a per-thread generator seeded from the OS): names
// and tokens that must not collide across instances, not secrets.
inline std::string random_hex(std::size_t digits) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string out;
  out.reserve(digits);
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < digits; ++i, bits >>= 4) {
    if (i % 16 == 0) bits = rng();
    out.push_back(kHexLower[bits & 0xf]);
  }
  return out;
}

}  // namespace foilcache::common

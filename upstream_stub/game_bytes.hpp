// The content of the stub's game files: byte i of file `id` is a cheap pure function of
// (id, i), so a client can verify any range of a multi-GB download without storing it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace foilcache::stub {

// One 64-bit word of file `id`, covering bytes [8*block, 8*block+8) little-endian.
constexpr std::uint64_t game_word(std::uint64_t id, std::uint64_t block) noexcept {
  std::uint64_t x = block * 0x9E3779B97F4A7C15ull ^ (id + 1) * 0xC2B2AE3D27D4EB4Full;
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  x ^= x >> 31;
  return x;
}

// Byte `offset` of file `id`.
constexpr std::uint8_t game_byte(std::uint64_t id, std::uint64_t offset) noexcept {
  return static_cast<std::uint8_t>(game_word(id, offset >> 3) >> ((offset & 7) * 8));
}

// Writes bytes [offset, offset+size) of file `id` to `out`.
inline void fill_game_bytes(std::uint64_t id, std::uint64_t offset, unsigned char* out,
                            std::size_t size) noexcept {
  std::size_t i = 0;
  while (i < size) {
    const std::uint64_t pos = offset + i;
    std::uint64_t word = game_word(id, pos >> 3);
    for (unsigned lane = static_cast<unsigned>(pos & 7); lane < 8 && i < size; ++lane, ++i) {
      out[i] = static_cast<unsigned char>(word >> (lane * 8));
    }
  }
}

}  // namespace foilcache::stub

// Lenient percent-decoding, the way the app (werkzeug) decodes paths and queries: a
// valid %XX becomes its byte, a malformed '%' stays literal, and in a query '+' is a
// space. Decoding exactly as the app does is what keeps two requests the app tells apart
// from sharing a cache key. Header-only because render() runs it per request.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace foilcache::config {

// Walks the decoded bytes of a raw string without allocating.
class DecodedCursor {
 public:
  DecodedCursor(std::string_view raw, bool plus_is_space) : raw_(raw), plus_is_space_(plus_is_space) {}

  bool done() const { return pos_ >= raw_.size(); }

  // Precondition: !done().
  unsigned char next() {
    const char c = raw_[pos_];
    if (c == '%' && pos_ + 2 < raw_.size() && hex(raw_[pos_ + 1]) >= 0 && hex(raw_[pos_ + 2]) >= 0) {
      const auto byte = static_cast<unsigned char>(hex(raw_[pos_ + 1]) * 16 + hex(raw_[pos_ + 2]));
      pos_ += 3;
      return byte;
    }
    ++pos_;
    if (c == '+' && plus_is_space_) return ' ';
    return static_cast<unsigned char>(c);
  }

  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

 private:
  std::string_view raw_;
  std::size_t pos_ = 0;
  bool plus_is_space_;
};

inline void append_decoded(std::string& out, std::string_view raw, bool plus_is_space) {
  for (DecodedCursor cur(raw, plus_is_space); !cur.done();) out += static_cast<char>(cur.next());
}

inline std::string decoded(std::string_view raw, bool plus_is_space) {
  std::string out;
  out.reserve(raw.size());
  append_decoded(out, raw, plus_is_space);
  return out;
}

// Byte-wise three-way comparison of the decoded forms of two raw strings.
inline int compare_decoded(std::string_view a, std::string_view b, bool plus_is_space) {
  DecodedCursor x(a, plus_is_space);
  DecodedCursor y(b, plus_is_space);
  while (!x.done() && !y.done()) {
    const unsigned char cx = x.next();
    const unsigned char cy = y.next();
    if (cx != cy) return cx < cy ? -1 : 1;
  }
  if (x.done() && y.done()) return 0;
  return x.done() ? -1 : 1;
}

// True when `raw` decodes to exactly `plain`.
inline bool decodes_to(std::string_view raw, std::string_view plain, bool plus_is_space) {
  DecodedCursor cur(raw, plus_is_space);
  for (const char c : plain) {
    if (cur.done() || cur.next() != static_cast<unsigned char>(c)) return false;
  }
  return cur.done();
}

}  // namespace foilcache::config

// Entry codec. Layout (all integers little-endian):
//   "FCE" magic, u8 version (3)
//   u16 status, i64 stored_at_ms, u32 ttl_s
//   u32 route length, route bytes
//   u32 tag count, then per tag: u32 name length, name, u64 generation
//   u32 header count, then per header: u32 name length, name, u32 value length, value
//   u8 flags (bit 0: the body is gzip-compressed), u64 identity body length
//   u64 body length, body bytes (the gzip member when compressed: identity is not stored)
// and nothing after: trailing bytes make the value invalid.
#include "proxy/cache/entry_codec.hpp"

#include <cstring>
#include <type_traits>

namespace foilcache::cache {
namespace {

constexpr char kMagic[3] = {'F', 'C', 'E'};
constexpr std::uint8_t kVersion = 3;  // 1 had no tags, 2 no compression: such values are misses
constexpr std::uint8_t kFlagGzip = 1;
// deflate cannot expand data by more than about 1032:1: a larger claimed identity size is
// forged, and would make identity() allocate it.
constexpr std::uint64_t kMaxDeflateRatio = 1032;
// Smallest possible encoded header (two empty length prefixes): bounds the header count
// a buffer can claim, so a forged count cannot make us reserve gigabytes.
constexpr std::size_t kMinHeaderBytes = 8;
constexpr std::size_t kMinTagBytes = 12;  // the same bound for the tag count

template <typename T>
void put_uint(std::string& out, T value) {
  using U = std::make_unsigned_t<T>;
  auto u = static_cast<U>(value);
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    out.push_back(static_cast<char>(static_cast<unsigned char>(u >> (8 * i))));
  }
}

void put_bytes(std::string& out, std::string_view bytes) {
  put_uint(out, static_cast<std::uint32_t>(bytes.size()));
  out.append(bytes);
}

// Bounds-checked reader: every accessor fails (returns false) instead of reading past the end.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  template <typename T>
  bool read_uint(T& value) {
    if (bytes_.size() - pos_ < sizeof(T)) return false;
    using U = std::make_unsigned_t<T>;
    U u = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) {
      u |= static_cast<U>(static_cast<unsigned char>(bytes_[pos_ + i])) << (8 * i);
    }
    pos_ += sizeof(T);
    value = static_cast<T>(u);
    return true;
  }

  bool read_view(std::size_t length, std::string_view& out) {
    if (bytes_.size() - pos_ < length) return false;
    out = bytes_.substr(pos_, length);
    pos_ += length;
    return true;
  }

  bool read_string(std::string& out) {
    std::uint32_t length = 0;
    std::string_view view;
    if (!read_uint(length) || !read_view(length, view)) return false;
    out.assign(view);
    return true;
  }

  std::size_t remaining() const { return bytes_.size() - pos_; }

 private:
  std::string_view bytes_;
  std::size_t pos_ = 0;
};

}  // namespace

std::string encode_entry(const Entry& entry) {
  const std::string& body = entry.compressed() ? entry.gzip : entry.body;
  std::size_t size = sizeof(kMagic) + 1 + 2 + 8 + 4 + 4 + entry.route.size() + 4 + 4 + 1 + 8 + 8 + body.size();
  for (const auto& [tag, generation] : entry.tags) size += kMinTagBytes + tag.size();
  for (const auto& [name, value] : entry.headers) size += 8 + name.size() + value.size();

  std::string out;
  out.reserve(size);
  out.append(kMagic, sizeof(kMagic));
  out.push_back(static_cast<char>(kVersion));
  put_uint(out, static_cast<std::uint16_t>(entry.status));
  put_uint(out, entry.stored_at_ms);
  put_uint(out, entry.ttl_s);
  put_bytes(out, entry.route);
  put_uint(out, static_cast<std::uint32_t>(entry.tags.size()));
  for (const auto& [tag, generation] : entry.tags) {
    put_bytes(out, tag);
    put_uint(out, generation);
  }
  put_uint(out, static_cast<std::uint32_t>(entry.headers.size()));
  for (const auto& [name, value] : entry.headers) {
    put_bytes(out, name);
    put_bytes(out, value);
  }
  put_uint(out, entry.compressed() ? kFlagGzip : std::uint8_t{0});
  put_uint(out, entry.compressed() ? entry.identity_size : static_cast<std::uint64_t>(entry.body.size()));
  put_uint(out, static_cast<std::uint64_t>(body.size()));
  out.append(body);
  return out;
}

EntryPtr decode_entry(std::string_view bytes) {
  Reader in(bytes);
  std::string_view magic;
  std::uint8_t version = 0;
  if (!in.read_view(sizeof(kMagic), magic) || std::memcmp(magic.data(), kMagic, sizeof(kMagic)) != 0) {
    return nullptr;
  }
  if (!in.read_uint(version) || version != kVersion) return nullptr;

  auto entry = std::make_shared<Entry>();
  std::uint16_t status = 0;
  if (!in.read_uint(status) || !in.read_uint(entry->stored_at_ms) || !in.read_uint(entry->ttl_s) ||
      !in.read_string(entry->route)) {
    return nullptr;
  }
  entry->status = status;

  std::uint32_t tag_count = 0;
  if (!in.read_uint(tag_count) || tag_count > in.remaining() / kMinTagBytes) return nullptr;
  entry->tags.resize(tag_count);
  for (auto& [tag, generation] : entry->tags) {
    if (!in.read_string(tag) || !in.read_uint(generation)) return nullptr;
  }

  std::uint32_t header_count = 0;
  if (!in.read_uint(header_count) || header_count > in.remaining() / kMinHeaderBytes) return nullptr;
  entry->headers.resize(header_count);
  for (auto& [name, value] : entry->headers) {
    if (!in.read_string(name) || !in.read_string(value)) return nullptr;
  }

  std::uint8_t flags = 0;
  std::uint64_t body_size = 0;
  std::string_view body;
  if (!in.read_uint(flags) || (flags & ~kFlagGzip) != 0 || !in.read_uint(entry->identity_size) ||
      !in.read_uint(body_size) || body_size != in.remaining() || !in.read_view(body_size, body)) {
    return nullptr;
  }
  if ((flags & kFlagGzip) != 0) {
    // Inflated only if a client without gzip asks (Entry::identity()).
    if (body.empty() || entry->identity_size / kMaxDeflateRatio > body.size()) return nullptr;
    entry->gzip.assign(body);
    entry->inflate_on_demand();
  } else {
    if (entry->identity_size != body.size()) return nullptr;
    entry->body.assign(body);
  }
  finish_entry(*entry);
  return entry;
}

}  // namespace foilcache::cache

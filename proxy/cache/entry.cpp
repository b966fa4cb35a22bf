// Entry codec. Layout (all integers little-endian):
//   "FCE" magic, u8 version (2)
//   u16 status, i64 stored_at_ms, u32 ttl_s
//   u32 route length, route bytes
//   u32 tag count, then per tag: u32 name length, name, u64 generation
//   u32 header count, then per header: u32 name length, name, u32 value length, value
//   u64 body length, body bytes
// and nothing after: trailing bytes make the value invalid.
#include "proxy/cache/entry.hpp"

#include "proxy/net.hpp"

#include <cstring>
#include <type_traits>

namespace foilcache::cache {
namespace {

constexpr char kMagic[3] = {'F', 'C', 'E'};
constexpr std::uint8_t kVersion = 2;  // 1 had no tags: such values are misses
// Rough per-object bookkeeping (allocations, vector/pair slots) for the byte bound.
constexpr std::size_t kEntryOverhead = sizeof(Entry) + 64;
constexpr std::size_t kHeaderOverhead = sizeof(std::pair<std::string, std::string>) + 16;
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

void finish_entry(Entry& entry) {
  const auto reason = http::obsolete_reason(http::int_to_status(entry.status));
  entry.head.clear();
  entry.head.reserve(32 + entry.headers.size() * 48);
  entry.head.append("HTTP/1.1 ").append(std::to_string(entry.status)).append(" ");
  entry.head.append(reason.data(), reason.size()).append("\r\n");
  for (const auto& [name, value] : entry.headers) entry.head.append(name).append(": ").append(value).append("\r\n");
}

std::size_t Entry::approx_bytes() const {
  std::size_t total = kEntryOverhead + body.size() + route.size() + head.size();
  for (const auto& [tag, generation] : tags) total += kHeaderOverhead + tag.size();
  for (const auto& [name, value] : headers) total += kHeaderOverhead + name.size() + value.size();
  return total;
}

std::string encode_entry(const Entry& entry) {
  std::size_t size = sizeof(kMagic) + 1 + 2 + 8 + 4 + 4 + entry.route.size() + 4 + 4 + 8 + entry.body.size();
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
  put_uint(out, static_cast<std::uint64_t>(entry.body.size()));
  out.append(entry.body);
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

  std::uint64_t body_size = 0;
  std::string_view body;
  if (!in.read_uint(body_size) || body_size != in.remaining() || !in.read_view(body_size, body)) {
    return nullptr;
  }
  entry->body.assign(body);
  finish_entry(*entry);
  return entry;
}

}  // namespace foilcache::cache

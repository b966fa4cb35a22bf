// Entry: the stored response, its derived header blocks, compression and byte accounting.
#include "proxy/cache/entry.hpp"

#include <boost/algorithm/string/predicate.hpp>

#include "common/net.hpp"
#include "common/text.hpp"
#include "proxy/cache/gzip.hpp"

namespace foilcache::cache {
namespace {

// Compression must save at least 1/kMinSavingDivisor of the body to be kept.
constexpr std::size_t kMinSavingDivisor = 8;
// Rough per-object bookkeeping (allocations, vector/pair slots) for the byte bound.
constexpr std::size_t kEntryOverhead = sizeof(Entry) + 64;
constexpr std::size_t kHeaderOverhead = sizeof(std::pair<std::string, std::string>) + 16;

// Makes `headers` say Vary: Accept-Encoding: appended to the first Vary field (one field,
// which every client reads), or a new one.
void add_vary_accept_encoding(std::vector<std::pair<std::string, std::string>>& headers) {
  std::string* vary = nullptr;
  for (auto& [name, value] : headers) {
    if (!common::iequals(name, "Vary")) continue;
    if (boost::algorithm::icontains(value, "accept-encoding")) return;
    if (vary == nullptr) vary = &value;
  }
  if (vary == nullptr) {
    headers.emplace_back("Vary", "Accept-Encoding");
  } else {
    vary->append(vary->empty() ? "Accept-Encoding" : ", Accept-Encoding");
  }
}

// The bytes a string holds: its heap capacity, or its size while it fits in the object.
std::size_t held(const std::string& text) {
  static const std::size_t kInline = std::string().capacity();
  return text.capacity() > kInline ? text.capacity() : text.size();
}

void append_status_line(std::string& head, unsigned status) {
  const auto reason = http::obsolete_reason(http::int_to_status(status));
  head.append("HTTP/1.1 ").append(std::to_string(status)).append(" ");
  head.append(reason.data(), reason.size()).append("\r\n");
}

}  // namespace

void finish_entry(Entry& entry) {
  if (!entry.compressed() || !entry.body.empty()) entry.identity_size = entry.body.size();
  entry.head.clear();
  entry.head.reserve(32 + entry.headers.size() * 48);
  append_status_line(entry.head, entry.status);
  for (const auto& [name, value] : entry.headers) entry.head.append(name).append(": ").append(value).append("\r\n");
  entry.gzip_head.clear();
  if (!entry.compressed()) return;
  entry.gzip_head.reserve(entry.head.size() + 32);
  append_status_line(entry.gzip_head, entry.status);
  for (const auto& [name, value] : entry.headers) {
    const bool etag = common::iequals(name, "ETag");
    entry.gzip_head.append(name).append(": ").append(etag ? entry.etag(true) : value).append("\r\n");
  }
  entry.gzip_head.append("Content-Encoding: gzip\r\n");
}

void compress_entry(Entry& entry) {
  entry.identity_size = entry.body.size();
  std::string packed = gzip_compress(entry.body);
  if (!packed.empty() && packed.size() <= entry.body.size() - entry.body.size() / kMinSavingDivisor) {
    entry.gzip = std::move(packed);
    add_vary_accept_encoding(entry.headers);
  }
}

const std::string* Entry::identity() const {
  if (!compressed() || !inflated_) return &body;
  std::call_once(inflated_->once, [this] {
    auto inflated = gzip_decompress(gzip, identity_size);
    if (inflated) {
      inflated_->body = std::move(*inflated);
    } else {
      inflated_->failed = true;
    }
  });
  return inflated_->failed ? nullptr : &inflated_->body;
}

std::string Entry::etag(bool gzip_variant) const {
  std::string tag;
  for (const auto& [name, value] : headers) {
    if (common::iequals(name, "ETag")) tag = value;
  }
  if (gzip_variant && compressed() && tag.size() >= 2 && tag.back() == '"') tag.insert(tag.size() - 1, "-gzip");
  return tag;
}

std::size_t Entry::approx_bytes() const {
  // Heap capacities, not sizes: unused capacity is allocated memory too.
  const std::size_t identity_bytes = body.empty() && compressed() ? identity_size : held(body);
  std::size_t total = kEntryOverhead + identity_bytes + held(gzip) + held(route) + held(head) + held(gzip_head);
  for (const auto& [tag, generation] : tags) total += kHeaderOverhead + tag.size();
  for (const auto& [name, value] : headers) total += kHeaderOverhead + name.size() + value.size();
  return total;
}

std::string_view Entry::header(std::string_view name) const {
  for (const auto& [field, value] : headers) {
    if (common::iequals(field, name)) return value;
  }
  return {};
}

void Entry::inflate_on_demand() {
  if (compressed() && body.empty()) inflated_ = std::make_shared<Inflated>();
}

}  // namespace foilcache::cache

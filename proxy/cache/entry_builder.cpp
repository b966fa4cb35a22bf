#include "proxy/cache/entry_builder.hpp"

#include <openssl/sha.h>

#include "common/clock.hpp"
#include "common/hex.hpp"
#include "common/text.hpp"
#include "proxy/cache/policy.hpp"

namespace foilcache::cache {
namespace {

// Bytes of the body digest in a generated ETag (32 hex digits).
constexpr std::size_t kEtagDigestBytes = 16;

}  // namespace

bool is_stored_header(const http::fields::value_type& field) {
  switch (field.name()) {
    case http::field::connection:
    case http::field::keep_alive:
    case http::field::proxy_connection:
    case http::field::transfer_encoding:
    case http::field::content_length:
    case http::field::te:
    case http::field::trailer:
    case http::field::upgrade:
    case http::field::age:
    case http::field::cache_control:
      return false;
    default:
      return !common::iequals(field.name_string(), "X-Cache") &&
             !common::iequals(field.name_string(), "Cache-Status");
  }
}

std::string body_etag(std::string_view body) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest);
  std::string tag = "\"";
  common::append_hex_lower(tag, std::span<const unsigned char>(digest, kEtagDigestBytes));
  tag.push_back('"');
  return tag;
}

EntryPtr build_entry(const config::Route& route, std::span<const std::string> tags,
                     std::span<const std::uint64_t> generations, const http::response_header<>& response,
                     std::string body, std::chrono::system_clock::time_point now, const StoragePlan* storage) {
  auto entry = std::make_shared<Entry>();
  entry->status = response.result_int();
  // A body captured while streaming grew by doubling: the entry keeps only what it uses
  // (the L1's byte bound counts sizes, not capacities).
  if (body.capacity() > body.size() + body.size() / 8 + 64) body.shrink_to_fit();
  entry->body = std::move(body);
  entry->stored_at_ms = common::to_unix_ms(now) - (storage ? storage->age_ms : 0);
  entry->ttl_s = storage ? storage->ttl_s
                         : static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(route.ttl).count());
  entry->route = route.name;
  for (std::size_t i = 0; i < tags.size() && i < generations.size(); ++i) {
    entry->tags.emplace_back(tags[i], generations[i]);
  }
  for (const auto& field : response) {
    const bool origin_field = route.origin_ttl && field.name() == http::field::cache_control;
    if (origin_field || is_stored_header(field)) entry->headers.emplace_back(field.name_string(), field.value());
  }
  if (response.count(http::field::etag) == 0) entry->headers.emplace_back("ETag", body_etag(entry->body));
  if (route.compress && entry->body.size() >= kMinCompressBytes &&
      compressible_type(response[http::field::content_type])) {
    compress_entry(*entry);
  }
  finish_entry(*entry);
  return entry;
}

}  // namespace foilcache::cache

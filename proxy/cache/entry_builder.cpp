#include "proxy/cache/entry_builder.hpp"

#include <algorithm>

#include "common/clock.hpp"
#include "common/text.hpp"
#include "proxy/cache/policy.hpp"

namespace foilcache::cache {

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
  if (storage) entry->variant = storage->variant;
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

http::response_header<> updated_header(const Entry& stale, const http::response_header<>& not_modified) {
  http::response_header<> out;
  out.result(stale.status);
  for (const auto& [name, value] : stale.headers) out.insert(name, value);
  std::vector<std::string> replaced;
  for (const auto& field : not_modified) {
    if (!is_stored_header(field) && field.name() != http::field::cache_control) continue;
    const std::string name(field.name_string());
    if (std::find_if(replaced.begin(), replaced.end(), [&](const std::string& n) { return common::iequals(n, name); }) ==
        replaced.end()) {
      out.erase(name);
      replaced.push_back(name);
    }
    out.insert(name, field.value());
  }
  return out;
}

EntryPtr freshened_entry(const Entry& stale, const http::response_header<>& updated, const StoragePlan& storage,
                         std::span<const std::uint64_t> generations, std::chrono::system_clock::time_point now) {
  auto entry = std::make_shared<Entry>(stale);
  entry->headers.clear();
  for (const auto& field : updated) entry->headers.emplace_back(field.name_string(), field.value());
  entry->stored_at_ms = common::to_unix_ms(now) - storage.age_ms;
  entry->ttl_s = storage.ttl_s;
  entry->variant = storage.variant;
  for (std::size_t i = 0; i < entry->tags.size() && i < generations.size(); ++i) entry->tags[i].second = generations[i];
  finish_entry(*entry);
  return entry;
}

}  // namespace foilcache::cache

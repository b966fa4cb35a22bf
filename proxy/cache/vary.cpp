#include "proxy/cache/vary.hpp"

#include <algorithm>

#include <openssl/sha.h>

#include "common/clock.hpp"
#include "common/hex.hpp"
#include "common/text.hpp"

namespace foilcache::cache {
namespace {

constexpr std::string_view kIndexVary = "Vary";
constexpr std::string_view kIndexList = "X-Foilcache-Variants";  // "<nonce> <id> <id>..."

// Fields whose values are lists of case-insensitive tokens with parameters (RFC 9110
// §12.5): whitespace and case carry no meaning there.
bool token_list_field(std::string_view name) {
  return name == "accept" || name == "accept-language" || name == "accept-charset";
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = common::ascii_lower(c);
  return out;
}

// Adds the Vary members of one field value; false when one is `*` or a credential field.
template <class Names>
bool collect(std::string_view value, const config::Route& route, Names& names) {
  bool ok = true;
  common::for_each_list_member(value, [&](std::string_view name) {
    if (name.empty()) return;
    if (name == "*") ok = false;
    if (key_covers_vary(name, route)) return;
    if (common::iequals(name, "cookie") || common::iequals(name, "authorization")) ok = false;
    names.push_back(lower(name));
  });
  return ok;
}

std::optional<std::vector<std::string>> finish(std::vector<std::string> names, bool ok) {
  if (!ok) return std::nullopt;
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  if (names.size() > kMaxVaryFields) return std::nullopt;
  return names;
}

}  // namespace

bool key_covers_vary(std::string_view name, const config::Route& route) {
  // The proxy strips Accept-Encoding upstream on cacheable requests, so the response
  // never depends on it.
  if (common::iequals(name, "accept-encoding")) return true;
  // {user} covers the credentials (an anonymous caller with other cookies bypasses, see
  // request_cacheability). shared: true says the caller does not matter, but an answer
  // that says it varies on them contradicts that: stored, it would be served to everyone
  // (RFC 9111 §4.1), so it is not stored.
  if (common::iequals(name, "cookie") || common::iequals(name, "authorization")) {
    if (route.key.uses_user() && !route.shared) return true;
  }
  return route.key.renders_header(name);
}

std::optional<std::vector<std::string>> selecting_fields(const http::response_header<>& response,
                                                         const config::Route& route) {
  std::vector<std::string> names;
  bool ok = true;
  for (auto [it, end] = response.equal_range(http::field::vary); it != end; ++it) {
    ok = collect(it->value(), route, names) && ok;
  }
  return finish(std::move(names), ok);
}

std::optional<std::vector<std::string>> selecting_fields(const Entry& entry, const config::Route& route) {
  std::vector<std::string> names;
  bool ok = true;
  for (const auto& [name, value] : entry.headers) {
    if (common::iequals(name, kIndexVary)) ok = collect(value, route, names) && ok;
  }
  return finish(std::move(names), ok);
}

std::string selecting_values(std::span<const std::string> fields, const http::request_header<>& request) {
  std::string out;
  for (const auto& name : fields) {
    out.append(name);
    auto [it, end] = request.equal_range(name);
    if (it == end) {
      out.append("\n-\n");  // absent: unlike any value, the empty one included
      continue;
    }
    out.append("\n=");
    bool first = true;
    for (; it != end; ++it) {
      common::for_each_list_member(it->value(), [&](std::string_view member) {
        if (!first) out.push_back(',');
        first = false;
        if (!token_list_field(name)) {
          out.append(member);
          return;
        }
        for (const char c : member) {
          if (c != ' ' && c != '\t') out.push_back(common::ascii_lower(c));
        }
      });
    }
    out.push_back('\n');
  }
  return out;
}

std::string variant_id(std::span<const std::string> fields, const http::request_header<>& request) {
  const std::string values = selecting_values(fields, request);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(values.data()), values.size(), digest);
  return common::hex_lower(std::span<const unsigned char>(digest, 16));
}

std::string stored_variant(const Entry& entry, const config::Route& route, const http::request_header<>& request) {
  const auto fields = selecting_fields(entry, route);
  return fields && !fields->empty() ? variant_id(*fields, request) : std::string();
}

std::string variant_key(std::string_view key, std::string_view nonce, std::string_view id) {
  std::string out;
  out.reserve(key.size() + nonce.size() + id.size() + 8);
  out.append(key).append("#vary:").append(nonce).append(":").append(id);
  return out;
}

bool VariantIndex::lists(std::string_view id) const { return std::find(ids.begin(), ids.end(), id) != ids.end(); }

bool VariantIndex::add(std::string id) {
  if (lists(id)) return false;
  ids.push_back(std::move(id));
  if (ids.size() > kMaxVariants) ids.erase(ids.begin(), ids.end() - kMaxVariants);
  return true;
}

bool is_variant_index(const Entry& entry) { return entry.status == kVariantIndexStatus; }

std::optional<VariantIndex> read_variant_index(const Entry& entry) {
  if (!is_variant_index(entry)) return std::nullopt;
  VariantIndex index;
  bool listed = false;
  for (const auto& [name, value] : entry.headers) {
    if (name == kIndexVary) {
      common::for_each_list_member(value, [&](std::string_view field) {
        if (!field.empty()) index.fields.push_back(lower(field));
      });
    } else if (name == kIndexList) {
      std::string_view rest = value;
      while (!rest.empty()) {
        const auto space = rest.find(' ');
        const auto word = rest.substr(0, space);
        if (!word.empty()) {
          if (index.nonce.empty()) {
            index.nonce = word;
          } else {
            index.ids.emplace_back(word);
          }
        }
        if (space == std::string_view::npos) break;
        rest.remove_prefix(space + 1);
      }
      listed = true;
    }
  }
  if (!listed || index.nonce.empty() || index.fields.empty() || index.fields.size() > kMaxVaryFields ||
      index.ids.size() > kMaxVariants) {
    return std::nullopt;
  }
  return index;
}

EntryPtr make_variant_index(const VariantIndex& index, std::string_view route, std::span<const std::string> tags,
                            std::span<const std::uint64_t> generations, std::chrono::system_clock::time_point now,
                            std::chrono::milliseconds keep) {
  auto entry = std::make_shared<Entry>();
  entry->status = kVariantIndexStatus;
  entry->stored_at_ms = common::to_unix_ms(now);
  entry->ttl_s = static_cast<std::uint32_t>(std::max<std::int64_t>(1, (keep.count() + 999) / 1000));
  entry->route = route;
  for (std::size_t i = 0; i < tags.size() && i < generations.size(); ++i) entry->tags.emplace_back(tags[i], generations[i]);
  std::string fields;
  for (const auto& field : index.fields) fields.append(fields.empty() ? "" : ", ").append(field);
  std::string list = index.nonce;
  for (const auto& id : index.ids) list.append(" ").append(id);
  entry->headers.emplace_back(kIndexVary, std::move(fields));
  entry->headers.emplace_back(kIndexList, std::move(list));
  entry->headers.emplace_back("ETag", "\"variant-index\"");  // every entry has a validator
  finish_entry(*entry);
  return entry;
}

}  // namespace foilcache::cache

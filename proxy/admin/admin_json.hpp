// The admin API's and the webhook's JSON answers (RapidJSON), byte for byte as the
// contract shows them: every body ends with '\n', every answer is no-store.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/net.hpp"
#include "proxy/cache/entry.hpp"
#include "proxy/cache/freshness.hpp"
#include "proxy/metrics/stats.hpp"
#include "proxy/store/store.hpp"

namespace foilcache::admin {

using Response = http::response<http::string_body>;

// A JSON answer (HTTP `version` as the request's) with `body` + "\n".
Response json_response(unsigned version, http::status status, std::string body);
// {"error":"<message>"} as json_response.
Response json_error(unsigned version, http::status status, std::string_view message);

// {"<name>":<n>}
std::string count_json(const char* name, std::uint64_t n);
// {"event":"...","invalidated_tags":[...]} (no "event" member when `event` is null).
std::string tags_json(const std::string* event, const std::vector<std::string>& tags);
// GET /api/cache/info: {"status","keys" (null when the store could not count),"stats",
// "scope" ("cluster" with shared counters, else "process"),"redis_url" (masked; null)}.
std::string info_json(const char* mode, const store::CountResult& keys, const metrics::Stats::Values& stats,
                      bool cluster, const std::string& masked_url);
// GET /api/cache/keys/{key}: {"key","route","status","size","stored_size","encoding","age","ttl","tags"}.
std::string key_json(std::string_view key, const cache::Entry& entry, const cache::Freshness& f,
                     const std::vector<std::string>& tags);

}  // namespace foilcache::admin

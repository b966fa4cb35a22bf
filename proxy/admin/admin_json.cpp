#include "proxy/admin/admin_json.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

#include "proxy/http/responses.hpp"

namespace foilcache::admin {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void string(JsonWriter& w, std::string_view text) {
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

}  // namespace

Response json_response(unsigned version, http::status status, std::string body) {
  Response res{status, version};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.body() = std::move(body);
  res.body().push_back('\n');
  res.prepare_payload();
  return res;
}

Response json_error(unsigned version, http::status status, std::string_view message) {
  return json_response(version, status, http_server::json_error_body(message));
}

std::string count_json(const char* name, std::uint64_t n) {
  return std::string("{\"") + name + "\":" + std::to_string(n) + "}";
}

std::string tags_json(const std::string* event, const std::vector<std::string>& tags) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  if (event) {
    w.Key("event");
    string(w, *event);
  }
  w.Key("invalidated_tags");
  w.StartArray();
  for (const auto& tag : tags) string(w, tag);
  w.EndArray();
  w.EndObject();
  return buffer.GetString();
}

std::string info_json(const char* mode, const store::CountResult& keys, const metrics::Stats::Values& stats,
                      bool cluster, const std::string& masked_url) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("status");
  w.String(mode);
  w.Key("keys");
  if (keys.status == store::StoreStatus::kOk) {
    w.Uint64(keys.count);
  } else {
    w.Null();  // the store could not be scanned (Redis unavailable)
  }
  w.Key("stats");
  w.StartObject();
  for (const auto& [name, value] : stats) {
    w.Key(name.c_str());
    w.Uint64(value);
  }
  w.EndObject();
  w.Key("scope");
  w.String(cluster ? "cluster" : "process");
  w.Key("redis_url");
  if (masked_url.empty()) {
    w.Null();
  } else {
    string(w, masked_url);
  }
  w.EndObject();
  return buffer.GetString();
}

std::string key_json(std::string_view key, const cache::Entry& entry, const cache::Freshness& f,
                     const std::vector<std::string>& tags) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("key");
  string(w, key);
  w.Key("route");
  string(w, entry.route);
  w.Key("status");
  w.Uint(entry.status);
  w.Key("size");
  w.Uint64(entry.identity_size);
  // What the store holds: gzip when the route compresses and it paid off.
  w.Key("stored_size");
  w.Uint64(entry.compressed() ? entry.gzip.size() : entry.identity_size);
  w.Key("encoding");
  w.String(entry.compressed() ? "gzip" : "identity");
  w.Key("age");
  w.Int64(f.age_s());
  w.Key("ttl");
  w.Int64(std::max<std::int64_t>(0, f.ttl_left_s()));
  w.Key("tags");
  w.StartArray();
  for (const auto& tag : tags) string(w, tag);
  w.EndArray();
  w.EndObject();
  return buffer.GetString();
}

}  // namespace foilcache::admin

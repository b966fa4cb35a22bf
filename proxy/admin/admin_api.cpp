#include "proxy/admin/admin_api.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <chrono>
#include <optional>

#include "common/webhook_signature.hpp"
#include "proxy/config/percent_decode.hpp"
#include "proxy/metrics/metrics.hpp"
#include "proxy/cache/freshness.hpp"

namespace foilcache::admin {
namespace {

using Response = http::response<http::string_body>;
using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

Response json_response(const http::request_header<>& request, http::status status, std::string body) {
  Response res{status, request.version()};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.body() = std::move(body);
  res.body().push_back('\n');
  res.prepare_payload();
  return res;
}

std::string error_json(std::string_view message) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("error");
  w.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
  w.EndObject();
  return buffer.GetString();
}

Response error(const http::request_header<>& request, http::status status, std::string_view message) {
  return json_response(request, status, error_json(message));
}

std::string count_json(const char* name, std::uint64_t n) {
  return std::string("{\"") + name + "\":" + std::to_string(n) + "}";
}

// The value of query parameter `name` in `target`, decoded as the app would.
std::optional<std::string> query_param(std::string_view target, std::string_view name) {
  const auto question = target.find('?');
  if (question == std::string_view::npos) return std::nullopt;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (config::decodes_to(pair.substr(0, eq), name, true)) {
      return eq == std::string_view::npos ? std::string() : config::decoded(pair.substr(eq + 1), true);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

net::awaitable<Response> info(app::Worker& worker, metrics::Stats& stats, const http::request_header<>& request) {
  const auto keys = co_await worker.backend.entries->count();
  const auto& config = *worker.config;
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("status");
  w.String(worker.backend.entries->health().mode);
  w.Key("keys");
  if (keys.status == store::StoreStatus::kOk) {
    w.Uint64(keys.count);
  } else {
    w.Null();  // the store could not be scanned (Redis unavailable)
  }
  // Cluster-wide with a shared store: the flushed totals of every instance plus what this
  // one has not flushed yet. Process-local in memory mode, or when Redis cannot be read.
  std::optional<store::Counters> shared;
  if (worker.backend.counters) shared = co_await worker.backend.counters->read();
  metrics::Stats::Values values = shared ? stats.unflushed() : stats.totals();
  if (shared) {
    for (auto& [name, value] : values) {
      for (const auto& [shared_name, shared_value] : *shared) {
        if (shared_name == name) value += shared_value;
      }
    }
  }
  w.Key("stats");
  w.StartObject();
  for (const auto& [name, value] : values) {
    w.Key(name.c_str());
    w.Uint64(value);
  }
  w.EndObject();
  w.Key("scope");
  w.String(shared ? "cluster" : "process");
  w.Key("redis_url");
  const std::string masked = config.redis.masked_url();
  if (masked.empty()) {
    w.Null();
  } else {
    w.String(masked.c_str());
  }
  w.EndObject();
  co_return json_response(request, http::status::ok, buffer.GetString());
}

net::awaitable<Response> key_metadata(app::Worker& worker, const http::request_header<>& request,
                                      const std::string& key) {
  const auto found = co_await worker.backend.entries->get(key, {});
  if (found.status == store::StoreStatus::kUnavailable) {
    co_return error(request, http::status::service_unavailable, "store unavailable");
  }
  if (found.status != store::StoreStatus::kOk || !found.entry) {
    co_return error(request, http::status::not_found, "no such entry");
  }
  const auto& entry = *found.entry;
  const auto f = cache::freshness(entry, worker.shared.clock->system_now());
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("key");
  w.String(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.Key("route");
  w.String(entry.route.data(), static_cast<rapidjson::SizeType>(entry.route.size()));
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
  for (const auto& route : worker.config->routes) {
    if (route.name != entry.route) continue;
    for (const auto& tag : route.tags) w.String(tag.c_str());
  }
  w.EndArray();
  w.EndObject();
  co_return json_response(request, http::status::ok, buffer.GetString());
}

net::awaitable<Response> remove(app::Worker& worker, const http::request_header<>& request, std::string glob,
                                const char* field) {
  const auto removed = co_await worker.invalidator->matching(std::move(glob));
  if (removed.status != store::StoreStatus::kOk) {
    co_return error(request, http::status::service_unavailable,
                    "store unavailable after removing " + std::to_string(removed.count) + " entries");
  }
  co_return json_response(request, http::status::ok, count_json(field, removed.count));
}

// {"event":"...","invalidated_tags":[...]} (no "event" member when `event` is null).
std::string tags_json(const std::string* event, const std::vector<std::string>& tags) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  if (event) {
    w.Key("event");
    w.String(event->data(), static_cast<rapidjson::SizeType>(event->size()));
  }
  w.Key("invalidated_tags");
  w.StartArray();
  for (const auto& tag : tags) w.String(tag.data(), static_cast<rapidjson::SizeType>(tag.size()));
  w.EndArray();
  w.EndObject();
  return buffer.GetString();
}

}  // namespace

net::awaitable<bool> invalidate_tags(app::Worker& worker, const std::vector<std::string>& tags) {
  co_return co_await worker.invalidator->tags(tags);
}

net::awaitable<Response> handle_webhook(app::Worker& worker, const http::request<http::string_body>& request) {
  const auto config = worker.config;
  if (config->webhooks.secret.empty()) {
    co_return error(request, http::status::forbidden, "webhook disabled: no webhooks.secret configured");
  }
  const auto now = common::to_unix_s(worker.shared.clock->system_now());
  const auto check = common::verify_webhook(config->webhooks.secret, request["X-Foilcache-Timestamp"],
                                    request["X-Foilcache-Signature"], request.body(), now);
  if (check != common::WebhookCheck::kOk) {
    if (auto* m = worker.shared.metrics) m->count_error(metrics::ErrorKind::kWebhookRejected);
    co_return error(request, http::status::unauthorized, std::string("webhook rejected: ") + common::to_string(check));
  }
  rapidjson::Document document;
  document.Parse(request.body().data(), request.body().size());
  if (document.HasParseError() || !document.IsObject()) {
    co_return error(request, http::status::bad_request, "body is not a JSON object");
  }
  const auto event_member = document.FindMember("event");
  if (event_member == document.MemberEnd() || !event_member->value.IsString() ||
      event_member->value.GetStringLength() == 0) {
    co_return error(request, http::status::bad_request, "body has no \"event\" string");
  }
  const std::string event(event_member->value.GetString(), event_member->value.GetStringLength());
  const auto mapped = config->webhooks.events.find(event);
  const std::vector<std::string> tags = mapped == config->webhooks.events.end() ? std::vector<std::string>{}
                                                                                : mapped->second;
  if (!co_await invalidate_tags(worker, tags)) {
    // The updater retries: a 200 would promise an invalidation that did not happen.
    co_return error(request, http::status::service_unavailable, "store unavailable: nothing invalidated");
  }
  co_return json_response(request, http::status::ok, tags_json(&event, tags));
}

bool token_matches(std::string_view authorization, std::string_view expected) {
  constexpr std::string_view kBearer = "Bearer ";
  if (expected.empty() || authorization.size() <= kBearer.size() ||
      !std::equal(kBearer.begin(), kBearer.end(), authorization.begin())) {
    return false;
  }
  const auto token = authorization.substr(kBearer.size());
  unsigned char a[SHA256_DIGEST_LENGTH];
  unsigned char b[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), a);
  SHA256(reinterpret_cast<const unsigned char*>(expected.data()), expected.size(), b);
  return CRYPTO_memcmp(a, b, sizeof a) == 0;
}

net::awaitable<Response> handle_admin(app::Worker& worker, metrics::Stats& stats, const http::request_header<>& request) {
  const auto config = worker.config;
  if (config->admin.token.empty()) {
    co_return error(request, http::status::forbidden, "admin API disabled: no admin.token configured");
  }
  if (!token_matches(request[http::field::authorization], config->admin.token)) {
    Response res = error(request, http::status::unauthorized, "missing or wrong bearer token");
    res.set(http::field::www_authenticate, "Bearer");
    co_return res;
  }

  const std::string_view target = request.target();
  const std::string_view path = target.substr(0, target.find('?'));
  const auto method = request.method();
  const bool post = method == http::verb::post;
  if (path == "/api/cache/info" && method == http::verb::get) co_return co_await info(worker, stats, request);
  if (path == "/api/cache/clear" && post) co_return co_await remove(worker, request, "*", "deleted");
  if (path == "/api/cache/reset-stats" && post) {
    stats.reset();
    if (worker.backend.counters && co_await worker.backend.counters->reset() != store::StoreStatus::kOk) {
      co_return error(request, http::status::service_unavailable, "store unavailable: shared stats not reset");
    }
    co_return json_response(request, http::status::ok, "{\"reset\":true}");
  }
  if (path == "/api/cache/invalidate" && post) {
    auto pattern = query_param(target, "pattern");
    if (!pattern || pattern->empty()) co_return error(request, http::status::bad_request, "pattern is required");
    co_return co_await remove(worker, request, std::move(*pattern), "invalidated");
  }
  if (path.starts_with("/api/cache/invalidate/") && post) {
    const std::string tag = config::decoded(path.substr(std::string_view("/api/cache/invalidate/").size()), false);
    const bool known = std::any_of(config->routes.begin(), config->routes.end(), [&](const config::Route& route) {
      return std::find(route.tags.begin(), route.tags.end(), tag) != route.tags.end();
    });
    if (!known) co_return error(request, http::status::not_found, "no route has this tag");
    const std::vector<std::string> tags{tag};
    if (!co_await invalidate_tags(worker, tags)) {
      co_return error(request, http::status::service_unavailable, "store unavailable: nothing invalidated");
    }
    co_return json_response(request, http::status::ok, tags_json(nullptr, tags));
  }
  if (path.starts_with("/api/cache/keys/") && path.size() > std::string_view("/api/cache/keys/").size()) {
    const std::string key = config::decoded(path.substr(std::string_view("/api/cache/keys/").size()), false);
    if (method == http::verb::get) co_return co_await key_metadata(worker, request, key);
    if (method == http::verb::delete_) {
      const auto status = co_await worker.invalidator->key(key);
      if (status == store::StoreStatus::kUnavailable) {
        co_return error(request, http::status::service_unavailable, "store unavailable");
      }
      if (status == store::StoreStatus::kNotFound) co_return error(request, http::status::not_found, "no such entry");
      co_return json_response(request, http::status::ok, count_json("deleted", 1));
    }
  }
  const bool known = path == "/api/cache/info" || path == "/api/cache/clear" || path == "/api/cache/reset-stats" ||
                     path == "/api/cache/invalidate" || path.starts_with("/api/cache/keys/") ||
                     path.starts_with("/api/cache/invalidate/");
  co_return known ? error(request, http::status::method_not_allowed, "method not allowed")
                  : error(request, http::status::not_found, "unknown admin path");
}

}  // namespace foilcache::admin

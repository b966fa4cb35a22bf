#include "proxy/config/sections.hpp"

#include "common/text.hpp"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <cstdint>
#include <limits>
#include <string>

namespace foilcache::config {
namespace {

constexpr std::uint16_t kHttpPort = 80;

bool is_cookie_name(std::string_view name) {
  // RFC 6265 §4.1.1 cookie-name is an RFC 2616 token.
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return is_name_char(c) || std::string_view("!#$%&'*+.^`|~").find(c) != std::string_view::npos;
  });
}

void read_listen(YamlReader& in, const Value& value, Config& config) {
  const auto text = in.typed_text(value);
  if (!text) return;
  const auto colon = text->rfind(':');
  std::string host;
  if (colon != std::string::npos) host = text->substr(0, colon);
  // "[::1]:8080": brackets only around an IPv6 address.
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const auto port = colon == std::string::npos ? std::nullopt : parse_uint(text->substr(colon + 1));
  if (host.empty() || !port || *port > std::numeric_limits<std::uint16_t>::max() ||
      (host.find(':') != std::string::npos && (*text)[0] != '[')) {
    in.error(value,
             "invalid listen address " + quoted(*text) + " (expected HOST:PORT, e.g. 0.0.0.0:8080 or [::1]:8080)");
    return;
  }
  config.listen_host = host;
  config.listen_port = static_cast<std::uint16_t>(*port);
}

void read_upstream(YamlReader& in, const Value& value, Config& config) {
  const auto text = in.typed_text(value);
  if (!text) return;
  const auto parsed = boost::urls::parse_uri(*text);
  if (!parsed) {
    in.error(value, "invalid upstream url " + quoted(*text) + " (expected http://HOST:PORT)");
    return;
  }
  const boost::urls::url_view url = *parsed;
  if (!common::iequals(url.scheme(), "http")) {
    in.error(value, "only http:// upstreams are supported");
    return;
  }
  bool ok = true;
  if (url.has_userinfo()) {
    in.error(value, "the upstream url must not contain credentials");
    ok = false;
  }
  if (!(url.encoded_path().empty() || url.encoded_path() == "/") || url.has_query() || url.has_fragment()) {
    in.error(value, "the upstream url must not have a path, query or fragment (expected http://HOST:PORT)");
    ok = false;
  }
  const std::string host = url.host_address();
  if (host.empty()) {
    in.error(value, "the upstream url has no host");
    ok = false;
  }
  std::uint16_t port = kHttpPort;
  if (url.has_port()) {
    const auto number = parse_uint(url.port());
    if (!number || *number == 0 || *number > std::numeric_limits<std::uint16_t>::max()) {
      in.error(value, "invalid port in the upstream url");
      ok = false;
    } else {
      port = static_cast<std::uint16_t>(*number);
    }
  }
  if (!ok) return;
  config.upstream_url = *text;
  config.upstream.scheme = "http";
  config.upstream.host = host;
  config.upstream.port = port;
}

}  // namespace

namespace {

void read_redis(YamlReader& in, const Value& value, RedisConfig& redis) {
  const Fields f = in.fields(value, "redis", "redis");
  if (const Value* v = f.get("url")) {
    if (auto text = in.string(*v)) parse_redis_url(in, *v, std::move(*text), redis);
  }
  if (const Value* v = f.get("prefix")) {
    if (auto text = in.string(*v)) {
      if (text->empty()) {
        in.error(*v, "'prefix' must not be empty (it is what keeps foilcache's keys apart from the app's)");
      } else {
        redis.prefix = std::move(*text);
      }
    }
  }
  const auto positive = [&](const Value& x) { return in.duration(x); };
  set_field(f, "timeout", redis.timeout, positive);
  set_field(f, "connect_timeout", redis.connect_timeout, positive);
  set_field(f, "reconnect_min", redis.reconnect_min, positive);
  set_field(f, "reconnect_max", redis.reconnect_max, positive);
  if (redis.reconnect_min > redis.reconnect_max) {
    const Value* v = f.get("reconnect_min");
    in.error(v != nullptr ? *v : value, "'reconnect_min' must not exceed 'reconnect_max'");
  }
}

// `webhooks:`; its `events` is the same map as the top-level `events` (an alias).
void read_webhooks(YamlReader& in, const Value& value, Config& config, bool& had_events) {
  const Fields f = in.fields(value, "webhooks", "webhooks");
  set_field(f, "secret", config.webhooks.secret, [&](const Value& x) { return in.string(x); });
  const Value* events = f.get("events");
  had_events = events != nullptr;
  if (events != nullptr) read_events(in, *events, "webhooks.events", config.events);
}

void read_identity(YamlReader& in, const Value& value, IdentityConfig& identity) {
  const Fields f = in.fields(value, "identity", "identity");
  set_field(f, "secret", identity.secret, [&](const Value& x) { return in.string(x); });
  if (const Value* v = f.get("cookies")) {
    identity.cookies.clear();
    for (const auto& item : in.list(*v)) {
      auto name = in.string(item);
      if (!name) continue;
      if (!is_cookie_name(*name)) {
        in.error(item, "invalid cookie name " + quoted(*name));
        continue;
      }
      identity.cookies.push_back(std::move(*name));
    }
  }
}

void read_timeouts(YamlReader& in, const Value& value, TimeoutsConfig& t) {
  const Fields f = in.fields(value, "timeouts", "timeouts");
  const auto positive = [&](const Value& x) { return in.duration(x); };
  set_field(f, "read_header", t.read_header, positive);
  set_field(f, "read_body", t.read_body, positive);
  set_field(f, "idle", t.idle, positive);
  set_field(f, "write", t.write, positive);
  set_field(f, "upstream_connect", t.upstream_connect, positive);
  set_field(f, "upstream_response", t.upstream_response, positive);
  set_field(f, "upstream_idle", t.upstream_idle, positive);
  set_field(f, "tunnel_idle", t.tunnel_idle, positive);
  const auto zero_allowed = [&](const Value& x) { return in.duration(x, /*allow_zero=*/true); };
  set_field(f, "drain", t.drain, zero_allowed);                  // 0: stop at once
  set_field(f, "coalesce_wait", t.coalesce_wait, zero_allowed);  // 0: no request coalescing
}

void read_limits(YamlReader& in, const Value& value, LimitsConfig& limits) {
  const Fields f = in.fields(value, "limits", "limits");
  const auto positive_size = [&](const Value& x) { return in.size(x); };
  set_field(f, "max_header_bytes", limits.max_header_bytes, positive_size);
  set_field(f, "max_body_bytes", limits.max_body_bytes, positive_size);
  set_field(f, "max_entry_bytes", limits.max_entry_bytes, positive_size);
  set_field(f, "upstream_pool_size", limits.upstream_pool_size,
            [&](const Value& x) { return in.integer(x, 0, 1u << 20); });
  set_field(f, "warm_concurrency", limits.warm_concurrency, [&](const Value& x) { return in.integer(x, 1, 256); });
  const auto connections = [&](const Value& x) { return in.integer(x, 0, 1u << 24); };
  set_field(f, "max_connections", limits.max_connections, connections);
  set_field(f, "max_connections_per_ip", limits.max_connections_per_ip, connections);
}

void read_log(YamlReader& in, const Value& value, LogConfig& log) {
  const Fields f = in.fields(value, "log", "log");
  if (const Value* v = f.get("level")) {
    if (auto level = in.typed_text(*v)) {
      if (*level == "error" || *level == "warn" || *level == "info" || *level == "debug") {
        log.level = std::move(*level);
      } else {
        in.error(*v, "invalid log level " + quoted(*level) + " (expected error, warn, info or debug)");
      }
    }
  }
  set_field(f, "access", log.access, [&](const Value& x) { return in.boolean(x); });
}

void read_l1(YamlReader& in, const Value& value, L1Config& l1) {
  const Fields f = in.fields(value, "l1", "l1");
  set_field(f, "enabled", l1.enabled, [&](const Value& x) { return in.boolean(x); });
  set_field(f, "max_bytes", l1.max_bytes, [&](const Value& x) { return in.size(x); });
  set_field(f, "max_staleness", l1.max_staleness, [&](const Value& x) { return in.duration(x); });
}

void read_memory(YamlReader& in, const Value& value, MemoryStoreConfig& memory) {
  const Fields f = in.fields(value, "memory", "memory");
  set_field(f, "max_bytes", memory.max_bytes, [&](const Value& x) { return in.size(x); });
}

void read_admin(YamlReader& in, const Value& value, AdminConfig& admin) {
  const Fields f = in.fields(value, "admin", "admin");
  set_field(f, "token", admin.token, [&](const Value& x) { return in.string(x); });
}

}  // namespace

void read_root(YamlReader& in, const YAML::Node& root, Config& config) {
  const Value top{root, root.Mark(), "config"};
  if (root && !root.IsNull() && !root.IsMap()) {
    in.error(YAML::Mark(), "the config must be a mapping of keys (listen, upstream, routes, ...)");
    return;
  }
  const Fields f = in.fields(top, "the top level", "");
  if (const Value* v = f.get("listen")) read_listen(in, *v, config);
  if (const Value* v = f.get("upstream")) read_upstream(in, *v, config);
  set_field(f, "threads", config.threads, [&](const Value& v) { return in.integer(v, 0, 1024); });
  set_field(f, "trust_forwarded_headers", config.trust_forwarded_headers,
            [&](const Value& v) { return in.boolean(v); });
  if (const Value* v = f.get("redis")) read_redis(in, *v, config.redis);
  if (const Value* v = f.get("l1")) read_l1(in, *v, config.l1);
  if (const Value* v = f.get("memory")) read_memory(in, *v, config.memory);
  if (const Value* v = f.get("admin")) read_admin(in, *v, config.admin);
  bool webhook_events = false;
  if (const Value* v = f.get("webhooks")) read_webhooks(in, *v, config, webhook_events);
  if (const Value* v = f.get("events")) {
    if (webhook_events) {
      in.error(*v, "'events' and 'webhooks.events' are the same map (the webhook's and the feeds'): keep 'events'");
    } else {
      read_events(in, *v, "events", config.events);
    }
  }
  if (const Value* v = f.get("identity")) read_identity(in, *v, config.identity);
  if (const Value* v = f.get("timeouts")) read_timeouts(in, *v, config.timeouts);
  if (const Value* v = f.get("limits")) read_limits(in, *v, config.limits);
  if (const Value* v = f.get("log")) read_log(in, *v, config.log);
  if (const Value* v = f.get("feeds")) read_feeds(in, *v, config.redis, config.feeds);
  const std::size_t errors_before_routes = in.error_count();
  if (const Value* v = f.get("routes")) read_routes(in, *v, config);
  // After the routes, as each warm url must match one (unless a route failed to load:
  // then "matches no route" would only echo that error).
  if (const Value* v = f.get("warm")) read_warm(in, *v, config, in.error_count() == errors_before_routes);
}

}  // namespace foilcache::config

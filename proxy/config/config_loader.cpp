#include "proxy/config/config_loader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <set>
#include <sstream>
#include <tuple>
#include <utility>

#include "proxy/config/config_keys.hpp"
#include "proxy/config/route_table.hpp"
#include "proxy/config/values.hpp"

namespace foilcache::config {
namespace {

constexpr std::uint16_t kHttpPort = 80;
constexpr std::uint16_t kRedisPort = 6379;

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) {
    if (!out.empty()) out += '\n';
    out += line;
  }
  return out;
}

bool is_tag_char(char c) { return is_name_char(c) || c == '.'; }

bool is_cookie_name(std::string_view name) {
  // RFC 6265 §4.1.1 cookie-name is an RFC 2616 token.
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return is_name_char(c) || std::string_view("!#$%&'*+.^`|~").find(c) != std::string_view::npos;
  });
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// One value in the document with the position to blame for it.
struct Value {
  YAML::Node node;
  YAML::Mark mark;
  std::string name;  // the key it belongs to, for messages
};

// The keys of one mapping, checked against the schema.
class Fields {
 public:
  void add(std::string name, Value value) { items_.emplace_back(std::move(name), std::move(value)); }
  const Value* get(std::string_view name) const {
    for (const auto& [key, value] : items_) {
      if (key == name) return &value;
    }
    return nullptr;
  }

 private:
  std::vector<std::pair<std::string, Value>> items_;
};

class Loader {
 public:
  Loader(std::string source, const EnvLookup& env) : source_(std::move(source)), env_(env) {}

  std::shared_ptr<const Config> load(const std::string& yaml) {
    YAML::Node root;
    try {
      root = YAML::Load(yaml);
    } catch (const YAML::Exception& e) {
      error(e.mark, e.msg);
      fail();
    }
    auto config = std::make_shared<Config>();
    config->source_path = source_;
    load_root(root, *config);
    if (!errors_.empty()) fail();
    return config;
  }

 private:
  void error(const YAML::Mark& mark, std::string_view message) {
    const int line = mark.is_null() ? 0 : mark.line;
    const int column = mark.is_null() ? 0 : mark.column;
    std::ostringstream out;
    out << source_ << ':' << line + 1 << ':' << column + 1 << ": " << message;
    errors_.push_back(Located{line, column, out.str()});
  }

  // Errors in file order, whatever order the schema checked them in.
  [[noreturn]] void fail() {
    std::stable_sort(errors_.begin(), errors_.end(), [](const Located& a, const Located& b) {
      return std::tie(a.line, a.column) < std::tie(b.line, b.column);
    });
    std::vector<std::string> messages;
    messages.reserve(errors_.size());
    for (auto& e : errors_) messages.push_back(std::move(e.text));
    throw ConfigError(std::move(messages));
  }
  void error(const Value& value, std::string_view message) { error(value.mark, message); }

  // Splits MAP into its fields, reporting unknown and duplicate keys; the keys allowed are
  // config_keys()' entry for SECTION, WHERE names the mapping in messages. A null node (an
  // empty section) has no fields.
  Fields fields(const Value& map, std::string_view where, std::string_view section) {
    const std::vector<std::string_view>& allowed = keys_of(section);
    Fields result;
    if (!map.node || map.node.IsNull()) return result;
    if (!map.node.IsMap()) {
      error(map, quoted(map.name) + " must be a mapping");
      return result;
    }
    std::set<std::string, std::less<>> seen;
    for (const auto& item : map.node) {
      const YAML::Node& key = item.first;
      const YAML::Node& value = item.second;
      if (!key.IsScalar()) {
        error(key.Mark(), std::string("keys in ") + std::string(where) + " must be strings");
        continue;
      }
      const std::string& name = key.Scalar();
      if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
        std::string message = "unknown key " + quoted(name) + " in " + std::string(where);
        std::string_view best;
        std::size_t best_distance = 3;  // suggest only close misspellings
        for (const auto candidate : allowed) {
          const auto distance = edit_distance(name, candidate);
          if (distance < best_distance && distance < candidate.size()) {
            best = candidate;
            best_distance = distance;
          }
        }
        if (!best.empty()) message += " (did you mean " + quoted(best) + "?)";
        error(key.Mark(), message);
        continue;
      }
      if (!seen.insert(name).second) {
        error(key.Mark(), "duplicate key " + quoted(name) + " in " + std::string(where));
        continue;
      }
      // A null value has no position of its own (yaml-cpp points at the next token).
      const YAML::Mark mark = value.IsNull() ? key.Mark() : value.Mark();
      result.add(name, Value{value, mark, name});
    }
    return result;
  }

  // The scalar text after ${VAR} substitution; "" for null; std::nullopt (reported) otherwise.
  std::optional<std::string> string(const Value& value) {
    if (!value.node || value.node.IsNull()) return std::string();
    if (!value.node.IsScalar()) {
      error(value, quoted(value.name) + " must be a string");
      return std::nullopt;
    }
    std::vector<std::string> problems;
    std::string text = substitute_env(value.node.Scalar(), env_, problems);
    for (const auto& problem : problems) error(value, problem);
    if (!problems.empty()) return std::nullopt;
    return text;
  }

  // Like string() but a missing value is an error: for typed values.
  std::optional<std::string> typed_text(const Value& value) {
    if (!value.node || value.node.IsNull()) {
      error(value, quoted(value.name) + " has no value");
      return std::nullopt;
    }
    return string(value);
  }

  std::optional<bool> boolean(const Value& value) {
    const auto text = typed_text(value);
    if (!text) return std::nullopt;
    if (*text == "true") return true;
    if (*text == "false") return false;
    error(value, quoted(value.name) + " must be true or false, not " + quoted(*text));
    return std::nullopt;
  }

  std::optional<std::uint64_t> integer(const Value& value, std::uint64_t min, std::uint64_t max) {
    const auto text = typed_text(value);
    if (!text) return std::nullopt;
    const auto number = parse_uint(*text);
    if (!number || *number < min || *number > max) {
      error(value, quoted(value.name) + " must be an integer from " + std::to_string(min) + " to " +
                       std::to_string(max) + ", not " + quoted(*text));
      return std::nullopt;
    }
    return number;
  }

  std::optional<Duration> duration(const Value& value, bool allow_zero = false) {
    const auto text = typed_text(value);
    if (!text) return std::nullopt;
    const auto parsed = parse_duration(*text);
    if (!parsed) {
      error(value, "invalid duration " + quoted(*text) + " for " + quoted(value.name) +
                       " (expected e.g. 250ms, 30s, 5m, 1h or integer seconds)");
      return std::nullopt;
    }
    if (!allow_zero && parsed->count() == 0) {
      error(value, quoted(value.name) + " must be greater than 0");
      return std::nullopt;
    }
    return parsed;
  }

  std::optional<std::size_t> size(const Value& value, bool allow_zero = false) {
    const auto text = typed_text(value);
    if (!text) return std::nullopt;
    const auto parsed = parse_size(*text);
    if (!parsed) {
      error(value, "invalid size " + quoted(*text) + " for " + quoted(value.name) +
                       " (expected e.g. 65536, 64KiB, 8MiB, 1GiB, 5MB)");
      return std::nullopt;
    }
    if (!allow_zero && *parsed == 0) {
      error(value, quoted(value.name) + " must be greater than 0");
      return std::nullopt;
    }
    return parsed;
  }

  // The items of a sequence; null is an empty list.
  std::vector<Value> list(const Value& value) {
    std::vector<Value> items;
    if (!value.node || value.node.IsNull()) return items;
    if (!value.node.IsSequence()) {
      error(value, quoted(value.name) + " must be a list");
      return items;
    }
    for (const auto& item : value.node) {
      items.push_back(Value{item, item.IsNull() ? value.mark : item.Mark(), value.name});
    }
    return items;
  }

  std::vector<std::string> string_list(const Value& value) {
    std::vector<std::string> out;
    for (const auto& item : list(value)) {
      if (auto text = string(item)) out.push_back(std::move(*text));
    }
    return out;
  }

  std::vector<std::string> tag_list(const Value& value) {
    std::vector<std::string> tags;
    for (const auto& item : list(value)) {
      auto tag = string(item);
      if (!tag) continue;
      if (tag->empty() || !std::all_of(tag->begin(), tag->end(), is_tag_char)) {
        error(item, "invalid tag " + quoted(*tag) + " (letters, digits, '_', '-', '.')");
        continue;
      }
      tags.push_back(std::move(*tag));
    }
    return tags;
  }

  template <typename T, typename Parse>
  void set(const Fields& f, std::string_view name, T& target, Parse&& parse) {
    if (const Value* v = f.get(name)) {
      if (auto parsed = parse(*v)) target = static_cast<T>(*parsed);
    }
  }

  void load_root(const YAML::Node& root, Config& config) {
    const Value top{root, root.Mark(), "config"};
    if (root && !root.IsNull() && !root.IsMap()) {
      error(YAML::Mark(), "the config must be a mapping of keys (listen, upstream, routes, ...)");
      return;
    }
    const Fields f = fields(top, "the top level", "");
    if (const Value* v = f.get("listen")) load_listen(*v, config);
    if (const Value* v = f.get("upstream")) load_upstream(*v, config);
    set(f, "threads", config.threads, [&](const Value& v) { return integer(v, 0, 1024); });
    set(f, "trust_forwarded_headers", config.trust_forwarded_headers,
        [&](const Value& v) { return boolean(v); });
    if (const Value* v = f.get("redis")) load_redis(*v, config.redis);
    if (const Value* v = f.get("l1")) {
      const Fields l = fields(*v, "l1", "l1");
      set(l, "enabled", config.l1.enabled, [&](const Value& x) { return boolean(x); });
      set(l, "max_bytes", config.l1.max_bytes, [&](const Value& x) { return size(x); });
      set(l, "max_staleness", config.l1.max_staleness, [&](const Value& x) { return duration(x); });
    }
    if (const Value* v = f.get("memory")) {
      const Fields m = fields(*v, "memory", "memory");
      set(m, "max_bytes", config.memory.max_bytes, [&](const Value& x) { return size(x); });
    }
    if (const Value* v = f.get("admin")) {
      const Fields a = fields(*v, "admin", "admin");
      set(a, "token", config.admin.token, [&](const Value& x) { return string(x); });
    }
    if (const Value* v = f.get("webhooks")) load_webhooks(*v, config.webhooks);
    if (const Value* v = f.get("identity")) load_identity(*v, config.identity);
    if (const Value* v = f.get("timeouts")) load_timeouts(*v, config.timeouts);
    if (const Value* v = f.get("limits")) load_limits(*v, config.limits);
    if (const Value* v = f.get("log")) load_log(*v, config.log);
    const std::size_t errors_before_routes = errors_.size();
    if (const Value* v = f.get("routes")) load_routes(*v, config);
    // After the routes, as each warm url must match one (unless a route failed to load:
    // then "matches no route" would only echo that error).
    if (const Value* v = f.get("warm")) load_warm(*v, config, errors_.size() == errors_before_routes);
  }

  void load_warm(const Value& value, Config& config, bool check_routes) {
    for (const auto& item : list(value)) {
      if (!item.node.IsMap()) {
        error(item, "each warm entry must be a mapping (url, headers)");
        continue;
      }
      const Fields f = fields(item, "warm entry", "warm[]");
      WarmRequest request;
      if (const Value* v = f.get("url")) {
        if (auto text = typed_text(*v)) request.target = std::move(*text);
      } else {
        error(item, "warm entry is missing required key 'url'");
        continue;
      }
      if (request.target.empty()) continue;  // already reported
      const std::string_view path = std::string_view(request.target).substr(0, request.target.find('?'));
      PathParams params;
      if (request.target.front() != '/' || request.target.find_first_of(" \t\r\n#") != std::string::npos) {
        error(*f.get("url"), "warm url " + quoted(request.target) + " must be a path and query (\"/api/...?...\")");
        continue;
      }
      if (check_routes && match_route(config, "GET", path, params) == nullptr) {
        error(*f.get("url"), "warm url " + quoted(request.target) +
                                 " matches no GET route: warming it would store nothing");
        continue;
      }
      if (const Value* v = f.get("headers")) {
        if (!v->node.IsMap()) {
          error(*v, "'headers' must be a mapping of header name to value");
        } else {
          for (const auto& header : v->node) {
            const std::string& name = header.first.Scalar();
            if (!header.first.IsScalar() || name.empty() ||
                !std::all_of(name.begin(), name.end(), is_name_char)) {
              error(header.first.Mark(), "invalid header name " + quoted(name));
              continue;
            }
            const Value header_value{header.second, header.second.IsNull() ? header.first.Mark() : header.second.Mark(),
                                     name};
            auto text = string(header_value);
            if (!text) continue;
            if (text->find_first_of("\r\n") != std::string::npos) {
              error(header_value, "header " + quoted(name) + " must be a single line");
              continue;
            }
            request.headers.emplace_back(name, std::move(*text));
          }
        }
      }
      config.warm.push_back(std::move(request));
    }
  }

  void load_listen(const Value& value, Config& config) {
    const auto text = typed_text(value);
    if (!text) return;
    const auto colon = text->rfind(':');
    std::string host;
    if (colon != std::string::npos) host = text->substr(0, colon);
    // "[::1]:8080": brackets only around an IPv6 address.
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    const auto port = colon == std::string::npos ? std::nullopt : parse_uint(text->substr(colon + 1));
    if (host.empty() || !port || *port > std::numeric_limits<std::uint16_t>::max() ||
        (host.find(':') != std::string::npos && (*text)[0] != '[')) {
      error(value, "invalid listen address " + quoted(*text) +
                       " (expected HOST:PORT, e.g. 0.0.0.0:8080 or [::1]:8080)");
      return;
    }
    config.listen_host = host;
    config.listen_port = static_cast<std::uint16_t>(*port);
  }

  void load_upstream(const Value& value, Config& config) {
    const auto text = typed_text(value);
    if (!text) return;
    const auto parsed = boost::urls::parse_uri(*text);
    if (!parsed) {
      error(value, "invalid upstream url " + quoted(*text) + " (expected http://HOST:PORT)");
      return;
    }
    const boost::urls::url_view url = *parsed;
    if (!beast::iequals(url.scheme(), "http")) {
      error(value, "only http:// upstreams are supported");
      return;
    }
    bool ok = true;
    if (url.has_userinfo()) {
      error(value, "the upstream url must not contain credentials");
      ok = false;
    }
    if (!(url.encoded_path().empty() || url.encoded_path() == "/") || url.has_query() || url.has_fragment()) {
      error(value, "the upstream url must not have a path, query or fragment (expected http://HOST:PORT)");
      ok = false;
    }
    const std::string host = url.host_address();
    if (host.empty()) {
      error(value, "the upstream url has no host");
      ok = false;
    }
    std::uint16_t port = kHttpPort;
    if (url.has_port()) {
      const auto number = parse_uint(url.port());
      if (!number || *number == 0 || *number > std::numeric_limits<std::uint16_t>::max()) {
        error(value, "invalid port in the upstream url");
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

  void load_redis(const Value& value, RedisConfig& redis) {
    const Fields f = fields(value, "redis", "redis");
    if (const Value* v = f.get("url")) {
      if (auto text = string(*v)) parse_redis_url(*v, std::move(*text), redis);
    }
    if (const Value* v = f.get("prefix")) {
      if (auto text = string(*v)) {
        if (text->empty()) {
          error(*v, "'prefix' must not be empty (it is what keeps foilcache's keys apart from the app's)");
        } else {
          redis.prefix = std::move(*text);
        }
      }
    }
    set(f, "timeout", redis.timeout, [&](const Value& x) { return duration(x); });
    set(f, "connect_timeout", redis.connect_timeout, [&](const Value& x) { return duration(x); });
    set(f, "reconnect_min", redis.reconnect_min, [&](const Value& x) { return duration(x); });
    set(f, "reconnect_max", redis.reconnect_max, [&](const Value& x) { return duration(x); });
    if (redis.reconnect_min > redis.reconnect_max) {
      const Value* v = f.get("reconnect_min");
      error(v != nullptr ? *v : value, "'reconnect_min' must not exceed 'reconnect_max'");
    }
  }

  // Messages here never quote the url itself: it may carry a password.
  void parse_redis_url(const Value& value, std::string text, RedisConfig& redis) {
    redis.url = std::move(text);
    if (redis.url.empty()) return;  // embedded in-memory store
    const auto masked = quoted(redis.masked_url());
    const auto parsed = boost::urls::parse_uri(redis.url);
    if (!parsed) {
      error(value,
            "invalid redis url " + masked +
                " (expected redis://[user:password@]host[:port][/db]; percent-encode special characters)");
      return;
    }
    const boost::urls::url_view url = *parsed;
    if (url.scheme() != "redis") {
      error(value, "the redis url must start with redis:// (rediss:// and unix sockets are not supported)");
      return;
    }
    redis.host = url.host_address();
    if (redis.host.empty()) error(value, "the redis url " + masked + " has no host");
    redis.port = kRedisPort;
    if (url.has_port()) {
      const auto number = parse_uint(url.port());
      if (!number || *number == 0 || *number > std::numeric_limits<std::uint16_t>::max()) {
        error(value, "invalid port in redis url " + masked);
      } else {
        redis.port = static_cast<std::uint16_t>(*number);
      }
    }
    redis.db = 0;
    const std::string_view path = url.encoded_path();
    if (!path.empty() && path != "/") {
      const auto db = parse_uint(path.substr(1));
      if (path.front() != '/' || !db || *db > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) {
        error(value, "invalid database in redis url " + masked + " (expected /N)");
      } else {
        redis.db = static_cast<int>(*db);
      }
    }
    if (url.has_query() || url.has_fragment()) {
      error(value, "the redis url " + masked + " must not have a query or fragment");
    }
    redis.username.clear();
    redis.password.clear();
    if (url.has_password()) {
      redis.username = url.user();
      redis.password = url.password();
    } else if (url.has_userinfo()) {
      // "redis://secret@host": a lone userinfo is the password (AUTH <password>).
      redis.password = url.user();
    }
  }

  void load_webhooks(const Value& value, WebhookConfig& webhooks) {
    const Fields f = fields(value, "webhooks", "webhooks");
    set(f, "secret", webhooks.secret, [&](const Value& x) { return string(x); });
    const Value* events = f.get("events");
    if (events == nullptr || !events->node || events->node.IsNull()) return;
    if (!events->node.IsMap()) {
      error(*events, "'events' must be a mapping of event name to a list of tags");
      return;
    }
    webhooks.events.clear();
    for (const auto& item : events->node) {
      const auto& name = item.first.Scalar();
      if (!item.first.IsScalar() || name.empty()) {
        error(item.first.Mark(), "event names must be non-empty strings");
        continue;
      }
      if (webhooks.events.contains(name)) {
        error(item.first.Mark(), "duplicate event " + quoted(name) + " in webhooks.events");
        continue;
      }
      const Value tags{item.second, item.second.IsNull() ? item.first.Mark() : item.second.Mark(), name};
      webhooks.events[name] = tag_list(tags);
    }
  }

  void load_identity(const Value& value, IdentityConfig& identity) {
    const Fields f = fields(value, "identity", "identity");
    set(f, "secret", identity.secret, [&](const Value& x) { return string(x); });
    if (const Value* v = f.get("cookies")) {
      identity.cookies.clear();
      for (const auto& item : list(*v)) {
        auto name = string(item);
        if (!name) continue;
        if (!is_cookie_name(*name)) {
          error(item, "invalid cookie name " + quoted(*name));
          continue;
        }
        identity.cookies.push_back(std::move(*name));
      }
    }
  }

  void load_timeouts(const Value& value, TimeoutsConfig& t) {
    const Fields f = fields(value, "timeouts", "timeouts");
    auto positive = [&](const Value& x) { return duration(x); };
    set(f, "read_header", t.read_header, positive);
    set(f, "read_body", t.read_body, positive);
    set(f, "idle", t.idle, positive);
    set(f, "write", t.write, positive);
    set(f, "upstream_connect", t.upstream_connect, positive);
    set(f, "upstream_response", t.upstream_response, positive);
    set(f, "upstream_idle", t.upstream_idle, positive);
    set(f, "tunnel_idle", t.tunnel_idle, positive);
    // drain: 0 means stop at once.
    set(f, "drain", t.drain, [&](const Value& x) { return duration(x, /*allow_zero=*/true); });
    // coalesce_wait: 0 turns request coalescing off.
    set(f, "coalesce_wait", t.coalesce_wait, [&](const Value& x) { return duration(x, /*allow_zero=*/true); });
  }

  void load_limits(const Value& value, LimitsConfig& limits) {
    const Fields f = fields(value, "limits", "limits");
    set(f, "max_header_bytes", limits.max_header_bytes, [&](const Value& x) { return size(x); });
    set(f, "max_body_bytes", limits.max_body_bytes, [&](const Value& x) { return size(x); });
    set(f, "max_entry_bytes", limits.max_entry_bytes, [&](const Value& x) { return size(x); });
    set(f, "upstream_pool_size", limits.upstream_pool_size,
        [&](const Value& x) { return integer(x, 0, 1u << 20); });
    set(f, "warm_concurrency", limits.warm_concurrency, [&](const Value& x) { return integer(x, 1, 256); });
  }

  void load_log(const Value& value, LogConfig& log) {
    const Fields f = fields(value, "log", "log");
    if (const Value* v = f.get("level")) {
      if (auto level = typed_text(*v)) {
        if (*level == "error" || *level == "warn" || *level == "info" || *level == "debug") {
          log.level = std::move(*level);
        } else {
          error(*v, "invalid log level " + quoted(*level) + " (expected error, warn, info or debug)");
        }
      }
    }
    set(f, "access", log.access, [&](const Value& x) { return boolean(x); });
  }

  void load_routes(const Value& value, Config& config) {
    std::map<std::string, int, std::less<>> names;  // name -> 1-based line of its first use
    for (const auto& item : list(value)) {
      Route route;
      const bool complete = load_route(item, route);
      if (!route.name.empty()) {
        const auto [it, inserted] = names.emplace(route.name, item.mark.line + 1);
        if (!inserted) {
          error(item, "duplicate route name " + quoted(route.name) + " (first defined on line " +
                          std::to_string(it->second) + ")");
          continue;
        }
      }
      if (complete) config.routes.push_back(std::move(route));
    }
  }

  // Returns true when ROUTE is complete (errors, if any, were reported).
  bool load_route(const Value& value, Route& route) {
    if (!value.node.IsMap()) {
      error(value, "each route must be a mapping (name, match, ttl, key, ...)");
      return false;
    }
    const Value self{value.node, value.mark, "route"};
    const Fields f = fields(self, "route", "routes[]");
    const std::size_t errors_before = errors_.size();

    const Value* name = f.get("name");
    if (name != nullptr) {
      if (auto text = typed_text(*name)) {
        if (text->empty() || !std::all_of(text->begin(), text->end(), is_name_char)) {
          error(*name, "invalid route name " + quoted(*text) + " (letters, digits, '_' and '-')");
        }
        route.name = std::move(*text);
      }
    }
    const std::string label = route.name.empty() ? "route" : "route " + quoted(route.name);
    for (const auto required : {"name", "match", "ttl", "key"}) {
      if (f.get(required) == nullptr) error(value, label + " is missing required key " + quoted(required));
    }

    bool path_ok = false;
    if (const Value* v = f.get("match")) {
      if (auto text = typed_text(*v)) path_ok = load_match(*v, *text, route);
    }
    if (const Value* v = f.get("ttl")) {
      if (auto ttl = duration(*v)) route.ttl = *ttl;
    }
    if (const Value* v = f.get("key")) {
      if (auto text = typed_text(*v)) {
        try {
          if (text->find('@') != std::string::npos) {
            // Substituted values escape '@', so only a literal could start a rendered key with it.
            throw std::invalid_argument("'@' is reserved in keys (foilcache's own Redis keys start with prefix + '@')");
          }
          route.key = KeyTemplate::parse(*text, path_ok ? route.path : PathPattern{});
        } catch (const std::invalid_argument& e) {
          error(*v, e.what());
        }
      }
    }
    if (const Value* v = f.get("tags")) route.tags = tag_list(*v);
    set(f, "shared", route.shared, [&](const Value& x) { return boolean(x); });
    if (const Value* v = f.get("statuses")) load_statuses(*v, route);
    set(f, "max_entry_bytes", route.max_entry_bytes, [&](const Value& x) { return size(x); });
    set(f, "stale_while_revalidate", route.stale_while_revalidate,
        [&](const Value& x) { return duration(x, /*allow_zero=*/true); });
    set(f, "stale_if_error", route.stale_if_error, [&](const Value& x) { return duration(x, /*allow_zero=*/true); });
    set(f, "l1", route.l1, [&](const Value& x) { return boolean(x); });
    set(f, "compress", route.compress, [&](const Value& x) { return boolean(x); });
    if (route.shared && route.key.uses_user()) {
      error(*f.get("shared"), label +
                                  ": 'shared: true' says the response does not depend on the caller, "
                                  "but the key uses {user}; drop one of them");
    }
    return errors_.size() == errors_before;
  }

  bool load_match(const Value& value, const std::string& text, Route& route) {
    const auto space = text.find_first_of(" \t");
    const auto path_begin =
        space == std::string::npos ? std::string::npos : text.find_first_not_of(" \t", space);
    if (path_begin == std::string::npos) {
      error(value, "invalid match " + quoted(text) + " (expected \"GET /path\")");
      return false;
    }
    const std::string method = text.substr(0, space);
    const std::string path = text.substr(path_begin);
    if (method != "GET") {
      error(value, method == "HEAD"
                       ? "only GET routes can be cached (HEAD requests are served from GET routes)"
                       : "only GET routes can be cached");
      return false;
    }
    route.method = method;
    if (path.find_first_of(" \t") != std::string::npos) {
      error(value, "invalid match " + quoted(text) + " (expected \"GET /path\")");
      return false;
    }
    try {
      route.path = PathPattern::parse(path);
    } catch (const std::invalid_argument& e) {
      error(value, e.what());
      return false;
    }
    return true;
  }

  void load_statuses(const Value& value, Route& route) {
    const auto items = list(value);
    if (items.empty() && value.node && value.node.IsSequence()) {
      error(value, "'statuses' must not be empty");
      return;
    }
    std::vector<unsigned> statuses;
    for (const auto& item : items) {
      auto status = integer(Value{item.node, item.mark, "status"}, 200, 599);
      if (!status) continue;
      // A partial or a not-modified response is not the full representation.
      if (*status == 206 || *status == 304) {
        error(item, "status " + std::to_string(*status) + " cannot be stored");
        continue;
      }
      statuses.push_back(static_cast<unsigned>(*status));
    }
    if (!statuses.empty()) route.statuses = std::move(statuses);
  }

  struct Located {
    int line;
    int column;
    std::string text;
  };

  std::string source_;
  const EnvLookup& env_;
  std::vector<Located> errors_;
};

}  // namespace

ConfigError::ConfigError(std::vector<std::string> errors)
    : std::runtime_error(join(errors)), errors_(std::move(errors)) {}

std::shared_ptr<const Config> load_config_string(const std::string& yaml, const std::string& source_name,
                                                 const EnvLookup& env) {
  return Loader(source_name, env).load(yaml);
}

std::shared_ptr<const Config> load_config_file(const std::string& path, const EnvLookup& env) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    const int err = errno;
    throw ConfigError({path + ":1:1: cannot open: " + std::strerror(err)});
  }
  std::ostringstream content;
  content << file.rdbuf();
  if (file.bad()) {
    const int err = errno;
    throw ConfigError({path + ":1:1: cannot read: " + std::strerror(err)});
  }
  return load_config_string(content.str(), path, env);
}

}  // namespace foilcache::config

// Plain configuration structs with their defaults. Loaded from YAML by config_loader
// (the one place that throws); everything else only reads them. A loaded Config is
// immutable and shared (std::shared_ptr<const Config>) so a reload can swap it whole.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "proxy/config/key_template.hpp"
#include "proxy/config/path_pattern.hpp"

namespace foilcache::config {

using Duration = std::chrono::milliseconds;

// Where an upstream lives, parsed from `upstream: http://host:port`.
struct UpstreamAddress {
  std::string scheme = "http";  // only http is supported (the app is a sidecar on loopback)
  std::string host = "127.0.0.1";
  std::uint16_t port = 5000;
  std::string host_header() const;  // "host:port" as sent in Host when the client sent none
};

struct RedisConfig {
  std::string url;                       // empty: embedded in-memory store
  std::string prefix = "foilcache:";     // every key foilcache writes starts with this
  Duration timeout{50};                  // per command; slower counts as unavailable
  Duration connect_timeout{500};         // one connection attempt
  Duration reconnect_min{100};           // first back-off after a failure
  Duration reconnect_max{5000};          // back-off cap
  // Parsed from url (filled by the loader), percent-decoded; a lone userinfo
  // ("redis://secret@host") is the password, as Redis AUTH takes a password alone:
  std::string host;
  std::uint16_t port = 6379;
  std::string username;
  std::string password;
  int db = 0;
  // Which kind of deployment the url names (redis://, redis+cluster://, redis+sentinel://).
  enum class Topology : std::uint8_t { kServer, kCluster, kSentinel };
  Topology topology = Topology::kServer;
  struct Node {
    std::string host;
    std::uint16_t port = 0;
  };
  std::vector<Node> nodes;       // cluster: the seed nodes; sentinel: the Sentinels (host/port: the first)
  std::string master_name;       // sentinel: the monitored master's name
  // Not read from YAML: set on the connection to a master found through Sentinel, whose
  // handshake then checks with ROLE that the server really is a master.
  bool verify_master = false;
  std::string masked_url() const;        // url with the password (or a lone userinfo) replaced by ***
};

struct MemoryStoreConfig {
  std::size_t max_bytes = 256u << 20;    // byte bound of the embedded store (and later L1)
};

// The in-process tier in front of Redis (issue #5): a byte-bounded LRU per process whose
// entries every invalidation removes on every replica (Redis pub/sub). An instance that
// cannot hear invalidations for `max_staleness` stops using it until it hears them again.
struct L1Config {
  bool enabled = true;                   // only with Redis; the memory store is already in-process
  std::size_t max_bytes = 64u << 20;
  Duration max_staleness{1'000};         // bound on serving an entry invalidated elsewhere
};

struct AdminConfig {
  std::string token;                     // empty: admin API answers 403
};

struct WebhookConfig {
  std::string secret;                    // empty: webhook answers 403
};

// What one event of the app (its webhook or its Socket.IO feed) invalidates
// (INTERFACE.md "Additions (v2)": `events:`; `webhooks.events` is the same map).
struct EventRule {
  // Conditions on the event's payload, all of which must hold: the field's value (a
  // string, number or boolean, as text) is one of the listed values. Empty: always.
  std::vector<std::pair<std::string, std::vector<std::string>>> when;
  std::vector<std::string> tags;         // literal tags (events carry no caller)
};

// The app's Socket.IO message queue on its own Redis (Flask-SocketIO's message_queue).
struct SocketIoFeedConfig {
  std::string url;                       // the app's REDIS_URL; empty: the feed is off
  std::string channel = "flask-socketio";
  RedisConfig redis;                     // parsed from url; timeouts as in `redis:`
  // While the feed is down, the entries of every mapped tag are invalidated this often, so
  // an event missed meanwhile costs at most this much staleness.
  Duration max_staleness{30'000};
  // Events arriving within this window after one was applied are merged into a single
  // invalidation at its end (a burst of events is not a miss storm on the app).
  Duration burst_window{250};
};

struct FeedsConfig {
  SocketIoFeedConfig socketio;
};

struct IdentityConfig {
  std::string secret;                    // HMAC key of {user}; empty: warning at start-up
  std::vector<std::string> cookies{"session", "remember_token"};
};

// Per-phase timeouts of the downstream and upstream connections.
struct TimeoutsConfig {
  Duration read_header{10'000};          // first byte to end of request header
  Duration read_body{30'000};            // between body chunks of a streamed request body
  Duration idle{60'000};                 // keep-alive connection waiting for the next request
  Duration write{30'000};                // a single write to a client that does not read
  Duration upstream_connect{2'000};      // TCP connect to the app
  Duration upstream_response{30'000};    // request sent to response header received
  Duration upstream_idle{30'000};        // pooled keep-alive connection kept unused
  Duration tunnel_idle{300'000};         // WebSocket / streamed transfer with no bytes either way
  Duration drain{30'000};                // SIGTERM: in-flight requests get this long
  // Concurrent misses of one key wait this long for the one request sent upstream (per
  // instance, and across instances through a Redis lock) before going upstream
  // themselves; 0 turns coalescing off.
  Duration coalesce_wait{5'000};
};

struct LimitsConfig {
  std::size_t max_header_bytes = 16 * 1024;          // request line + headers; over: 431
  std::size_t max_body_bytes = 64u << 20;            // request body; over: 413
  std::size_t max_entry_bytes = 8u << 20;            // default per-route size limit of a stored body
  std::size_t upstream_pool_size = 64;               // idle upstream connections kept per io thread
  std::size_t warm_concurrency = 4;                  // warming requests in flight at once
  std::size_t max_connections = 10000;               // client connections in all; 0: the descriptors' bound
  std::size_t max_connections_per_ip = 256;          // from one address (not loopback); 0: no cap
};

struct LogConfig {
  std::string level = "info";            // error, warn, info, debug
  bool access = true;                    // one JSON line per request on stdout
};

// One `routes:` entry. First match wins.
struct Route {
  std::string name;
  // "GET" (HEAD requests match GET routes too), or an unsafe method (POST, PUT, PATCH,
  // DELETE) for a write route: never cached; on the app's 2xx/3xx answer it invalidates
  // `invalidates` before the client gets the answer.
  std::string method;
  PathPattern path;
  Duration ttl{0};  // `ttl: origin`: ttl_cap (the bound of what the origin may ask for)
  // `ttl: origin`: each response's freshness comes from its own headers (RFC 9111, see
  // cache/origin_freshness.hpp); ttl_default when they say nothing, never above ttl_cap.
  bool origin_ttl = false;
  Duration ttl_default{0};
  Duration ttl_cap{std::chrono::hours(24)};
  // `ttl: origin`: the targeted fields (RFC 9213), in order of precedence, that replace
  // Cache-Control and Expires when the answer has one.
  std::vector<std::string> targeted_fields{"CDN-Cache-Control"};
  KeyTemplate key;
  // The tags recorded with each entry, as written (templates, rendered per request like the
  // key: "library:{user}"), and parsed. `tags_literal`: none has a placeholder, so the
  // rendered tags are `tags` themselves (no rendering on the hit path).
  std::vector<std::string> tags;
  std::vector<KeyTemplate> tag_templates;
  bool tags_literal = true;
  // Write routes: the tags their answer invalidates, as written and parsed.
  std::vector<std::string> invalidates;
  std::vector<KeyTemplate> invalidate_templates;
  // Content-Type patterns an answer must match to be stored ("image/*", "application/json");
  // empty: any.
  std::vector<std::string> content_types;
  bool shared = false;                   // response does not depend on the caller
  std::vector<unsigned> statuses{200};   // upstream statuses that may be stored
  std::size_t max_entry_bytes = 0;       // 0: limits.max_entry_bytes
  // After ttl, within this window: answer from the stale entry at once (X-Cache: STALE)
  // and refresh it once in the background. 0: off.
  Duration stale_while_revalidate{0};
  // After ttl, within this window: answer from the stale entry when the app fails
  // (connect error, timeout, 5xx). 0: off.
  Duration stale_if_error{0};
  bool l1 = true;                        // may be kept in the in-process tier (l1.enabled)
  // Store compressible bodies of 1 KiB or more gzip-compressed too (sent as such to
  // clients that accept gzip, inflated for the others).
  bool compress = true;
  // How long an entry is kept in the store: ttl plus the larger stale window.
  Duration keep() const { return ttl + std::max(stale_while_revalidate, stale_if_error); }
  bool write() const { return method != "GET"; }
  // True when the key or a tag (or an invalidated tag) renders {user}.
  bool renders_user() const;
};

// One `warm:` entry: a GET foilcache sends itself at start-up and after each invalidation
// of its route's tags, so the first real reader gets a HIT.
struct WarmRequest {
  std::string target;  // origin-form path and query ("/api/library/paged?page=1"); matches a route
  // Sent as given: the credentials a {user} route needs (Authorization, Cookie), or a
  // User-Agent. Never logged.
  std::vector<std::pair<std::string, std::string>> headers;
};

struct Config {
  std::string source_path;               // the file it was loaded from (for messages)
  std::string listen_host = "0.0.0.0";
  std::uint16_t listen_port = 8080;
  std::string upstream_url = "http://127.0.0.1:5000";
  UpstreamAddress upstream;
  unsigned threads = 0;                  // io threads; 0: one per core
  // Keep the client's X-Forwarded-*/Forwarded/Cf-Visitor headers (only behind a trusted
  // front proxy). Default: replaced by what foilcache saw, so clients cannot forge them.
  bool trust_forwarded_headers = false;
  RedisConfig redis;
  MemoryStoreConfig memory;
  L1Config l1;
  AdminConfig admin;
  WebhookConfig webhooks;
  std::map<std::string, EventRule> events;  // event name -> what it invalidates
  FeedsConfig feeds;
  IdentityConfig identity;
  TimeoutsConfig timeouts;
  LimitsConfig limits;
  LogConfig log;
  std::vector<Route> routes;
  std::vector<WarmRequest> warm;
};

}  // namespace foilcache::config

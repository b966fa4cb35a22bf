#include "proxy/cache/proxy_handler.hpp"

#include <openssl/sha.h>

#include <boost/algorithm/string/predicate.hpp>
#include <array>
#include <charconv>
#include <chrono>
#include <optional>
#include <random>
#include <string>

#include "proxy/cache/identity.hpp"
#include "proxy/cache/policy.hpp"
#include "proxy/config/route_table.hpp"
#include "proxy/http/forwarding.hpp"
#include "proxy/http/relay.hpp"
#include "proxy/metrics/metrics.hpp"
#include "common/hex.hpp"
#include "common/text.hpp"

namespace foilcache::cache {
namespace {

constexpr std::size_t kUpstreamHeaderLimit = 64 * 1024;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
// How often a coalesced request polls the store while another instance fetches.
constexpr auto kCoalescePoll = std::chrono::milliseconds(20);
// The cross-instance fetch lock expires after this even if its holder never releases it
// (Redis failed at that moment, the process died): a fetch slower than this may be
// repeated by another instance, but an orphaned lock never stalls a key for long.
constexpr auto kLockTtl = std::chrono::milliseconds(1000);
// Smaller bodies are stored as they are: gzip's framing and a Content-Encoding header eat
// most of what compressing them would save.
constexpr std::size_t kMinCompressBytes = 1024;

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Headers an entry never keeps: framing and hop-by-hop (RFC 9110 §7.6.1), and the proxy's
// own, which are set at serve time.
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
      return !beast::iequals(field.name_string(), "X-Cache") &&
             !beast::iequals(field.name_string(), "Cache-Status");
  }
}

// A strong validator for a response the app sent without one: a digest of the stored
// (identity-encoded) body, so equal bodies share it across replicas and restarts.
std::string body_etag(std::string_view body) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest);
  std::string tag = "\"";
  common::append_hex_lower(tag, std::span<const unsigned char>(digest, 16));
  tag.push_back('"');
  return tag;
}

// A random token that names one holder of a coalescing lock.
std::string lock_token() { return common::random_hex(32); }

// The value of one header of a stored entry ("" when absent).
std::string_view entry_header(const Entry& entry, std::string_view name) {
  for (const auto& [field, value] : entry.headers) {
    // ASCII comparison: boost::algorithm::iequals builds a std::locale per call.
    if (beast::iequals(field, name)) return value;
  }
  return {};
}

// RFC 9110 §13.1.2: If-None-Match with weak comparison ("*" matches any entry).
bool none_match(std::string_view if_none_match, std::string_view etag) {
  if (etag.empty()) return false;
  const auto opaque = [](std::string_view tag) { return tag.starts_with("W/") ? tag.substr(2) : tag; };
  const auto wanted = opaque(etag);
  bool matched = false;
  common::for_each_list_member(if_none_match, [&](std::string_view item) {
    matched = matched || item == "*" || opaque(item) == wanted;
  });
  return matched;
}

// An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") as seconds since the epoch.
std::optional<std::int64_t> parse_http_date(std::string_view text) {
  std::tm tm{};
  const std::string copy(text);
  const char* end = ::strptime(copy.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return static_cast<std::int64_t>(::timegm(&tm));
}

// RFC 9110 §13.2.2: If-None-Match decides when present (against the ETag of the variant
// sent); else If-Modified-Since against the entry's Last-Modified.
bool not_modified(const http::request_header<>& request, const Entry& entry, bool gzip) {
  const auto if_none_match = request[http::field::if_none_match];
  if (!if_none_match.empty()) return none_match(if_none_match, entry.etag(gzip));
  const auto if_modified_since = request[http::field::if_modified_since];
  if (if_modified_since.empty()) return false;  // the common case: no scan of the entry
  const auto last_modified = entry_header(entry, "Last-Modified");
  if (last_modified.empty()) return false;
  const auto since = parse_http_date(if_modified_since);
  const auto modified = parse_http_date(last_modified);
  return since && modified && *modified <= *since;
}

// Headers a 304 repeats from the full answer (RFC 9110 §15.4.5).
bool kept_in_304(std::string_view name) {
  for (const char* kept : {"ETag", "Last-Modified", "Vary", "Content-Location", "Expires", "Date"}) {
    if (beast::iequals(name, kept)) return true;
  }
  return false;
}

// Appends `value` in decimal (no temporary string: this runs on every hit).
void append_int(std::string& out, std::int64_t value) {
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), value);
  out.append(digits, end);
}

void append_cache_control(std::string& out, const config::Route& route) {
  out.append(route.key.uses_user() ? "private, max-age=" : "public, max-age=");
  append_int(out, std::chrono::duration_cast<std::chrono::seconds>(route.ttl).count());
}

std::string cache_control_value(const config::Route& route) {
  std::string value;
  append_cache_control(value, route);
  return value;
}

bool is_timeout(const error_code& ec) { return ec == beast::error::timeout; }

bool is_idempotent(http::verb method) {
  switch (method) {
    case http::verb::get:
    case http::verb::head:
    case http::verb::options:
    case http::verb::trace:
    case http::verb::put:
    case http::verb::delete_:
      return true;
    default:
      return false;
  }
}

using SteadyClock = std::chrono::steady_clock;

// Everything the steps of one request share.
struct Context {
  app::Worker& worker;
  std::shared_ptr<const config::Config> config_ptr;  // keeps `config` alive for background work
  const config::Config& config;
  Exchange& ex;
  bool head = false;                    // client asked HEAD
  unsigned version = 11;                // client HTTP version
  bool client_keep_alive = false;       // client allows keep-alive
  bool has_body = false;                // request carries a body
  bool expect_continue = false;         // client waits for 100 Continue
  bool accepts_gzip = false;            // client's Accept-Encoding allows gzip (routed requests)
  const config::Route* route = nullptr; // matched route, if any
  // Metric series of `route` (unrouted: Metrics::unrouted()); null when there are no metrics.
  const metrics::RouteSeries* series = nullptr;
  SteadyClock::time_point upstream_started{};  // when forward() began
  std::chrono::nanoseconds upstream{0};         // time spent on the app so far

  bool keep_alive() const { return client_keep_alive && !worker.shared.draining.load(std::memory_order_relaxed); }
};

// What a forward should do with the upstream's answer. Passed by reference to a named
// local: GCC 12 destroys a braced temporary passed by value to a coroutine twice.
struct ForwardPlan {
  const char* x_cache = "";             // "" for unrouted requests
  bool store = false;                   // try to store the response under `key`
  std::string key;
  std::vector<std::uint64_t> generations;  // of ctx.route->tags at lookup: recorded in the entry
  std::string cache_status = "foilcache; fwd=bypass";  // Cache-Status (RFC 9211) sent
  EntryPtr stale;                       // an expired entry, for stale-if-error
  FlightGuard* flight = nullptr;        // set when this request leads a coalesced fetch
  bool stored = false;                  // a storable entry was made (and published)
  bool publish_only = false;            // give the entry to coalesced followers, do not store it
};

void count_error(const Context& ctx, metrics::ErrorKind kind) {
  if (auto* m = ctx.worker.shared.metrics) m->count_error(kind);
}

void observe_store(const Context& ctx, metrics::StoreOp op, SteadyClock::time_point started) {
  if (auto* m = ctx.worker.shared.metrics) m->observe_store(op, SteadyClock::now() - started);
}

// Milliseconds of freshness `entry` has left (negative once expired).
std::int64_t fresh_ms_left(const Entry& entry) {
  return static_cast<std::int64_t>(entry.ttl_s) * 1000 - (now_ms() - entry.stored_at_ms);
}

// Keeps a fresh `entry` in the L1 tier (when `route` allows it) for the rest of its freshness.
void remember(app::Worker& worker, const config::Route& route, std::string key, const EntryPtr& entry) {
  if (!route.l1 || worker.shared.l1 == nullptr) return;
  const auto left = fresh_ms_left(*entry);
  if (left > 0) worker.shared.l1->put(std::move(key), entry, std::chrono::milliseconds(left));
}

// Puts `entry`, counting the bytes written, its latency and a failure.
net::awaitable<void> store_entry(app::Worker& worker, const config::Route& route, std::string key, EntryPtr entry,
                                 std::chrono::milliseconds keep) {
  remember(worker, route, key, entry);
  const auto started = SteadyClock::now();
  const auto bytes = entry->approx_bytes();
  const auto status = co_await worker.store->put(std::move(key), std::move(entry), keep);
  if (status == StoreStatus::kOk) worker.shared.stats.add(admin::Stat::kSets);
  if (auto* m = worker.shared.metrics) {
    m->observe_store(metrics::StoreOp::kPut, SteadyClock::now() - started);
    if (status == StoreStatus::kOk) m->add_written_bytes(bytes);
    if (status == StoreStatus::kUnavailable) m->count_error(metrics::ErrorKind::kStoreUnavailable);
  }
}

// A short JSON error answer from the proxy itself (RFC 9110 §15.6.3 / §15.6.5).
net::awaitable<Outcome> respond_error(Context& ctx, http::status status, std::string_view message,
                                      const char* x_cache, bool keep_alive) {
  http::response<http::string_body> res{status, 11};
  res.set(http::field::content_type, "application/json");
  if (*x_cache) res.set("X-Cache", x_cache);
  res.body() = "{\"error\":\"" + std::string(message) + "\"}";
  res.keep_alive(keep_alive);
  res.prepare_payload();
  ctx.ex.client.expires_after(ctx.config.timeouts.write);
  auto [ec, n] = co_await http::async_write(ctx.ex.client, res, kNoThrow);
  co_return Outcome{keep_alive && !ec, static_cast<unsigned>(status), x_cache, res.body().size(), {}, {}};
}

net::awaitable<Outcome> serve_entry(Context& ctx, const EntryPtr& entry, const char* x_cache,
                                    std::string_view cache_status);

// Age of `entry` now, in seconds.
std::int64_t age_seconds(const Entry& entry) { return std::max<std::int64_t>(0, (now_ms() - entry.stored_at_ms) / 1000); }

// True when `plan.stale` may answer for a failed app (the route's stale_if_error window).
bool stale_if_error_allows(const Context& ctx, const ForwardPlan& plan) {
  if (!plan.stale || !ctx.route || ctx.route->stale_if_error.count() == 0) return false;
  const auto expired_ms = now_ms() - plan.stale->stored_at_ms - static_cast<std::int64_t>(plan.stale->ttl_s) * 1000;
  return expired_ms < ctx.route->stale_if_error.count();
}

// Answers from the stale entry instead of the app's failure (`fwd_status` 0: no answer).
net::awaitable<Outcome> serve_stale_for_error(Context& ctx, const ForwardPlan& plan, unsigned fwd_status) {
  const auto ttl_left = static_cast<std::int64_t>(plan.stale->ttl_s) - age_seconds(*plan.stale);
  std::string status = "foilcache; fwd=stale";
  if (fwd_status != 0) status += "; fwd-status=" + std::to_string(fwd_status);
  status += "; ttl=" + std::to_string(ttl_left) + "; detail=stale-if-error";
  co_return co_await serve_entry(ctx, plan.stale, "STALE", status);
}

// `connecting`: no connection to the app could be made (else it failed mid-exchange).
// Nothing has been sent to the client yet: a stale entry may still answer.
net::awaitable<Outcome> upstream_failed(Context& ctx, const ForwardPlan& plan, const error_code& ec,
                                        bool connecting = false) {
  ctx.upstream = SteadyClock::now() - ctx.upstream_started;
  count_error(ctx, connecting     ? metrics::ErrorKind::kUpstreamConnect
                   : is_timeout(ec) ? metrics::ErrorKind::kUpstreamTimeout
                                    : metrics::ErrorKind::kUpstreamReset);
  if (stale_if_error_allows(ctx, plan)) co_return co_await serve_stale_for_error(ctx, plan, 0);
  if (is_timeout(ec)) {
    co_return co_await respond_error(ctx, http::status::gateway_timeout, "upstream timed out", plan.x_cache, false);
  }
  co_return co_await respond_error(ctx, http::status::bad_gateway, "upstream unavailable", plan.x_cache, false);
}

// Writes a stored entry: its status, headers and body as stored, plus the proxy's own
// X-Cache, Cache-Status, Cache-Control and (HIT, STALE) Age. A MISS that was stored is
// written by the same code, so a HIT's headers and body equal the MISS that stored it. A
// conditional request the entry satisfies gets 304 without a body. The header block is
// built as one string and sent with the body in one gather write, straight from the shared
// entry (no per-hit copy of the body, no Beast field container).
net::awaitable<Outcome> serve_entry(Context& ctx, const EntryPtr& entry, const char* x_cache,
                                    std::string_view cache_status) {
  const bool keep_alive = ctx.keep_alive();
  const bool from_cache = std::string_view(x_cache) == "HIT" || std::string_view(x_cache) == "STALE";
  // The gzip variant only to a client that asked for it; the others get the identity body.
  const bool gzip = entry->compressed() && ctx.accepts_gzip;
  const bool unchanged = from_cache && not_modified(ctx.ex.parser.get(), *entry, gzip);
  const unsigned status = unchanged ? 304 : entry->status;
  const bool body = !unchanged && !ctx.head;
  const std::string* content = gzip ? &entry->gzip : body ? entry->identity() : &entry->body;
  if (content == nullptr) {
    // The stored gzip did not inflate (a damaged store value): nothing to serve.
    count_error(ctx, metrics::ErrorKind::kStoreUnavailable);
    co_return co_await respond_error(ctx, http::status::bad_gateway, "stored entry unreadable", x_cache, false);
  }
  const std::uint64_t content_length = gzip ? entry->gzip.size() : entry->identity_size;
  // The stored status line and headers were serialized once (finish_entry); a 304 picks
  // the headers it repeats.
  std::string head;
  if (unchanged) {
    head.append("HTTP/1.1 304 Not Modified\r\n");
    for (const auto& [name, value] : entry->headers) {
      if (!kept_in_304(name)) continue;
      const bool etag = beast::iequals(name, "ETag");
      head.append(name).append(": ").append(etag ? entry->etag(gzip) : value).append("\r\n");
    }
  }
  const std::string_view stored_head = unchanged ? std::string_view(head)
                                       : gzip    ? std::string_view(entry->gzip_head)
                                                 : std::string_view(entry->head);
  std::string own;  // the proxy's own headers and the framing
  own.reserve(160);
  own.append("X-Cache: ").append(x_cache).append("\r\nCache-Status: ").append(cache_status);
  own.append("\r\nCache-Control: ");
  append_cache_control(own, *ctx.route);
  if (from_cache) own.append("\r\nAge: ").append(std::to_string(age_seconds(*entry)));
  if (!unchanged) own.append("\r\nContent-Length: ").append(std::to_string(content_length));
  own.append("\r\n");
  // HTTP/1.1 keeps the connection by default; an HTTP/1.0 client must be told.
  if (!keep_alive) {
    own.append("Connection: close\r\n");
  } else if (ctx.version < 11) {
    own.append("Connection: keep-alive\r\n");
  }
  own.append("\r\n");

  const std::array<net::const_buffer, 3> buffers{net::buffer(stored_head.data(), stored_head.size()),
                                                 net::buffer(own),
                                                 net::buffer(content->data(), body ? content->size() : 0)};
  ctx.ex.client.expires_after(ctx.config.timeouts.write);
  auto [ec, n] = co_await net::async_write(ctx.ex.client, buffers, kNoThrow);
  co_return Outcome{keep_alive && !ec, status, x_cache, body ? content->size() : 0, {}, {}};
}

// True when `entry` was stored under exactly `tags` (a reload may have changed the route's).
bool same_tags(const Entry& entry, const std::vector<std::string>& tags) {
  if (entry.tags.size() != tags.size()) return false;
  for (std::size_t i = 0; i < tags.size(); ++i) {
    if (entry.tags[i].first != tags[i]) return false;
  }
  return true;
}

// Cache-Status of a hit on `entry` (RFC 9211; ttl: freshness left, negative when stale).
std::string hit_status(const Entry& entry, std::string_view detail = {}) {
  std::string status;
  status.reserve(48 + detail.size());  // one allocation
  status.append("foilcache; hit; ttl=");
  append_int(status, static_cast<std::int64_t>(entry.ttl_s) - age_seconds(entry));
  if (!detail.empty()) status.append("; detail=").append(detail);
  return status;
}

// The entry for a storable upstream response (header already rewritten for the client),
// recording `route`'s tags at `generations` (seen before the fetch: an invalidation during
// it leaves this entry stale). A response without a validator gets a strong ETag. A
// compressible body of kMinCompressBytes or more is also kept gzip-compressed when the
// route allows (compressed once here, never per hit).
EntryPtr make_entry(const config::Route& route, const std::vector<std::uint64_t>& generations,
                    const http::response_header<>& response, std::string body) {
  auto entry = std::make_shared<Entry>();
  entry->status = response.result_int();
  // A body captured while streaming grew by doubling: the entry keeps only what it uses
  // (the L1's byte bound counts sizes, not capacities).
  if (body.capacity() > body.size() + body.size() / 8 + 64) body.shrink_to_fit();
  entry->body = std::move(body);
  entry->stored_at_ms = now_ms();
  entry->ttl_s = static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(route.ttl).count());
  entry->route = route.name;
  for (std::size_t i = 0; i < route.tags.size() && i < generations.size(); ++i) {
    entry->tags.emplace_back(route.tags[i], generations[i]);
  }
  for (const auto& field : response) {
    if (is_stored_header(field)) entry->headers.emplace_back(field.name_string(), field.value());
  }
  if (response.count(http::field::etag) == 0) entry->headers.emplace_back("ETag", body_etag(entry->body));
  if (route.compress && entry->body.size() >= kMinCompressBytes &&
      compressible_type(response[http::field::content_type])) {
    compress_entry(*entry);
  }
  finish_entry(*entry);
  return entry;
}

// A storable entry was made from the app's answer: publish it to the coalesced followers.
void publish(ForwardPlan& plan, const EntryPtr& entry) {
  plan.stored = true;
  if (plan.flight) plan.flight->publish(entry);
}

// Sends the request (header, then any body, streamed) upstream and relays the response
// back, streamed; stores it on the way when the plan says so and policy allows.
net::awaitable<Outcome> forward(Context& ctx, ForwardPlan& plan) {
  auto& request = ctx.ex.parser.get();
  // Only an idempotent request (RFC 9110 §9.2.2) without a body can be replayed: it is
  // retried once when a pooled connection turns out to have been closed by the app
  // meanwhile. A POST is never sent twice.
  const bool retryable = !ctx.has_body && is_idempotent(request.method());
  upstream::ConnectionPtr connection;
  std::optional<http::response_parser<http::buffer_body>> response_parser;
  ctx.upstream_started = SteadyClock::now();

  for (int attempt = 0;; ++attempt) {
    auto [ec, acquired] = co_await ctx.worker.pool->acquire(attempt > 0);
    if (ec) co_return co_await upstream_failed(ctx, plan, ec, true);
    connection = std::move(acquired);
    const bool may_retry = retryable && connection->reused && attempt == 0;

    if (!ctx.has_body) {
      http::request_serializer<http::empty_body> serializer{request};
      connection->stream.expires_after(ctx.config.timeouts.upstream_response);
      std::tie(ec, std::ignore) = co_await http::async_write(connection->stream, serializer, kNoThrow);
      if (ec && may_retry) continue;
      if (ec) co_return co_await upstream_failed(ctx, plan, ec);
    } else {
      if (ctx.expect_continue) {
        ctx.ex.client.expires_after(ctx.config.timeouts.write);
        auto [wec, n] = co_await net::async_write(ctx.ex.client, net::buffer(kContinue), kNoThrow);
        if (wec) co_return Outcome{};
      }
      http::request_parser<http::buffer_body> body_parser{std::move(ctx.ex.parser)};
      body_parser.body_limit(ctx.config.limits.max_body_bytes);
      if (!body_parser.content_length()) body_parser.get().chunked(true);
      http_util::RelayOptions options;
      options.read_timeout = ctx.config.timeouts.read_body;
      options.write_timeout = ctx.config.timeouts.upstream_response;
      auto result = co_await http_util::relay_message(ctx.ex.client, ctx.ex.client_buffer, body_parser,
                                                      connection->stream, options);
      if (result.read_error == http::error::body_limit) {
        count_error(ctx, metrics::ErrorKind::kBodyTooLarge);
        co_return co_await respond_error(ctx, http::status::payload_too_large, "request body too large",
                                         plan.x_cache, false);
      }
      if (result.read_error) {
        if (result.read_error == beast::error::timeout) {
          count_error(ctx, metrics::ErrorKind::kClientTimeout);
          co_return co_await respond_error(ctx, http::status::request_timeout, "request body timed out",
                                           plan.x_cache, false);
        }
        co_return Outcome{};  // the client went away mid-body
      }
      if (result.write_error) co_return co_await upstream_failed(ctx, plan, result.write_error);
    }

    // Read the response header, skipping interim 1xx answers (the proxy sent its own 100).
    for (;;) {
      response_parser.emplace();
      response_parser->header_limit(kUpstreamHeaderLimit);
      response_parser->body_limit(boost::none);
      if (ctx.head) response_parser->skip(true);
      connection->stream.expires_after(ctx.config.timeouts.upstream_response);
      std::tie(ec, std::ignore) =
          co_await http::async_read_header(connection->stream, connection->buffer, *response_parser, kNoThrow);
      if (ec) break;
      const auto status = response_parser->get().result_int();
      if (status < 100 || status >= 200 || status == 101) break;
    }
    if (ec && may_retry && !is_timeout(ec)) continue;
    if (ec) co_return co_await upstream_failed(ctx, plan, ec);
    break;
  }
  ctx.upstream = SteadyClock::now() - ctx.upstream_started;
  if (ctx.series) metrics::Metrics::observe_upstream(*ctx.series, ctx.upstream);

  auto& response = response_parser->get();
  const auto status = response.result_int();
  if (status >= 500 && stale_if_error_allows(ctx, plan)) {
    // The app failed but a stale copy may stand in. Its connection (body unread) is dropped.
    count_error(ctx, metrics::ErrorKind::kUpstreamStatus);
    co_return co_await serve_stale_for_error(ctx, plan, status);
  }
  const bool upstream_keep_alive = response.keep_alive();
  http_util::strip_hop_by_hop(response);
  if (ctx.route) {
    // These are the proxy's own headers on routed responses: replaced, never duplicated.
    response.erase("X-Cache");
    response.erase("Cache-Status");
    response.erase(http::field::age);
    response.set("X-Cache", plan.x_cache);
  }

  const bool no_body = ctx.head || status == 204 || status == 304 || status < 200;
  bool store = false;
  std::size_t limit = 0;
  if (plan.store && !no_body) {
    limit = ctx.route->max_entry_bytes ? ctx.route->max_entry_bytes : ctx.config.limits.max_entry_bytes;
    const auto declared = response_parser->content_length().value_or(0);
    store = response_storability(response, *ctx.route, declared, limit) == ResponseStorability::kStorable;
  }

  if (store && response_parser->content_length()) {
    // Known length within the limit: read it all, store it, then answer from the entry,
    // so the next request already finds it (and its headers equal this answer's).
    std::string body;
    body.reserve(*response_parser->content_length());
    const auto ec = co_await http_util::read_body(connection->stream, connection->buffer, *response_parser, body,
                                                  ctx.config.timeouts.upstream_response);
    if (ec) co_return co_await upstream_failed(ctx, plan, ec);
    if (upstream_keep_alive) ctx.worker.pool->release(std::move(connection));
    auto entry = make_entry(*ctx.route, plan.generations, response, std::move(body));
    publish(plan, entry);
    if (!plan.publish_only) co_await store_entry(ctx.worker, *ctx.route, plan.key, entry, ctx.route->keep());
    const std::string cache_status =
        plan.cache_status + "; fwd-status=" + std::to_string(status) + (plan.publish_only ? "" : "; stored");
    co_return co_await serve_entry(ctx, entry, plan.x_cache, cache_status);
  }
  if (store) response.set(http::field::cache_control, cache_control_value(*ctx.route));
  if (ctx.route) {
    std::string cache_status = plan.cache_status;
    if (*plan.x_cache == 'M') {
      cache_status += "; fwd-status=" + std::to_string(status) + (store && !plan.publish_only ? "; stored" : "");
    }
    response.set("Cache-Status", cache_status);
  }

  response.version(11);
  bool keep_alive = ctx.keep_alive();
  if (!no_body && !response_parser->content_length()) {
    // Unknown length: chunk it for HTTP/1.1 clients; an HTTP/1.0 client reads to close.
    if (ctx.version >= 11) {
      response.chunked(true);
    } else {
      keep_alive = false;
    }
  }
  response.keep_alive(keep_alive);

  Outcome outcome{keep_alive, status, plan.x_cache, 0, {}, {}};
  if (no_body) {
    http::response_serializer<http::buffer_body> serializer{response};
    ctx.ex.client.expires_after(ctx.config.timeouts.write);
    auto [ec, n] = co_await http::async_write_header(ctx.ex.client, serializer, kNoThrow);
    if (ec) outcome.keep_alive = false;
    if (!ec && upstream_keep_alive && response_parser->is_done()) ctx.worker.pool->release(std::move(connection));
    co_return outcome;
  }

  // Streamed: unknown length (chunked) responses are captured on the way when storable.
  std::string captured;
  http_util::RelayOptions options;
  options.read_timeout = ctx.config.timeouts.upstream_response;
  options.write_timeout = ctx.config.timeouts.write;
  if (store) {
    options.capture = &captured;
    options.capture_limit = limit;
  }
  auto result = co_await http_util::relay_message(connection->stream, connection->buffer, *response_parser,
                                                  ctx.ex.client, options);
  outcome.bytes = result.body_bytes;
  if (result.read_error) {
    count_error(ctx, is_timeout(result.read_error) ? metrics::ErrorKind::kUpstreamTimeout
                                                   : metrics::ErrorKind::kUpstreamReset);
  }
  if (!result.ok()) {
    outcome.keep_alive = false;
    co_return outcome;
  }
  if (upstream_keep_alive) ctx.worker.pool->release(std::move(connection));
  if (store && !options.capture_overflowed) {
    // The client already has its answer; storing must not delay the next request.
    auto entry = make_entry(*ctx.route, plan.generations, response, std::move(captured));
    publish(plan, entry);
    if (!plan.publish_only) {
      net::co_spawn(ctx.worker.ioc,
                    store_entry(ctx.worker, *ctx.route, plan.key, std::move(entry), ctx.route->keep()),
                    net::detached);
    }
  }
  co_return outcome;
}

// WebSocket (or any Upgrade): forwarded on a fresh connection; after 101 the two
// connections are spliced until either side closes.
net::awaitable<Outcome> forward_upgrade(Context& ctx) {
  const ForwardPlan plan;  // unrouted: no X-Cache, nothing stale to fall back on
  ctx.upstream_started = SteadyClock::now();
  auto [ec, connection] = co_await ctx.worker.pool->acquire(true);
  if (ec) co_return co_await upstream_failed(ctx, plan, ec, true);
  http::request_serializer<http::empty_body> serializer{ctx.ex.parser.get()};
  connection->stream.expires_after(ctx.config.timeouts.upstream_response);
  std::tie(ec, std::ignore) = co_await http::async_write(connection->stream, serializer, kNoThrow);
  if (ec) co_return co_await upstream_failed(ctx, plan, ec);

  http::response_parser<http::buffer_body> parser;
  parser.header_limit(kUpstreamHeaderLimit);
  parser.body_limit(boost::none);
  connection->stream.expires_after(ctx.config.timeouts.upstream_response);
  std::tie(ec, std::ignore) = co_await http::async_read_header(connection->stream, connection->buffer, parser, kNoThrow);
  if (ec) co_return co_await upstream_failed(ctx, plan, ec);
  ctx.upstream = SteadyClock::now() - ctx.upstream_started;
  if (ctx.series) metrics::Metrics::observe_upstream(*ctx.series, ctx.upstream);

  auto& response = parser.get();
  const auto status = response.result_int();
  if (status == 101) {
    http::response_serializer<http::buffer_body> out{response};
    ctx.ex.client.expires_after(ctx.config.timeouts.write);
    std::tie(ec, std::ignore) = co_await http::async_write_header(ctx.ex.client, out, kNoThrow);
    if (!ec) {
      co_await http_util::tunnel(ctx.ex.client, ctx.ex.client_buffer, connection->stream, connection->buffer,
                                 ctx.config.timeouts.tunnel_idle);
    }
    co_return Outcome{false, status, "", 0, {}, {}};
  }
  // Refused upgrade: an ordinary response, then close (the client may still send frames).
  http_util::strip_hop_by_hop(response);
  if (!parser.content_length() && !parser.is_done()) response.chunked(true);
  response.keep_alive(false);
  http_util::RelayOptions options;
  options.read_timeout = ctx.config.timeouts.upstream_response;
  options.write_timeout = ctx.config.timeouts.write;
  auto result = co_await http_util::relay_message(connection->stream, connection->buffer, parser, ctx.ex.client,
                                                  options);
  co_return Outcome{false, status, "", result.body_bytes, {}, {}};
}

bool is_upgrade(const http::request_header<>& request) {
  return request.count(http::field::upgrade) != 0;
}

// A miss while the store is unavailable: concurrent ones of one key in this process share
// one fetch (published to the followers, never stored), so an outage does not turn a burst
// into a stampede on the app.
net::awaitable<Outcome> bypass_coalesced(Context& ctx, ForwardPlan& plan) {
  auto& flights = ctx.worker.shared.flights;
  auto joined = flights.join(plan.key);
  if (!joined.leader) {
    EntryPtr entry = co_await flights.wait(joined.flight, ctx.worker.ioc.get_executor(),
                                           ctx.config.timeouts.coalesce_wait);
    if (entry) {
      if (auto* m = ctx.worker.shared.metrics) m->count_coalesced(false);
      co_return co_await serve_entry(ctx, entry, "BYPASS", "foilcache; fwd=bypass; detail=store-unavailable-coalesced");
    }
    co_return co_await forward(ctx, plan);
  }
  FlightGuard guard(flights, std::move(joined.flight));
  plan.flight = &guard;
  plan.store = true;        // make the entry (for the followers)...
  plan.publish_only = true;  // ...but do not write it to the unavailable store
  co_return co_await forward(ctx, plan);
}

// A miss that other requests for the same key may share. In this process the first one
// leads and the others wait (bounded by timeouts.coalesce_wait) for its entry. With a
// shared store the leader also takes the key's Redis lock, so one instance fetches while
// the leaders elsewhere poll the store for its entry; when the lock holder's answer is not
// storable it leaves a "pass" mark and everyone goes upstream at once. Every wait is
// bounded by coalesce_wait: past it, or with Redis unavailable, a request goes upstream
// itself (and may still store).
net::awaitable<Outcome> coalesced_forward(Context& ctx, ForwardPlan& plan) {
  auto& flights = ctx.worker.shared.flights;
  auto& store = *ctx.worker.store;
  const auto bound = ctx.config.timeouts.coalesce_wait;
  auto joined = flights.join(plan.key);
  if (!joined.leader) {
    EntryPtr entry = co_await flights.wait(joined.flight, ctx.worker.ioc.get_executor(), bound);
    if (entry) {
      if (auto* m = ctx.worker.shared.metrics) m->count_coalesced(false);
      co_return co_await serve_entry(ctx, entry, "HIT", hit_status(*entry, "coalesced"));
    }
    co_return co_await forward(ctx, plan);  // not storable, failed, or too slow: on its own
  }
  FlightGuard guard(flights, std::move(joined.flight));
  plan.flight = &guard;
  if (!store.shares_counters()) co_return co_await forward(ctx, plan);  // one process: done

  const std::string token = lock_token();
  const auto deadline = SteadyClock::now() + bound;
  net::steady_timer timer(ctx.worker.ioc);
  for (;;) {
    std::string key = plan.key;  // named locals: GCC 12 and by-value coroutine arguments
    std::string attempt = token;
    const auto lock = co_await store.try_lock(std::move(key), std::move(attempt), std::min(bound, kLockTtl));
    if (lock == LockResult::kAcquired) {
      Outcome outcome = co_await forward(ctx, plan);
      // Awaited, although the client has its answer: once a response is sent, the store
      // holds what it says (no lock key left, the entry written), which invalidations and
      // tests may rely on.
      std::string unlock_key = plan.key;
      std::string unlock_token = token;
      co_await store.unlock(std::move(unlock_key), std::move(unlock_token), !plan.stored);
      co_return outcome;
    }
    if (lock != LockResult::kBusy || SteadyClock::now() + kCoalescePoll >= deadline) break;
    // Another instance is fetching: its entry shows up in the store.
    timer.expires_after(kCoalescePoll);
    co_await timer.async_wait(kNoThrow);
    std::string lookup_key = plan.key;
    auto lookup = co_await store.get(std::move(lookup_key), ctx.route->tags);
    if (lookup.status == StoreStatus::kUnavailable) break;
    if (lookup.status == StoreStatus::kOk && lookup.entry &&
        now_ms() - lookup.entry->stored_at_ms < static_cast<std::int64_t>(lookup.entry->ttl_s) * 1000) {
      guard.finish(lookup.entry);
      if (auto* m = ctx.worker.shared.metrics) m->count_coalesced(true);
      co_return co_await serve_entry(ctx, lookup.entry, "HIT", hit_status(*lookup.entry, "coalesced"));
    }
    plan.generations = std::move(lookup.generations);
  }
  co_return co_await forward(ctx, plan);
}

// Fetches `request` from the app without a client (stale-while-revalidate) and stores the
// answer when storable. Ends `guard` with the entry (or null) and releases the lock.
net::awaitable<void> refresh(app::Worker& worker, std::shared_ptr<const config::Config> config,
                             const config::Route* route, const metrics::RouteSeries* series,
                             http::request<http::empty_body> request, std::string key,
                             std::vector<std::uint64_t> generations, FlightGuard guard, std::string token) {
  const auto started = SteadyClock::now();
  auto [ec, connection] = co_await worker.pool->acquire(false);
  EntryPtr entry;
  if (!ec) {
    connection->stream.expires_after(config->timeouts.upstream_response);
    std::tie(ec, std::ignore) = co_await http::async_write(connection->stream, request, kNoThrow);
  }
  if (!ec) {
    const std::size_t limit = route->max_entry_bytes ? route->max_entry_bytes : config->limits.max_entry_bytes;
    http::response_parser<http::string_body> parser;
    parser.header_limit(kUpstreamHeaderLimit);
    parser.body_limit(limit);
    std::tie(ec, std::ignore) = co_await http::async_read(connection->stream, connection->buffer, parser, kNoThrow);
    if (series) metrics::Metrics::observe_upstream(*series, SteadyClock::now() - started);
    if (!ec) {
      auto& response = parser.get();
      const bool keep_alive = response.keep_alive();
      http_util::strip_hop_by_hop(response);
      if (response_storability(response, *route, response.body().size(), limit) == ResponseStorability::kStorable) {
        entry = make_entry(*route, generations, response, std::move(response.body()));
      }
      if (keep_alive) worker.pool->release(std::move(connection));
    }
  }
  if (ec) {
    if (auto* m = worker.shared.metrics) m->count_error(metrics::ErrorKind::kUpstreamReset);
  }
  guard.finish(entry);
  if (entry) co_await store_entry(worker, *route, key, entry, route->keep());
  if (!token.empty()) co_await worker.store->unlock(std::move(key), std::move(token), entry == nullptr);
}

// Starts one background refresh of `key` (stale-while-revalidate) unless one is running
// here or, with a shared store, on another instance (the coalescing lock).
void start_refresh(Context& ctx, const std::string& key, const std::vector<std::uint64_t>& generations) {
  auto joined = ctx.worker.shared.flights.join(key);
  if (!joined.leader) return;  // a refresh or a miss of this key is already in flight here
  auto& worker = ctx.worker;
  FlightGuard guard(worker.shared.flights, std::move(joined.flight));
  http::request<http::empty_body> request{ctx.ex.parser.get()};
  request.keep_alive(true);
  auto run = [](app::Worker& worker, std::shared_ptr<const config::Config> config, const config::Route* route,
                const metrics::RouteSeries* series, http::request<http::empty_body> request, std::string key,
                std::vector<std::uint64_t> generations, FlightGuard guard) -> net::awaitable<void> {
    std::string token;
    if (worker.store->shares_counters()) {
      token = lock_token();
      std::string lock_key = key;
      std::string attempt = token;
      const auto lock = co_await worker.store->try_lock(std::move(lock_key), std::move(attempt),
                                                        config->timeouts.upstream_response);
      if (lock != LockResult::kAcquired) co_return;  // another instance refreshes it
    }
    co_await refresh(worker, std::move(config), route, series, std::move(request), std::move(key),
                     std::move(generations), std::move(guard), std::move(token));
  };
  net::co_spawn(worker.ioc,
                run(worker, ctx.config_ptr, ctx.route, ctx.series, std::move(request), key, generations, std::move(guard)),
                net::detached);
}

// Everything after the header was read: route, cache, forward.
net::awaitable<Outcome> dispatch(Context& ctx) {
  auto& worker = ctx.worker;
  auto& exchange = ctx.ex;
  auto& parser = exchange.parser;
  auto& request = parser.get();
  ctx.head = request.method() == http::verb::head;
  ctx.version = request.version();
  ctx.client_keep_alive = request.keep_alive();
  ctx.has_body = parser.chunked() || parser.content_length().value_or(0) > 0;
  ctx.expect_continue = beast::iequals(request[http::field::expect], "100-continue");

  const bool upgrade = is_upgrade(request);
  http_util::prepare_upstream_request(request, {exchange.client_address, "http"}, ctx.config.trust_forwarded_headers,
                                      upgrade);
  if (upgrade) co_return co_await forward_upgrade(ctx);

  const std::string_view target = request.target();
  const auto question = target.find('?');
  const auto path = target.substr(0, question);
  const auto query = question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);

  config::PathParams params;
  ctx.route = config::match_route(ctx.config, request.method_string(), path, params);
  if (ctx.route && ctx.series) {
    // worker.route_series belongs to worker.config, which is still ctx.config: nothing was
    // awaited since handle_request copied it.
    const auto index = static_cast<std::size_t>(ctx.route - ctx.config.routes.data());
    ctx.series = index < worker.route_series.size() ? worker.route_series[index] : nullptr;
  }
  ForwardPlan plan;
  if (!ctx.route) co_return co_await forward(ctx, plan);
  plan.x_cache = "BYPASS";
  if (ctx.has_body || request_cacheability(request, *ctx.route) != RequestCacheability::kCacheable) {
    co_return co_await forward(ctx, plan);
  }

  ctx.accepts_gzip = accepts_gzip(request[http::field::accept_encoding]);
  const std::string user =
      ctx.route->key.uses_user() ? user_id(request, ctx.config.identity) : std::string("anon");
  config::RenderInput input{"GET", path, query, &params, &request, user};
  std::string key = ctx.route->key.render(input);

  if (ctx.route->l1 && worker.shared.l1) {
    // The L1 tier holds only fresh entries that no invalidation has touched (cache::L1).
    EntryPtr entry = worker.shared.l1->get(key);
    if (entry && fresh_ms_left(*entry) > 0 && same_tags(*entry, ctx.route->tags)) {
      co_return co_await serve_entry(ctx, entry, "HIT", hit_status(*entry));
    }
  }
  const auto lookup_started = SteadyClock::now();
  auto lookup = co_await worker.store->get(key, ctx.route->tags);
  observe_store(ctx, metrics::StoreOp::kGet, lookup_started);
  if (lookup.status == StoreStatus::kUnavailable) {
    count_error(ctx, metrics::ErrorKind::kStoreUnavailable);
    // The store is down or slow: serve from the app, never an error, and don't store. A
    // burst of such misses still shares one fetch per key in this process.
    plan.cache_status = "foilcache; fwd=bypass; detail=store-unavailable";
    request.erase(http::field::accept_encoding);
    if (ctx.head || ctx.config.timeouts.coalesce_wait.count() == 0) co_return co_await forward(ctx, plan);
    plan.key = std::move(key);
    co_return co_await bypass_coalesced(ctx, plan);
  }
  // The key does not name Accept-Encoding, so a stored body must be the identity encoding
  // every client can read (policy relies on this for Vary: Accept-Encoding).
  request.erase(http::field::accept_encoding);
  if (lookup.entry && !ctx.accepts_gzip && !ctx.head && lookup.entry->identity() == nullptr) {
    lookup.entry = nullptr;  // its gzip does not inflate (a damaged store value): a miss
  }
  EntryPtr stale;
  if (lookup.status == StoreStatus::kOk && lookup.entry) {
    const auto& entry = *lookup.entry;
    const auto expired_ms = now_ms() - entry.stored_at_ms - static_cast<std::int64_t>(entry.ttl_s) * 1000;
    if (expired_ms < 0) {
      remember(worker, *ctx.route, key, lookup.entry);
      co_return co_await serve_entry(ctx, lookup.entry, "HIT", hit_status(entry));
    }
    if (!ctx.head && expired_ms < ctx.route->stale_while_revalidate.count()) {
      start_refresh(ctx, key, lookup.generations);
      co_return co_await serve_entry(ctx, lookup.entry, "STALE", hit_status(entry, "stale-while-revalidate"));
    }
    stale = lookup.entry;
  }
  // Cache hits come from GET entries; a HEAD miss is forwarded as HEAD and not stored.
  plan.x_cache = "MISS";
  plan.store = !ctx.head;
  plan.key = std::move(key);
  plan.generations = std::move(lookup.generations);
  plan.cache_status = stale ? "foilcache; fwd=stale" : "foilcache; fwd=uri-miss";
  plan.stale = std::move(stale);
  if (ctx.head || ctx.config.timeouts.coalesce_wait.count() == 0) co_return co_await forward(ctx, plan);
  co_return co_await coalesced_forward(ctx, plan);
}

}  // namespace

net::awaitable<Outcome> handle_request(app::Worker& worker, Exchange exchange) {
  const auto config_ptr = worker.config;  // one config for the whole request, even across a reload
  Context ctx{worker, config_ptr, *config_ptr, exchange};
  if (auto* m = worker.shared.metrics) ctx.series = &m->unrouted();
  Outcome outcome = co_await dispatch(ctx);
  // A routed request always has an X-Cache result, even when it ended early.
  if (ctx.route && *outcome.cache == '\0') outcome.cache = "BYPASS";
  if (ctx.route) {
    const std::string_view result = outcome.cache;
    worker.shared.stats.add(result == "HIT"     ? admin::Stat::kHits
                            : result == "MISS"  ? admin::Stat::kMisses
                            : result == "STALE" ? admin::Stat::kStale
                                                : admin::Stat::kBypass);
  }
  if (ctx.series) {
    metrics::Metrics::count_request(*ctx.series, ctx.route ? metrics::result_from_x_cache(outcome.cache)
                                                           : metrics::Result::kPass);
  }
  if (ctx.route) outcome.route = ctx.route->name;
  outcome.upstream = ctx.upstream;
  co_return outcome;
}

}  // namespace foilcache::cache

#include "proxy/cache/proxy_handler.hpp"

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
#include "proxy/cache/cache_status.hpp"
#include "proxy/cache/conditional.hpp"
#include "proxy/cache/entry_builder.hpp"
#include "proxy/cache/freshness.hpp"

namespace foilcache::cache {
namespace {

using store::LockResult;
using store::StoreStatus;

constexpr std::size_t kUpstreamHeaderLimit = 64 * 1024;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
// How often a coalesced request polls the store while another instance fetches.
constexpr auto kCoalescePoll = std::chrono::milliseconds(20);
// The cross-instance fetch lock expires after this even if its holder never releases it
// (Redis failed at that moment, the process died): a fetch slower than this may be
// repeated by another instance, but an orphaned lock never stalls a key for long.
constexpr auto kLockTtl = std::chrono::milliseconds(1000);
// A random token that names one holder of a coalescing lock.
std::string lock_token() { return common::random_hex(32); }

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
  std::chrono::system_clock::time_point now() const { return worker.shared.clock->system_now(); }
};

// What a forward should do with the upstream's answer. Passed by reference to a named
// local: GCC 12 destroys a braced temporary passed by value to a coroutine twice.
struct ForwardPlan {
  const char* x_cache = "";             // "" for unrouted requests
  bool store = false;                   // try to store the response under `key`
  std::string key;
  std::vector<std::uint64_t> generations;  // of ctx.route->tags at lookup: recorded in the entry
  std::string cache_status{kStatusBypass};  // Cache-Status (RFC 9211) sent
  EntryPtr stale;                       // an expired entry, for stale-if-error
  FlightGuard* flight = nullptr;        // set when this request leads a coalesced fetch
  bool stored = false;                  // a storable entry was made (and published)
  bool publish_only = false;            // give the entry to coalesced followers, do not store it
};

void count_error(const Context& ctx, metrics::ErrorKind kind) {
  if (auto* m = ctx.worker.shared.metrics) m->count_error(kind);
}

// Puts `entry` in both tiers (a detached background write keeps its own copies).
net::awaitable<void> store_entry(app::Worker& worker, const config::Route& route, std::string key, EntryPtr entry,
                                 std::chrono::milliseconds keep) {
  co_await worker.tiers->put(std::move(key), std::move(entry), keep, route.l1, worker.shared.clock->system_now());
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

// True when `plan.stale` may answer for a failed app (the route's stale_if_error window).
bool stale_if_error_allows(const Context& ctx, const ForwardPlan& plan) {
  if (!plan.stale || !ctx.route) return false;
  return within_stale_if_error(freshness(*plan.stale, ctx.now()), *ctx.route);
}

// Answers from the stale entry instead of the app's failure (`fwd_status` 0: no answer).
net::awaitable<Outcome> serve_stale_for_error(Context& ctx, const ForwardPlan& plan, unsigned fwd_status) {
  const std::string status = stale_if_error_status(freshness(*plan.stale, ctx.now()), fwd_status);
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
  if (unchanged) head = not_modified_head(*entry, gzip);
  const std::string_view stored_head = unchanged ? std::string_view(head)
                                       : gzip    ? std::string_view(entry->gzip_head)
                                                 : std::string_view(entry->head);
  std::string own;  // the proxy's own headers and the framing
  own.reserve(160);
  own.append("X-Cache: ").append(x_cache).append("\r\nCache-Status: ").append(cache_status);
  own.append("\r\nCache-Control: ");
  append_cache_control(own, *ctx.route);
  if (from_cache) own.append("\r\nAge: ").append(std::to_string(freshness(*entry, ctx.now()).age_s()));
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
    auto entry = build_entry(*ctx.route, ctx.route->tags, plan.generations, response, std::move(body), ctx.now());
    publish(plan, entry);
    if (!plan.publish_only) co_await store_entry(ctx.worker, *ctx.route, plan.key, entry, ctx.route->keep());
    std::string cache_status = plan.cache_status;
    append_forward_status(cache_status, status, !plan.publish_only);
    co_return co_await serve_entry(ctx, entry, plan.x_cache, cache_status);
  }
  if (store) response.set(http::field::cache_control, cache_control_value(*ctx.route));
  if (ctx.route) {
    std::string cache_status = plan.cache_status;
    if (*plan.x_cache == 'M') {
      append_forward_status(cache_status, status, store && !plan.publish_only);
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
    auto entry = build_entry(*ctx.route, ctx.route->tags, plan.generations, response, std::move(captured), ctx.now());
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
      co_return co_await serve_entry(ctx, entry, "BYPASS", kStatusStoreDownCoalesced);
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
  auto* lock = ctx.worker.backend.lock;
  const auto bound = ctx.config.timeouts.coalesce_wait;
  auto joined = flights.join(plan.key);
  if (!joined.leader) {
    EntryPtr entry = co_await flights.wait(joined.flight, ctx.worker.ioc.get_executor(), bound);
    if (entry) {
      if (auto* m = ctx.worker.shared.metrics) m->count_coalesced(false);
      co_return co_await serve_entry(ctx, entry, "HIT", hit_status(freshness(*entry, ctx.now()), "coalesced"));
    }
    co_return co_await forward(ctx, plan);  // not storable, failed, or too slow: on its own
  }
  FlightGuard guard(flights, std::move(joined.flight));
  plan.flight = &guard;
  if (lock == nullptr) co_return co_await forward(ctx, plan);  // one process: done

  const std::string token = lock_token();
  const auto deadline = SteadyClock::now() + bound;
  net::steady_timer timer(ctx.worker.ioc);
  for (;;) {
    std::string key = plan.key;  // named locals: GCC 12 and by-value coroutine arguments
    std::string attempt = token;
    const auto locked = co_await lock->try_lock(std::move(key), std::move(attempt), std::min(bound, kLockTtl));
    if (locked == LockResult::kAcquired) {
      Outcome outcome = co_await forward(ctx, plan);
      // Awaited, although the client has its answer: once a response is sent, the store
      // holds what it says (no lock key left, the entry written), which invalidations and
      // tests may rely on.
      std::string unlock_key = plan.key;
      std::string unlock_token = token;
      co_await lock->unlock(std::move(unlock_key), std::move(unlock_token), !plan.stored);
      co_return outcome;
    }
    if (locked != LockResult::kBusy || SteadyClock::now() + kCoalescePoll >= deadline) break;
    // Another instance is fetching: its entry shows up in the store.
    timer.expires_after(kCoalescePoll);
    co_await timer.async_wait(kNoThrow);
    std::string lookup_key = plan.key;
    auto lookup = co_await ctx.worker.backend.entries->get(std::move(lookup_key), ctx.route->tags);
    if (lookup.status == StoreStatus::kUnavailable) break;
    if (lookup.status == StoreStatus::kOk && lookup.entry && freshness(*lookup.entry, ctx.now()).fresh()) {
      guard.finish(lookup.entry);
      if (auto* m = ctx.worker.shared.metrics) m->count_coalesced(true);
      co_return co_await serve_entry(ctx, lookup.entry, "HIT", hit_status(freshness(*lookup.entry, ctx.now()), "coalesced"));
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
        entry = build_entry(*route, route->tags, generations, response, std::move(response.body()),
                            worker.shared.clock->system_now());
      }
      if (keep_alive) worker.pool->release(std::move(connection));
    }
  }
  if (ec) {
    if (auto* m = worker.shared.metrics) m->count_error(metrics::ErrorKind::kUpstreamReset);
  }
  guard.finish(entry);
  if (entry) co_await store_entry(worker, *route, key, entry, route->keep());
  if (!token.empty()) co_await worker.backend.lock->unlock(std::move(key), std::move(token), entry == nullptr);
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
    if (worker.backend.lock != nullptr) {
      token = lock_token();
      std::string lock_key = key;
      std::string attempt = token;
      const auto lock = co_await worker.backend.lock->try_lock(std::move(lock_key), std::move(attempt),
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

  auto lookup = co_await worker.tiers->lookup(key, ctx.route->tags, ctx.route->l1, ctx.now());
  if (lookup.tier == store::Lookup::Tier::kL1) {
    co_return co_await serve_entry(ctx, lookup.entry, "HIT", hit_status(freshness(*lookup.entry, ctx.now())));
  }
  if (lookup.status == StoreStatus::kUnavailable) {
    // The store is down or slow: serve from the app, never an error, and don't store. A
    // burst of such misses still shares one fetch per key in this process.
    plan.cache_status = kStatusStoreDown;
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
    const auto f = freshness(*lookup.entry, ctx.now());
    if (f.fresh()) {
      worker.tiers->remember(key, lookup.entry, ctx.route->l1, ctx.now());
      co_return co_await serve_entry(ctx, lookup.entry, "HIT", hit_status(f));
    }
    if (!ctx.head && within_stale_while_revalidate(f, *ctx.route)) {
      start_refresh(ctx, key, lookup.generations);
      co_return co_await serve_entry(ctx, lookup.entry, "STALE", hit_status(f, "stale-while-revalidate"));
    }
    stale = lookup.entry;
  }
  // Cache hits come from GET entries; a HEAD miss is forwarded as HEAD and not stored.
  plan.x_cache = "MISS";
  plan.store = !ctx.head;
  plan.key = std::move(key);
  plan.generations = std::move(lookup.generations);
  plan.cache_status = stale ? kStatusStaleMiss : kStatusMiss;
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
    worker.shared.stats.add(result == "HIT"     ? metrics::Stat::kHits
                            : result == "MISS"  ? metrics::Stat::kMisses
                            : result == "STALE" ? metrics::Stat::kStale
                                                : metrics::Stat::kBypass);
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

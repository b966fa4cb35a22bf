#include "proxy/pipeline/forwarder.hpp"

#include "proxy/cache/conditional.hpp"

#include "proxy/cache/entry_builder.hpp"
#include "proxy/cache/policy.hpp"
#include "proxy/http/forwarding.hpp"
#include "proxy/metrics/metrics.hpp"
#include "proxy/pipeline/unsafe_invalidation.hpp"
#include "proxy/pipeline/upstream_errors.hpp"
#include "proxy/pipeline/variants.hpp"

namespace foilcache::pipeline {
namespace {

bool is_timeout(const error_code& ec) { return ec == beast::error::timeout; }

}  // namespace

cache::EntryPtr Forwarder::make_entry(Request& req, ForwardPlan& plan, const http::response_header<>& response,
                                      std::string body) {
  auto entry = cache::build_entry(*req.route, plan.tags, plan.generations, response, std::move(body),
                                  clock_.system_now(), &plan.storage);
  plan.stored = true;
  if (plan.flight) plan.flight->publish(entry);
  return entry;
}

net::awaitable<void> Forwarder::invalidate_written(const Request& req, ForwardPlan& plan) {
  if (plan.invalidates.empty()) co_return;
  const std::vector<std::string> tags = std::move(plan.invalidates);
  plan.invalidates.clear();
  const bool done = co_await invalidator_.tags(tags, req.route->invalidates);
  plan.cache_status += done ? "; detail=invalidated" : "; detail=invalidation-failed";
}

net::awaitable<http_server::Outcome> Forwarder::forward(Request& req, ForwardPlan& plan) {
  auto& request = req.header();
  upstream::SendOptions options;
  options.head = req.head;
  options.retryable = upstream::is_idempotent(request.method());
  options.timeouts = &req.config.timeouts;
  upstream::ClientBody body{req.ex.client, req.ex.buffer, req.ex.parser, req.expect_continue,
                            req.config.limits.max_body_bytes};
  req.upstream_started = std::chrono::steady_clock::now();
  plan.sent_at = clock_.system_now();
  // An origin route revalidates its expired entry instead of refetching it (RFC 9111 §4.3.1).
  const bool revalidating = plan.store && plan.stale && req.route && req.route->origin_ttl;
  const auto validators = revalidating ? cache::add_validators(request, *plan.stale) : std::vector<http::field>{};
  // A stored answer must be the whole one: the client's Range is served from the entry.
  std::vector<std::pair<http::field, std::string>> held;
  for (const auto field : {http::field::range, http::field::if_range}) {
    if (!plan.store || request.count(field) == 0) continue;
    held.emplace_back(field, std::string(request[field]));
    request.erase(field);
  }
  upstream::Answer answer;
  co_await client_.send(answer, request, req.has_body ? &body : nullptr, options);
  for (const auto field : validators) request.erase(field);  // the client's request again (the writer reads it)
  for (auto& [field, value] : held) request.set(field, value);
  if (answer.failure == upstream::Failure::kResponse) {
    co_await invalidate_written(req, plan);  // the whole request reached the app: it may have acted
  }
  if (answer.failure != upstream::Failure::kNone) {
    co_return co_await answer_failure(req, plan, answer.failure, answer.ec, writer_, metrics_, clock_.system_now());
  }
  req.upstream = answer.elapsed;
  if (req.series) metrics::Metrics::observe_upstream(*req.series, req.upstream);

  auto& response = answer.parser->get();
  const auto status = response.result_int();
  if (!validators.empty() && status == 304) co_return co_await freshen(req, plan, answer);
  if (status >= 200 && status < 400 && !upstream::is_safe(request.method())) {
    // RFC 9111 §4.4, before the client's answer: its next read of those URIs is fresh.
    for (auto& key : origin_keys_invalidated(req.config, request, response)) co_await invalidator_.key(std::move(key));
  }
  if (status >= 200 && status < 400) co_await invalidate_written(req, plan);  // RFC 9111 §4.4
  if (status >= 500 && plan.stale && req.route) {
    // The app failed but a stale copy may stand in. Its connection (body unread) is dropped.
    const auto f = cache::freshness(*plan.stale, clock_.system_now());
    if (cache::within_stale_if_error(f, *plan.stale, *req.route)) {
      if (metrics_) metrics_->count_error(metrics::ErrorKind::kUpstreamStatus);
      co_return co_await writer_.write(req, plan.stale, "STALE", cache::stale_if_error_status(f, status));
    }
  }
  http_util::strip_hop_by_hop(response);
  if (req.route) {
    // These are the proxy's own headers on routed responses: replaced, never duplicated.
    response.erase("X-Cache");
    response.erase("Cache-Status");
    if (*plan.x_cache != '\0') response.set("X-Cache", plan.x_cache);
  }
  const bool no_body = req.head || status == 204 || status == 304 || status < 200;
  bool store = false;
  std::size_t limit = 0;
  if (plan.store && !no_body) {
    limit = req.route->max_entry_bytes ? req.route->max_entry_bytes : req.config.limits.max_entry_bytes;
    const auto declared = answer.parser->content_length().value_or(0);
    plan.storage = cache::plan_storage(*req.route, request, response, declared, limit, plan.sent_at, clock_.system_now());
    store = plan.storage.storable();
  }
  // The app's Age counted in the plan (§4.2.3); the proxy sends its own on answers from an entry.
  if (req.route) response.erase(http::field::age);
  // Known length within the limit: read it all, store it, then answer from the entry, so
  // the next request already finds it (and its headers equal this answer's).
  if (store && answer.parser->content_length()) co_return co_await store_and_write(req, plan, answer);
  co_return co_await stream(req, plan, answer, store, limit);
}

net::awaitable<http_server::Outcome> Forwarder::store_and_write(Request& req, ForwardPlan& plan,
                                                                upstream::Answer& answer) {
  std::string body;
  body.reserve(*answer.parser->content_length());
  const auto ec = co_await client_.read_body(answer, body, req.config.timeouts.upstream_response);
  if (ec) {
    co_return co_await answer_failure(req, plan, upstream::Failure::kResponse, ec, writer_, metrics_,
                                      clock_.system_now());
  }
  client_.release(answer);
  const auto& response = answer.parser->get();
  auto entry = make_entry(req, plan, response, std::move(body));
  if (!plan.publish_only) {
    co_await pipeline::store(tiers_, storing(req, plan), entry, clock_.system_now());
  }
  std::string cache_status = plan.cache_status;
  cache::append_forward_status(cache_status, response.result_int(), !plan.publish_only);
  co_return co_await writer_.write(req, entry, plan.x_cache, cache_status);
}

net::awaitable<http_server::Outcome> Forwarder::freshen(Request& req, ForwardPlan& plan, upstream::Answer& answer) {
  const http::response_header<> updated = cache::updated_header(*plan.stale, answer.parser->get());
  client_.release(answer);  // a 304 has no body
  const auto now = clock_.system_now();
  const std::size_t limit = req.route->max_entry_bytes ? req.route->max_entry_bytes : req.config.limits.max_entry_bytes;
  plan.storage = cache::plan_storage(*req.route, req.header(), updated, plan.stale->identity_size, limit, plan.sent_at, now);
  auto entry = cache::freshened_entry(*plan.stale, updated, plan.storage, plan.generations, now);
  const bool store = plan.storage.storable() && !plan.publish_only;
  if (plan.storage.storable()) {
    plan.stored = true;
    if (plan.flight) plan.flight->publish(entry);
  }
  if (store) co_await pipeline::store(tiers_, storing(req, plan), entry, now);
  std::string cache_status = plan.cache_status;
  cache::append_forward_status(cache_status, 304, store);
  cache_status += "; detail=revalidated";
  co_return co_await writer_.write(req, entry, "HIT", cache_status);
}

net::awaitable<http_server::Outcome> Forwarder::stream(Request& req, ForwardPlan& plan, upstream::Answer& answer,
                                                       bool store, std::size_t limit) {
  auto& response = answer.parser->get();
  const auto status = response.result_int();
  const bool no_body = req.head || status == 204 || status == 304 || status < 200;
  // A `ttl: origin` route passes the origin's Cache-Control on; a fixed one states its ttl.
  if (store && !req.route->origin_ttl) response.set(http::field::cache_control, cache::cache_control_value(*req.route));
  if (req.route) {
    std::string cache_status = plan.cache_status;
    if (*plan.x_cache == 'M') cache::append_forward_status(cache_status, status, store && !plan.publish_only);
    response.set("Cache-Status", cache_status);
  }
  response.version(11);
  bool keep_alive = req.keep_alive();
  if (!no_body && !answer.parser->content_length()) {
    // Unknown length: chunk it for HTTP/1.1 clients; an HTTP/1.0 client reads to close.
    if (req.version >= 11) {
      response.chunked(true);
    } else {
      keep_alive = false;
    }
  }
  response.keep_alive(keep_alive);

  http_server::Outcome outcome{keep_alive, status, plan.x_cache, 0, {}, {}};
  if (no_body) {
    http::response_serializer<http::buffer_body> serializer{response};
    req.ex.client.expires_after(req.config.timeouts.write);
    auto [ec, n] = co_await http::async_write_header(req.ex.client, serializer, kNoThrow);
    if (ec) outcome.keep_alive = false;
    if (!ec) client_.release(answer);
    co_return outcome;
  }
  // Streamed: unknown length (chunked) answers are captured on the way when storable.
  std::string captured;
  http_util::RelayOptions options;
  options.read_timeout = req.config.timeouts.upstream_response;
  options.write_timeout = req.config.timeouts.write;
  if (store) {
    options.capture = &captured;
    options.capture_limit = limit;
  }
  const auto result = co_await client_.relay_body(answer, req.ex.client, options);
  outcome.bytes = result.body_bytes;
  if (result.read_error && metrics_) {
    metrics_->count_error(is_timeout(result.read_error) ? metrics::ErrorKind::kUpstreamTimeout
                                                        : metrics::ErrorKind::kUpstreamReset);
  }
  if (!result.ok()) {
    outcome.keep_alive = false;
    co_return outcome;
  }
  client_.release(answer);
  if (store && !options.capture_overflowed) {
    // The client already has its answer; storing must not delay the next request. The
    // background put owns copies of everything it needs.
    auto entry = make_entry(req, plan, response, std::move(captured));
    if (!plan.publish_only) {
      net::co_spawn(req.ex.client.get_executor(),
                    pipeline::store(tiers_, storing(req, plan), std::move(entry), clock_.system_now()), net::detached);
    }
  }
  co_return outcome;
}

}  // namespace foilcache::pipeline

#include "proxy/pipeline/cache_pipeline.hpp"

#include "proxy/cache/freshness.hpp"
#include "proxy/cache/identity.hpp"
#include "proxy/cache/origin_freshness.hpp"
#include "proxy/cache/policy.hpp"
#include "proxy/http/forwarding.hpp"
#include "proxy/metrics/metrics.hpp"
#include "proxy/pipeline/upstream_errors.hpp"
#include "proxy/pipeline/variants.hpp"

namespace foilcache::pipeline {
namespace {

using store::StoreStatus;

}  // namespace

net::awaitable<http_server::Outcome> CachePipeline::handle(http_server::Exchange& ex,
                                                           const http_server::Decision& d) {
  Request req(ex, d.route, metrics_ ? route_series(ex, d.route_index) : nullptr);
  http_server::Outcome outcome = co_await serve(req, d);
  log_result(req, outcome);
  co_return outcome;
}

void CachePipeline::log_result(const Request& req, http_server::Outcome& outcome) {
  // A routed request always has an X-Cache result, even when it ended early.
  if (*outcome.cache == '\0') outcome.cache = "BYPASS";
  const std::string_view result = outcome.cache;
  stats_.add(result == "HIT"     ? metrics::Stat::kHits
             : result == "MISS"  ? metrics::Stat::kMisses
             : result == "STALE" ? metrics::Stat::kStale
                                 : metrics::Stat::kBypass);
  if (req.series) metrics::Metrics::count_request(*req.series, metrics::result_from_x_cache(outcome.cache));
  outcome.route = req.route->name;
  outcome.upstream = req.upstream;
}

namespace {

// An origin route's entry answers when the request's own directives allow it (RFC 9111 §5.2.1).
bool origin_serves(const http::request_header<>& request, const cache::Entry& entry, const config::Route& route,
                   const cache::Freshness& f) {
  const bool forbids_stale = cache::forbids_stale(cache::stored_cache_control(entry, route));
  return cache::request_reuse(request, f.age_s(), f.left_ms(), forbids_stale) == cache::Reuse::kServe;
}

}  // namespace

net::awaitable<http_server::Outcome> CachePipeline::serve(Request& req, const http_server::Decision& d) {
  const auto& route = *req.route;
  auto& request = req.header();
  // request_filter: the header the app (and a {header.X-Forwarded-Host} key) sees.
  http_util::prepare_upstream_request(request, {req.ex.client_address, "http"}, req.config.trust_forwarded_headers,
                                      false);
  ForwardPlan plan;
  plan.x_cache = "BYPASS";
  // request_cache_filter
  const auto cacheability = cache::request_cacheability(request, route, req.config.identity);
  if (req.has_body || cacheability != cache::RequestCacheability::kCacheable) {
    co_return co_await forwarder_.forward(req, plan);
  }
  req.accepts_gzip = cache::accepts_gzip(request[http::field::accept_encoding]);
  // cache_key (and the entry's tags, when they are templates: "library:{user}")
  const std::string user = cache::route_user(route, request, req.config.identity);
  const config::RenderInput input{"GET", d.path, d.query, &d.params, &request, user};
  std::string key = route.key.render(input);
  std::vector<std::string> scoped_tags;
  if (!route.tags_literal) scoped_tags = config::render_all(route.tag_templates, input);
  plan.tags = route.tags_literal ? std::span<const std::string>(route.tags) : scoped_tags;
  // lookup
  const auto now = clock_.system_now();
  auto lookup = co_await tiers_.lookup(key, plan.tags, route.l1, now);
  if (lookup.entry && cache::is_variant_index(*lookup.entry)) co_await select_variant(tiers_, req, plan, key, lookup, now);
  if (lookup.tier == store::Lookup::Tier::kL1 && !route.origin_ttl) {
    co_return co_await writer_.write(req, lookup.entry, "HIT", cache::hit_status(cache::freshness(*lookup.entry, now)));
  }
  // The key does not name Accept-Encoding, so a stored body must be the identity encoding
  // every client can read (policy relies on this for Vary: Accept-Encoding).
  request.erase(http::field::accept_encoding);
  if (lookup.status == StoreStatus::kUnavailable) {
    // The store is down or slow: serve from the app, never an error, and don't store. A
    // burst of such misses still shares one fetch per key in this process.
    plan.cache_status = cache::kStatusStoreDown;
    if (req.head || req.config.timeouts.coalesce_wait.count() == 0) co_return co_await forwarder_.forward(req, plan);
    plan.key = std::move(key);
    co_return co_await bypass_coalesced(req, plan);
  }
  if (lookup.entry && !req.accepts_gzip && !req.head && lookup.entry->identity() == nullptr) {
    lookup.entry = nullptr;  // its gzip does not inflate (a damaged store value): a miss
  }
  if (lookup.status == StoreStatus::kOk && lookup.entry) {
    const auto f = cache::freshness(*lookup.entry, now);
    if (route.origin_ttl ? origin_serves(request, *lookup.entry, route, f) : f.fresh()) {
      if (lookup.tier != store::Lookup::Tier::kL1) tiers_.remember(key, lookup.entry, route.l1, now);
      co_return co_await writer_.write(req, lookup.entry, "HIT", cache::hit_status(f, f.fresh() ? "" : "max-stale"));
    }
    if (lookup.tier == store::Lookup::Tier::kL1) {
      // An L1 entry is current (invalidations remove it): its recorded generations are the tags'.
      lookup.generations.clear();
      for (const auto& [tag, generation] : lookup.entry->tags) lookup.generations.push_back(generation);
    }
    if (!req.head && cache::within_stale_while_revalidate(f, *lookup.entry, route)) {
      revalidator_.start(req, key, plan.tags, lookup.generations, lookup.entry);
      co_return co_await writer_.write(req, lookup.entry, "STALE", cache::hit_status(f, "stale-while-revalidate"));
    }
    plan.stale = std::move(lookup.entry);
  }
  if (route.origin_ttl && cache::only_if_cached(request)) {  // RFC 9111 §5.2.1.7: the app is not asked
    co_return co_await respond_error(req, http::status::gateway_timeout, "not in the cache (only-if-cached)", "MISS",
                                     req.keep_alive());
  }
  // miss: cache hits come from GET entries; a HEAD miss is forwarded as HEAD and not stored.
  plan.x_cache = "MISS";
  plan.store = !req.head;
  plan.key = std::move(key);
  plan.generations = std::move(lookup.generations);
  plan.cache_status = plan.stale ? cache::kStatusStaleMiss : cache::kStatusMiss;
  if (req.head || req.config.timeouts.coalesce_wait.count() == 0) co_return co_await forwarder_.forward(req, plan);
  co_return co_await coalesced_forward(req, plan);
}

std::string CachePipeline::collapsed_status(const ForwardPlan& plan, const cache::Entry& entry) const {
  return cache::collapsed_status(cache::freshness(entry, clock_.system_now()), plan.stale ? "stale" : "uri-miss",
                                 entry.status);
}

net::awaitable<http_server::Outcome> CachePipeline::bypass_coalesced(Request& req, ForwardPlan& plan) {
  auto& flights = coalescer_.flights();
  auto joined = flights.join(plan.key);
  if (!joined.leader) {
    auto executor = co_await net::this_coro::executor;
    cache::EntryPtr entry = co_await flights.wait(joined.flight, executor, req.config.timeouts.coalesce_wait);
    if (entry && answers(*entry, req, plan)) {
      if (metrics_) metrics_->count_coalesced(false);
      co_return co_await writer_.write(req, entry, "BYPASS", cache::kStatusStoreDownCoalesced);
    }
    plan.cache_status += cache::kNotCollapsed;
    co_return co_await forwarder_.forward(req, plan);
  }
  FlightGuard guard(flights, std::move(joined.flight));
  plan.flight = &guard;
  plan.store = true;         // make the entry (for the followers)...
  plan.publish_only = true;  // ...but do not write it to the unavailable store
  co_return co_await forwarder_.forward(req, plan);
}

net::awaitable<http_server::Outcome> CachePipeline::coalesced_forward(Request& req, ForwardPlan& plan) {
  auto& flights = coalescer_.flights();
  const auto bound = req.config.timeouts.coalesce_wait;
  auto joined = flights.join(plan.key);
  if (!joined.leader) {
    auto executor = co_await net::this_coro::executor;
    cache::EntryPtr entry = co_await flights.wait(joined.flight, executor, bound);
    if (entry && answers(*entry, req, plan)) {
      if (metrics_) metrics_->count_coalesced(false);
      co_return co_await writer_.write(req, entry, "HIT", collapsed_status(plan, *entry));
    }
    plan.cache_status += cache::kNotCollapsed;
    co_return co_await forwarder_.forward(req, plan);  // not storable, failed, too slow, another variant: on its own
  }
  FlightGuard guard(flights, std::move(joined.flight));
  plan.flight = &guard;
  if (!coalescer_.shared()) co_return co_await forwarder_.forward(req, plan);  // one process: done

  auto lease = co_await coalescer_.lock(plan.key, plan.tags, bound);
  if (lease.generations) plan.generations = std::move(*lease.generations);
  switch (lease.verdict) {
    case Coalescer::Lease::Verdict::kFetch: {
      http_server::Outcome outcome = co_await forwarder_.forward(req, plan);
      // Awaited, although the client has its answer: once a response is sent, the store
      // holds what it says (no lock key left, the entry written), which invalidations and
      // tests may rely on.
      co_await coalescer_.unlock(plan.key, lease.token, !plan.stored);
      co_return outcome;
    }
    case Coalescer::Lease::Verdict::kFound:
      if (!answers(*lease.found, req, plan)) {  // the index of a URL whose answer varies
        plan.cache_status += cache::kNotCollapsed;
        break;
      }
      guard.finish(lease.found);
      if (metrics_) metrics_->count_coalesced(true);
      co_return co_await writer_.write(req, lease.found, "HIT", collapsed_status(plan, *lease.found));
    case Coalescer::Lease::Verdict::kAlone:
      break;
  }
  co_return co_await forwarder_.forward(req, plan);
}

}  // namespace foilcache::pipeline

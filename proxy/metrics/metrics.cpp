#include "proxy/metrics/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <atomic>
#include <limits>
#include <sstream>

namespace foilcache::metrics {
namespace {

constexpr const char* kUnroutedLabel = "-";
constexpr std::array<const char*, kResultCount> kResultNames{"HIT", "MISS", "BYPASS", "STALE", "PASS"};
constexpr std::array<const char*, kErrorKindCount> kErrorNames{
    "upstream_connect", "upstream_timeout", "upstream_reset", "store_unavailable",
    "client_timeout",   "bad_request",      "header_too_large", "body_too_large",
    "webhook_rejected", "warm_failed",      "upstream_5xx",     "connection_limit",
    "accept_failed"};
constexpr std::array<const char*, kStoreOpCount> kStoreOpNames{"get", "put", "del"};
constexpr std::array<const char*, kAppEventResultCount> kAppEventResultNames{
    "applied", "deduplicated", "failed", "filtered", "unmapped", "ignored", "malformed", "pickle"};

// Upstream calls: 1 ms (a cached-in-app answer) to 10 s (a slow library scan).
const prometheus::Histogram::BucketBoundaries kUpstreamBuckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                               0.25,  0.5,    1,     2.5,  5,     10};
// Store commands: 50 µs (memory, local Redis) to 1 s (redis.timeout is far lower).
constexpr std::array<double, 12> kStoreBuckets{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                               0.005,   0.01,   0.025,   0.05,   0.1,   1};

double seconds(std::chrono::nanoseconds elapsed) { return std::chrono::duration<double>(elapsed).count(); }

}  // namespace

// A histogram whose Observe is a few relaxed atomic increments (prometheus::Histogram takes
// a mutex), for the store commands observed on every cache hit.
class Metrics::AtomicHistogram {
 public:
  void observe(std::chrono::nanoseconds elapsed) {
    const double value = seconds(elapsed);
    const auto bucket = std::lower_bound(kStoreBuckets.begin(), kStoreBuckets.end(), value) - kStoreBuckets.begin();
    counts_[static_cast<std::size_t>(bucket)].fetch_add(1, std::memory_order_relaxed);
    sum_ns_.fetch_add(static_cast<std::uint64_t>(std::max<std::int64_t>(0, elapsed.count())),
                      std::memory_order_relaxed);
  }

  prometheus::ClientMetric collect(std::vector<prometheus::ClientMetric::Label> labels) const {
    prometheus::ClientMetric metric;
    metric.label = std::move(labels);
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      cumulative += counts_[i].load(std::memory_order_relaxed);
      const double bound = i < kStoreBuckets.size() ? kStoreBuckets[i] : std::numeric_limits<double>::infinity();
      metric.histogram.bucket.push_back({cumulative, bound});
    }
    metric.histogram.sample_count = cumulative;
    metric.histogram.sample_sum = static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
    return metric;
  }

 private:
  std::array<std::atomic<std::uint64_t>, kStoreBuckets.size() + 1> counts_{};  // last: +Inf
  std::atomic<std::uint64_t> sum_ns_{0};
};

Result result_from_x_cache(std::string_view x_cache) {
  if (x_cache == "HIT") return Result::kHit;
  if (x_cache == "MISS") return Result::kMiss;
  if (x_cache == "BYPASS") return Result::kBypass;
  if (x_cache == "STALE") return Result::kStale;
  return Result::kPass;
}

Metrics::Metrics(std::string store_backend)
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_total(prometheus::BuildCounter()
                         .Name("foilcache_requests_total")
                         .Help("Proxied requests by route and cache result (route=\"-\": no route matched)")
                         .Register(*registry_)),
      upstream_request_duration_seconds(
          prometheus::BuildHistogram()
              .Name("foilcache_upstream_request_duration_seconds")
              .Help("Time from acquiring an upstream connection to the app's response header")
              .Register(*registry_)),
      errors_total(prometheus::BuildCounter()
                       .Name("foilcache_errors_total")
                       .Help("Errors by kind (upstream, store, client)")
                       .Register(*registry_)),
      invalidations_total(prometheus::BuildCounter()
                              .Name("foilcache_invalidations_total")
                              .Help("Tag invalidations (admin API, webhook, the app's event feed)")
                              .Register(*registry_)),
      store_written_bytes_total(prometheus::BuildCounter()
                                    .Name("foilcache_store_written_bytes_total")
                                    .Help("Bytes of entries written to the store by successful puts")
                                    .Register(*registry_)),
      stored_bytes(prometheus::BuildGauge()
                       .Name("foilcache_stored_bytes")
                       .Help("Bytes held by the embedded memory store (absent in Redis mode)")
                       .Register(*registry_)),
      store_up(prometheus::BuildGauge()
                   .Name("foilcache_store_up")
                   .Help("1 when every io thread's store is available, else 0")
                   .Register(*registry_)),
      config_reloads_total(prometheus::BuildCounter()
                               .Name("foilcache_config_reloads_total")
                               .Help("SIGHUP config reloads by result")
                               .Register(*registry_)),
      coalesced_requests_total(
          prometheus::BuildCounter()
              .Name("foilcache_coalesced_requests_total")
              .Help("Misses answered from another request's upstream fetch (local: same process; "
                    "cluster: another instance's, through the Redis lock)")
              .Register(*registry_)),
      store_breaker_open(prometheus::BuildGauge()
                             .Name("foilcache_store_breaker_open")
                             .Help("io threads whose Redis circuit breaker refuses commands (open or half-open)")
                             .Register(*registry_)),
      l1_bytes(prometheus::BuildGauge()
                   .Name("foilcache_l1_bytes")
                   .Help("Bytes held by the in-process L1 tier (absent when it is off)")
                   .Register(*registry_)),
      l1_trusted(prometheus::BuildGauge()
                     .Name("foilcache_l1_trusted")
                     .Help("1 while the L1 tier hears the invalidation channel (else it is bypassed)")
                     .Register(*registry_)),
      app_events_total(prometheus::BuildCounter()
                           .Name("foilcache_app_events_total")
                           .Help("Messages of the app's Socket.IO feed by event and what became of them")
                           .Register(*registry_)),
      app_feed_up(prometheus::BuildGauge()
                      .Name("foilcache_app_feed_up")
                      .Help("1 while the app's Socket.IO feed is subscribed")
                      .Register(*registry_)),
      app_feed_resyncs_total(prometheus::BuildCounter()
                                 .Name("foilcache_app_feed_resyncs_total")
                                 .Help("Every mapped tag invalidated because the feed may have missed events")
                                 .Register(*registry_)),
      store_backend_(std::move(store_backend)) {
  for (std::size_t i = 0; i < kErrorKindCount; ++i) errors_[i] = &errors_total.Add({{"kind", kErrorNames[i]}});
  for (auto& histogram : store_ops_) histogram = std::make_unique<AtomicHistogram>();
  written_bytes_ = &store_written_bytes_total.Add({});
  if (store_backend_ == "memory") stored_bytes_ = &stored_bytes.Add({});
  store_up_ = &store_up.Add({});
  reloads_ok_ = &config_reloads_total.Add({{"result", "ok"}});
  reloads_error_ = &config_reloads_total.Add({{"result", "error"}});
  coalesced_local_ = &coalesced_requests_total.Add({{"scope", "local"}});
  coalesced_cluster_ = &coalesced_requests_total.Add({{"scope", "cluster"}});
  breakers_open_ = &store_breaker_open.Add({});
  std::lock_guard lock(routes_mutex_);
  unrouted_ = &route_series_locked(kUnroutedLabel);
}

Metrics::~Metrics() = default;

const RouteSeries& Metrics::route_series_locked(const std::string& name) {
  for (const auto& [existing, series] : routes_) {
    if (existing == name) return *series;
  }
  auto series = std::make_unique<RouteSeries>();
  for (std::size_t i = 0; i < kResultCount; ++i) {
    series->requests[i] = &requests_total.Add({{"route", name}, {"result", kResultNames[i]}});
  }
  series->upstream_seconds = &upstream_request_duration_seconds.Add({{"route", name}}, kUpstreamBuckets);
  routes_.emplace_back(name, std::move(series));
  return *routes_.back().second;
}

std::vector<const RouteSeries*> Metrics::resolve_routes(const config::Config& config) {
  std::vector<const RouteSeries*> out;
  out.reserve(config.routes.size());
  {
    std::lock_guard lock(routes_mutex_);
    for (const auto& route : config.routes) out.push_back(&route_series_locked(route.name));
  }
  for (const auto& route : config.routes) {
    for (const auto& tag : route.tags) invalidations_total.Add({{"tag", tag}});
  }
  return out;
}

void Metrics::count_request(const RouteSeries& series, Result result) {
  series.requests[static_cast<std::size_t>(result)]->Increment();
}

void Metrics::observe_upstream(const RouteSeries& series, std::chrono::nanoseconds elapsed) {
  series.upstream_seconds->Observe(seconds(elapsed));
}

void Metrics::count_error(ErrorKind kind) { errors_[static_cast<std::size_t>(kind)]->Increment(); }

void Metrics::observe_store(StoreOp op, std::chrono::nanoseconds elapsed) {
  store_ops_[static_cast<std::size_t>(op)]->observe(elapsed);
}

void Metrics::add_written_bytes(std::uint64_t bytes) { written_bytes_->Increment(static_cast<double>(bytes)); }

void Metrics::count_reload(bool ok) { (ok ? reloads_ok_ : reloads_error_)->Increment(); }

void Metrics::count_coalesced(bool cluster) { (cluster ? coalesced_cluster_ : coalesced_local_)->Increment(); }

void Metrics::count_app_event(std::string_view event, AppEventResult result, std::uint64_t n) {
  app_events_total.Add({{"event", std::string(event)}, {"result", kAppEventResultNames[static_cast<std::size_t>(result)]}})
      .Increment(static_cast<double>(n));
}

void Metrics::set_app_feed_up(bool up) { app_feed_up.Add({}).Set(up ? 1 : 0); }

void Metrics::count_app_feed_resync(FeedResync reason) {
  app_feed_resyncs_total.Add({{"reason", reason == FeedResync::kSubscribed ? "subscribed" : "down"}}).Increment();
}

void Metrics::count_invalidation(std::string_view tag) { invalidations_total.Add({{"tag", std::string(tag)}}).Increment(); }

void Metrics::set_store_up(bool up) { store_up_->Set(up ? 1 : 0); }

void Metrics::set_breakers_open(std::size_t count) { breakers_open_->Set(static_cast<double>(count)); }

void Metrics::set_l1(std::size_t bytes, bool trusted) {
  if (l1_bytes_ == nullptr) {
    // Created by the first call (before the io threads start): only a process with an L1
    // exports the series.
    l1_bytes_ = &l1_bytes.Add({});
    l1_trusted_ = &l1_trusted.Add({});
  }
  l1_bytes_->Set(static_cast<double>(bytes));
  l1_trusted_->Set(trusted ? 1 : 0);
}

void Metrics::set_stored_bytes(double bytes) {
  if (stored_bytes_) stored_bytes_->Set(bytes);
}

void Metrics::add_scrape_hook(std::function<void(Metrics&)> hook) { scrape_hooks_.push_back(std::move(hook)); }

std::string Metrics::scrape() {
  for (const auto& hook : scrape_hooks_) hook(*this);
  auto families = registry_->Collect();
  prometheus::MetricFamily store_ops;
  store_ops.name = "foilcache_store_operation_duration_seconds";
  store_ops.help = "Store command latency (Redis round trip, or the memory store's work)";
  store_ops.type = prometheus::MetricType::Histogram;
  for (std::size_t i = 0; i < kStoreOpCount; ++i) {
    store_ops.metric.push_back(store_ops_[i]->collect({{"backend", store_backend_}, {"op", kStoreOpNames[i]}}));
  }
  families.push_back(std::move(store_ops));
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return std::move(out).str();
}

}  // namespace foilcache::metrics

// The Prometheus metrics of one foilcache process: one struct of named prometheus-cpp
// families in one Registry, served as text by GET /metrics (our own Beast session, not
// prometheus-cpp's civetweb Exposer).
//
//   foilcache_requests_total{route,result}               counter; result HIT|MISS|BYPASS|STALE|PASS;
//                                                        unrouted requests: route="-", result="PASS"
//   foilcache_upstream_request_duration_seconds{route}   histogram; connection acquire -> response header
//   foilcache_store_operation_duration_seconds{op,backend}  histogram; op get|put|del, backend redis|memory
//   foilcache_errors_total{kind}                          counter; see ErrorKind
//   foilcache_invalidations_total{tag}                    counter; tag invalidations (admin API, webhook,
//                                                        the app's event feed)
//   foilcache_store_written_bytes_total                   counter; entry bytes written by successful puts
//   foilcache_stored_bytes                                gauge; bytes held by the embedded memory store
//                                                        (no sample in Redis mode)
//   foilcache_store_up                                    gauge; 1 when every io thread's store is available
//   foilcache_l1_bytes                                    gauge; bytes held by the L1 tier (Redis mode)
//   foilcache_l1_trusted                                  gauge; 1 while the invalidation channel is heard
//   foilcache_store_breaker_open                          gauge; io threads whose Redis circuit breaker
//                                                        refuses commands (open or half-open)
//   foilcache_config_reloads_total{result}                counter; result ok|error
//   foilcache_coalesced_requests_total{scope}             counter; misses answered from another
//                                                        request's fetch (scope local|cluster)
//   foilcache_app_events_total{event,result}              counter; messages of the app's Socket.IO feed;
//                                                        event: the name when `events:` maps it or it is
//                                                        a known app event (library_updated, job_update,
//                                                        notification), else "other"; result: see
//                                                        AppEventResult (applied|deduplicated|failed|
//                                                        filtered|unmapped|ignored|malformed|pickle)
//   foilcache_app_feed_up                                 gauge; 1 while the feed is subscribed (only
//                                                        with feeds.socketio.url)
//   foilcache_app_feed_resyncs_total{reason}              counter; every mapped tag invalidated because
//                                                        events may have been missed: reason subscribed
//                                                        (each (re)subscription) | down (every
//                                                        max_staleness while the feed is down)
//
// Hot path: Family::Add takes a mutex, so label children are resolved once (per route when a
// config is applied: resolve_routes) and requests only touch atomics. The store histogram is
// lock-free (its own buckets of atomics) because it is observed on every hit; the upstream
// histogram is prometheus-cpp's (a mutex per Observe), observed only when the app is called.
//
// Threading: every member function may be called from any thread.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/config/config.hpp"

namespace prometheus {
class Registry;
class Counter;
class Gauge;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace foilcache::metrics {

// The `result` label of foilcache_requests_total (the X-Cache value, PASS when unrouted).
enum class Result : std::uint8_t {
  kHit,     // served from the store
  kMiss,    // looked up, not found, fetched from the app
  kBypass,  // routed but not eligible, or the store unavailable
  kStale,   // served stale (reserved for stale-if-error / stale-while-revalidate)
  kPass,    // matched no route: streamed through
};
inline constexpr std::size_t kResultCount = 5;

// Maps an X-Cache value to its result; "" (no X-Cache) and unknown values are kPass.
Result result_from_x_cache(std::string_view x_cache);

// The `kind` label of foilcache_errors_total.
enum class ErrorKind : std::uint8_t {
  kUpstreamConnect,   // could not connect to the app (502)
  kUpstreamTimeout,   // the app did not answer within timeouts.upstream_response (504)
  kUpstreamReset,     // the app closed or reset the connection mid-exchange (502)
  kStoreUnavailable,  // a store command failed or timed out (the request BYPASSed)
  kClientTimeout,     // a client was too slow sending its header or body (408)
  kBadRequest,        // unparsable request (400)
  kHeaderTooLarge,    // request header over limits.max_header_bytes (431)
  kBodyTooLarge,      // request body over limits.max_body_bytes (413)
  kWebhookRejected,   // a webhook delivery with a missing, wrong or stale signature (401)
  kWarmFailed,        // a warming request failed (connect error, timeout, non-2xx/3xx)
  kUpstreamStatus,    // the app answered 5xx and a stale entry answered instead (stale-if-error)
  kConnectionLimit,   // a connection refused: its address held limits.max_connections_per_ip (503)
  kAcceptFailed,      // accepting a connection failed (out of descriptors: EMFILE, ENFILE, ...)
};
inline constexpr std::size_t kErrorKindCount = 13;

// The `result` label of foilcache_app_events_total: what became of one message of the app's
// event feed.
enum class AppEventResult : std::uint8_t {
  kApplied,       // its tags were invalidated by this process (alone, or merged with a burst)
  kDeduplicated,  // another replica claimed it and invalidated its tags
  kFailed,        // the store could not invalidate its tags (they are retried)
  kFiltered,      // `events:` has a rule for it, but a `when:` condition does not hold
  kUnmapped,      // `events:` has no rule for it
  kIgnored,       // not an emit (enter_room, disconnect, callback, ...) or not namespace "/"
  kMalformed,     // not a message python-socketio publishes (not JSON, wrong shape, too large)
  kPickle,        // a pickle (python-socketio < 5.14, CVE-2025-61765): dropped, never decoded
};
inline constexpr std::size_t kAppEventResultCount = 8;

// The `reason` label of foilcache_app_feed_resyncs_total.
enum class FeedResync : std::uint8_t {
  kSubscribed,  // the feed (re)subscribed: what was published before is lost to it
  kDown,        // a max_staleness period passed while the feed was down
};

// The `op` label of foilcache_store_operation_duration_seconds.
enum class StoreOp : std::uint8_t { kGet, kPut, kDel };
inline constexpr std::size_t kStoreOpCount = 3;

// The label children of one route, resolved once and valid for the life of the Metrics.
struct RouteSeries {
  std::array<prometheus::Counter*, kResultCount> requests{};
  prometheus::Histogram* upstream_seconds = nullptr;
};

class Metrics {
 public:
  // `store_backend` is the `backend` label of the store histogram ("redis" or "memory").
  explicit Metrics(std::string store_backend);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // The series of every route of `config`, by index (result[i] is config.routes[i]), and
  // a zero invalidation counter for each of their tags. Takes mutexes: call when a config
  // is applied, not per request.
  std::vector<const RouteSeries*> resolve_routes(const config::Config& config);
  // The series of requests that matched no route (route="-").
  const RouteSeries& unrouted() const { return *unrouted_; }

  // Lock-free.
  static void count_request(const RouteSeries& series, Result result);
  // A mutex inside prometheus-cpp: the upstream path only.
  static void observe_upstream(const RouteSeries& series, std::chrono::nanoseconds elapsed);
  void count_error(ErrorKind kind);                                  // lock-free
  void observe_store(StoreOp op, std::chrono::nanoseconds elapsed);  // lock-free
  void add_written_bytes(std::uint64_t bytes);                       // lock-free
  void count_reload(bool ok);                                        // lock-free
  void count_coalesced(bool cluster);                                // lock-free
  // Takes the family's mutex (the feed's path, not the request path). `event` must come from
  // a bounded set (feeds::event_label).
  void count_app_event(std::string_view event, AppEventResult result, std::uint64_t n = 1);
  // The feed's series; created by the first call (a process without a feed has none).
  void set_app_feed_up(bool up);
  void count_app_feed_resync(FeedResync reason);
  // Takes the family's mutex (admin path).
  void count_invalidation(std::string_view tag);
  void set_store_up(bool up);
  void set_breakers_open(std::size_t count);
  void set_l1(std::size_t bytes, bool trusted);
  void set_stored_bytes(double bytes);

  // Runs before every scrape (for gauges read from elsewhere: store state, memory size).
  // Register hooks before the io threads start.
  void add_scrape_hook(std::function<void(Metrics&)> hook);
  // Runs the hooks and renders every family in the Prometheus text format 0.0.4.
  std::string scrape();

  prometheus::Registry& registry() { return *registry_; }

 private:
  class AtomicHistogram;

  const RouteSeries& route_series_locked(const std::string& name);

  std::shared_ptr<prometheus::Registry> registry_;

 public:
  // The families (owned by registry_). Prefer the functions above on the request path.
  prometheus::Family<prometheus::Counter>& requests_total;
  prometheus::Family<prometheus::Histogram>& upstream_request_duration_seconds;
  prometheus::Family<prometheus::Counter>& errors_total;
  prometheus::Family<prometheus::Counter>& invalidations_total;
  prometheus::Family<prometheus::Counter>& store_written_bytes_total;
  prometheus::Family<prometheus::Gauge>& stored_bytes;
  prometheus::Family<prometheus::Gauge>& store_up;
  prometheus::Family<prometheus::Counter>& config_reloads_total;
  prometheus::Family<prometheus::Counter>& coalesced_requests_total;
  prometheus::Family<prometheus::Gauge>& store_breaker_open;
  prometheus::Family<prometheus::Gauge>& l1_bytes;
  prometheus::Family<prometheus::Gauge>& l1_trusted;
  prometheus::Family<prometheus::Counter>& app_events_total;
  prometheus::Family<prometheus::Gauge>& app_feed_up;
  prometheus::Family<prometheus::Counter>& app_feed_resyncs_total;

 private:
  std::string store_backend_;
  std::mutex routes_mutex_;
  std::vector<std::pair<std::string, std::unique_ptr<RouteSeries>>> routes_;  // few: linear search
  const RouteSeries* unrouted_ = nullptr;
  std::array<prometheus::Counter*, kErrorKindCount> errors_{};
  std::array<std::unique_ptr<AtomicHistogram>, kStoreOpCount> store_ops_;
  prometheus::Counter* written_bytes_ = nullptr;
  prometheus::Gauge* stored_bytes_ = nullptr;
  prometheus::Gauge* store_up_ = nullptr;
  prometheus::Counter* reloads_ok_ = nullptr;
  prometheus::Counter* reloads_error_ = nullptr;
  prometheus::Counter* coalesced_local_ = nullptr;
  prometheus::Counter* coalesced_cluster_ = nullptr;
  prometheus::Gauge* breakers_open_ = nullptr;
  prometheus::Gauge* l1_bytes_ = nullptr;
  prometheus::Gauge* l1_trusted_ = nullptr;
  std::vector<std::function<void(Metrics&)>> scrape_hooks_;
};

}  // namespace foilcache::metrics

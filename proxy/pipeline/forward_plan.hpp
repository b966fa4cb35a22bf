// The state the pipeline's steps share for one request (Pingora's session context), and
// what a forward should do with the app's answer.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/text.hpp"
#include "proxy/cache/cache_status.hpp"
#include "proxy/cache/entry.hpp"
#include "proxy/cache/storage_plan.hpp"
#include "proxy/cache/vary.hpp"
#include "proxy/http/handler.hpp"
#include "proxy/pipeline/flights.hpp"

namespace foilcache::metrics {
struct RouteSeries;
}  // namespace foilcache::metrics

namespace foilcache::pipeline {

// The metric series of the route at `index` in the exchange's config; null when metrics
// are off (the snapshot holds no series).
inline const metrics::RouteSeries* route_series(const http_server::Exchange& ex, std::size_t index) {
  const auto& series = ex.snapshot->series;
  return index < series.size() ? series[index] : nullptr;
}

// One request as the pipeline sees it. Lives on the handler's coroutine frame.
struct Request {
  Request(http_server::Exchange& exchange, const config::Route* matched, const metrics::RouteSeries* metric_series)
      : ex(exchange), config(exchange.config()), route(matched), series(metric_series) {
    const auto& header = exchange.parser.get();
    head = header.method() == http::verb::head;
    version = header.version();
    client_keep_alive = header.keep_alive();
    has_body = exchange.parser.chunked() || exchange.parser.content_length().value_or(0) > 0;
    expect_continue = common::iequals(header[http::field::expect], "100-continue");
  }

  http_server::Exchange& ex;
  const config::Config& config;
  const config::Route* route;             // null: unrouted
  const metrics::RouteSeries* series;     // null without metrics
  bool head = false;                      // client asked HEAD
  unsigned version = 11;                  // client HTTP version
  bool client_keep_alive = false;         // client allows keep-alive
  bool has_body = false;                  // request carries a body
  bool expect_continue = false;           // client waits for 100 Continue
  bool accepts_gzip = false;              // Accept-Encoding allows gzip (routed requests)
  std::chrono::steady_clock::time_point upstream_started{};  // when the app was first called
  std::chrono::nanoseconds upstream{0};   // time spent on the app so far

  http::request<http::empty_body>& header() { return ex.parser.get(); }
  bool keep_alive() const { return client_keep_alive && !ex.draining(); }
};

// What a forward does with the app's answer. Passed by reference to a named local: GCC 12
// destroys a braced temporary passed by value to a coroutine twice.
struct ForwardPlan {
  const char* x_cache = "";                // "" for unrouted requests
  bool store = false;                      // try to store the answer under `key`
  std::string key;
  std::span<const std::string> tags;       // the entry's tags, rendered for this request
  std::vector<std::uint64_t> generations;  // of those tags at lookup: recorded in the entry
  // A write route's tags, rendered: invalidated when the app answers 2xx/3xx (or may have
  // acted: its answer was lost), before anything reaches the client.
  std::vector<std::string> invalidates;
  std::string cache_status{cache::kStatusBypass};  // Cache-Status (RFC 9211) sent
  cache::EntryPtr stale;                   // an expired entry, for stale-if-error
  FlightGuard* flight = nullptr;           // set when this request leads a coalesced fetch
  bool stored = false;                     // a storable entry was made (and published)
  bool publish_only = false;               // give the entry to coalesced followers, do not store it
  std::chrono::system_clock::time_point sent_at;  // when the request went to the app (RFC 9111 §4.2.3)
  cache::StoragePlan storage;              // whether and how long the answer is stored
  // Origin routes whose URL holds a variant index (cache/vary.hpp): the URL's key, the index
  // and how long it has left; `key` is then the selected variant's.
  std::string url_key;
  std::optional<cache::VariantIndex> variants;
  std::chrono::milliseconds variants_left{0};
};

}  // namespace foilcache::pipeline

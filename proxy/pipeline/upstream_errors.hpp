// When the exchange with the app fails before anything was sent to the client: what is
// counted and answered (stale-if-error, 502, 504, 408, 413, or a silent close).
#pragma once

#include <string_view>

#include "proxy/metrics/metrics.hpp"
#include "proxy/pipeline/entry_writer.hpp"
#include "proxy/pipeline/forward_plan.hpp"
#include "proxy/upstream/client.hpp"

namespace foilcache::pipeline {

// The answer to a failure, decided without I/O.
struct FailureAnswer {
  bool counted = true;             // false: nothing is counted (the client left)
  metrics::ErrorKind kind{};       // the errors_total kind
  bool may_serve_stale = false;    // the app failed: a stale entry may answer (stale-if-error)
  bool answer = true;              // false: close without an answer (the client left)
  http::status status = http::status::bad_gateway;
  std::string_view message;        // the JSON error's text
};

// Pure: kConnect/kSend/kResponse are the app's failures (504 after a timeout, else 502,
// unless a stale entry answers); the client's own failures are 413, 408 or a close.
FailureAnswer classify_failure(upstream::Failure failure, const error_code& ec);

// A short JSON error answer from the proxy itself, counted nowhere.
net::awaitable<http_server::Outcome> respond_error(Request& req, http::status status, std::string_view message,
                                                   const char* x_cache, bool keep_alive);

// Counts and answers `failure` for `req`: stale-if-error from plan.stale when the route's
// window allows (at failure time, `now`), else the classified answer. Sets req.upstream.
net::awaitable<http_server::Outcome> answer_failure(Request& req, const ForwardPlan& plan, upstream::Failure failure,
                                                    const error_code& ec, EntryWriter& writer,
                                                    metrics::Metrics* metrics,
                                                    std::chrono::system_clock::time_point now);

}  // namespace foilcache::pipeline

// Writes a stored entry to the client: its status, headers and body as stored, plus the
// proxy's own X-Cache, Cache-Status, Cache-Control and (HIT, STALE) Age. A MISS that was
// stored is written by the same code, so a HIT's headers and body equal the MISS that
// stored it. A conditional request the entry satisfies gets 304 without a body. The header
// block is built as one string and sent with the body in one gather write, straight from
// the shared entry (no per-hit copy of the body, no Beast field container).
#pragma once

#include <string_view>

#include "common/clock.hpp"
#include "proxy/pipeline/forward_plan.hpp"

namespace foilcache::metrics {
class Metrics;
}  // namespace foilcache::metrics

namespace foilcache::pipeline {

class EntryWriter {
 public:
  // `metrics` may be null (tests).
  EntryWriter(const common::Clock& clock, metrics::Metrics* metrics) : clock_(clock), metrics_(metrics) {}

  // Precondition: `req` is routed. Reads the clock once, for Age (write time).
  net::awaitable<http_server::Outcome> write(Request& req, const cache::EntryPtr& entry, const char* x_cache,
                                             std::string_view cache_status);

 private:
  const common::Clock& clock_;
  metrics::Metrics* metrics_;
};

}  // namespace foilcache::pipeline

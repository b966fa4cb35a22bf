// One exchange with the app for a request the cache does not answer (a miss, a bypass, a
// write, an unrouted request): send it, then either store the answer and write it from the
// entry (known length within the limit), or stream it to the client (capturing it for the
// store when it is storable and chunked), or answer the failure. The write step sits
// between the app's answer and the client's: see ForwardPlan::invalidates.
#pragma once

#include "common/clock.hpp"
#include "proxy/pipeline/entry_writer.hpp"
#include "proxy/pipeline/forward_plan.hpp"
#include "proxy/store/invalidator.hpp"
#include "proxy/store/tiered_store.hpp"
#include "proxy/upstream/client.hpp"

namespace foilcache::pipeline {

class Forwarder {
 public:
  // Every reference outlives the forwarder; `metrics` may be null.
  Forwarder(upstream::Client& client, store::TieredStore& tiers, store::Invalidator& invalidator, EntryWriter& writer,
            const common::Clock& clock, metrics::Metrics* metrics)
      : client_(client),
        tiers_(tiers),
        invalidator_(invalidator),
        writer_(writer),
        clock_(clock),
        metrics_(metrics) {}

  // Sends `req` upstream (the header prepared; any body streamed) and answers the client
  // as `plan` says. Precondition: on the request's io thread.
  net::awaitable<http_server::Outcome> forward(Request& req, ForwardPlan& plan);

 private:
  // The write step: invalidates plan.invalidates (once) and notes it in plan.cache_status.
  net::awaitable<void> invalidate_written(const Request& req, ForwardPlan& plan);
  net::awaitable<http_server::Outcome> store_and_write(Request& req, ForwardPlan& plan, upstream::Answer& answer);
  // The origin answered 304 to the validators of plan.stale: the entry is freshened (and
  // stored when still storable) and answers the client.
  net::awaitable<http_server::Outcome> freshen(Request& req, ForwardPlan& plan, upstream::Answer& answer);
  net::awaitable<http_server::Outcome> stream(Request& req, ForwardPlan& plan, upstream::Answer& answer, bool store,
                                              std::size_t limit);
  // Builds the entry of a storable answer and gives it to the coalesced followers.
  cache::EntryPtr make_entry(Request& req, ForwardPlan& plan, const http::response_header<>& response,
                             std::string body);

  upstream::Client& client_;
  store::TieredStore& tiers_;
  store::Invalidator& invalidator_;
  EntryWriter& writer_;
  const common::Clock& clock_;
  metrics::Metrics* metrics_;
};

}  // namespace foilcache::pipeline

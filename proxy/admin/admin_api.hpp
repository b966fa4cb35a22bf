// The admin API under /api/cache/ (INTERFACE.md "Admin API"), behind
// `Authorization: Bearer <admin.token>`: 403 when no token is configured, 401 when the
// header is missing or wrong (constant-time comparison). JSON answers.
//
//   GET    /api/cache/info                 status, live keys, stats, masked redis_url
//   POST   /api/cache/clear                every entry under the prefix, nothing else
//   POST   /api/cache/invalidate?pattern=G entries whose rendered key matches glob G
//   POST   /api/cache/reset-stats          zeroes the stats
//   GET    /api/cache/keys/{key}           one entry's metadata; 404 if absent
//   DELETE /api/cache/keys/{key}           removes it; 404 if absent
//   POST   /api/cache/invalidate/{tag}     every entry of routes tagged {tag}, in O(1); 404 for
//                                          a tag no route has
// The webhook (/api/cache/webhook) has its own handler and authentication (webhook_handler.hpp).
#pragma once

#include <string_view>

#include "common/clock.hpp"
#include "proxy/admin/admin_json.hpp"
#include "proxy/http/handler.hpp"
#include "proxy/metrics/stats.hpp"
#include "proxy/store/invalidator.hpp"
#include "proxy/store/store.hpp"

namespace foilcache::admin {

// True when `authorization` is "Bearer <token>" and token equals `expected`, compared in
// constant time whatever the lengths (digests of both are compared). False when `expected`
// is empty.
bool token_matches(std::string_view authorization, std::string_view expected);

class AdminApi final : public http_server::Handler {
 public:
  // One per io thread; every reference outlives it. `counters` null: stats are this
  // process's own (memory mode).
  AdminApi(store::EntryStore& store, store::SharedCounters* counters, store::Invalidator& invalidator,
           metrics::Stats& stats, const common::Clock& clock)
      : store_(store), counters_(counters), invalidator_(invalidator), stats_(stats), clock_(clock) {}

  net::awaitable<http_server::Outcome> handle(http_server::Exchange& ex, const http_server::Decision& d) override;

 private:
  net::awaitable<Response> answer(const http_server::Exchange& ex);
  net::awaitable<Response> info(const http_server::Exchange& ex);
  net::awaitable<Response> key_metadata(const http_server::Exchange& ex, const std::string& key);
  net::awaitable<Response> remove(unsigned version, std::string glob, const char* field);
  net::awaitable<Response> invalidate_tag(const http_server::Exchange& ex, const std::string& tag);

  store::EntryStore& store_;
  store::SharedCounters* counters_;
  store::Invalidator& invalidator_;
  metrics::Stats& stats_;
  const common::Clock& clock_;
};

}  // namespace foilcache::admin

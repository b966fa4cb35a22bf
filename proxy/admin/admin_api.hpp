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
// and, with its own authentication (an HMAC signature, not the bearer token):
//   POST   /api/cache/webhook              the library updater's events -> tags (handle_webhook)
#pragma once

#include <string>
#include <vector>

#include "proxy/metrics/stats.hpp"
#include "proxy/app/worker.hpp"
#include "common/net.hpp"

namespace foilcache::admin {

// True when `token` (from the Authorization header) equals `expected`, compared in
// constant time whatever the lengths (digests of both are compared).
bool token_matches(std::string_view authorization, std::string_view expected);

// Invalidates `tags` (Store::invalidate_tag, counted in metrics), then tells
// shared.on_invalidated (warming). False when the store failed: a tag may be left as it was.
net::awaitable<bool> invalidate_tags(app::Worker& worker, const std::vector<std::string>& tags);

// Answers one webhook delivery (INTERFACE.md "Webhook"): 403 when no secret is configured,
// 401 when the signature is missing, wrong or outside the replay window, 400 when the body
// is not a JSON object with an "event" string, 503 when the store could not invalidate,
// else 200 {"event":..,"invalidated_tags":[..]} once every mapped tag is invalidated for
// every instance sharing the store. Redelivery is harmless (the tags are invalidated again).
net::awaitable<http::response<http::string_body>> handle_webhook(app::Worker& worker,
                                                                 const http::request<http::string_body>& request);

// Answers one admin request. Precondition: the path starts with /api/cache; runs on
// worker.ioc's thread and uses worker.store (store operations never block Redis).
net::awaitable<http::response<http::string_body>> handle_admin(app::Worker& worker, metrics::Stats& stats,
                                                               const http::request_header<>& request);

}  // namespace foilcache::admin

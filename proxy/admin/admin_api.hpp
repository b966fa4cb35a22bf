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
//   POST   /api/cache/invalidate/{tag}     TODO(#3): tag generations (501 for now)
#pragma once

#include <string>

#include "proxy/admin/stats.hpp"
#include "proxy/app/worker.hpp"
#include "proxy/net.hpp"

namespace foilcache::admin {

// True when `token` (from the Authorization header) equals `expected`, compared in
// constant time whatever the lengths (digests of both are compared).
bool token_matches(std::string_view authorization, std::string_view expected);

// Answers one admin request. Precondition: the path starts with /api/cache; runs on
// worker.ioc's thread and uses worker.store (store operations never block Redis).
net::awaitable<http::response<http::string_body>> handle_admin(app::Worker& worker, Stats& stats,
                                                               const http::request_header<>& request);

}  // namespace foilcache::admin

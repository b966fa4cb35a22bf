// Every top-level routing decision, pure (Seastar's routes: the proxy's own paths first,
// then ordered rules). http_server::decide is the only place a request is routed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/net.hpp"
#include "proxy/config/config.hpp"

namespace foilcache::http_server {

// Where a request goes (Handlers::by_target has one handler per value).
enum class Target : std::uint8_t {
  kHealth,   // GET /healthz
  kReady,    // GET /readyz
  kMetrics,  // GET /metrics
  kWebhook,  // /api/cache/webhook (signed events)
  kAdmin,    // /api/cache and /api/cache/... (bearer token)
  kUpgrade,  // any other request with Upgrade: tunnelled, even when a route matches
  kRouted,   // the first route whose method (HEAD matches GET) and path, as the app routes it, match
  kWrite,    // ...when that route is a write route (POST/PUT/PATCH/DELETE): never cached
  kPass,     // everything else: streamed through
};
inline constexpr std::size_t kTargetCount = 9;

struct Decision {
  Target target = Target::kPass;
  const config::Route* route = nullptr;  // kRouted, kWrite: the route (owned by the config)
  std::size_t route_index = 0;           // kRouted, kWrite: its index in config.routes
  config::PathParams params;             // kRouted, kWrite: its {name} captures as the app reads them
  std::string_view path;                 // the raw path (a view into the request target)
  std::string_view query;                // the raw query, without '?', may be empty
};

// Decides for `request` as received (before any header is rewritten): own paths, then
// Upgrade, then routes (config::match_route: the path as the app routes it, and only the
// spellings HARDENING.md "Paths and keys" lets match), else pass. The views point into
// `request`'s target.
Decision decide(const config::Config& config, const http::request_header<>& request);

// True for the paths the proxy answers itself and never forwards (`path` as spelled).
bool is_own_path(std::string_view path);

// The path as the app routes it: percent-decoded the way Werkzeug decodes PATH_INFO
// (config/percent_decode.hpp: %2F is a '/'), repeated slashes merged, "." and ".."
// segments resolved (RFC 3986 §5.2.4), so `/api/%63ache//./clear` is `/api/cache/clear`.
std::string normalised_path(std::string_view raw);

// True when `raw` (no query) is one of the proxy's own paths in another spelling: not own
// as spelled, own once normalised. Such a request is refused, never forwarded.
bool is_own_path_in_disguise(std::string_view raw);
// True for /api/cache and /api/cache/... (the admin API and the webhook).
bool is_admin_path(std::string_view path);

}  // namespace foilcache::http_server

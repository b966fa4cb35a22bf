#include "proxy/config/config_keys.hpp"

#include <stdexcept>
#include <string>

namespace foilcache::config {

// The allow-list of every mapping with fixed keys. The order matters only for "did you
// mean" suggestions (the first closest key wins). A function-local static: safe to use
// during other translation units' static initialization.
const std::vector<KeySet>& config_keys() {
  static const std::vector<KeySet> keys{
      {"",
       {"listen", "upstream", "threads", "trust_forwarded_headers", "redis", "memory", "l1", "admin", "webhooks",
        "events", "feeds", "identity", "timeouts", "limits", "log", "routes", "warm"}},
      {"redis", {"url", "prefix", "timeout", "connect_timeout", "reconnect_min", "reconnect_max"}},
      {"memory", {"max_bytes"}},
      {"l1", {"enabled", "max_bytes", "max_staleness"}},
      {"admin", {"token"}},
      {"webhooks", {"secret", "events"}},
      {"events.*", {"when", "tags"}},
      {"feeds", {"socketio"}},
      {"feeds.socketio", {"url", "channel", "max_staleness", "burst_window"}},
      {"identity", {"secret", "cookies"}},
      {"timeouts",
       {"read_header", "read_body", "idle", "write", "upstream_connect", "upstream_response", "upstream_idle",
        "tunnel_idle", "drain", "coalesce_wait"}},
      {"limits", {"max_header_bytes", "max_body_bytes", "max_entry_bytes", "upstream_pool_size", "warm_concurrency",
                  "max_connections", "max_connections_per_ip"}},
      {"log", {"level", "access"}},
      {"routes[]",
       {"name", "match", "ttl", "key", "tags", "shared", "statuses", "max_entry_bytes", "stale_if_error",
        "stale_while_revalidate", "l1", "compress", "content_types", "invalidates", "ttl_default", "ttl_cap", "targeted_fields"}},
      {"warm[]", {"url", "headers"}},
  };
  return keys;
}

const std::vector<std::string_view>& keys_of(std::string_view section) {
  for (const auto& set : config_keys()) {
    if (set.section == section) return set.keys;
  }
  throw std::logic_error("config_keys() has no section '" + std::string(section) + "'");
}

}  // namespace foilcache::config

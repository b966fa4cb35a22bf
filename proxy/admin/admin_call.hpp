// The admin API's sub-router, pure: a method and a target -> the call it names
// (INTERFACE.md "Admin API"). Authentication comes first and is not decided here.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/net.hpp"

namespace foilcache::admin {

struct AdminCall {
  enum class Op {
    kInfo,               // GET /api/cache/info
    kClear,              // POST /api/cache/clear
    kResetStats,         // POST /api/cache/reset-stats
    kInvalidatePattern,  // POST /api/cache/invalidate?pattern=G (argument: G decoded; empty: 400)
    kInvalidateTag,      // POST /api/cache/invalidate/{tag} (argument: the tag, decoded)
    kKeyGet,             // GET /api/cache/keys/{key} (argument: the key, decoded)
    kKeyDelete,          // DELETE /api/cache/keys/{key}
    kInternalKey,        // a key or pattern naming foilcache's own keys ('@...': generations,
                         // stats, locks, the epoch): 400, never touched
    kMethodNotAllowed,   // a known path with another method (405)
    kUnknown,            // no such admin path (404)
  };
  Op op = Op::kUnknown;
  std::string argument;
};

// Precondition: the path is /api/cache or starts with /api/cache/.
AdminCall parse_admin_call(http::verb method, std::string_view target);

// The first value of query parameter `name` in `target` (names compared decoded, values
// decoded as the app's Werkzeug would: '+' is a space); nullopt when absent.
std::optional<std::string> query_param(std::string_view target, std::string_view name);

}  // namespace foilcache::admin

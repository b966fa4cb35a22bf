// What Sentinels say about a master, as pure code (the redis.io Sentinel client
// guidelines): the answer to SENTINEL get-master-addr-by-name and the +switch-master
// message. SentinelClient acts on them.
#pragma once

#include <optional>
#include <string_view>

#include "proxy/redis/connection_fsm.hpp"
#include "proxy/redis/reply.hpp"

namespace foilcache::redis {

// The Sentinel pub/sub channel announcing a failover's new master.
inline constexpr std::string_view kSwitchMasterChannel = "+switch-master";

// [host, port] from SENTINEL get-master-addr-by-name; nullopt for nil (the Sentinel does
// not know the name), an error or anything malformed.
std::optional<Endpoint> parse_master_address(const Reply& reply);

// "<name> <old-ip> <old-port> <new-ip> <new-port>": the new master when `name` is `master_name`.
std::optional<Endpoint> parse_switch_master(std::string_view payload, std::string_view master_name);

}  // namespace foilcache::redis

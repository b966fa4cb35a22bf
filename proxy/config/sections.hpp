// The section readers of the config loader (internal to proxy/config/): each reads one
// part of the document into Config through a YamlReader, reporting problems there and
// leaving the defaults of what does not read. None throws on any document.
#pragma once

#include <yaml-cpp/yaml.h>

#include "proxy/config/config.hpp"
#include "proxy/config/yaml_reader.hpp"

namespace foilcache::config {

// The whole document: every top-level key into `out` (sections.cpp).
void read_root(YamlReader& in, const YAML::Node& root, Config& out);
// A redis://[user:password@]host[:port][/db], redis+cluster://[user:password@]host:port[,...]
// or redis+sentinel://[user:password@]host:port[,...]/MASTER_NAME[/db] url into `redis`
// (url, topology, host, port, nodes, master_name, username, password, db), reported at
// `value` when invalid (redis_url.cpp).
void parse_redis_url(YamlReader& in, const Value& value, std::string text, RedisConfig& redis);
// `events:` (or its alias `webhooks.events`): event name -> tags, or -> {when, tags}
// (events_section.cpp). `where` names the map in messages.
void read_events(YamlReader& in, const Value& v, std::string_view where,
                 std::map<std::string, EventRule>& out);
// `feeds:` (events_section.cpp). Call after `redis:` was read: the feed's connection takes
// its timeouts.
void read_feeds(YamlReader& in, const Value& v, const RedisConfig& redis, FeedsConfig& out);
// `routes:`: each complete route appended to out.routes, in file order (routes_section.cpp).
void read_routes(YamlReader& in, const Value& v, Config& out);
// `warm:`: each valid entry appended to out.warm. With `check_routes`, a url that matches
// no GET route of `out` is an error (routes_section.cpp).
void read_warm(YamlReader& in, const Value& v, Config& out, bool check_routes);

}  // namespace foilcache::config

// redis.url in its three forms: redis://, redis+cluster:// (seed nodes) and
// redis+sentinel:// (Sentinels and a master name). Messages never quote the url itself
// unmasked: it may carry a password.
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "common/text.hpp"
#include "proxy/config/sections.hpp"
#include "proxy/config/values.hpp"

namespace foilcache::config {
namespace {

constexpr std::uint16_t kRedisPort = 6379;
constexpr std::uint16_t kSentinelPort = 26379;
constexpr std::string_view kServerForm = "redis://[user:password@]host[:port][/db]";
constexpr std::string_view kClusterForm = "redis+cluster://[user:password@]host:port[,host:port...]";
constexpr std::string_view kSentinelForm = "redis+sentinel://[user:password@]host:port[,host:port...]/MASTER_NAME[/db]";

// "host[:port]" (an IPv6 literal in brackets) as a RedisConfig::Node, or nullopt.
std::optional<RedisConfig::Node> parse_node(std::string_view text, std::uint16_t default_port) {
  if (text.empty()) return std::nullopt;
  const std::string url = "redis://" + std::string(text);  // the view below points into it
  const auto parsed = boost::urls::parse_uri(url);
  if (!parsed || parsed->has_userinfo() || !parsed->encoded_path().empty()) return std::nullopt;
  RedisConfig::Node node{parsed->host_address(), default_port};
  if (node.host.empty()) return std::nullopt;
  if (parsed->has_port()) {
    const auto number = parse_uint(parsed->port());
    if (!number || *number == 0 || *number > std::numeric_limits<std::uint16_t>::max()) return std::nullopt;
    node.port = static_cast<std::uint16_t>(*number);
  }
  return node;
}

// The database of a "/N" path part; nullopt when it is not a number.
std::optional<int> parse_db(std::string_view digits) {
  const auto db = parse_uint(digits);
  if (!db || *db > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) return std::nullopt;
  return static_cast<int>(*db);
}

// user:password (both percent-decoded) into `redis`; a lone userinfo is the password, as
// Redis AUTH takes a password alone. False when it does not decode.
bool parse_userinfo(std::string_view userinfo, RedisConfig& redis) {
  redis.username.clear();
  redis.password.clear();
  if (userinfo.empty()) return true;
  const std::string url = "redis://" + std::string(userinfo) + "@localhost";  // the view below points into it
  const auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return false;
  if (parsed->has_password()) {
    redis.username = parsed->user();
    redis.password = parsed->password();
  } else {
    redis.password = parsed->user();
  }
  return true;
}

void parse_server_url(YamlReader& in, const Value& value, RedisConfig& redis, const std::string& masked) {
  const auto parsed = boost::urls::parse_uri(redis.url);
  if (!parsed) {
    in.error(value, "invalid redis url " + masked + " (expected " + std::string(kServerForm) +
                        "; percent-encode special characters)");
    return;
  }
  const boost::urls::url_view url = *parsed;
  redis.host = url.host_address();
  if (redis.host.empty()) in.error(value, "the redis url " + masked + " has no host");
  redis.port = kRedisPort;
  if (url.has_port()) {
    const auto number = parse_uint(url.port());
    if (!number || *number == 0 || *number > std::numeric_limits<std::uint16_t>::max()) {
      in.error(value, "invalid port in redis url " + masked);
    } else {
      redis.port = static_cast<std::uint16_t>(*number);
    }
  }
  redis.db = 0;
  const std::string_view path = url.encoded_path();
  if (!path.empty() && path != "/") {
    const auto db = path.front() == '/' ? parse_db(path.substr(1)) : std::nullopt;
    if (!db) {
      in.error(value, "invalid database in redis url " + masked + " (expected /N)");
    } else {
      redis.db = *db;
    }
  }
  if (url.has_query() || url.has_fragment()) {
    in.error(value, "the redis url " + masked + " must not have a query or fragment");
  }
  redis.username.clear();
  redis.password.clear();
  if (url.has_password()) {
    redis.username = url.user();
    redis.password = url.password();
  } else if (url.has_userinfo()) {
    redis.password = url.user();
  }
}

// redis+cluster:// and redis+sentinel://: a comma-separated host list, which no URL
// parser takes, so the authority is split here and each part parsed on its own.
void parse_multi_host_url(YamlReader& in, const Value& value, RedisConfig& redis, const std::string& masked,
                          std::string_view rest) {
  const bool sentinel = redis.topology == RedisConfig::Topology::kSentinel;
  const std::string form(sentinel ? kSentinelForm : kClusterForm);
  const auto authority_end = std::min(rest.find_first_of("/?#"), rest.size());
  if (authority_end < rest.size() && rest[authority_end] != '/') {
    in.error(value, "the redis url " + masked + " must not have a query or fragment");
    return;
  }
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view path = rest.substr(authority_end);
  const auto at = authority.rfind('@');
  if (!parse_userinfo(at == std::string_view::npos ? std::string_view() : authority.substr(0, at), redis)) {
    in.error(value, "invalid user or password in redis url " + masked + " (percent-encode special characters)");
  }
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  redis.nodes.clear();
  bool ok = true;
  common::for_each_list_member(authority, [&](std::string_view member) {
    const auto node = parse_node(member, sentinel ? kSentinelPort : kRedisPort);
    if (!node) {
      in.error(value, "invalid node " + quoted(member) + " in redis url " + masked + " (expected " + form + ")");
      ok = false;
      return;
    }
    redis.nodes.push_back(*node);
  });
  if (ok && redis.nodes.empty()) in.error(value, "the redis url " + masked + " names no node (expected " + form + ")");
  if (!redis.nodes.empty()) {
    redis.host = redis.nodes.front().host;
    redis.port = redis.nodes.front().port;
  }
  redis.db = 0;
  if (!sentinel) {
    if (!path.empty() && path != "/" && path != "/0") {
      in.error(value, "the redis url " + masked + " names a database: Redis Cluster has only database 0");
    }
    return;
  }
  // "/MASTER_NAME[/db]"
  if (!path.empty()) path.remove_prefix(1);
  const auto slash = path.find('/');
  redis.master_name = std::string(path.substr(0, slash));
  if (redis.master_name.empty()) {
    in.error(value, "the redis url " + masked + " names no master (expected " + form + ")");
  }
  if (slash != std::string_view::npos) {
    const auto db = parse_db(path.substr(slash + 1));
    if (!db) {
      in.error(value, "invalid database in redis url " + masked + " (expected /MASTER_NAME/N)");
    } else {
      redis.db = *db;
    }
  }
}

}  // namespace

void parse_redis_url(YamlReader& in, const Value& value, std::string text, RedisConfig& redis) {
  redis.url = std::move(text);
  redis.topology = RedisConfig::Topology::kServer;
  redis.nodes.clear();
  redis.master_name.clear();
  if (redis.url.empty()) return;  // embedded in-memory store
  const std::string masked = quoted(redis.masked_url());
  const auto scheme_end = redis.url.find("://");
  const std::string scheme = scheme_end == std::string::npos ? std::string() : redis.url.substr(0, scheme_end);
  if (scheme == "redis") {
    parse_server_url(in, value, redis, masked);
    return;
  }
  if (scheme == "redis+cluster" || scheme == "redis+sentinel") {
    redis.topology = scheme == "redis+cluster" ? RedisConfig::Topology::kCluster : RedisConfig::Topology::kSentinel;
    parse_multi_host_url(in, value, redis, masked, std::string_view(redis.url).substr(scheme_end + 3));
    return;
  }
  in.error(value, "the redis url must start with redis://, redis+cluster:// or redis+sentinel:// "
                  "(rediss:// and unix sockets are not supported)");
}

}  // namespace foilcache::config

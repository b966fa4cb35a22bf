#include "proxy/config/config_loader.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "proxy/config/values.hpp"

namespace foilcache::config {
namespace {

using namespace std::chrono_literals;

const std::string kGoodPath = std::string(SOURCE_DIR) + "/tests/unit/config/data/good.yaml";

std::string read_file(const std::string& path) {
  std::ifstream file(path);
  std::ostringstream out;
  out << file.rdbuf();
  return out.str();
}

EnvLookup fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// Loads YAML expecting failure; returns the errors (empty if it loaded).
std::vector<std::string> load_errors(const std::string& yaml, const EnvLookup& env = fake_env({})) {
  try {
    load_config_string(yaml, "test.yaml", env);
  } catch (const ConfigError& e) {
    return e.errors();
  }
  return {};
}

std::string joined(const std::vector<std::string>& errors) {
  std::string out;
  for (const auto& e : errors) out += e + "\n";
  return out;
}

TEST(ConfigLoader, GoodFileLoadsEveryField) {
  const auto config = load_config_file(kGoodPath, fake_env({}));
  EXPECT_EQ(config->source_path, kGoodPath);
  EXPECT_EQ(config->listen_host, "0.0.0.0");
  EXPECT_EQ(config->listen_port, 8080);
  EXPECT_EQ(config->upstream_url, "http://127.0.0.1:5000");
  EXPECT_EQ(config->upstream.host, "127.0.0.1");
  EXPECT_EQ(config->upstream.port, 5000);
  EXPECT_EQ(config->upstream.host_header(), "127.0.0.1:5000");
  EXPECT_EQ(config->threads, 2u);
  EXPECT_TRUE(config->trust_forwarded_headers);
  EXPECT_EQ(config->redis.url, "redis://127.0.0.1:6379/0");
  EXPECT_EQ(config->redis.host, "127.0.0.1");
  EXPECT_EQ(config->redis.port, 6379);
  EXPECT_EQ(config->redis.db, 0);
  EXPECT_EQ(config->redis.prefix, "foilcache:");
  EXPECT_EQ(config->redis.timeout, 50ms);
  EXPECT_EQ(config->redis.connect_timeout, 1s);
  EXPECT_EQ(config->redis.reconnect_min, 100ms);
  EXPECT_EQ(config->redis.reconnect_max, 5s);
  EXPECT_EQ(config->memory.max_bytes, 64u << 20);
  EXPECT_EQ(config->admin.token, "admin-token");
  EXPECT_EQ(config->webhooks.secret, "hook-secret");
  ASSERT_EQ(config->events.size(), 2u);  // webhooks.events is an alias of events
  EXPECT_EQ(config->events.at("titledb_updated").tags, (std::vector<std::string>{"library", "system"}));
  EXPECT_EQ(config->identity.secret, "id-secret");
  EXPECT_EQ(config->identity.cookies, (std::vector<std::string>{"session", "remember_token"}));
  EXPECT_EQ(config->timeouts.read_header, 10s);
  EXPECT_EQ(config->timeouts.idle, 1min);
  EXPECT_EQ(config->timeouts.tunnel_idle, 5min);
  EXPECT_EQ(config->timeouts.drain, 0ms);
  EXPECT_EQ(config->limits.max_header_bytes, 16u * 1024);
  EXPECT_EQ(config->limits.max_body_bytes, 8u << 20);
  EXPECT_EQ(config->limits.max_entry_bytes, 4u << 20);
  EXPECT_EQ(config->limits.upstream_pool_size, 32u);
  ASSERT_EQ(config->warm.size(), 2u);
  EXPECT_EQ(config->warm[0].target, "/api/library/paged?page=1");
  EXPECT_EQ(config->warm[0].headers,
            (std::vector<std::pair<std::string, std::string>>{{"Authorization", "Basic dXNlcjpwdw=="}}));
  EXPECT_EQ(config->routes[1].stale_while_revalidate, 30s);
  EXPECT_EQ(config->routes[1].stale_if_error, 10min);
  EXPECT_EQ(config->routes[1].keep(), 1min + 10min);
  EXPECT_EQ(config->routes[0].keep(), config->routes[0].ttl);
  EXPECT_EQ(config->timeouts.coalesce_wait, 5s);
  EXPECT_EQ(config->warm[1].target, "/api/app_info/0100000000010000");
  EXPECT_TRUE(config->warm[1].headers.empty());
  EXPECT_EQ(config->log.level, "info");
  EXPECT_TRUE(config->log.access);

  ASSERT_EQ(config->routes.size(), 2u);
  const Route& paged = config->routes[0];
  EXPECT_EQ(paged.name, "library_paged");
  EXPECT_EQ(paged.method, "GET");
  EXPECT_EQ(paged.path.text(), "/api/library/paged");
  EXPECT_EQ(paged.ttl, 5min);
  EXPECT_TRUE(paged.key.uses_user());
  EXPECT_EQ(paged.tags, std::vector<std::string>{"library"});
  EXPECT_FALSE(paged.shared);
  EXPECT_EQ(paged.statuses, std::vector<unsigned>{200});
  EXPECT_EQ(paged.max_entry_bytes, 0u);
  const Route& app_info = config->routes[1];
  EXPECT_TRUE(app_info.shared);
  EXPECT_TRUE(app_info.path.has_param("id"));
  EXPECT_EQ(app_info.statuses, (std::vector<unsigned>{200, 404}));
  EXPECT_EQ(app_info.max_entry_bytes, 1u << 20);
}

// The config the project ships must always load, with nothing set in the environment.
TEST(ConfigLoader, ShippedConfigLoads) {
  const std::string path = std::string(SOURCE_DIR) + "/conf/foilcache.yaml";
  if (!std::ifstream(path)) GTEST_SKIP() << path << " not present";
  std::shared_ptr<const Config> config;
  try {
    config = load_config_file(path, fake_env({}));
  } catch (const ConfigError& e) {
    FAIL() << e.what();
  }
  EXPECT_FALSE(config->routes.empty());
  EXPECT_TRUE(config->redis.url.empty());
}

TEST(ConfigLoader, EmptyDocumentHasDefaults) {
  const auto config = load_config_string("", "empty.yaml", fake_env({}));
  EXPECT_EQ(config->listen_port, 8080);
  EXPECT_EQ(config->upstream.host_header(), "127.0.0.1:5000");
  EXPECT_TRUE(config->redis.url.empty());
  EXPECT_EQ(config->identity.cookies, (std::vector<std::string>{"session", "remember_token"}));
  EXPECT_TRUE(config->routes.empty());
  EXPECT_FALSE(config->trust_forwarded_headers);
}

TEST(ConfigLoader, MissingFileIsLocatedAtOneOne) {
  try {
    load_config_file("/nonexistent/foilcache.yaml", fake_env({}));
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.errors().size(), 1u);
    EXPECT_EQ(e.errors()[0], "/nonexistent/foilcache.yaml:1:1: cannot open: No such file or directory");
  }
}

TEST(ConfigLoader, YamlSyntaxErrorHasLocation) {
  const auto errors = load_errors("listen: 0.0.0.0:8080\nroutes: [\n  {name: a\n");
  ASSERT_EQ(errors.size(), 1u) << joined(errors);
  EXPECT_EQ(errors[0].rfind("test.yaml:", 0), 0u) << errors[0];
  EXPECT_NE(errors[0].find(": end of"), std::string::npos) << errors[0];
}

TEST(ConfigLoader, EveryErrorIsReportedNotJustTheFirst) {
  std::string yaml = read_file(kGoodPath);
  yaml.replace(yaml.find("threads: 2"), 10, "threads: x");
  yaml.replace(yaml.find("level: info"), 11, "level: loud");
  yaml.replace(yaml.find("ttl: 1m"), 7, "tll: 1m");
  try {
    load_config_string(yaml, "test.yaml", fake_env({}));
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    // threads, level, the unknown key 'tll' and the then-missing 'ttl'.
    EXPECT_EQ(e.errors().size(), 4u) << e.what();
    EXPECT_EQ(std::string(e.what()), joined(e.errors()).substr(0, joined(e.errors()).size() - 1));
  }
}

TEST(ConfigLoader, EnvironmentFeedsTypedValues) {
  std::string yaml = read_file(kGoodPath);
  yaml.replace(yaml.find("ttl: 5m"), 7, "ttl: ${TTL:-5m}");
  yaml.replace(yaml.find("token: admin-token"), 18, "token: ${ADMIN_TOKEN}$$x");
  yaml.replace(yaml.find("url: redis://127.0.0.1:6379/0"), 29, "url: ${REDIS_URL:-}");

  auto config = load_config_string(yaml, "test.yaml", fake_env({{"ADMIN_TOKEN", "s3cret"}}));
  EXPECT_EQ(config->routes[0].ttl, 5min);
  EXPECT_EQ(config->admin.token, "s3cret$x");
  EXPECT_TRUE(config->redis.url.empty());

  config = load_config_string(
      yaml, "test.yaml", fake_env({{"TTL", "30s"}, {"ADMIN_TOKEN", "t"}, {"REDIS_URL", "redis://r:7000/2"}}));
  EXPECT_EQ(config->routes[0].ttl, 30s);
  EXPECT_EQ(config->redis.host, "r");
  EXPECT_EQ(config->redis.port, 7000);
  EXPECT_EQ(config->redis.db, 2);
}

// One edit to the good file, and the error it must produce.
struct ErrorCase {
  std::string name;
  std::string from;  // first occurrence replaced
  std::string to;
  std::string expected;  // substring of one error, "FILE:LINE:COL: message" where the location matters
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

class ConfigLoaderErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ConfigLoaderErrorTest, ReportsLocatedError) {
  const ErrorCase& c = GetParam();
  std::string yaml = read_file(kGoodPath);
  const auto at = yaml.find(c.from);
  ASSERT_NE(at, std::string::npos) << c.from;
  yaml.replace(at, c.from.size(), c.to);
  const auto errors = load_errors(yaml);
  ASSERT_FALSE(errors.empty()) << "loaded without error";
  const std::string all = joined(errors);
  EXPECT_NE(all.find(c.expected), std::string::npos) << "expected: " << c.expected << "\ngot:\n" << all;
}

const ErrorCase kErrorCases[] = {
    {"UnknownRouteKeySuggestsTtl", "    ttl: 5m", "    tll: 5m",
     "test.yaml:45:5: unknown key 'tll' in route (did you mean 'ttl'?)"},
    {"MisspelledKeyLeavesRequiredMissing", "    ttl: 5m", "    tll: 5m",
     "test.yaml:43:5: route 'library_paged' is missing required key 'ttl'"},
    {"UnknownTopLevelKey", "threads: 2", "thread: 2",
     "test.yaml:4:1: unknown key 'thread' in the top level (did you mean 'threads'?)"},
    {"UnknownKeyWithoutSuggestion", "threads: 2", "colour: blue",
     "test.yaml:4:1: unknown key 'colour' in the top level\n"},
    {"UnknownRedisKey", "  timeout: 50ms", "  timout: 50ms",
     "test.yaml:8:3: unknown key 'timout' in redis (did you mean 'timeout'?)"},
    {"DuplicateKey", "threads: 2", "threads: 2\nthreads: 3",
     "test.yaml:5:1: duplicate key 'threads' in the top level"},
    {"DurationGarbage", "    ttl: 5m", "    ttl: 5 minutes",
     "test.yaml:45:10: invalid duration '5 minutes' for 'ttl'"},
    {"DurationNegative", "  timeout: 50ms", "  timeout: -50ms",
     "test.yaml:8:12: invalid duration '-50ms' for 'timeout'"},
    {"DurationFraction", "  timeout: 50ms", "  timeout: 0.5s", "invalid duration '0.5s'"},
    {"TtlZero", "    ttl: 5m", "    ttl: 0", "test.yaml:45:10: 'ttl' must be greater than 0"},
    {"TtlWithoutValue", "    ttl: 5m", "    ttl:", "test.yaml:45:5: 'ttl' has no value"},
    {"SizeGarbage", "  max_bytes: 64MiB", "  max_bytes: 64 mebibytes",
     "test.yaml:13:14: invalid size '64 mebibytes' for 'max_bytes'"},
    {"SizeNegative", "  max_body_bytes: 8MiB", "  max_body_bytes: -1",
     "invalid size '-1' for 'max_body_bytes'"},
    {"PostRoute", "GET /api/library/paged", "POST /api/library/paged",
     "test.yaml:44:12: only GET routes can be cached"},
    {"HeadRoute", "GET /api/library/paged", "HEAD /api/library/paged",
     "only GET routes can be cached (HEAD requests are served from GET routes)"},
    {"MatchWithoutPath", "GET /api/library/paged", "GET", "invalid match 'GET'"},
    {"RelativePath", "GET /api/library/paged", "GET api/library/paged",
     "test.yaml:44:12: path must start with '/'"},
    {"StarInsidePath", "GET /api/library/paged", "GET /api/*/paged", "'*' is only allowed as a final '/*'"},
    {"MissingKey", "    key: \"library_paged", "    kee: \"library_paged",
     "test.yaml:43:5: route 'library_paged' is missing required key 'key'"},
    {"MissingName", "  - name: app_info\n", "  - \n", "route is missing required key 'name'"},
    {"UnknownPlaceholder", "{query.sort_by}", "{qurey.sort_by}",
     "test.yaml:46:10: unknown placeholder {qurey.sort_by}"},
    {"UnbalancedBrace", "{query.sort_by}", "{query.sort_by", "unbalanced '{' in key template"},
    {"PathParamNotInPattern", "app_info:{path.id}", "app_info:{path.title}",
     "test.yaml:51:10: {path.title}: the route's path '/api/app_info/{id}' has no {title}"},
    {"GlobCharInKey", "app_info:{path.id}", "app_info*:{path.id}", "must not contain '*'"},
    {"AdjacentPlaceholders", "app_info:{path.id}", "app_info:{path.id}-{query.x}",
     "must be separated from the placeholder before it"},
    {"UserKeyOnSharedRoute", "    tags: [library]\n  - name: app_info",
     "    tags: [library]\n    shared: true\n  - name: app_info",
     "test.yaml:48:13: route 'library_paged': 'shared: true' says the response does not depend on the "
     "caller"},
    {"DuplicateRouteName", "  - name: app_info", "  - name: library_paged",
     "test.yaml:48:5: duplicate route name 'library_paged' (first defined on line 43)"},
    {"InvalidRouteName", "name: app_info", "name: app info",
     "test.yaml:48:11: invalid route name 'app info'"},
    {"StaleIfErrorGarbage", "    ttl: 5m", "    ttl: 5m\n    stale_if_error: forever",
     "test.yaml:46:21: invalid duration 'forever' for 'stale_if_error'"},
    {"StaleWhileRevalidateGarbage", "    ttl: 5m", "    ttl: 5m\n    stale_while_revalidate: -1s",
     "invalid duration '-1s' for 'stale_while_revalidate'"},
    {"CoalesceWaitGarbage", "  drain: 0", "  drain: 0\n  coalesce_wait: soon",
     "invalid duration 'soon' for 'coalesce_wait'"},
    {"HttpsUpstream", "http://127.0.0.1:5000", "https://127.0.0.1:5000",
     "test.yaml:3:11: only http:// upstreams are supported"},
    {"UpstreamWithPath", "http://127.0.0.1:5000", "http://127.0.0.1:5000/api", "must not have a path"},
    {"UpstreamWithCredentials", "http://127.0.0.1:5000", "http://u:p@127.0.0.1:5000",
     "must not contain credentials"},
    {"UpstreamBadPort", "http://127.0.0.1:5000", "http://127.0.0.1:99999",
     "test.yaml:3:11: invalid port in the upstream url"},
    {"ListenWithoutPort", "listen: 0.0.0.0:8080", "listen: 0.0.0.0",
     "test.yaml:2:9: invalid listen address '0.0.0.0'"},
    {"ListenPortTooLarge", "listen: 0.0.0.0:8080", "listen: 0.0.0.0:70000", "invalid listen address"},
    {"ListenBareIpv6", "listen: 0.0.0.0:8080", "listen: \"::1:8080\"", "invalid listen address"},
    {"ThreadsNegative", "threads: 2", "threads: -1",
     "test.yaml:4:10: 'threads' must be an integer from 0 to 1024"},
    {"BoolYes", "access: true", "access: yes", "test.yaml:41:11: 'access' must be true or false, not 'yes'"},
    {"LogLevelUnknown", "level: info", "level: verbose", "invalid log level 'verbose'"},
    {"EmptyPrefix", "prefix: \"foilcache:\"", "prefix: \"\"", "test.yaml:7:11: 'prefix' must not be empty"},
    {"StatusOutOfRange", "[200, 404]", "[200, 700]",
     "test.yaml:53:21: 'status' must be an integer from 200 to 599"},
    {"StatusPartial", "[200, 404]", "[200, 206]", "status 206 cannot be stored"},
    {"StatusesEmpty", "[200, 404]", "[]", "'statuses' must not be empty"},
    {"StatusesNotList", "[200, 404]", "200", "'statuses' must be a list"},
    {"UnsetEnvironmentVariable", "token: admin-token", "token: ${ADMIN_TOKEN}",
     "test.yaml:15:10: environment variable ADMIN_TOKEN is not set"},
    {"UnterminatedEnvironmentReference", "token: admin-token", "token: ${ADMIN_TOKEN", "unterminated '${'"},
    {"RedisTlsScheme", "redis://127.0.0.1:6379/0", "rediss://127.0.0.1:6379/0",
     "the redis url must start with redis://"},
    {"RedisBadDatabase", "redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/x",
     "invalid database in redis url"},
    {"RedisBadPort", "redis://127.0.0.1:6379/0", "redis://127.0.0.1:0/0", "invalid port in redis url"},
    {"ReconnectMinOverMax", "reconnect_min: 100ms", "reconnect_min: 10s",
     "'reconnect_min' must not exceed 'reconnect_max'"},
    {"TimeoutZero", "  read_header: 10s", "  read_header: 0", "'read_header' must be greater than 0"},
    {"InvalidTag", "tags: [library]", "tags: [\"lib rary\"]", "test.yaml:47:12: invalid tag 'lib rary'"},
    {"InvalidCookieName", "[session, remember_token]", "[session, \"a b\"]", "invalid cookie name 'a b'"},
    {"EventsNotMapping", "    library_updated: [library]\n    titledb_updated: [library, system]",
     "    - library", "'events' must be a mapping"},
    {"SectionNotMapping", "memory:\n  max_bytes: 64MiB", "memory: 64MiB",
     "test.yaml:12:9: 'memory' must be a mapping"},
    {"RouteNotMapping", "routes:\n", "routes:\n  - just a string\n", "each route must be a mapping"},
    {"AtSignInKey", "app_info:{path.id}", "app_info@{path.id}", "'@' is reserved in keys"},
    {"WarmUrlMatchesNoRoute", "url: /api/library/paged?page=1", "url: /api/library?page=1",
     "warm url '/api/library?page=1' matches no GET route"},
    {"WarmUrlNotAPath", "url: /api/library/paged?page=1", "url: http://x/api/library/paged",
     "must be a path and query"},
    {"WarmWithoutUrl", "  - url: /api/app_info/0100000000010000", "  - headers: {}",
     "warm entry is missing required key 'url'"},
    {"WarmUnknownKey", "  - url: /api/app_info/0100000000010000", "  - url: /api/app_info/1\n    header: {}",
     "unknown key 'header' in warm entry (did you mean 'headers'?)"},
    {"WarmBadHeaderName", "      Authorization: \"Basic", "      \"Author ization\": \"Basic",
     "invalid header name 'Author ization'"},
    {"WarmConcurrencyZero", "  upstream_pool_size: 32", "  upstream_pool_size: 32\n  warm_concurrency: 0",
     "'warm_concurrency' must be an integer from 1 to 256"},
};

INSTANTIATE_TEST_SUITE_P(Cases, ConfigLoaderErrorTest, ::testing::ValuesIn(kErrorCases),
                         [](const auto& info) { return info.param.name; });

TEST(ConfigLoader, RedisErrorsNeverEchoThePassword) {
  for (const std::string url :
       {"redis://user:hunter2@/0", "redis://user:hunter2@host:99999/0", "redis://:hunter2@host/x",
        "redis://user:hunter2@host/0?x=1", "redis://hunter2@host:port", "redis://user:hunt er2@host/0"}) {
    const auto errors = load_errors("redis:\n  url: \"" + url + "\"\n");
    ASSERT_FALSE(errors.empty()) << url;
    EXPECT_EQ(joined(errors).find("hunter2"), std::string::npos) << joined(errors);
    EXPECT_EQ(joined(errors).find("hunt er2"), std::string::npos) << joined(errors);
  }
}

// ---- redis url parsing and masking ----

struct RedisUrlCase {
  std::string name;
  std::string url;
  std::string host;
  std::uint16_t port;
  std::string username;
  std::string password;
  int db;
  std::string masked;
};

void PrintTo(const RedisUrlCase& c, std::ostream* os) { *os << c.name; }

class ConfigLoaderRedisUrlTest : public ::testing::TestWithParam<RedisUrlCase> {};

TEST_P(ConfigLoaderRedisUrlTest, ParsesAndMasks) {
  const RedisUrlCase& c = GetParam();
  const auto config = load_config_string("redis:\n  url: \"" + c.url + "\"\n", "test.yaml", fake_env({}));
  EXPECT_EQ(config->redis.host, c.host);
  EXPECT_EQ(config->redis.port, c.port);
  EXPECT_EQ(config->redis.username, c.username);
  EXPECT_EQ(config->redis.password, c.password);
  EXPECT_EQ(config->redis.db, c.db);
  EXPECT_EQ(config->redis.masked_url(), c.masked);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ConfigLoaderRedisUrlTest,
    ::testing::Values(
        RedisUrlCase{"HostOnly", "redis://cache", "cache", 6379, "", "", 0, "redis://cache"},
        RedisUrlCase{"HostPortDb", "redis://10.0.0.5:6380/3", "10.0.0.5", 6380, "", "", 3,
                     "redis://10.0.0.5:6380/3"},
        RedisUrlCase{"UserAndPassword", "redis://app:s3cret@cache:6379/1", "cache", 6379, "app", "s3cret", 1,
                     "redis://app:***@cache:6379/1"},
        RedisUrlCase{"PasswordOnly", "redis://:s3cret@cache", "cache", 6379, "", "s3cret", 0,
                     "redis://***@cache"},
        RedisUrlCase{"BareUserinfoIsPassword", "redis://s3cret@cache", "cache", 6379, "", "s3cret", 0,
                     "redis://***@cache"},
        RedisUrlCase{"PercentEncodedPassword", "redis://app:p%40ss%3Aword@cache/0", "cache", 6379, "app",
                     "p@ss:word", 0, "redis://app:***@cache/0"},
        RedisUrlCase{"Ipv6Host", "redis://[::1]:7000", "::1", 7000, "", "", 0, "redis://[::1]:7000"},
        RedisUrlCase{"TrailingSlash", "redis://cache/", "cache", 6379, "", "", 0, "redis://cache/"}),
    [](const auto& info) { return info.param.name; });

// ---- redis+cluster:// and redis+sentinel:// ----

std::string nodes_of(const RedisConfig& redis) {
  std::string out;
  for (const auto& node : redis.nodes) out += (out.empty() ? "" : ",") + node.host + ":" + std::to_string(node.port);
  return out;
}

TEST(ConfigLoaderRedisTopology, ClusterSeedsWithCredentials) {
  const auto config = load_config_string("redis:\n  url: \"redis+cluster://app:s%40cret@h1:7000,10.0.0.2:7001, [::1]\"\n",
                                         "test.yaml", fake_env({}));
  const RedisConfig& redis = config->redis;
  EXPECT_EQ(redis.topology, RedisConfig::Topology::kCluster);
  EXPECT_EQ(nodes_of(redis), "h1:7000,10.0.0.2:7001,::1:6379");
  EXPECT_EQ(redis.host, "h1");
  EXPECT_EQ(redis.port, 7000);
  EXPECT_EQ(redis.username, "app");
  EXPECT_EQ(redis.password, "s@cret");
  EXPECT_EQ(redis.db, 0);
  EXPECT_EQ(redis.masked_url(), "redis+cluster://app:***@h1:7000,10.0.0.2:7001, [::1]");
}

TEST(ConfigLoaderRedisTopology, SentinelsMasterNameAndDatabase) {
  const auto config = load_config_string("redis:\n  url: \"redis+sentinel://s3cret@s1,s2:26380/mymaster/2\"\n",
                                         "test.yaml", fake_env({}));
  const RedisConfig& redis = config->redis;
  EXPECT_EQ(redis.topology, RedisConfig::Topology::kSentinel);
  EXPECT_EQ(nodes_of(redis), "s1:26379,s2:26380");
  EXPECT_EQ(redis.master_name, "mymaster");
  EXPECT_EQ(redis.db, 2);
  EXPECT_EQ(redis.username, "");
  EXPECT_EQ(redis.password, "s3cret");
  EXPECT_EQ(redis.masked_url(), "redis+sentinel://***@s1,s2:26380/mymaster/2");
  EXPECT_FALSE(redis.verify_master) << "set by the Sentinel client, never by YAML";
}

TEST(ConfigLoaderRedisTopology, PlainUrlIsOneServer) {
  const auto config = load_config_string("redis:\n  url: redis://cache:6380/1\n", "test.yaml", fake_env({}));
  EXPECT_EQ(config->redis.topology, RedisConfig::Topology::kServer);
  EXPECT_TRUE(config->redis.nodes.empty());
}

TEST(ConfigLoaderRedisTopology, BadUrlsAreLocatedAndMasked) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"redis+cluster://", "names no node"},
      {"redis+cluster://pw@h1:7000,h2:99999", "invalid node 'h2:99999'"},
      {"redis+cluster://pw@h1:7000/3", "Redis Cluster has only database 0"},
      {"redis+cluster://pw@h1:7000?x=1", "must not have a query or fragment"},
      {"redis+sentinel://pw@s1:26379", "names no master"},
      {"redis+sentinel://pw@s1:26379/", "names no master"},
      {"redis+sentinel://pw@s1:26379/mymaster/x", "invalid database in redis url"},
      {"redis+sentinel://pw@s1:26379,a b/m", "invalid node 'a b'"},
      {"redis+unix://pw@h", "must start with redis://, redis+cluster:// or redis+sentinel://"},
  };
  for (const auto& [url, message] : cases) {
    const auto errors = load_errors("redis:\n  url: \"" + url + "\"\n");
    ASSERT_FALSE(errors.empty()) << url;
    EXPECT_NE(joined(errors).find("test.yaml:2:8: "), std::string::npos) << joined(errors);
    EXPECT_NE(joined(errors).find(message), std::string::npos) << url << ": " << joined(errors);
    EXPECT_EQ(joined(errors).find("pw@"), std::string::npos) << "the password is masked: " << joined(errors);
  }
}

TEST(ConfigLoaderRedisTopology, TheAppQueueIsOneServer) {
  const auto errors = load_errors("feeds:\n  socketio:\n    url: \"redis+cluster://h1:7000\"\n");
  EXPECT_NE(joined(errors).find("its url must start with redis://"), std::string::npos) << joined(errors);
}

// ---- ttl: origin ----

std::string origin_route(std::string_view extra) {
  return "routes:\n  - name: static\n    match: GET /static/*\n    key: \"static:{path}\"\n    shared: true\n" +
         std::string(extra);
}

TEST(ConfigLoaderOriginTtl, OriginWithBounds) {
  const auto config = load_config_string(origin_route("    ttl: origin\n    ttl_default: 30s\n    ttl_cap: 1h\n"),
                                         "test.yaml", fake_env({}));
  const Route& route = config->routes.front();
  EXPECT_TRUE(route.origin_ttl);
  EXPECT_EQ(route.ttl_default, 30s);
  EXPECT_EQ(route.ttl_cap, 1h);
  EXPECT_EQ(route.ttl, 1h) << "the cap is the route's upper bound";
}

TEST(ConfigLoaderOriginTtl, DefaultsWhenOnlyOriginIsSaid) {
  const auto config = load_config_string(origin_route("    ttl: origin\n"), "test.yaml", fake_env({}));
  const Route& route = config->routes.front();
  EXPECT_TRUE(route.origin_ttl);
  EXPECT_EQ(route.ttl_default, 0s) << "nothing said, no heuristic: not stored";
  EXPECT_EQ(route.ttl_cap, 24h);
}

TEST(ConfigLoaderOriginTtl, TargetedFields) {
  const auto standard = load_config_string(origin_route("    ttl: origin\n"), "test.yaml", fake_env({}));
  EXPECT_EQ(standard->routes.front().targeted_fields, std::vector<std::string>{"CDN-Cache-Control"});
  const auto own = load_config_string(
      origin_route("    ttl: origin\n    targeted_fields: [Foilcache-Cache-Control, CDN-Cache-Control]\n"), "test.yaml",
      fake_env({}));
  EXPECT_EQ(own->routes.front().targeted_fields,
            (std::vector<std::string>{"Foilcache-Cache-Control", "CDN-Cache-Control"}));
  EXPECT_NE(joined(load_errors(origin_route("    ttl: origin\n    targeted_fields: [Cache-Control]\n")))
                .find("invalid targeted field 'Cache-Control'"),
            std::string::npos);
  EXPECT_NE(joined(load_errors(origin_route("    ttl: 5m\n    targeted_fields: [X]\n")))
                .find("'targeted_fields' applies to 'ttl: origin' routes only"),
            std::string::npos);
}

TEST(ConfigLoaderOriginTtl, BoundsNeedOriginAndOrder) {
  EXPECT_NE(joined(load_errors(origin_route("    ttl: 5m\n    ttl_cap: 1h\n"))).find("'ttl_cap' applies to 'ttl: origin' routes only"),
            std::string::npos);
  EXPECT_NE(joined(load_errors(origin_route("    ttl: origin\n    ttl_default: 2h\n    ttl_cap: 1h\n")))
                .find("'ttl_default' must not exceed 'ttl_cap'"),
            std::string::npos);
  EXPECT_NE(joined(load_errors(origin_route("    ttl: originally\n"))).find("invalid duration 'originally'"),
            std::string::npos);
}

TEST(ConfigLoaderRedisConfig, EmptyUrlMasksToEmpty) { EXPECT_EQ(RedisConfig{}.masked_url(), ""); }

TEST(ConfigLoaderUpstreamAddress, HostHeaderBracketsIpv6) {
  const auto config = load_config_string("upstream: \"http://[::1]:5000\"\n", "test.yaml", fake_env({}));
  EXPECT_EQ(config->upstream.host, "::1");
  EXPECT_EQ(config->upstream.host_header(), "[::1]:5000");
  const auto default_port = load_config_string("upstream: http://app\n", "test.yaml", fake_env({}));
  EXPECT_EQ(default_port->upstream.host_header(), "app:80");
}

TEST(ConfigLoaderListenAddress, AcceptsIpv6InBrackets) {
  const auto config = load_config_string("listen: \"[::1]:9090\"\n", "test.yaml", fake_env({}));
  EXPECT_EQ(config->listen_host, "::1");
  EXPECT_EQ(config->listen_port, 9090);
}

// ---- value grammars ----

struct DurationCase {
  std::string text;
  std::optional<Duration> expected;
};

class ConfigLoaderDurationTest : public ::testing::TestWithParam<DurationCase> {};

TEST_P(ConfigLoaderDurationTest, Parses) { EXPECT_EQ(parse_duration(GetParam().text), GetParam().expected); }

INSTANTIATE_TEST_SUITE_P(
    Cases, ConfigLoaderDurationTest,
    ::testing::Values(DurationCase{"0", Duration(0)}, DurationCase{"30", Duration(30'000)},
                      DurationCase{"250ms", Duration(250)}, DurationCase{"30s", Duration(30'000)},
                      DurationCase{"5m", Duration(300'000)}, DurationCase{"1h", Duration(3'600'000)},
                      DurationCase{"1h30m", Duration(5'400'000)},
                      DurationCase{"1m30s500ms", Duration(90'500)}, DurationCase{"", std::nullopt},
                      DurationCase{"-5s", std::nullopt}, DurationCase{"+5s", std::nullopt},
                      DurationCase{"5", Duration(5000)}, DurationCase{"5 s", std::nullopt},
                      DurationCase{"1.5s", std::nullopt}, DurationCase{"5d", std::nullopt},
                      DurationCase{"s", std::nullopt}, DurationCase{"30m1h", std::nullopt},
                      DurationCase{"1m1m", std::nullopt}, DurationCase{"99999999999999999999s", std::nullopt},
                      DurationCase{"999999999999h", std::nullopt}));

struct SizeCase {
  std::string text;
  std::optional<std::size_t> expected;
};

class ConfigLoaderSizeTest : public ::testing::TestWithParam<SizeCase> {};

TEST_P(ConfigLoaderSizeTest, Parses) { EXPECT_EQ(parse_size(GetParam().text), GetParam().expected); }

INSTANTIATE_TEST_SUITE_P(Cases, ConfigLoaderSizeTest,
                         ::testing::Values(SizeCase{"0", 0}, SizeCase{"65536", 65536}, SizeCase{"10B", 10},
                                           SizeCase{"64KiB", 65536}, SizeCase{"8MiB", 8u << 20},
                                           SizeCase{"1GiB", 1u << 30}, SizeCase{"500KB", 500'000},
                                           SizeCase{"5MB", 5'000'000}, SizeCase{"2 MiB", 2u << 20},
                                           SizeCase{"", std::nullopt}, SizeCase{"-1", std::nullopt},
                                           SizeCase{"KiB", std::nullopt}, SizeCase{"1.5MiB", std::nullopt},
                                           SizeCase{"5mb", std::nullopt}, SizeCase{"5 ", std::nullopt},
                                           SizeCase{"64K", std::nullopt},
                                           SizeCase{"99999999999999999999", std::nullopt},
                                           SizeCase{"99999999999TiB", std::nullopt}));

struct SubstitutionCase {
  std::string name;
  std::string text;
  std::string expected;
  std::string error;  // substring of the single expected error, empty: none
};

void PrintTo(const SubstitutionCase& c, std::ostream* os) { *os << c.name; }

class ConfigLoaderSubstituteEnvTest : public ::testing::TestWithParam<SubstitutionCase> {};

TEST_P(ConfigLoaderSubstituteEnvTest, Expands) {
  const auto& c = GetParam();
  std::vector<std::string> errors;
  const auto env = fake_env({{"HOST", "cache"}, {"EMPTY", ""}, {"DOLLAR", "$x"}});
  const auto out = substitute_env(c.text, env, errors);
  if (c.error.empty()) {
    EXPECT_TRUE(errors.empty()) << joined(errors);
    EXPECT_EQ(out, c.expected);
  } else {
    ASSERT_EQ(errors.size(), 1u) << joined(errors);
    EXPECT_NE(errors[0].find(c.error), std::string::npos) << errors[0];
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ConfigLoaderSubstituteEnvTest,
    ::testing::Values(SubstitutionCase{"Plain", "redis://cache", "redis://cache", ""},
                      SubstitutionCase{"Set", "redis://${HOST}:6379", "redis://cache:6379", ""},
                      SubstitutionCase{"SetIgnoresDefault", "${HOST:-other}", "cache", ""},
                      SubstitutionCase{"UnsetUsesDefault", "${NOPE:-http://127.0.0.1:5000}",
                                       "http://127.0.0.1:5000", ""},
                      SubstitutionCase{"EmptyUsesDefault", "${EMPTY:-fallback}", "fallback", ""},
                      SubstitutionCase{"EmptyDefault", "${NOPE:-}", "", ""},
                      SubstitutionCase{"SetButEmpty", "a${EMPTY}b", "ab", ""},
                      SubstitutionCase{"DoubleDollarEscapes", "pa$$word", "pa$word", ""},
                      SubstitutionCase{"EscapedReference", "$${HOST}", "${HOST}", ""},
                      SubstitutionCase{"ValueNotReexpanded", "${DOLLAR}", "$x", ""},
                      SubstitutionCase{"LoneDollar", "cost $5", "cost $5", ""},
                      SubstitutionCase{"TrailingDollar", "a$", "a$", ""},
                      SubstitutionCase{"Unset", "${NOPE}", "", "environment variable NOPE is not set"},
                      SubstitutionCase{"Unterminated", "${HOST", "", "unterminated '${'"},
                      SubstitutionCase{"BadName", "${1ABC}", "", "invalid environment variable name '1ABC'"},
                      SubstitutionCase{"EmptyName", "${}", "", "invalid environment variable name"}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace foilcache::config

namespace foilcache::config {
namespace {

std::shared_ptr<const Config> load_v2(const std::string& yaml) {
  return load_config_string(yaml, "v2.yaml", [](const std::string&) { return std::nullopt; });
}

TEST(ConfigLoaderV2, WriteRoutesScopedTagsAndContentTypes) {
  const auto config = load_v2(R"(routes:
  - name: library_paged
    match: GET /api/library/paged
    ttl: 5m
    key: "paged:{query.page|1}:{user}"
    tags: [library, "library:{user}"]
  - name: images
    match: GET /api/image_proxy
    ttl: 168h
    key: "img:{query.url}"
    shared: true
    content_types: ["image/*", "Application/JSON"]
  - name: ignore_title
    match: POST /api/library/ignore/{tid}
    invalidates: ["library:{user}", "title:{path.tid}"]
)");
  ASSERT_EQ(config->routes.size(), 3u);
  const Route& paged = config->routes[0];
  EXPECT_FALSE(paged.write());
  EXPECT_FALSE(paged.tags_literal);
  ASSERT_EQ(paged.tag_templates.size(), 2u);
  EXPECT_TRUE(paged.tag_templates[1].uses_user());
  EXPECT_EQ(config->routes[1].content_types, (std::vector<std::string>{"image/*", "application/json"}));
  EXPECT_TRUE(config->routes[1].tags_literal);
  const Route& write = config->routes[2];
  EXPECT_TRUE(write.write());
  EXPECT_EQ(write.method, "POST");
  EXPECT_EQ(write.invalidates, (std::vector<std::string>{"library:{user}", "title:{path.tid}"}));
  EXPECT_TRUE(write.renders_user());
}

TEST(ConfigLoaderV2, EventsWithConditionsAndTheFeed) {
  const auto config = load_v2(R"(events:
  library_updated: [library]
  job_update:
    when: {status: completed, type: [metadata_fetch, titledb_update]}
    tags: [library, system]
feeds:
  socketio:
    url: redis://:secret@app-redis:6380/2
redis:
  timeout: 80ms
)");
  ASSERT_EQ(config->events.size(), 2u);
  const auto& job = config->events.at("job_update");
  EXPECT_EQ(job.tags, (std::vector<std::string>{"library", "system"}));
  ASSERT_EQ(job.when.size(), 2u);
  EXPECT_EQ(job.when[1].second, (std::vector<std::string>{"metadata_fetch", "titledb_update"}));
  const auto& feed = config->feeds.socketio;
  EXPECT_EQ(feed.channel, "flask-socketio");
  EXPECT_EQ(feed.redis.host, "app-redis");
  EXPECT_EQ(feed.redis.port, 6380);
  EXPECT_EQ(feed.redis.db, 2);
  EXPECT_EQ(feed.redis.password, "secret");
  EXPECT_EQ(feed.redis.timeout, std::chrono::milliseconds(80));  // the feed's connection uses redis: timeouts
}

struct V2ErrorCase {
  const char* name;
  const char* yaml;
  const char* expected;
};

class ConfigLoaderV2Error : public ::testing::TestWithParam<V2ErrorCase> {};

TEST_P(ConfigLoaderV2Error, IsReported) {
  try {
    load_v2(GetParam().yaml);
    FAIL() << "loaded";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(GetParam().expected), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ConfigLoaderV2Error,
    ::testing::Values(
        V2ErrorCase{"WriteWithoutInvalidates", "routes:\n  - name: w\n    match: POST /a\n",
                    "v2.yaml:2:5: route 'w' is missing required key 'invalidates'"},
        // Found by fuzzing: a route without match was read as a write route, and its ttl
        // error dereferenced the missing match.
        V2ErrorCase{"RouteWithoutMatch", "routes:\n  - name: r\n    ttl: 5m\n    key: k\n",
                    "v2.yaml:2:5: route 'r' is missing required key 'match'"},
        V2ErrorCase{"WriteWithTtl", "routes:\n  - name: w\n    match: PUT /a\n    ttl: 5m\n    invalidates: [x]\n",
                    "v2.yaml:3:12: only GET routes can be cached: a PUT route is a write route"},
        V2ErrorCase{"GetWithInvalidates",
                    "routes:\n  - {name: r, match: GET /a, ttl: 1m, key: k, shared: true, invalidates: [x]}\n",
                    "'invalidates' applies to write (POST, PUT, PATCH, DELETE) routes only"},
        V2ErrorCase{"TagPlaceholderUnknown",
                    "routes:\n  - {name: r, match: GET /a, ttl: 1m, key: \"k:{user}\", tags: [\"t:{path.nope}\"]}\n",
                    "tag 't:{path.nope}'"},
        V2ErrorCase{"TagBadChar", "routes:\n  - {name: r, match: GET /a, ttl: 1m, key: \"k:{user}\", tags: [\"a b\"]}\n",
                    "invalid tag 'a b'"},
        V2ErrorCase{"ContentTypeNoSlash",
                    "routes:\n  - {name: r, match: GET /a, ttl: 1m, key: k, shared: true, content_types: [image]}\n",
                    "invalid content type 'image'"},
        V2ErrorCase{"EventsTwice", "webhooks:\n  events: {a: [x]}\nevents: {b: [y]}\n",
                    "'events' and 'webhooks.events' are the same map"},
        V2ErrorCase{"RuleWithoutTags", "events:\n  job_update: {when: {status: completed}}\n",
                    "event 'job_update' is missing required key 'tags'"},
        V2ErrorCase{"EmptyCondition", "events:\n  e: {when: {status: []}, tags: [x]}\n",
                    "condition on 'status' lists no value"},
        V2ErrorCase{"FeedBadUrl", "feeds:\n  socketio:\n    url: http://app:6379\n",
                    "the redis url must start with redis://"},
        V2ErrorCase{"FeedEmptyChannel", "feeds:\n  socketio:\n    channel: \"\"\n", "'channel' must not be empty"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace foilcache::config

// An integration deployment: a private redis-server (optional), the upstream stub
// (in-process, so tests read its request counters directly) and the real foilcache binary
// with a config file, on free loopback ports. Every start-up wait is bounded.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tests/integration/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/redis_server.hpp"
#include "upstream_stub/stub_server.hpp"

namespace foilcache::testing {

struct DeploymentOptions {
  bool redis = true;            // false: foilcache runs on its embedded memory store
  std::vector<std::string> redis_args;  // extra redis-server arguments
  std::string config_yaml;      // empty: the shipped conf/foilcache.yaml
  stub::StubOptions stub = fast_stub();
  std::vector<std::pair<std::string, std::string>> env;  // extra environment for foilcache
  std::filesystem::path stdout_path;  // non-empty: foilcache's stdout alone goes here (stderr to its log)
  // Non-empty: foilcache gets it as FOILCACHE_WEBHOOK_SECRET, and the stub's library scan
  // delivers its signed webhook to foilcache with it (the updater's side).
  std::string webhook_secret;
  // True: a second private redis-server stands for the app's own Redis (MyFoil's REDIS_URL):
  // the stub publishes its Socket.IO events there (stub.socketio_redis_url), and foilcache
  // gets its URL as MYFOIL_REDIS_URL, for a config's `feeds.socketio.url`.
  bool app_redis = false;

  // The stub without simulated database latency (tests don't wait for it).
  static stub::StubOptions fast_stub() {
    stub::StubOptions options;
    options.latency_scale = 0;
    options.game_size = 4 << 20;
    return options;
  }
};

// Another foilcache process on the same config, Redis and upstream (a second replica).
struct Replica {
  std::uint16_t port = 0;
  std::unique_ptr<test::Process> process;
  HttpClient client() const { return HttpClient(port); }
  Response get(std::string_view target, const Headers& headers = {}) const { return client().get(target, headers); }
};

class Deployment {
 public:
  explicit Deployment(DeploymentOptions options = {});
  ~Deployment();

  std::uint16_t port() const { return proxy_port_; }
  stub::StubServer& stub() { return *stub_; }
  test::RedisServer& redis() { return *redis_; }
  // The app's Redis (options.app_redis); kill or restart it for a feed outage.
  test::RedisServer& app_redis() { return *app_redis_; }
  bool has_redis() const { return redis_ != nullptr; }
  test::Process& proxy() { return *proxy_; }
  const std::filesystem::path& config_path() const { return config_path_; }

  HttpClient client(std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
    return HttpClient(proxy_port_, timeout);
  }
  Response get(std::string_view target, const Headers& headers = {}) const;

  // Stops the stub as a crash would: its sockets close (connections reset/refused).
  void kill_stub() { stub_.reset(); }
  // Starts foilcache (again, on the same port) with the current config; waits for /healthz.
  void start_proxy();
  // Starts one more foilcache sharing this deployment's config, Redis and stub.
  Replica start_replica();
  // The proxy's log so far (for failure messages).
  std::string proxy_log() const { return proxy_ ? proxy_->log_tail(8192) : std::string(); }

 private:
  DeploymentOptions options_;
  test::TempDir dir_;
  std::unique_ptr<test::RedisServer> redis_;
  std::unique_ptr<test::RedisServer> app_redis_;
  std::unique_ptr<stub::StubServer> stub_;
  std::unique_ptr<test::Process> proxy_;
  std::unique_ptr<test::Process> launch(std::uint16_t port, const std::string& log_name);

  std::filesystem::path config_path_;
  std::uint16_t proxy_port_ = 0;
  int replicas_ = 0;
};

// The top of a test config: listen, upstream, Redis (under `prefix`) and identity, all
// from the environment the Deployment sets. Tests append their own sections. A non-empty
// `redis_timeout` replaces the 50 ms default: tests that count exact cache results use a
// generous one, so a lookup slowed by a loaded machine cannot turn a MISS into a BYPASS.
inline std::string config_head(std::string_view prefix, std::string_view redis_timeout = {}) {
  std::string head = "listen: ${FOILCACHE_LISTEN}\nupstream: ${UPSTREAM_URL}\nredis:\n  url: ${REDIS_URL:-}\n  prefix: \"" +
                     std::string(prefix) + "\"\n";
  if (!redis_timeout.empty()) head += "  timeout: " + std::string(redis_timeout) + "\n";
  return head + "identity:\n  secret: ${FOILCACHE_IDENTITY_SECRET}\n";
}

// Requests sent upstream by the foilcache on `port` for `route` (its upstream histogram's count).
double upstream_requests(std::uint16_t port, std::string_view route);

// The Authorization headers of the stub's users.
inline Headers as_alice() { return {{"Authorization", basic_auth("alice", "alice-pw")}}; }
inline Headers as_bob() { return {{"Authorization", basic_auth("bob", "bob-pw")}}; }

}  // namespace foilcache::testing

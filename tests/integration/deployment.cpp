#include "tests/integration/deployment.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tests/support/wait.hpp"

namespace foilcache::testing {
namespace {

constexpr auto kStartBound = std::chrono::seconds(15);

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Healthy, and with a private Redis: connected to it on every io thread if the config
// uses it (so a first request is not a BYPASS only because the proxy just started).
bool is_ready(std::uint16_t port, bool expect_redis) {
  try {
    auto response = HttpClient(port, std::chrono::seconds(2)).get("/healthz");
    return response.status == 200 &&
           (!expect_redis || response.body.find("\"store\":\"degraded\"") == std::string::npos);
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

Deployment::Deployment(DeploymentOptions options) : options_(std::move(options)) {
  if (options_.redis) {
    test::RedisServerOptions redis_options;
    redis_options.extra_args = options_.redis_args;
    redis_ = std::make_unique<test::RedisServer>(redis_options);
  }
  if (options_.app_redis) {
    app_redis_ = std::make_unique<test::RedisServer>();
    options_.stub.socketio_redis_url = app_redis_->url();
    options_.env.emplace_back("MYFOIL_REDIS_URL", app_redis_->url());
  }
  proxy_port_ = test::free_port();
  if (!options_.webhook_secret.empty()) {
    options_.stub.webhook_url = "http://127.0.0.1:" + std::to_string(proxy_port_) + "/api/cache/webhook";
    options_.stub.webhook_secret = options_.webhook_secret;
    options_.env.emplace_back("FOILCACHE_WEBHOOK_SECRET", options_.webhook_secret);
  }
  stub_ = std::make_unique<stub::StubServer>(options_.stub);
  stub_->start();
  const std::string yaml = options_.config_yaml.empty()
                               ? read_file(std::filesystem::path(SOURCE_DIR) / "conf" / "foilcache.yaml")
                               : options_.config_yaml;
  config_path_ = dir_.write_file("foilcache.yaml", yaml);
  start_proxy();
}

Deployment::~Deployment() {
  if (proxy_) proxy_->terminate(std::chrono::seconds(10));
}

void Deployment::start_proxy() {
  if (proxy_) proxy_->terminate(std::chrono::seconds(10));
  proxy_ = launch(proxy_port_, "foilcache.log");
}

Replica Deployment::start_replica() {
  Replica replica;
  replica.port = test::free_port();
  replica.process = launch(replica.port, "foilcache-replica" + std::to_string(++replicas_) + ".log");
  return replica;
}

std::unique_ptr<test::Process> Deployment::launch(std::uint16_t port, const std::string& log_name) {
  test::ProcessOptions process_options;
  process_options.env = {
      {"FOILCACHE_LISTEN", "127.0.0.1:" + std::to_string(port)},
      {"UPSTREAM_URL", "http://127.0.0.1:" + std::to_string(stub_->port())},
      {"REDIS_URL", redis_ ? redis_->url() : std::string()},
      {"FOILCACHE_IDENTITY_SECRET", "integration-identity-secret"},
  };
  for (const auto& kv : options_.env) process_options.env.push_back(kv);
  process_options.log_path = dir_.path() / log_name;
  process_options.stdout_path = options_.stdout_path;
  auto process = std::make_unique<test::Process>(
      std::vector<std::string>{FOILCACHE_BIN, "--config", config_path_.string()}, process_options);
  const bool expect_redis = redis_ != nullptr;
  if (!test::wait_until([&] { return !process->running() || is_ready(port, expect_redis); }, kStartBound) ||
      !process->running()) {
    throw std::runtime_error("foilcache did not come up:\n" + process->log_tail());
  }
  return process;
}

Response Deployment::get(std::string_view target, const Headers& headers) const {
  return client().get(target, headers);
}

double upstream_requests(std::uint16_t port, std::string_view route) {
  const auto text = http_get(port, "/metrics").body;
  const std::string series = "foilcache_upstream_request_duration_seconds_count{route=\"" + std::string(route) + "\"} ";
  const auto at = text.find(series);
  return at == std::string::npos ? 0 : std::stod(text.substr(at + series.size()));
}

}  // namespace foilcache::testing

#include "tests/support/redis_sentinel.hpp"

#include <algorithm>
#include <stdexcept>

#include "tests/support/redis_server.hpp"
#include "tests/support/wait.hpp"

namespace foilcache::test {
namespace {

using namespace std::chrono_literals;

constexpr int kStartAttempts = 3;  // a free port taken by another process meanwhile: try another

// The value of field `name` in "name\nvalue\nname\nvalue..." (a formatted flat array reply).
std::string field(const std::string& pairs, const std::string& name) {
  std::vector<std::string> lines;
  for (std::size_t at = 0; at <= pairs.size();) {
    const auto end = std::min(pairs.find('\n', at), pairs.size());
    lines.push_back(pairs.substr(at, end - at));
    at = end + 1;
  }
  for (std::size_t i = 0; i + 1 < lines.size(); i += 2) {
    if (lines[i] == name) return lines[i + 1];
  }
  return {};
}

}  // namespace

RedisSentinel::RedisSentinel(RedisSentinelOptions options) : options_(std::move(options)) {
  RedisServerOptions master;
  master.password = options_.password;
  if (!options_.password.empty()) master.extra_args = {"--masterauth", options_.password};
  servers_.push_back(std::make_unique<RedisServer>(master));
  RedisServerOptions replica = master;
  replica.extra_args.insert(replica.extra_args.end(), {"--replicaof", "127.0.0.1", std::to_string(servers_[0]->port())});
  servers_.push_back(std::make_unique<RedisServer>(replica));
  const std::uint16_t master_port = servers_[0]->port();
  wait_for("the replica in sync", options_.start_timeout, [&]() -> std::string {
    const std::string info = servers_[1]->cli({"INFO", "replication"});
    return info.find("master_link_status:up") == std::string::npos ? "replica link not up" : "";
  });
  for (std::size_t i = 0; i < kSentinels; ++i) {
    sentinels_.push_back(std::make_unique<Sentinel>());
    start_sentinel(*sentinels_.back(), master_port);
  }
  wait_for("every Sentinel knowing the master, the replica and the others", options_.start_timeout, [&] {
    for (std::size_t i = 0; i < kSentinels; ++i) {
      if (std::string why = unready(i); !why.empty()) return why;
    }
    return std::string();
  });
}

RedisSentinel::~RedisSentinel() {
  for (auto& sentinel : sentinels_) sentinel->process.reset();  // SIGKILL, reaped
  servers_.clear();
}

void RedisSentinel::start_sentinel(Sentinel& sentinel, std::uint16_t master_port) {
  std::string failures;
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    sentinel.port = free_port();
    std::string conf = "port " + std::to_string(sentinel.port) + "\nbind 127.0.0.1\ndir " + sentinel.dir.path().string() +
                       "\nsentinel monitor " + kMasterName + " 127.0.0.1 " + std::to_string(master_port) + " 2\n" +
                       "sentinel down-after-milliseconds " + kMasterName + " 1000\n" +
                       "sentinel failover-timeout " + kMasterName + " 5000\n" +
                       "sentinel parallel-syncs " + kMasterName + " 1\n";
    if (!options_.password.empty()) conf += "sentinel auth-pass " + std::string(kMasterName) + " " + options_.password + "\n";
    const auto path = sentinel.dir.write_file("sentinel.conf", conf);  // Sentinel rewrites it: writable
    ProcessOptions process_options;
    process_options.cwd = sentinel.dir.path();
    process_options.log_path = sentinel.dir.path() / "sentinel.log";
    sentinel.process = std::make_unique<Process>(std::vector<std::string>{"redis-sentinel", path.string()}, process_options);
    const bool up = wait_until(
        [&] {
          if (!sentinel.process->running()) return true;
          try {
            return RedisConnection(sentinel.port).command({"PING"}) == "PONG";
          } catch (const std::runtime_error&) {
            return false;
          }
        },
        options_.start_timeout);
    if (up && sentinel.process->running()) return;
    failures += sentinel.process->log_tail() + "\n";
    sentinel.process.reset();
  }
  throw std::runtime_error("redis-sentinel did not start:\n" + failures);
}

std::string RedisSentinel::url(const std::string& name, int db) const {
  std::string out = "redis+sentinel://";
  if (!options_.password.empty()) out += ":" + options_.password + "@";
  for (std::size_t i = 0; i < sentinels_.size(); ++i) {
    out += (i == 0 ? "" : ",") + std::string("127.0.0.1:") + std::to_string(sentinels_[i]->port);
  }
  out += "/" + name;
  if (db != 0) out += "/" + std::to_string(db);
  return out;
}

std::vector<std::uint16_t> RedisSentinel::data_ports() const {
  std::vector<std::uint16_t> ports;
  for (const auto& server : servers_) ports.push_back(server->port());
  return ports;
}

std::uint16_t RedisSentinel::master_port() const {
  const auto address = cli_sentinel_array(0, {"SENTINEL", "get-master-addr-by-name", kMasterName});
  if (address.size() != 2) throw std::runtime_error("Sentinel 0 names no master");
  return static_cast<std::uint16_t>(std::stoi(address[1]));
}

RedisServer& RedisSentinel::server(std::uint16_t port) {
  return const_cast<RedisServer&>(static_cast<const RedisSentinel&>(*this).server(port));
}

const RedisServer& RedisSentinel::server(std::uint16_t port) const {
  for (const auto& server : servers_) {
    if (server->port() == port) return *server;
  }
  throw std::invalid_argument("no data node on port " + std::to_string(port));
}

std::string RedisSentinel::cli(std::uint16_t port, const std::vector<std::string>& args, int db) const {
  return server(port).cli(args, db);
}

std::string RedisSentinel::cli_master(const std::vector<std::string>& args, int db) const {
  return cli(master_port(), args, db);
}

std::string RedisSentinel::cli_sentinel(std::size_t i, const std::vector<std::string>& args) const {
  return RedisConnection(sentinels_.at(i)->port).command(args);
}

std::vector<std::string> RedisSentinel::cli_sentinel_array(std::size_t i, const std::vector<std::string>& args) const {
  return RedisConnection(sentinels_.at(i)->port).command_array(args);
}

std::uint16_t RedisSentinel::kill_master() {
  const std::uint16_t port = master_port();
  server(port).kill();
  return port;
}

std::uint16_t RedisSentinel::wait_failover(std::uint16_t old_port) {
  std::uint16_t promoted = 0;
  wait_for("a failover away from port " + std::to_string(old_port), options_.failover_timeout, [&]() -> std::string {
    std::uint16_t named = 0;
    for (std::size_t i = 0; i < kSentinels; ++i) {
      const auto address = cli_sentinel_array(i, {"SENTINEL", "get-master-addr-by-name", kMasterName});
      if (address.size() != 2) return "Sentinel " + std::to_string(i) + " names no master";
      const auto port = static_cast<std::uint16_t>(std::stoi(address[1]));
      if (port == old_port) return "Sentinel " + std::to_string(i) + " still names the old master";
      if (named != 0 && port != named) return "the Sentinels disagree";
      named = port;
    }
    const auto role = server(named).cli_array({"ROLE"});
    if (role.empty() || role.front() != "master") return "the named node is not a master yet";
    promoted = named;
    return "";
  });
  return promoted;
}

std::string RedisSentinel::log_tails(std::size_t max_bytes) const {
  std::string out;
  for (const auto& server : servers_) {
    out += "--- redis-server :" + std::to_string(server->port()) + "\n" + server->log_tail(max_bytes) + "\n";
  }
  for (const auto& sentinel : sentinels_) {
    if (!sentinel->process) continue;
    out += "--- redis-sentinel :" + std::to_string(sentinel->port) + "\n" + sentinel->process->log_tail(max_bytes) + "\n";
  }
  return out;
}

std::string RedisSentinel::unready(std::size_t i) const {
  try {
    const auto master = cli_sentinel_array(i, {"SENTINEL", "get-master-addr-by-name", kMasterName});
    if (master.size() != 2) return "Sentinel " + std::to_string(i) + " names no master";
    const auto replicas = cli_sentinel_array(i, {"SENTINEL", "replicas", kMasterName});
    if (replicas.empty() || field(replicas.front(), "flags") != "slave" ||
        field(replicas.front(), "master-link-status") != "ok") {
      return "Sentinel " + std::to_string(i) + " does not see the replica in sync";
    }
    const auto others = cli_sentinel(i, {"SENTINEL", "master", kMasterName});
    if (others.find("num-other-sentinels\n2") == std::string::npos) {
      return "Sentinel " + std::to_string(i) + " does not know the other two";
    }
    return "";
  } catch (const std::runtime_error& e) {
    return e.what();
  }
}

void RedisSentinel::wait_for(const std::string& what, std::chrono::milliseconds bound,
                             const std::function<std::string()>& why_not) const {
  std::string why = "not checked";
  const bool done = wait_until(
      [&] {
        try {
          why = why_not();
        } catch (const std::exception& e) {
          why = e.what();
        }
        return why.empty();
      },
      bound, 50ms);
  if (!done) throw std::runtime_error("waiting for " + what + ": " + why + "\n" + log_tails());
}

}  // namespace foilcache::test

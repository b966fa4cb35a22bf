// A private Redis Sentinel deployment for tests: a master, its replica (both RedisServer) and
// three redis-sentinel processes monitoring them, on free loopback ports, killed with the test.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.hpp"
#include "tests/support/redis_server.hpp"

namespace foilcache::test {

struct RedisSentinelOptions {
  // Non-empty: requirepass + masterauth on both data nodes and `sentinel auth-pass` on the
  // Sentinels (which take no password themselves); cli(), cli_master() and url() use it.
  std::string password;
  std::chrono::milliseconds start_timeout{20'000};     // until every Sentinel knows everything
  std::chrono::milliseconds failover_timeout{25'000};  // bound of wait_failover
};

// Starts a master, a replica (--replicaof the master) and, once the replica is in sync,
// three `redis-sentinel` processes, each with a config file in its own TempDir:
//   sentinel monitor mymaster 127.0.0.1 MASTER_PORT 2
//   sentinel down-after-milliseconds mymaster 1000
//   sentinel failover-timeout mymaster 5000
//   sentinel parallel-syncs mymaster 1
// The constructor returns once every Sentinel names the master, sees the replica (flags
// "slave", link ok) and the other two Sentinels; it throws std::runtime_error with the logs
// if that does not happen within start_timeout. The destructor SIGKILLs every process.
class RedisSentinel {
 public:
  static constexpr const char* kMasterName = "mymaster";
  static constexpr std::size_t kSentinels = 3;

  explicit RedisSentinel(RedisSentinelOptions options = {});
  ~RedisSentinel();
  RedisSentinel(const RedisSentinel&) = delete;
  RedisSentinel& operator=(const RedisSentinel&) = delete;

  // redis+sentinel://[:password@]127.0.0.1:S1,127.0.0.1:S2,127.0.0.1:S3/NAME[/db] (no /db
  // when db is 0); another `name` makes a url naming a master the Sentinels do not monitor.
  std::string url(const std::string& name = kMasterName, int db = 0) const;

  std::uint16_t sentinel_port(std::size_t i) const { return sentinels_.at(i)->port; }
  // The data nodes' ports: [0] started as the master, [1] as its replica.
  std::vector<std::uint16_t> data_ports() const;
  // The current master as Sentinel 0 reports it (SENTINEL get-master-addr-by-name).
  std::uint16_t master_port() const;
  // The data node at `port` (kill, pause, log_tail, ...); throws std::invalid_argument if none.
  RedisServer& server(std::uint16_t port);
  const RedisServer& server(std::uint16_t port) const;

  // One command on a data node / the current master / Sentinel i, formatted as RedisServer::cli.
  std::string cli(std::uint16_t port, const std::vector<std::string>& args, int db = 0) const;
  std::string cli_master(const std::vector<std::string>& args, int db = 0) const;
  std::string cli_sentinel(std::size_t i, const std::vector<std::string>& args) const;
  std::vector<std::string> cli_sentinel_array(std::size_t i, const std::vector<std::string>& args) const;

  // SIGKILLs the current master (returns once it has exited); returns its port.
  std::uint16_t kill_master();
  // Waits until every Sentinel names the same master other than `old_port` and that node
  // answers ROLE master; returns its port. Throws std::runtime_error (with the logs) after
  // failover_timeout.
  std::uint16_t wait_failover(std::uint16_t old_port);

  // The tail of every process's log, each headed by what it is (for failure messages).
  std::string log_tails(std::size_t max_bytes_per_process = 2048) const;

 private:
  struct Sentinel {
    TempDir dir;
    std::uint16_t port = 0;
    std::unique_ptr<Process> process;
  };

  void start_sentinel(Sentinel& sentinel, std::uint16_t master_port);
  std::string unready(std::size_t i) const;
  void wait_for(const std::string& what, std::chrono::milliseconds bound,
                const std::function<std::string()>& why_not) const;

  RedisSentinelOptions options_;
  std::vector<std::unique_ptr<RedisServer>> servers_;
  std::vector<std::unique_ptr<Sentinel>> sentinels_;
};

}  // namespace foilcache::test

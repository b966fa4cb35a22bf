// A private Redis Cluster for tests: masters and replicas on free loopback ports, each a
// RedisServer in its own TempDir, formed with `redis-cli --cluster create`, killed with the test.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/redis_server.hpp"


namespace foilcache::test {


// The value of "name:value" in INFO-style text (INFO, CLUSTER INFO); empty when absent.
std::string info_field(const std::string& info, const std::string& name);

struct RedisClusterOptions {
  int masters = 3;              // at least 3 (redis-cli --cluster create refuses fewer)
  int replicas_per_master = 1;
  std::string password;         // non-empty: requirepass + masterauth on every node; cli() and url() use it
  std::chrono::milliseconds start_timeout{20'000};   // until the cluster is formed and settled
  std::chrono::milliseconds change_timeout{20'000};  // bound of failover, wait_ok, move_slots, ...
};

// masters * (1 + replicas_per_master) `redis-server --cluster-enabled yes` nodes
// (--cluster-node-timeout 1000, so a failover takes a few seconds), each with its own free
// cluster bus port (--cluster-port, so no port + 10000 rule), joined by
// `redis-cli --cluster create ... --cluster-replicas R --cluster-yes`. The constructor
// returns once the cluster is settled and throws std::runtime_error (with the nodes' logs)
// if it does not settle within start_timeout.
//
// "Settled", what every wait here waits for: every running node reports cluster_state:ok
// and 16384 slots assigned, all running nodes have the same view of roles and slot owners
// (CLUSTER NODES), every slot is served by a running master, no running node is seen as
// failing, and every running replica's link to its master is up. A wait that does not
// settle within its bound throws std::runtime_error with the reason and the nodes' log tails.
//
// Nodes are named by index 0..size()-1, in start order; a node keeps its index (and port)
// when its role changes. The destructor SIGKILLs every node.
class RedisCluster {
 public:
  static constexpr int kSlots = 16384;

  explicit RedisCluster(RedisClusterOptions options = {});
  ~RedisCluster();
  RedisCluster(const RedisCluster&) = delete;
  RedisCluster& operator=(const RedisCluster&) = delete;

  // redis+cluster://[:password@]127.0.0.1:P,127.0.0.1:Q,... with the running masters as
  // seeds, in index order.
  std::string url() const;
  // The same with only the first `n` of those seeds.
  std::string seed_url(std::size_t n) const;

  std::size_t size() const { return nodes_.size(); }
  std::uint16_t port(std::size_t i) const { return nodes_.at(i)->port(); }
  const std::string& node_id(std::size_t i) const { return ids_.at(i); }
  const std::string& password() const { return options_.password; }
  bool running(std::size_t i) const { return nodes_.at(i)->running(); }
  // The node as a RedisServer (pause/resume, log_tail, ...).
  RedisServer& node(std::size_t i) { return *nodes_.at(i); }
  // The node whose port is `port`; throws std::invalid_argument if none is.
  std::size_t index_of_port(std::uint16_t port) const;

  // One command on node i, formatted as RedisServer::cli (a key of another node's slot
  // gives "(error) MOVED SLOT 127.0.0.1:PORT").
  std::string cli(std::size_t i, const std::vector<std::string>& args) const;
  std::vector<std::string> cli_array(std::size_t i, const std::vector<std::string>& args) const;
  // KEYS * on node i, sorted.
  std::vector<std::string> keys_on(std::size_t i) const;

  // Running nodes by their current ROLE, in index order.
  std::vector<std::size_t> masters() const;
  std::vector<std::size_t> replicas() const;
  // The master replica `i` follows (its ROLE); throws std::invalid_argument if i is a master.
  std::size_t master_of(std::size_t replica) const;
  // The running replicas of master `i` (its own CLUSTER NODES view).
  std::vector<std::size_t> replicas_of(std::size_t master) const;
  // The master serving `slot` in the view of the first running node.
  std::size_t master_of_slot(int slot) const;

  // The hash slot of `key` (CRC16 of the key or of its {hash tag}, mod 16384), computed here.
  static int key_slot(std::string_view key);
  // A key "PREFIX:N" whose slot is `slot`.
  static std::string key_in_slot(int slot, std::string_view prefix = "key");

  // CLUSTER FAILOVER on a replica; returns once it is a master and the cluster is settled.
  // Throws std::invalid_argument if `replica` is not a replica.
  void failover(std::size_t replica);
  // SIGKILL node i (returns once it has exited). The cluster notices after the node timeout.
  void kill(std::size_t i);
  // Waits until the cluster is settled without the stopped nodes: a dead master's replica
  // has been promoted and every node agrees. Throws if it does not happen (e.g. a dead
  // master had no replica).
  void wait_ok();
  // Waits until every running replica has processed its master's whole replication stream,
  // so that a write made before the call survives a failover.
  void wait_replicated();

  // Resharding of slots first..last (all served by master `from`) to master `to`, keys
  // included: per slot CLUSTER SETSLOT IMPORTING on `to` and MIGRATING on `from`,
  // CLUSTER GETKEYSINSLOT + MIGRATE ... KEYS, then CLUSTER SETSLOT NODE on `to`, `from`
  // and the other masters. Returns once the cluster is settled with `to` serving them.
  void move_slots(std::size_t from, std::size_t to, int first_slot, int last_slot);
  // The same for one slot, in two steps. After begin_migration the slot is open: `from`
  // still serves the keys it has and answers "ASK" for the others; `to` takes a command
  // for the slot after ASKING (use a RedisConnection) and answers MOVED without.
  // finish_migration migrates the keys left and assigns the slot to `to`, then waits.
  void begin_migration(int slot, std::size_t from, std::size_t to);
  void finish_migration(int slot, std::size_t from, std::size_t to);

  // The tail of every node's log, each headed by its index and port (for failure messages).
  std::string log_tails(std::size_t max_bytes_per_node = 2048) const;

 private:
  void start_node();
  void create_cluster();
  std::string unsettled() const;
  void wait_settled(const std::string& what, std::chrono::milliseconds bound,
                    const std::function<std::string()>& also = {}) const;
  void wait_slots_owned(const std::string& what, std::size_t owner, int first_slot, int last_slot) const;
  std::string role(std::size_t i) const;
  std::size_t first_running() const;
  void check_master(std::size_t i, const char* what) const;

  RedisClusterOptions options_;
  TempDir dir_;  // redis-cli's log
  std::vector<std::unique_ptr<RedisServer>> nodes_;
  std::vector<std::string> ids_;
};

}  // namespace foilcache::test

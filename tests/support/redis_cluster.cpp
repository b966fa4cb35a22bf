#include "tests/support/redis_cluster.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <utility>

#include <hiredis/hiredis.h>

#include "tests/support/process.hpp"
#include "tests/support/wait.hpp"

namespace foilcache::test {
namespace {

using namespace std::chrono_literals;

// A cluster check opens a connection per node and sends three commands: poll gently.
constexpr auto kPoll = 50ms;
// Starting a node on a port another process grabbed since free_port(): try again this many times.
constexpr int kStartAttempts = 3;
constexpr int kKeysPerMigrate = 100;

std::string joined(const std::vector<std::string>& args) {
  std::string out;
  for (const auto& arg : args) out += (out.empty() ? "" : " ") + arg;
  return out;
}

bool is_error(const std::string& reply) { return reply.rfind("(error)", 0) == 0; }

// One line of CLUSTER NODES: "<id> <ip:port@cport[,host]> <flags> <master> <ping> <pong>
// <epoch> <link> <slot or range>...", migration markers ("[slot->-id]") skipped.
struct NodeEntry {
  std::string id;
  std::uint16_t port = 0;
  bool master = false;
  bool failing = false;  // "fail" or "fail?" (PFAIL)
  bool joining = false;  // "handshake" or "noaddr"
  std::string master_id;
  std::vector<std::pair<int, int>> ranges;
};

bool has_flag(const std::string& flags, const std::string& flag) {
  return ("," + flags + ",").find("," + flag + ",") != std::string::npos;
}

std::vector<NodeEntry> parse_nodes(const std::string& text) {
  std::vector<NodeEntry> entries;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    NodeEntry entry;
    std::string address, flags, ignored;
    if (!(fields >> entry.id >> address >> flags >> entry.master_id >> ignored >> ignored >> ignored >> ignored)) continue;
    const auto at = address.find('@');
    const auto colon = address.rfind(':', at);
    if (colon == std::string::npos) continue;
    entry.port = static_cast<std::uint16_t>(std::stoi(address.substr(colon + 1, at - colon - 1)));
    entry.master = has_flag(flags, "master");
    entry.failing = has_flag(flags, "fail") || has_flag(flags, "fail?");
    entry.joining = has_flag(flags, "handshake") || has_flag(flags, "noaddr");
    for (std::string slots; fields >> slots;) {
      if (slots.front() == '[') continue;
      const auto dash = slots.find('-');
      const int first = std::stoi(slots.substr(0, dash));
      entry.ranges.emplace_back(first, dash == std::string::npos ? first : std::stoi(slots.substr(dash + 1)));
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

// The port of the usable master serving `slot` in `entries`, or 0.
std::uint16_t owner_in(const std::vector<NodeEntry>& entries, int slot) {
  for (const auto& entry : entries) {
    if (!entry.master || entry.failing) continue;
    for (const auto& [first, last] : entry.ranges) {
      if (first <= slot && slot <= last) return entry.port;
    }
  }
  return 0;
}

// One node's view of the running nodes, canonical ("PORT: master 0-5460" / "PORT: replica
// of PORT", by port) so that views compare as strings. Sets `why` when the view is not
// settled: a running node unknown, failing or still joining, a replica of a stopped node,
// or slots not served by running masters.
std::string describe(const std::vector<NodeEntry>& entries, const std::set<std::uint16_t>& running, std::string& why) {
  std::map<std::string, std::uint16_t> port_of;
  for (const auto& entry : entries) port_of[entry.id] = entry.port;
  std::map<std::uint16_t, std::string> lines;
  int served = 0;
  for (const auto& entry : entries) {
    if (running.count(entry.port) == 0) continue;
    const std::string name = "the node at port " + std::to_string(entry.port);
    if (entry.joining) {
      why = name + " is still joining";
      return {};
    }
    if (entry.failing) {
      why = "it sees " + name + " as failing";
      return {};
    }
    std::string line;
    if (entry.master) {
      line = "master";
      for (const auto& [first, last] : entry.ranges) {
        line += " " + std::to_string(first) + "-" + std::to_string(last);
        served += last - first + 1;
      }
    } else {
      const auto master = port_of.find(entry.master_id);
      if (master == port_of.end() || running.count(master->second) == 0) {
        why = "it sees " + name + " replicate a stopped node";
        return {};
      }
      line = "replica of " + std::to_string(master->second);
    }
    lines[entry.port] = line;
  }
  for (const auto port : running) {
    if (lines.count(port) == 0) {
      why = "it does not know the node at port " + std::to_string(port);
      return {};
    }
  }
  if (served != RedisCluster::kSlots) {
    why = "its running masters serve " + std::to_string(served) + " of 16384 slots";
    return {};
  }
  std::string out;
  for (const auto& [port, line] : lines) out += std::to_string(port) + ": " + line + "\n";
  return out;
}

std::uint16_t crc16(std::string_view data) {
  std::uint16_t crc = 0;  // CRC-16/XMODEM, as Redis Cluster uses
  for (const unsigned char byte : data) {
    crc = static_cast<std::uint16_t>(crc ^ (byte << 8));
    for (int bit = 0; bit < 8; ++bit) {
      crc = static_cast<std::uint16_t>((crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1);
    }
  }
  return crc;
}

// The connections of a slot migration from one master to another.
struct Migration {
  RedisConnection source;
  RedisConnection target;
  std::vector<RedisConnection> others;  // the other running masters
  std::string source_id;
  std::string target_id;
  std::string password;
};

Migration prepare_migration(const RedisCluster& cluster, std::size_t from, std::size_t to) {
  Migration migration{RedisConnection(cluster.port(from), cluster.password()),
                      RedisConnection(cluster.port(to), cluster.password()),
                      {},
                      cluster.node_id(from),
                      cluster.node_id(to),
                      cluster.password()};
  for (const auto master : cluster.masters()) {
    if (master != from && master != to) migration.others.emplace_back(cluster.port(master), cluster.password());
  }
  return migration;
}

void expect_ok(RedisConnection& connection, const std::vector<std::string>& args) {
  const std::string reply = connection.command(args);
  if (reply != "OK") {
    throw std::runtime_error(joined(args) + " on port " + std::to_string(connection.port()) + ": " + reply);
  }
}

void open_slot(Migration& migration, int slot) {
  const std::string number = std::to_string(slot);
  expect_ok(migration.target, {"CLUSTER", "SETSLOT", number, "IMPORTING", migration.source_id});
  expect_ok(migration.source, {"CLUSTER", "SETSLOT", number, "MIGRATING", migration.target_id});
}

void migrate_keys(Migration& migration, int slot, std::chrono::steady_clock::time_point deadline) {
  const std::string number = std::to_string(slot);
  for (;;) {
    const auto keys = migration.source.command_array({"CLUSTER", "GETKEYSINSLOT", number, std::to_string(kKeysPerMigrate)});
    if (keys.empty()) return;
    if (keys.size() == 1 && is_error(keys.front())) throw std::runtime_error("CLUSTER GETKEYSINSLOT: " + keys.front());
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("slot " + number + " still has keys on port " + std::to_string(migration.source.port()));
    }
    std::vector<std::string> migrate{"MIGRATE", "127.0.0.1", std::to_string(migration.target.port()), "", "0", "1000"};
    if (!migration.password.empty()) migrate.insert(migrate.end(), {"AUTH", migration.password});
    migrate.emplace_back("KEYS");
    migrate.insert(migrate.end(), keys.begin(), keys.end());
    const std::string reply = migration.source.command(migrate);
    if (reply != "OK" && reply != "NOKEY") throw std::runtime_error("MIGRATE of slot " + number + ": " + reply);
  }
}

// CLUSTER SETSLOT NODE on the target first (it bumps its config epoch), then the source,
// then the other masters, as the Redis Cluster specification orders it.
void close_slot(Migration& migration, int slot) {
  const std::vector<std::string> args{"CLUSTER", "SETSLOT", std::to_string(slot), "NODE", migration.target_id};
  expect_ok(migration.target, args);
  expect_ok(migration.source, args);
  for (auto& other : migration.others) expect_ok(other, args);
}

}  // namespace

std::string info_field(const std::string& info, const std::string& name) {
  const std::string key = name + ":";
  std::size_t at = info.rfind(key, 0) == 0 ? 0 : info.find("\n" + key);
  if (at == std::string::npos) return {};
  at += info[at] == '\n' ? key.size() + 1 : key.size();
  return info.substr(at, info.find_first_of("\r\n", at) - at);
}

RedisCluster::RedisCluster(RedisClusterOptions options) : options_(std::move(options)) {
  if (options_.masters < 3 || options_.replicas_per_master < 0) {
    throw std::invalid_argument("RedisCluster: at least 3 masters and no negative replica count");
  }
  const int nodes = options_.masters * (1 + options_.replicas_per_master);
  for (int i = 0; i < nodes; ++i) start_node();
  create_cluster();
  wait_settled("forming the cluster", options_.start_timeout);
  for (std::size_t i = 0; i < size(); ++i) ids_.push_back(cli(i, {"CLUSTER", "MYID"}));
}

RedisCluster::~RedisCluster() {
  for (auto& node : nodes_) node->kill();
}

void RedisCluster::start_node() {
  std::string failures;
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    RedisServerOptions server;
    server.password = options_.password;
    server.extra_args = {"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                         "--cluster-node-timeout", "1000", "--cluster-port", std::to_string(free_port())};
    if (!options_.password.empty()) server.extra_args.insert(server.extra_args.end(), {"--masterauth", options_.password});
    try {
      nodes_.push_back(std::make_unique<RedisServer>(server));
      return;
    } catch (const std::runtime_error& e) {
      failures += e.what();
      failures += '\n';
    }
  }
  throw std::runtime_error("redis cluster node " + std::to_string(nodes_.size()) + " did not start:\n" + failures);
}

void RedisCluster::create_cluster() {
  std::vector<std::string> argv{"redis-cli", "--cluster", "create"};
  for (const auto& node : nodes_) argv.push_back("127.0.0.1:" + std::to_string(node->port()));
  argv.insert(argv.end(), {"--cluster-replicas", std::to_string(options_.replicas_per_master), "--cluster-yes"});
  ProcessOptions process_options;
  process_options.log_path = dir_.path() / "redis-cli.log";
  if (!options_.password.empty()) process_options.env.emplace_back("REDISCLI_AUTH", options_.password);
  Process create(argv, process_options);
  const auto status = create.wait_exit(options_.start_timeout);
  if (status != 0) {
    create.terminate(1s);
    throw std::runtime_error(create.command_line() +
                             (status ? " exited with " + std::to_string(*status) : std::string(" did not finish")) +
                             "; its output:\n" + create.log_tail() + "\n" + log_tails());
  }
}

std::string RedisCluster::unsettled() const {
  std::set<std::uint16_t> running;
  for (std::size_t i = 0; i < size(); ++i) {
    if (this->running(i)) running.insert(port(i));
  }
  std::string reference;
  std::size_t reference_node = 0;
  for (std::size_t i = 0; i < size(); ++i) {
    if (!this->running(i)) continue;
    const std::string name = "node " + std::to_string(i) + " (port " + std::to_string(port(i)) + ")";
    RedisConnection connection(port(i), options_.password);
    const std::string info = connection.command({"CLUSTER", "INFO"});
    if (info_field(info, "cluster_state") != "ok") return name + " reports cluster_state:" + info_field(info, "cluster_state");
    if (info_field(info, "cluster_slots_assigned") != std::to_string(kSlots)) {
      return name + " reports cluster_slots_assigned:" + info_field(info, "cluster_slots_assigned");
    }
    std::string why;
    const std::string view = describe(parse_nodes(connection.command({"CLUSTER", "NODES"})), running, why);
    if (!why.empty()) return name + ": " + why;
    if (reference.empty()) {
      reference = view;
      reference_node = i;
    } else if (view != reference) {
      return name + " sees\n" + view + "but node " + std::to_string(reference_node) + " sees\n" + reference;
    }
    const std::string replication = connection.command({"INFO", "replication"});
    if (info_field(replication, "role") == "slave" && info_field(replication, "master_link_status") != "up") {
      return name + " is a replica whose master link is " + info_field(replication, "master_link_status");
    }
  }
  return reference.empty() ? "no node is running" : "";
}

void RedisCluster::wait_settled(const std::string& what, std::chrono::milliseconds bound,
                                const std::function<std::string()>& also) const {
  std::string why;
  const bool settled = wait_until(
      [&] {
        try {
          why = unsettled();
          if (why.empty() && also) why = also();
        } catch (const std::exception& e) {
          why = e.what();
        }
        return why.empty();
      },
      bound, kPoll);
  if (!settled) {
    throw std::runtime_error("redis cluster, " + what + ": not settled after " + std::to_string(bound.count()) +
                             " ms: " + why + "\n" + log_tails());
  }
}

void RedisCluster::wait_slots_owned(const std::string& what, std::size_t owner, int first_slot, int last_slot) const {
  wait_settled(what, options_.change_timeout, [&]() -> std::string {
    const auto entries = parse_nodes(cli(first_running(), {"CLUSTER", "NODES"}));
    for (int slot = first_slot; slot <= last_slot; ++slot) {
      if (owner_in(entries, slot) != port(owner)) return "slot " + std::to_string(slot) + " is not on node " + std::to_string(owner);
    }
    return {};
  });
}

std::string RedisCluster::url() const { return seed_url(masters().size()); }

std::string RedisCluster::seed_url(std::size_t n) const {
  const auto seeds = masters();
  if (n == 0 || n > seeds.size()) {
    throw std::invalid_argument("seed_url: " + std::to_string(n) + " seeds of " + std::to_string(seeds.size()) + " masters");
  }
  std::string url = "redis+cluster://" + (options_.password.empty() ? "" : ":" + options_.password + "@");
  for (std::size_t i = 0; i < n; ++i) url += (i > 0 ? ",127.0.0.1:" : "127.0.0.1:") + std::to_string(port(seeds[i]));
  return url;
}

std::size_t RedisCluster::index_of_port(std::uint16_t port) const {
  for (std::size_t i = 0; i < size(); ++i) {
    if (this->port(i) == port) return i;
  }
  throw std::invalid_argument("no cluster node has port " + std::to_string(port));
}

std::string RedisCluster::cli(std::size_t i, const std::vector<std::string>& args) const { return nodes_.at(i)->cli(args); }

std::vector<std::string> RedisCluster::cli_array(std::size_t i, const std::vector<std::string>& args) const {
  return nodes_.at(i)->cli_array(args);
}

std::vector<std::string> RedisCluster::keys_on(std::size_t i) const { return nodes_.at(i)->keys(); }

std::string RedisCluster::role(std::size_t i) const { return cli_array(i, {"ROLE"}).at(0); }

std::vector<std::size_t> RedisCluster::masters() const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < size(); ++i) {
    if (running(i) && role(i) == "master") out.push_back(i);
  }
  return out;
}

std::vector<std::size_t> RedisCluster::replicas() const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < size(); ++i) {
    if (running(i) && role(i) == "slave") out.push_back(i);
  }
  return out;
}

std::size_t RedisCluster::master_of(std::size_t replica) const {
  const auto reply = cli_array(replica, {"ROLE"});  // slave, ip, port, state, offset
  if (reply.at(0) != "slave" || reply.size() < 3) throw std::invalid_argument("node " + std::to_string(replica) + " is not a replica");
  return index_of_port(static_cast<std::uint16_t>(std::stoi(reply[2])));
}

std::vector<std::size_t> RedisCluster::replicas_of(std::size_t master) const {
  std::vector<std::size_t> out;
  for (const auto& entry : parse_nodes(cli(master, {"CLUSTER", "NODES"}))) {
    if (entry.master || entry.master_id != node_id(master)) continue;
    const auto index = index_of_port(entry.port);
    if (running(index)) out.push_back(index);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::size_t RedisCluster::first_running() const {
  for (std::size_t i = 0; i < size(); ++i) {
    if (running(i)) return i;
  }
  throw std::runtime_error("no cluster node is running");
}

std::size_t RedisCluster::master_of_slot(int slot) const {
  const auto owner = owner_in(parse_nodes(cli(first_running(), {"CLUSTER", "NODES"})), slot);
  if (owner == 0) throw std::runtime_error("no master serves slot " + std::to_string(slot));
  return index_of_port(owner);
}

int RedisCluster::key_slot(std::string_view key) {
  const auto open = key.find('{');
  if (open != std::string_view::npos) {
    const auto close = key.find('}', open + 1);
    if (close != std::string_view::npos && close > open + 1) key = key.substr(open + 1, close - open - 1);
  }
  return crc16(key) % kSlots;
}

std::string RedisCluster::key_in_slot(int slot, std::string_view prefix) {
  if (slot < 0 || slot >= kSlots) throw std::invalid_argument("no slot " + std::to_string(slot));
  for (int n = 0; n < (1 << 24); ++n) {
    std::string key = std::string(prefix) + ":" + std::to_string(n);
    if (key_slot(key) == slot) return key;
  }
  throw std::runtime_error("no key for slot " + std::to_string(slot));
}

void RedisCluster::failover(std::size_t replica) {
  if (!running(replica) || role(replica) != "slave") {
    throw std::invalid_argument("failover: node " + std::to_string(replica) + " is not a running replica");
  }
  const std::string reply = cli(replica, {"CLUSTER", "FAILOVER"});
  if (reply != "OK") throw std::runtime_error("CLUSTER FAILOVER on node " + std::to_string(replica) + ": " + reply);
  wait_settled("failover to node " + std::to_string(replica), options_.change_timeout, [&]() -> std::string {
    return role(replica) == "master" ? "" : "node " + std::to_string(replica) + " is not a master yet";
  });
}

void RedisCluster::kill(std::size_t i) { nodes_.at(i)->kill(); }

void RedisCluster::wait_ok() { wait_settled("without the stopped nodes", options_.change_timeout); }

void RedisCluster::wait_replicated() {
  std::string why;
  const bool done = wait_until(
      [&] {
        try {
          for (const auto replica : replicas()) {
            const auto master = master_of(replica);
            const std::string wanted = info_field(cli(master, {"INFO", "replication"}), "master_repl_offset");
            const std::string got = info_field(cli(replica, {"INFO", "replication"}), "slave_repl_offset");
            if (std::stoll(got) < std::stoll(wanted)) {
              why = "node " + std::to_string(replica) + " is at offset " + got + " of " + wanted;
              return false;
            }
          }
          return true;
        } catch (const std::exception& e) {
          why = e.what();
          return false;
        }
      },
      options_.change_timeout, kPoll);
  if (!done) throw std::runtime_error("redis cluster: replicas did not catch up: " + why + "\n" + log_tails());
}

void RedisCluster::check_master(std::size_t i, const char* what) const {
  if (i >= size() || !running(i) || role(i) != "master") {
    throw std::invalid_argument(std::string(what) + ": node " + std::to_string(i) + " is not a running master");
  }
}

void RedisCluster::move_slots(std::size_t from, std::size_t to, int first_slot, int last_slot) {
  if (first_slot < 0 || last_slot >= kSlots || first_slot > last_slot || from == to) {
    throw std::invalid_argument("move_slots: bad slot range or from == to");
  }
  check_master(from, "move_slots");
  check_master(to, "move_slots");
  const auto entries = parse_nodes(cli(from, {"CLUSTER", "NODES"}));
  for (int slot = first_slot; slot <= last_slot; ++slot) {
    if (owner_in(entries, slot) != port(from)) {
      throw std::invalid_argument("move_slots: slot " + std::to_string(slot) + " is not on node " + std::to_string(from));
    }
  }
  auto migration = prepare_migration(*this, from, to);
  const auto deadline = std::chrono::steady_clock::now() + options_.change_timeout;
  for (int slot = first_slot; slot <= last_slot; ++slot) {
    open_slot(migration, slot);
    migrate_keys(migration, slot, deadline);
    close_slot(migration, slot);
  }
  wait_slots_owned("moving slots " + std::to_string(first_slot) + "-" + std::to_string(last_slot), to, first_slot,
                   last_slot);
}

void RedisCluster::begin_migration(int slot, std::size_t from, std::size_t to) {
  if (slot < 0 || slot >= kSlots || from == to) throw std::invalid_argument("begin_migration: bad slot or from == to");
  check_master(from, "begin_migration");
  check_master(to, "begin_migration");
  if (master_of_slot(slot) != from) {
    throw std::invalid_argument("begin_migration: slot " + std::to_string(slot) + " is not on node " + std::to_string(from));
  }
  auto migration = prepare_migration(*this, from, to);
  open_slot(migration, slot);
}

void RedisCluster::finish_migration(int slot, std::size_t from, std::size_t to) {
  if (slot < 0 || slot >= kSlots || from == to) throw std::invalid_argument("finish_migration: bad slot or from == to");
  check_master(from, "finish_migration");
  check_master(to, "finish_migration");
  auto migration = prepare_migration(*this, from, to);
  migrate_keys(migration, slot, std::chrono::steady_clock::now() + options_.change_timeout);
  close_slot(migration, slot);
  wait_slots_owned("migrating slot " + std::to_string(slot), to, slot, slot);
}

std::string RedisCluster::log_tails(std::size_t max_bytes_per_node) const {
  std::string out;
  for (std::size_t i = 0; i < size(); ++i) {
    out += "--- node " + std::to_string(i) + " (port " + std::to_string(port(i)) + ") ---\n";
    out += nodes_[i]->log_tail(max_bytes_per_node) + "\n";
  }
  return out;
}

}  // namespace foilcache::test

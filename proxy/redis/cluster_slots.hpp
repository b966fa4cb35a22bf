// Redis Cluster's routing rules as pure code, after the cluster specification: the hash
// slot of a key (CRC16 of its hash tag), the slot -> master table CLUSTER SLOTS describes,
// which key a command is routed by, and what a MOVED / ASK / TRYAGAIN / CLUSTERDOWN error
// asks the client to do. No I/O: ClusterClient performs what these decide.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/redis/connection_fsm.hpp"
#include "proxy/redis/reply.hpp"

namespace foilcache::redis {

inline constexpr std::uint16_t kSlotCount = 16384;

// CRC16-XMODEM of `key`, or of its hash tag (the bytes between the first '{' and the next
// '}', when that is not empty), modulo 16384.
std::uint16_t key_slot(std::string_view key);

// The key a command is routed by: argv[1] for the keyed commands foilcache sends (GET, SET,
// INCR, UNLINK, DEL, HINCRBY, HGETALL, PEXPIRE, ...), the first key of EVAL/EVALSHA;
// nullopt for the keyless ones (PING, PUBLISH, ROLE, CLUSTER ..., SCAN, EVAL with no keys),
// which any master serves.
std::optional<std::string_view> routing_key(std::span<const std::string_view> argv);

// DEL / UNLINK / EXISTS / TOUCH with several keys: a command a cluster refuses when its keys
// span slots (CROSSSLOT), and whose integer answers add up when it is split per key.
bool is_summed_multi_key(std::span<const std::string_view> argv);

// A pipeline whose cross-slot DEL / UNLINK / EXISTS / TOUCH commands are split into one
// command per key; origin[i] is the index, in the pipeline given, of commands[i].
struct SplitPipeline {
  std::vector<std::vector<std::string>> commands;
  std::vector<std::size_t> origin;
};
SplitPipeline split_cross_slot(std::vector<std::vector<std::string>> commands);
// The answers to split.commands folded back into one per command given (`count` of them):
// a split command's integer answers added up, its first error (code or reply) kept.
std::vector<Result> fold_answers(const SplitPipeline& split, std::vector<Result> answers, std::size_t count);

// What an error reply asks of a cluster client.
struct Redirect {
  enum class Kind : std::uint8_t {
    kNone,         // not a cluster error: the reply is the answer
    kMoved,        // the slot lives on `target` now: update the table, send there
    kAsk,          // this once: send ASKING then the command to `target`
    kTryAgain,     // a multi-key command during a resharding: retry after a pause
    kClusterDown,  // the cluster cannot serve the slot now: retry after a pause
  };
  Kind kind = Kind::kNone;
  std::uint16_t slot = 0;
  Endpoint target;
};

// Parses "MOVED <slot> <host>:<port>" and "ASK <slot> <host>:<port>" (an empty host, as
// Redis 7 sends when it does not know its own address, is `asked_host`: the node that
// answered), "TRYAGAIN ..." and "CLUSTERDOWN ...". Anything else, a malformed slot or
// address included, is kNone.
Redirect parse_redirect(std::string_view error, std::string_view asked_host);

// The masters of a cluster and which one serves each slot.
class SlotTable {
 public:
  // From a CLUSTER SLOTS reply ([[first, last, [host, port, id...], replicas...]...]); an
  // empty host is `asked_host`. nullopt when the reply is not one or covers no slot.
  static std::optional<SlotTable> from_cluster_slots(const Reply& reply, std::string_view asked_host);

  // The master serving `slot`; nullptr when none does.
  const Endpoint* master(std::uint16_t slot) const;
  // After MOVED: `slot` is served by `endpoint` (added as a master if new).
  void assign(std::uint16_t slot, const Endpoint& endpoint);
  // Every master that serves a slot, each once, in the order first seen.
  std::vector<Endpoint> masters() const;
  // Every slot has a master.
  bool complete() const;
  bool operator==(const SlotTable& other) const;

 private:
  static constexpr std::uint16_t kNoMaster = 0xffff;
  std::uint16_t index_of(const Endpoint& endpoint);
  std::vector<Endpoint> nodes_;                                  // index -> master
  std::vector<std::uint16_t> owner_ = std::vector<std::uint16_t>(kSlotCount, kNoMaster);  // slot -> index
};

}  // namespace foilcache::redis

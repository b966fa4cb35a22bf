// Storage interface: knows nothing of HTTP routing or policy, only keys and entries.
// Keys passed in are rendered keys WITHOUT the Redis prefix; a store adds its prefix.
//
// Threading: each io thread owns its own Store object (made by a StoreFactory) and calls
// it only from that thread's io_context; implementations may share state between
// instances (MemoryStore shares one byte-bounded LRU). Coroutines resume on the caller's
// executor. No method throws: failures are reported as StoreStatus::kUnavailable.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "proxy/cache/entry.hpp"
#include "common/net.hpp"

namespace foilcache::cache {

enum class StoreStatus {
  kOk,           // get: entry found; put/del: done
  kNotFound,     // get/del: no such live entry
  kUnavailable,  // backend down, timed out or answered garbage: treat as a miss, count it
};

struct GetResult {
  StoreStatus status = StoreStatus::kNotFound;
  EntryPtr entry;  // set when status == kOk
  // The current generation of each tag passed to get(), in the same order (unset entries
  // count as generation 0); filled unless status == kUnavailable. A response fetched after
  // this lookup is stored with these generations (Entry::tags).
  std::vector<std::uint64_t> generations;
};

// The answer of Store::try_lock.
enum class LockResult {
  kAcquired,     // this caller fetches; it unlocks when done
  kBusy,         // another instance is fetching: wait for its entry
  kPass,         // the last fetch was not storable: go upstream without waiting
  kUnavailable,  // the backend failed: go upstream without waiting
};

// Named counters (the admin API's stats), shared by every instance on one backend.
using Counters = std::vector<std::pair<std::string, std::uint64_t>>;

// The answer of an admin operation over many keys.
struct CountResult {
  StoreStatus status = StoreStatus::kOk;  // kUnavailable: the backend failed part way
  std::uint64_t count = 0;                // keys counted or removed (so far, on failure)
};

class Store {
 public:
  virtual ~Store() = default;
  // Looks up `key` and the current generations of `tags` together (Redis: one pipelined
  // round trip of single-key commands). Never waits longer than the store's command timeout.
  // An entry is found (kOk) only while it is valid: its Entry::tags name exactly `tags`,
  // in order, each still at the generation recorded in the entry. An entry stored before
  // one of its tags was invalidated, or under other tags (a reloaded config), is kNotFound.
  // With `tags` empty (admin lookups) the entry is checked against its own recorded tags.
  virtual net::awaitable<GetResult> get(std::string key, std::span<const std::string> tags) = 0;
  net::awaitable<GetResult> get(std::string key) { return get(std::move(key), {}); }
  // Stores `entry` under `key`, kept for `keep` (>= entry->ttl_s; later: plus stale windows).
  virtual net::awaitable<StoreStatus> put(std::string key, EntryPtr entry,
                                          std::chrono::milliseconds keep) = 0;
  // Removes `key`.
  virtual net::awaitable<StoreStatus> del(std::string key) = 0;
  // Admin operations, never on the request path and never blocking the backend (Redis:
  // SCAN + UNLINK in bounded batches, no KEYS/FLUSHDB). `glob` matches rendered keys
  // (without the prefix) with fnmatch / Redis MATCH syntax; only keys under the store's
  // prefix are ever touched.
  // Removes the entries whose key matches `glob` ("*": every entry).
  virtual net::awaitable<CountResult> remove_matching(std::string glob) = 0;
  // Counts the live entries.
  virtual net::awaitable<CountResult> count() = 0;
  // Invalidates every entry stored under `tag` in O(1): bumps the tag's generation, so
  // every entry that recorded an older one stops being found (its memory is reclaimed by
  // TTL). Effective for every instance sharing the backend once this returns kOk.
  // `generation` (optional) receives the tag's new generation.
  virtual net::awaitable<StoreStatus> invalidate_tag(std::string tag, std::uint64_t* generation = nullptr) = 0;

  // The invalidation channel of the L1 tier (cache::L1): publish returns how many
  // subscribers received `message` (nullopt: unavailable, or no channel for this backend);
  // each receiver acknowledges the message id once it applied it.
  virtual net::awaitable<std::optional<std::int64_t>> publish(std::string message);
  virtual net::awaitable<void> acknowledge(std::string id);
  virtual net::awaitable<std::optional<std::int64_t>> acknowledgements(std::string id);

  // Cross-instance request coalescing: one upstream fetch per key among every instance
  // sharing the backend. try_lock takes the fetch lock of `key` for `ttl` under `token`
  // (unique per attempt); unlock releases it if still held under `token`, or with `pass`
  // marks the key as not storable for a moment so the waiters go upstream at once.
  // A backend serving one process (memory store) has no other instance: kAcquired, no-op.
  virtual net::awaitable<LockResult> try_lock(std::string key, std::string token, std::chrono::milliseconds ttl);
  virtual net::awaitable<void> unlock(std::string key, std::string token, bool pass);

  // Shared counters. shares_counters() is false when the backend serves this process
  // alone (memory store): its stats are then the process's own, and the calls below
  // answer kUnavailable / nullopt.
  virtual bool shares_counters() const { return false; }
  // Adds `deltas` to the shared counters.
  virtual net::awaitable<StoreStatus> add_counters(Counters deltas);
  // The shared counters' totals (absent ones omitted), or nullopt when unavailable.
  virtual net::awaitable<std::optional<Counters>> read_counters();
  // Zeroes the shared counters.
  virtual net::awaitable<StoreStatus> reset_counters();

  // True when the backend is believed reachable (cheap; no I/O).
  virtual bool available() const = 0;
  // True while a circuit breaker refuses commands (open or probing); cheap, any thread.
  virtual bool breaker_open() const { return false; }
  // "enabled" (Redis), "memory" (embedded) or "degraded" (Redis unreachable).
  virtual const char* mode() const = 0;
};

// True when `entry` recorded exactly `tags`, in order, each at the generation of the same
// index in `generations` (the validity rule of Store::get).
bool tags_current(const Entry& entry, std::span<const std::string> tags, std::span<const std::uint64_t> generations);

// Makes the per-thread Store of one io_context. Called once per io thread at start-up.
using StoreFactory = std::function<std::unique_ptr<Store>(net::io_context&)>;

}  // namespace foilcache::cache

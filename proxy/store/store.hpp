// Storage knows keys and entries, nothing of HTTP routing or policy (as Envoy's
// http_cache.h): one small interface every back-end implements (EntryStore), and the
// capabilities of a back-end shared by several instances (FetchLock, SharedCounters,
// InvalidationChannel), absent when this process is alone.
//
// Keys passed in are rendered keys WITHOUT the Redis prefix; a store adds its prefix.
// Threading: each io thread owns its own back-end objects (app::make_backend) and calls
// them only from that thread's io_context; implementations may share state between
// instances (MemoryStore shares one byte-bounded LRU). Coroutines resume on the caller's
// executor. No method throws: failures are reported as StoreStatus::kUnavailable.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/net.hpp"
#include "proxy/cache/entry.hpp"

namespace foilcache::store {

using cache::Entry;
using cache::EntryPtr;

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

// The answer of FetchLock::try_lock.
enum class LockResult {
  kAcquired,     // this caller fetches; it unlocks when done
  kBusy,         // another instance is fetching: wait for its entry
  kPass,         // the last fetch was not storable: go upstream without waiting
  kUnavailable,  // the backend failed: go upstream without waiting
};

// Named counters (the admin API's stats), shared by every instance on one backend.
using Counters = std::vector<std::pair<std::string, std::uint64_t>>;

// The answer of an operation over many keys.
struct CountResult {
  StoreStatus status = StoreStatus::kOk;  // kUnavailable: the backend failed part way
  std::uint64_t count = 0;                // keys counted or removed (so far, on failure)
};

// A back-end's state as health checks and metrics see it. Cheap to read, from any thread.
struct Health {
  bool available = true;      // believed reachable (no I/O to find out)
  bool breaker_open = false;  // a circuit breaker refuses commands (open or probing)
  const char* mode = "memory";  // "enabled" (Redis), "memory" (embedded), "degraded" (Redis unreachable)
};

class EntryStore {
 public:
  virtual ~EntryStore() = default;
  // Looks up `key` and the current generations of `tags` together (Redis: one pipelined
  // round trip of single-key commands). Never waits longer than the store's command timeout.
  // An entry is found (kOk) only while it is valid: its Entry::tags name exactly `tags`,
  // in order, each still at the generation recorded in the entry. An entry stored before
  // one of its tags was invalidated, or under other tags (a reloaded config), is kNotFound.
  // With `tags` empty (admin lookups) the entry is checked against its own recorded tags.
  virtual net::awaitable<GetResult> get(std::string key, std::span<const std::string> tags) = 0;
  // Stores `entry` under `key`, kept for `keep` (>= entry->ttl_s, plus stale windows);
  // `keep` <= 0 stores nothing and is kOk.
  virtual net::awaitable<StoreStatus> put(std::string key, EntryPtr entry, std::chrono::milliseconds keep) = 0;
  // Removes `key`: kOk when a live entry was removed, kNotFound when there was none.
  virtual net::awaitable<StoreStatus> del(std::string key) = 0;
  // Invalidates every entry stored under `tag` in O(1): bumps the tag's generation, so
  // every entry that recorded an older one stops being found (its memory is reclaimed by
  // TTL). Effective for every instance sharing the backend once this returns kOk.
  // `generation` (may be null) receives the tag's new generation.
  virtual net::awaitable<StoreStatus> invalidate_tag(std::string tag, std::uint64_t* generation) = 0;
  // Removes the entries whose rendered key matches `glob` (fnmatch / Redis MATCH syntax;
  // "*": every entry). Never blocks the backend (Redis: SCAN + UNLINK in bounded batches,
  // no KEYS/FLUSHDB); only keys under the store's prefix are ever touched.
  virtual net::awaitable<CountResult> remove_matching(std::string glob) = 0;
  // Counts the live entries (the same scan, without removing).
  virtual net::awaitable<CountResult> count() = 0;
  virtual Health health() const = 0;
};

// Cross-instance request coalescing: one upstream fetch per key among every instance
// sharing the backend (docs/ARCHITECTURE.md, "Coalescing").
class FetchLock {
 public:
  virtual ~FetchLock() = default;
  // Takes the fetch lock of `key` for `ttl` under `token` (unique per attempt).
  virtual net::awaitable<LockResult> try_lock(std::string key, std::string token, std::chrono::milliseconds ttl) = 0;
  // Releases the lock if still held under `token`; with `pass` it instead marks the key
  // as not storable for kPassMarkerLifetime, so the instances waiting for it go upstream at
  // once (try_lock answers kPass meanwhile).
  virtual net::awaitable<void> unlock(std::string key, std::string token, bool pass) = 0;

  // How long the mark unlock(..., pass = true) leaves stands.
  static constexpr std::chrono::milliseconds kPassMarkerLifetime{1000};
};

// The admin API's stats, summed over every instance sharing the backend.
class SharedCounters {
 public:
  virtual ~SharedCounters() = default;
  virtual net::awaitable<StoreStatus> add(Counters deltas) = 0;
  // The totals (absent ones omitted), or nullopt when unavailable.
  virtual net::awaitable<std::optional<Counters>> read() = 0;
  virtual net::awaitable<StoreStatus> reset() = 0;
};

// The channel that keeps every instance's L1 tier coherent (store::InvalidationBus).
class InvalidationChannel {
 public:
  virtual ~InvalidationChannel() = default;
  // How many subscribers received `message`; nullopt when unavailable.
  virtual net::awaitable<std::optional<std::int64_t>> publish(std::string message) = 0;
  // A receiver applied the message `id`.
  virtual net::awaitable<void> acknowledge(std::string id) = 0;
  // How many receivers acknowledged `id`; nullopt when unavailable.
  virtual net::awaitable<std::optional<std::int64_t>> acknowledgements(std::string id) = 0;
  // The back-end's epoch: a token kept with the data since the back-end last lost it (a
  // flush, a failover to an empty replica). Answers the token held, first storing
  // `candidate` when there is none; nullopt when unavailable.
  virtual net::awaitable<std::optional<std::string>> epoch(std::string candidate) = 0;
};

// One io thread's storage: the entries and, for a back-end shared by several instances,
// its capabilities (non-owning views into `entries`, or null when this process is alone).
struct Backend {
  std::unique_ptr<EntryStore> entries;
  FetchLock* lock = nullptr;
  SharedCounters* counters = nullptr;
  InvalidationChannel* channel = nullptr;
};

// True when `entry` recorded exactly `tags`, in order, each at the generation of the same
// index in `generations` (the validity rule of EntryStore::get).
bool tags_current(const Entry& entry, std::span<const std::string> tags, std::span<const std::uint64_t> generations);

// True when `entry` was fetched after every invalidation of `tags` at `generations` (what
// a lookup saw): each tag recorded at that generation or a later one. A coalesced request
// takes another's entry only then (no tags or generations known: nothing to check).
bool fetched_since(const Entry& entry, std::span<const std::string> tags, std::span<const std::uint64_t> generations);

// True when `entry` recorded exactly `tags`, in order, whatever their generations (an L1
// entry stored under a reloaded route's older tags is not used).
bool same_tags(const Entry& entry, std::span<const std::string> tags);

}  // namespace foilcache::store

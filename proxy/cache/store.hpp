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
#include <string>

#include "proxy/cache/entry.hpp"
#include "proxy/net.hpp"

namespace foilcache::cache {

enum class StoreStatus {
  kOk,           // get: entry found; put/del: done
  kNotFound,     // get/del: no such live entry
  kUnavailable,  // backend down, timed out or answered garbage: treat as a miss, count it
};

struct GetResult {
  StoreStatus status = StoreStatus::kNotFound;
  EntryPtr entry;  // set when status == kOk
};

// The answer of an admin operation over many keys.
struct CountResult {
  StoreStatus status = StoreStatus::kOk;  // kUnavailable: the backend failed part way
  std::uint64_t count = 0;                // keys counted or removed (so far, on failure)
};

class Store {
 public:
  virtual ~Store() = default;
  // Looks up `key`. Never waits longer than the store's command timeout.
  virtual net::awaitable<GetResult> get(std::string key) = 0;
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

  // True when the backend is believed reachable (cheap; no I/O).
  virtual bool available() const = 0;
  // "enabled" (Redis), "memory" (embedded) or "degraded" (Redis unreachable).
  virtual const char* mode() const = 0;
};

// Makes the per-thread Store of one io_context. Called once per io thread at start-up.
using StoreFactory = std::function<std::unique_ptr<Store>(net::io_context&)>;

}  // namespace foilcache::cache

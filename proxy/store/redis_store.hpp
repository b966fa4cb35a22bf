// The Redis back-end: entries, the fetch lock, the shared counters and the invalidation
// channel of every instance sharing one Redis. One RedisStore (and its redis::Client) per io thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "proxy/store/store.hpp"
#include "proxy/config/config.hpp"
#include "proxy/redis/client.hpp"

namespace foilcache::store {

// Every entry is `prefix + key`; values are encode_entry() bytes. foilcache's own
// bookkeeping lives beside them under `prefix + "@"`, which no rendered key can start with
// (the loader rejects '@' in key templates; substituted values escape it):
//   <prefix>@gen:<tag>  a tag's generation (INCR; no TTL: never evicted under volatile-*)
//   <prefix>@stats      the shared counters (a hash; HINCRBY)
//   <prefix>@lock:<key> the coalescing lock of an entry (SET NX PX GET; a token or "pass")
//   <prefix>@ack:<id>   how many instances applied an invalidation message (INCR, 10 s TTL)
//   <prefix>@epoch      a token written when the key is missing (SET NX GET; no TTL): a
//                       changed or missing one means Redis lost its data (InvalidationBus)
// and the pub/sub channel <prefix>@invalidate (store::InvalidationBus).
// Admin scans (clear, pattern, count) skip them. Every command names one key (a multi-key
// UNLINK of a scan batch is split per slot by the cluster client), so the layout works
// unchanged on a Redis Cluster: see docs/OPERATIONS.md, "Redis Cluster and Sentinel".
// - get: GET key pipelined with GET of each tag's generation (one round trip), then
//   decode_entry and the validity check of EntryStore::get. A value that does not decode
//   (another writer, an older format) is reported as kNotFound, not kUnavailable: the
//   caller refetches and the next put overwrites it; corrupt_entries() counts them.
// - invalidate_tag: INCR <prefix>@gen:<tag>.
// - put: SET key value PX keep (keep <= 0: nothing stored, kOk).
// - del: UNLINK (kOk if a key was removed, kNotFound otherwise); a key naming foilcache's
//   own (starting with '@') is never an entry: kNotFound, nothing touched.
// - any client error (not connected, timeout, lost connection) or error reply: kUnavailable.
// Threading: the client's io_context thread only (see redis::Client).
class RedisStore final : public EntryStore, public FetchLock, public SharedCounters, public InvalidationChannel {
 public:
  // Precondition: `client` runs on the io_context of the callers. Does not start it.
  RedisStore(std::shared_ptr<redis::Client> client, std::string prefix);

  net::awaitable<GetResult> get(std::string key, std::span<const std::string> tags) override;
  net::awaitable<StoreStatus> put(std::string key, EntryPtr entry, std::chrono::milliseconds keep) override;
  net::awaitable<StoreStatus> del(std::string key) override;
  // SCAN MATCH <prefix><glob> in batches of kScanBatch on every data node (each master of a
  // cluster); remove_matching UNLINKs each batch.
  net::awaitable<CountResult> remove_matching(std::string glob) override;
  net::awaitable<CountResult> count() override;
  net::awaitable<StoreStatus> invalidate_tag(std::string tag, std::uint64_t* generation) override;
  net::awaitable<std::optional<std::int64_t>> publish(std::string message) override;
  net::awaitable<void> acknowledge(std::string id) override;
  net::awaitable<std::optional<std::int64_t>> acknowledgements(std::string id) override;
  // SET <prefix>@epoch candidate NX GET: the token held, or `candidate` if there was none.
  net::awaitable<std::optional<std::string>> epoch(std::string candidate) override;
  // The invalidation channel: <prefix>@invalidate.
  std::string channel() const { return prefix_ + "@invalidate"; }
  net::awaitable<LockResult> try_lock(std::string key, std::string token, std::chrono::milliseconds ttl) override;
  net::awaitable<void> unlock(std::string key, std::string token, bool pass) override;
  // The shared counters: HINCRBY / HGETALL / UNLINK of <prefix>@stats.
  net::awaitable<StoreStatus> add(Counters deltas) override;
  net::awaitable<std::optional<Counters>> read() override;
  net::awaitable<StoreStatus> reset() override;
  // "enabled" while connected, "degraded" otherwise.
  Health health() const override;

  // The underlying client (for admin commands such as SCAN) and the key prefix.
  redis::Client& client() { return *client_; }
  const std::string& prefix() const { return prefix_; }
  // Values under the prefix that failed to decode, since construction.
  std::uint64_t corrupt_entries() const { return corrupt_entries_.load(std::memory_order_relaxed); }

 private:
  static constexpr const char* kScanBatch = "1000";  // keys per SCAN step: each stays short
  std::string full_key(std::string_view key) const;
  std::string generation_key(std::string_view tag) const;
  // Current generations of `tags` (one pipelined round trip); nullopt when unavailable.
  net::awaitable<std::optional<std::vector<std::uint64_t>>> generations(std::span<const std::string> tags);
  net::awaitable<CountResult> scan(const std::string& glob, bool remove);
  net::awaitable<CountResult> scan_node(const std::string& node, const std::string& glob, bool remove);

  std::shared_ptr<redis::Client> client_;
  std::string prefix_;
  std::string stats_key_;
  std::atomic<std::uint64_t> corrupt_entries_{0};
};

}  // namespace foilcache::store

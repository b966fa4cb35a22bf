// L1 coherence across replicas, in one place. Every invalidation is applied to this
// process's L1 at once and published on the channel; every instance's subscriber applies
// what it hears and acknowledges it; the publisher waits, bounded by l1.max_staleness, for
// every acknowledgement. Each instance publishes a heartbeat every max_staleness / 4 so
// every L1 can tell it still hears the channel (store::L1 trusts itself only then).
//
// Store data loss (FLUSHALL, failover to an empty replica) restarts the generations below
// what the L1s heard, so tag invalidations would stop reaching them: every heartbeat and
// every broadcast first reads the store's epoch (InvalidationChannel::epoch), an L1 that
// sees another one empties itself (L1::observe_epoch), and every message carries the
// sender's epoch so the receivers that have not noticed yet do the same before they
// acknowledge.
//
// Threading: one bus per io thread, used on that thread; the L1 is shared (thread-safe).
#pragma once

#include <atomic>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/net.hpp"
#include "proxy/config/config.hpp"
#include "proxy/store/invalidation.hpp"
#include "proxy/store/l1.hpp"
#include "proxy/store/store.hpp"

namespace foilcache::store {

class InvalidationBus {
 public:
  // `l1` (null: memory mode or l1 off) and `channel` (null: this process is alone) must
  // outlive the bus; `instance_id` names this process in message ids.
  InvalidationBus(net::any_io_executor executor, L1* l1, InvalidationChannel* channel, std::string instance_id,
                  config::Duration max_staleness, const common::Clock& clock);

  // Applies `message` here, publishes it with a fresh id and waits, bounded by
  // max_staleness, until every subscriber acknowledged it: when it returns, no replica
  // serves what was invalidated (one that did not hear it stops trusting its L1 by then).
  net::awaitable<void> broadcast(Invalidation message);

  // Reads the store's epoch and lets the L1 compare it with the last one seen.
  net::awaitable<void> check_epoch();

  // Empties this process's L1 without telling anyone: an invalidation that could not reach
  // the store has no generation to publish, but this replica at least serves nothing it
  // covered.
  void clear_here();

  // The subscriber side (on this bus's thread): a message heard on the channel. Anything
  // that does not decode is dropped; a heartbeat only proves the channel is heard.
  void on_message(std::string_view payload);
  // (Re)subscribed: what was sent meanwhile is lost, so the L1 is emptied.
  void on_resubscribed();

  // Publishes a heartbeat every max_staleness / 4 until `stop` is set.
  net::awaitable<void> heartbeat(const std::atomic<bool>& stop);

  // A reloaded l1.max_staleness (the ack wait and the heartbeat use the current value).
  void set_max_staleness(config::Duration max_staleness) { max_staleness_ = max_staleness; }

 private:
  // `id` with "@<epoch>" appended when the L1 knows the store's epoch.
  std::string stamped(std::string id) const;

  net::any_io_executor executor_;
  L1* l1_;
  InvalidationChannel* channel_;
  std::string instance_id_;
  config::Duration max_staleness_;
  const common::Clock& clock_;
};

}  // namespace foilcache::store

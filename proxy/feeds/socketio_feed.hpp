// The app's Socket.IO feed (INTERFACE.md "Additions (v2)": feeds.socketio): a subscription on
// the app's own Redis (its REDIS_URL: subscribe only, nothing is ever written there) whose
// messages go
//   parse_socketio_message -> map_message (the `events:` map, as the webhook's)
//   -> EventPlan (bursts coalesced, resyncs after outages, retries)
//   -> claim_event (one replica of N does the Redis work) -> store::Invalidator
// The connection reconnects with RedisClient's bounded, jittered back-off. Pickles and
// malformed messages are counted and logged at most once a minute; the URL is logged masked.
//
// Threading: one feed per process, on one worker's io thread: every member function and
// callback runs there. Destroy it on that thread, or once its io_context stopped running.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/clock.hpp"
#include "common/net.hpp"
#include "proxy/config/config.hpp"
#include "proxy/feeds/event_plan.hpp"
#include "proxy/log/log_throttle.hpp"
#include "proxy/metrics/metrics.hpp"
#include "proxy/redis/redis_client.hpp"
#include "proxy/store/invalidator.hpp"
#include "proxy/store/store.hpp"

namespace foilcache::feeds {

class SocketIoFeed {
 public:
  // `invalidator` and `lock` (null: no other replica shares the store) belong to `ioc`'s
  // worker; they, `clock` and `metrics` (may be null) must outlive the feed. Does no I/O.
  SocketIoFeed(net::io_context& ioc, store::Invalidator& invalidator, store::FetchLock* lock,
               const common::Clock& clock, metrics::Metrics* metrics);
  ~SocketIoFeed();
  SocketIoFeed(const SocketIoFeed&) = delete;
  SocketIoFeed& operator=(const SocketIoFeed&) = delete;

  // Takes `config`'s `events:` map and feeds.socketio: the map and windows apply from the
  // next message on; a new url or channel closes the subscription and opens the new one (an
  // empty url turns the feed off).
  void apply(std::shared_ptr<const config::Config> config);
  // Closes the subscription (the feed is off until the next apply with a new url). Idempotent.
  void stop();

  // True while subscribed (the server confirmed the SUBSCRIBE).
  bool subscribed() const { return subscribed_; }

 private:
  void open(const config::RedisConfig& redis);
  void close();
  Now now() const { return Now{clock_.steady_now(), clock_.system_now()}; }
  void wake() { timer_.cancel(); }

  // The client's callbacks, posted to the io thread (late ones of a closed client dropped).
  void on_message(const std::string& bytes);
  void on_subscribed();
  void on_lost();
  void log_dropped(metrics::AppEventResult result, const char* why);

  // Hands out what the planner has due, until the feed is off.
  net::awaitable<void> run();
  void launch(Batch&& batch);
  // Claims `batch` (when it has a claim and the store is shared), invalidates, reports.
  net::awaitable<void> apply_batch(Batch batch);
  void report(const Batch& batch, metrics::AppEventResult result);

  net::io_context& ioc_;
  store::Invalidator& invalidator_;
  store::FetchLock* lock_;
  const common::Clock& clock_;
  metrics::Metrics* metrics_;
  std::shared_ptr<const config::Config> config_;
  std::string url_;      // the subscription's, as configured (never logged: masked_url())
  std::string channel_;
  std::shared_ptr<redis::RedisClient> client_;  // null: the feed is off
  std::uint64_t generation_ = 0;  // bumped per client: callbacks of a closed one are dropped
  bool subscribed_ = false;
  bool running_ = false;          // run() is under way
  EventPlan plan_;
  net::steady_timer timer_;       // run()'s wait for the planner's next deadline
  log::LogThrottle pickle_log_;
  log::LogThrottle malformed_log_;
  log::LogThrottle failure_log_;
  // Expires with the feed: posted callbacks and suspended coroutines check it after resuming.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace foilcache::feeds

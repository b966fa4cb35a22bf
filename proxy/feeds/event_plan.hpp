// When the feed invalidates, decided without I/O (the times are given).
//
// Bursts (feeds.socketio.burst_window): a mapped event that comes a quiet window after the
// last application is applied at once; the ones that follow within burst_window of an
// application are merged (the union of their tags) and applied together when the window
// ends. So a tag is invalidated at most once per window however many events come, and a
// burst shorter than the window costs two invalidations: a flood of events cannot become a
// miss storm on the app.
//
// Outages: every (re)subscription is a resync (every tag `events:` names, at once), since
// whatever was published before it is lost to this replica; and while the feed is down,
// one at each multiple of max_staleness of the wall clock, so a missed event costs at most
// max_staleness of staleness. The periods are aligned to the wall clock so that the replicas
// down at the same time claim the same period (event_claim.hpp) and only one invalidates.
//
// Failures: tags the store could not invalidate are tried again, on their own, with the
// back-off of a Redis reconnect (redis.reconnect_min, doubling per failed retry up to
// max_staleness / 4), until the store takes them. (At start-up the feed often subscribes
// before foilcache's own Redis connection is up: its first resync is retried at once.)
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "proxy/config/config.hpp"

namespace foilcache::feeds {

// Both clocks at one instant: bursts and deadlines run on steady time, periods on wall time.
struct Now {
  std::chrono::steady_clock::time_point steady;
  std::chrono::system_clock::time_point system;
};

// Invalidations to make, as the planner hands them out.
struct Batch {
  enum class Kind : std::uint8_t {
    kEvents,      // mapped events (one, or a burst merged)
    kSubscribed,  // a (re)subscription's resync
    kDown,        // a period passed while the feed was down
    kRetry,       // tags the store failed to invalidate before
  };
  Kind kind = Kind::kEvents;
  // The claim in the store that dedupes the batch across replicas: kEvents
  // "@event:<sha-256 of its first message>", kDown "@feed-down:<period>:<max_staleness ms>";
  // empty: not claimed (a resync or a retry is this replica's own business).
  std::string claim;
  std::vector<std::string> tags;  // sorted, each once
  // kEvents: how many messages of each metric label were merged in.
  std::vector<std::pair<std::string, std::uint64_t>> events;
  // kRetry: the resyncs (kSubscribed, kDown; each once) among the failed batches whose tags
  // it carries: they are reported done when it succeeds.
  std::vector<Kind> retried;
};

// The planner's durations, from feeds.socketio.
struct PlanTimes {
  config::Duration burst_window{250};
  config::Duration max_staleness{30'000};
  config::Duration retry_min{100};  // the first retry's wait (redis.reconnect_min)
};
PlanTimes plan_times(const config::SocketIoFeedConfig& feed);

class EventPlan {
 public:
  explicit EventPlan(PlanTimes times);
  // A reloaded config: the next windows, periods and retries use these.
  void set_times(PlanTimes times);

  // A mapped message heard at `now`, with its claim key, metric label and tags: the batch to
  // apply at once, or nullopt when it was merged into the pending one.
  std::optional<Batch> on_event(std::string claim, std::string label, std::span<const std::string> tags, Now now);
  // (Re)subscribed: the resync of `all_tags` (config::all_event_tags).
  Batch on_subscribed(std::vector<std::string> all_tags) const;
  // `batch` could not be invalidated: its tags join the retry (a failed retry doubles the
  // wait before the next).
  void on_failed(const Batch& batch, Now now);
  // `batch` was invalidated (a retry that worked resets the retry's wait).
  void on_invalidated(const Batch& batch);

  // What is due at `now`: the pending burst at its window's end, the retry, and at a period
  // boundary a kDown resync of `all_tags` when `down`.
  std::vector<Batch> due(Now now, bool down, const std::vector<std::string>& all_tags);
  // When due() next has something to hand out (a period boundary at the latest).
  std::chrono::steady_clock::time_point next_due(Now now) const;
  // How long failed tags wait now before they are tried again.
  config::Duration retry_interval() const { return retry_delay_; }

 private:
  std::chrono::system_clock::time_point period_after(std::chrono::system_clock::time_point t) const;

  config::Duration retry_cap() const;

  PlanTimes times_;
  std::optional<std::chrono::steady_clock::time_point> last_applied_;
  std::optional<Batch> pending_;
  std::chrono::steady_clock::time_point pending_due_{};
  std::vector<std::string> retry_tags_;
  std::vector<Batch::Kind> retry_kinds_;
  std::optional<std::chrono::steady_clock::time_point> retry_due_;
  config::Duration retry_delay_;
  std::optional<std::chrono::system_clock::time_point> next_period_;
};

}  // namespace foilcache::feeds

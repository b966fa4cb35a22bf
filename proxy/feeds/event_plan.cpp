#include "proxy/feeds/event_plan.hpp"

#include <algorithm>
#include <string_view>

namespace foilcache::feeds {
namespace {

using std::chrono::milliseconds;
using SystemTime = std::chrono::system_clock::time_point;
using SteadyTime = std::chrono::steady_clock::time_point;

constexpr std::string_view kDownClaimPrefix = "@feed-down:";
// The retry's wait grows to a quarter of max_staleness at most, so failed tags still land
// within the bound the outage rule promises once the store is back.
constexpr int kRetriesPerBound = 4;

// Durations the arithmetic below divides by are at least a millisecond.
config::Duration positive(config::Duration d) { return std::max(d, config::Duration(1)); }

void merge_tags(std::vector<std::string>& into, std::span<const std::string> tags) {
  into.insert(into.end(), tags.begin(), tags.end());
  std::sort(into.begin(), into.end());
  into.erase(std::unique(into.begin(), into.end()), into.end());
}

void count_label(Batch& batch, std::string label) {
  for (auto& [name, count] : batch.events) {
    if (name == label) {
      ++count;
      return;
    }
  }
  batch.events.emplace_back(std::move(label), 1);
}

std::int64_t unix_ms(SystemTime t) { return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count(); }

}  // namespace

PlanTimes plan_times(const config::SocketIoFeedConfig& feed) {
  return PlanTimes{feed.burst_window, feed.max_staleness, feed.redis.reconnect_min};
}

EventPlan::EventPlan(PlanTimes times) { set_times(times); }

void EventPlan::set_times(PlanTimes times) {
  times_ = times;
  times_.max_staleness = positive(times.max_staleness);
  times_.retry_min = std::min(positive(times.retry_min), retry_cap());
  retry_delay_ = times_.retry_min;
}

config::Duration EventPlan::retry_cap() const { return positive(times_.max_staleness / kRetriesPerBound); }

std::optional<Batch> EventPlan::on_event(std::string claim, std::string label, std::span<const std::string> tags,
                                         Now now) {
  if (pending_) {
    merge_tags(pending_->tags, tags);
    count_label(*pending_, std::move(label));
    return std::nullopt;
  }
  Batch batch{Batch::Kind::kEvents, std::move(claim), {}, {}, {}};
  merge_tags(batch.tags, tags);
  count_label(batch, std::move(label));
  if (!last_applied_ || now.steady - *last_applied_ >= times_.burst_window) {
    last_applied_ = now.steady;
    return batch;
  }
  pending_due_ = *last_applied_ + times_.burst_window;
  pending_ = std::move(batch);
  return std::nullopt;
}

Batch EventPlan::on_subscribed(std::vector<std::string> all_tags) const {
  return Batch{Batch::Kind::kSubscribed, {}, std::move(all_tags), {}, {}};
}

void EventPlan::on_failed(const Batch& batch, Now now) {
  merge_tags(retry_tags_, batch.tags);
  // The resyncs a retry completes, each kind once: one invalidation does them all.
  const auto carry = [this](Batch::Kind kind) {
    const bool resync = kind == Batch::Kind::kSubscribed || kind == Batch::Kind::kDown;
    if (resync && std::find(retry_kinds_.begin(), retry_kinds_.end(), kind) == retry_kinds_.end()) {
      retry_kinds_.push_back(kind);
    }
  };
  if (batch.kind == Batch::Kind::kRetry) {
    for (const Batch::Kind kind : batch.retried) carry(kind);
    retry_delay_ = std::min(retry_delay_ * 2, retry_cap());
  } else {
    carry(batch.kind);
  }
  if (!retry_due_) retry_due_ = now.steady + retry_delay_;
}

void EventPlan::on_invalidated(const Batch& batch) {
  if (batch.kind == Batch::Kind::kRetry) retry_delay_ = times_.retry_min;
}

SystemTime EventPlan::period_after(SystemTime t) const {
  const std::int64_t period = times_.max_staleness.count();
  return SystemTime(milliseconds((unix_ms(t) / period + 1) * period));
}

std::vector<Batch> EventPlan::due(Now now, bool down, const std::vector<std::string>& all_tags) {
  std::vector<Batch> out;
  if (pending_ && now.steady >= pending_due_) {
    last_applied_ = now.steady;
    out.push_back(std::move(*pending_));
    pending_.reset();
  }
  if (retry_due_ && now.steady >= *retry_due_) {
    out.push_back(Batch{Batch::Kind::kRetry, {}, std::move(retry_tags_), {}, std::move(retry_kinds_)});
    retry_tags_.clear();
    retry_kinds_.clear();
    retry_due_.reset();
  }
  // Set at the first call; and again when the wall clock stepped back over a period.
  const std::int64_t period_ms = times_.max_staleness.count();
  if (!next_period_ || *next_period_ - now.system > times_.max_staleness) {
    next_period_ = period_after(now.system);
  } else if (now.system >= *next_period_) {
    if (down && !all_tags.empty()) {
      std::string claim = std::string(kDownClaimPrefix) + std::to_string(unix_ms(now.system) / period_ms) + ":" +
                          std::to_string(period_ms);
      out.push_back(Batch{Batch::Kind::kDown, std::move(claim), all_tags, {}, {}});
    }
    next_period_ = period_after(now.system);
  }
  return out;
}

SteadyTime EventPlan::next_due(Now now) const {
  SteadyTime at = SteadyTime::max();
  if (pending_) at = std::min(at, pending_due_);
  if (retry_due_) at = std::min(at, *retry_due_);
  const SystemTime period = next_period_ ? *next_period_ : period_after(now.system);
  const auto until_period = std::max(period - now.system, SystemTime::duration::zero());
  return std::min(at, now.steady + std::chrono::duration_cast<SteadyTime::duration>(until_period));
}

}  // namespace foilcache::feeds

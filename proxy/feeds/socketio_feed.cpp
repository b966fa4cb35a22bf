#include "proxy/feeds/socketio_feed.hpp"

#include <algorithm>
#include <utility>

#include "common/hex.hpp"
#include "proxy/config/event_rules.hpp"
#include "proxy/feeds/event_claim.hpp"
#include "proxy/feeds/event_mapping.hpp"
#include "proxy/feeds/socketio_message.hpp"
#include "proxy/log/log.hpp"

namespace foilcache::feeds {
namespace {

using metrics::AppEventResult;

// A recurring warning (pickles, malformed messages, a failing store) is logged this often.
constexpr std::chrono::minutes kWarnEvery{1};
constexpr std::size_t kTokenDigits = 16;  // a claim's token: unique per attempt
constexpr std::string_view kLogPrefix = "feeds.socketio: ";

std::string joined(const std::vector<std::string>& tags) {
  std::string out;
  for (const auto& tag : tags) out += (out.empty() ? "" : ", ") + tag;
  return "[" + out + "]";
}

// "30s", "250ms": a config duration as the operator wrote it.
std::string duration_text(config::Duration d) {
  return d.count() % 1000 == 0 ? std::to_string(d.count() / 1000) + "s" : std::to_string(d.count()) + "ms";
}

}  // namespace

SocketIoFeed::SocketIoFeed(net::io_context& ioc, store::Invalidator& invalidator, store::FetchLock* lock,
                           const common::Clock& clock, metrics::Metrics* metrics)
    : ioc_(ioc),
      invalidator_(invalidator),
      lock_(lock),
      clock_(clock),
      metrics_(metrics),
      plan_(plan_times(config::SocketIoFeedConfig{})),
      timer_(ioc),
      pickle_log_(kWarnEvery),
      malformed_log_(kWarnEvery),
      failure_log_(kWarnEvery) {}

SocketIoFeed::~SocketIoFeed() { stop(); }

void SocketIoFeed::apply(std::shared_ptr<const config::Config> config) {
  config_ = std::move(config);
  const auto& feed = config_->feeds.socketio;
  plan_.set_times(plan_times(feed));
  if (feed.url == url_ && feed.channel == channel_) return;
  close();
  url_ = feed.url;
  channel_ = feed.channel;
  if (!url_.empty()) open(feed.redis);
}

void SocketIoFeed::stop() {
  close();
  url_.clear();
}

void SocketIoFeed::open(const config::RedisConfig& redis) {
  const auto log_line = [](redis::LogLevel level, std::string_view line) {
    const std::string text = std::string(kLogPrefix) + std::string(line);
    level == redis::LogLevel::kWarn ? log::warn(text) : log::info(text);
  };
  client_ = std::make_shared<redis::RedisClient>(ioc_, redis, log_line);
  const std::uint64_t generation = ++generation_;
  // hiredis calls these inside its callbacks: copy what is needed and post the rest.
  const auto post = [this, generation, alive = std::weak_ptr<int>(alive_)](auto handle) {
    net::post(ioc_, [this, generation, alive, handle = std::move(handle)]() mutable {
      if (!alive.expired() && generation == generation_) handle();
    });
  };
  client_->subscribe(
      channel_,
      [this, post](std::string_view payload) {
        // Past the bound, the excess is not copied: the parser drops it as too large anyway.
        std::string bytes(payload.substr(0, kMaxMessageBytes + 1));
        post([this, bytes = std::move(bytes)] { on_message(bytes); });
      },
      [this, post] { post([this] { on_subscribed(); }); }, [this, post] { post([this] { on_lost(); }); });
  client_->start();
  log::info(std::string(kLogPrefix) + "subscribing to '" + channel_ + "' on " + redis.masked_url());
  if (metrics_) metrics_->set_app_feed_up(false);
  if (!running_) {
    running_ = true;
    net::co_spawn(ioc_, run(), net::detached);
  }
  wake();
}

void SocketIoFeed::close() {
  if (!client_) return;
  ++generation_;  // what the old client still posts is dropped
  client_->stop();
  client_.reset();
  subscribed_ = false;
  if (metrics_) metrics_->set_app_feed_up(false);
  log::info(std::string(kLogPrefix) + "closed the subscription to '" + channel_ + "'");
  wake();
}

void SocketIoFeed::on_message(const std::string& bytes) {
  const SocketIoMessage message = parse_socketio_message(bytes);
  MessageVerdict verdict = map_message(message, config_->events);
  if (verdict.result) {
    if (metrics_) metrics_->count_app_event(verdict.label, *verdict.result);
    const auto* malformed = std::get_if<Malformed>(&message);
    log_dropped(*verdict.result, malformed ? malformed->why : "");
    return;
  }
  auto batch = plan_.on_event(event_claim_key(bytes), std::move(verdict.label), verdict.tags, now());
  if (batch) launch(std::move(*batch));
  wake();  // a burst's window end may come before the timer's deadline
}

void SocketIoFeed::log_dropped(AppEventResult result, const char* why) {
  if (result == AppEventResult::kPickle) {
    if (const auto n = pickle_log_.occur(clock_.steady_now())) {
      log::warn(std::string(kLogPrefix) +
                "the app's python-socketio publishes pickle (before 5.14, CVE-2025-61765): upgrade python-socketio "
                "to ≥ 5.14 (5.15.1+ recommended); these messages are dropped (" + std::to_string(n) +
                " since the last report, never unpickled)");
    }
  } else if (result == AppEventResult::kMalformed) {
    if (const auto n = malformed_log_.occur(clock_.steady_now())) {
      log::warn(std::string(kLogPrefix) + "dropped " + std::to_string(n) + " malformed message(s) on '" + channel_ +
                "' (the last: " + why + ")");
    }
  }
}

void SocketIoFeed::on_subscribed() {
  subscribed_ = true;
  if (metrics_) metrics_->set_app_feed_up(true);
  log::info(std::string(kLogPrefix) + "subscribed to '" + channel_ + "'");
  // What was published before now is lost to this replica: every mapped tag goes.
  auto tags = config::all_event_tags(config_->events);
  if (!tags.empty()) launch(plan_.on_subscribed(std::move(tags)));
  wake();
}

void SocketIoFeed::on_lost() {
  if (!subscribed_) return;
  subscribed_ = false;
  if (metrics_) metrics_->set_app_feed_up(false);
  log::warn(std::string(kLogPrefix) + "lost '" + channel_ + "': every tag of `events:` is invalidated every " +
            duration_text(config_->feeds.socketio.max_staleness) + " until it is back");
  wake();
}

net::awaitable<void> SocketIoFeed::run() {
  const std::weak_ptr<int> alive = alive_;
  while (client_) {
    const Now at = now();
    timer_.expires_after(std::max(plan_.next_due(at) - at.steady, std::chrono::steady_clock::duration::zero()));
    co_await timer_.async_wait(kNoThrow);
    if (alive.expired()) co_return;
    if (!client_) break;
    const auto all_tags = config::all_event_tags(config_->events);
    for (Batch& batch : plan_.due(now(), !subscribed_, all_tags)) launch(std::move(batch));
  }
  running_ = false;
}

void SocketIoFeed::launch(Batch&& batch) {
  Batch owned = std::move(batch);  // a named local: GCC 12 and by-value coroutine arguments
  net::co_spawn(ioc_, apply_batch(std::move(owned)), net::detached);
}

net::awaitable<void> SocketIoFeed::apply_batch(Batch batch) {
  const std::weak_ptr<int> alive = alive_;
  const config::Duration ttl = config_->feeds.socketio.max_staleness;
  Claimed claimed{true, false, false};
  const std::string token = common::random_hex(kTokenDigits);
  if (lock_ != nullptr && !batch.claim.empty()) {
    std::string key = batch.claim;
    std::string attempt = token;
    if (batch.kind == Batch::Kind::kEvents) {
      claimed = co_await claim_event(*lock_, std::move(key), std::move(attempt), ttl, kRecheck, clock_);
    } else {
      // A period's claim lasts the period: left to expire, it answers every later replica.
      claimed.apply = period_step(co_await lock_->try_lock(std::move(key), std::move(attempt), ttl)) ==
                      ClaimStep::kApply;
    }
    if (alive.expired()) co_return;
  }
  if (!claimed.apply) {
    report(batch, AppEventResult::kDeduplicated);
    co_return;
  }
  if (claimed.took_over) log::info(std::string(kLogPrefix) + "took over an event whose claim expired unfinished");
  const bool invalidated = co_await invalidator_.tags(batch.tags);
  if (alive.expired()) co_return;
  if (claimed.acquired && batch.kind == Batch::Kind::kEvents) {
    std::string key = batch.claim;
    std::string attempt = token;
    co_await finish_event_claim(*lock_, std::move(key), std::move(attempt), invalidated);
    if (alive.expired()) co_return;
  }
  if (invalidated) {
    plan_.on_invalidated(batch);
  } else {
    plan_.on_failed(batch, now());
    wake();
  }
  report(batch, invalidated ? AppEventResult::kApplied : AppEventResult::kFailed);
}

void SocketIoFeed::report(const Batch& batch, AppEventResult result) {
  if (result == AppEventResult::kFailed && failure_log_.occur(clock_.steady_now()) > 0) {
    log::warn(std::string(kLogPrefix) + "the store could not invalidate " + joined(batch.tags) +
              "; trying again every " + duration_text(plan_.retry_interval()));
  }
  if (metrics_ == nullptr) return;
  for (const auto& [label, count] : batch.events) metrics_->count_app_event(label, result, count);
  if (result != AppEventResult::kApplied) return;
  // A resync is done once its tags are invalidated, by itself or by the retry carrying them.
  const auto count_resync = [this](Batch::Kind kind) {
    if (kind == Batch::Kind::kSubscribed) metrics_->count_app_feed_resync(metrics::FeedResync::kSubscribed);
    if (kind == Batch::Kind::kDown) metrics_->count_app_feed_resync(metrics::FeedResync::kDown);
  };
  count_resync(batch.kind);
  for (const Batch::Kind kind : batch.retried) count_resync(kind);
}

}  // namespace foilcache::feeds

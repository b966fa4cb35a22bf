#include "proxy/store/invalidation_bus.hpp"

#include "common/hex.hpp"

namespace foilcache::store {
namespace {

// How often a broadcast asks how many receivers acknowledged it.
constexpr auto kAckPoll = std::chrono::milliseconds(1);
// Heartbeats per max_staleness: a few may be lost before an L1 stops trusting itself.
constexpr int kHeartbeatsPerBound = 4;
// Hex digits of an epoch token (64 bits: two instances never pick the same).
constexpr std::size_t kEpochDigits = 16;

// Message ids: "<instance>:<sequence>", the sequence shared by every io thread.
std::atomic<std::uint64_t> g_sequence{0};

}  // namespace

InvalidationBus::InvalidationBus(net::any_io_executor executor, L1* l1, InvalidationChannel* channel,
                                 std::string instance_id, config::Duration max_staleness,
                                 const common::Clock& clock)
    : executor_(std::move(executor)),
      l1_(l1),
      channel_(channel),
      instance_id_(std::move(instance_id)),
      max_staleness_(max_staleness),
      clock_(clock) {}

net::awaitable<void> InvalidationBus::check_epoch() {
  if (l1_ == nullptr || channel_ == nullptr) co_return;
  std::string candidate = common::random_hex(kEpochDigits);  // a named local (GCC 12)
  const auto epoch = co_await channel_->epoch(std::move(candidate));
  if (epoch) l1_->observe_epoch(*epoch);
}

std::string InvalidationBus::stamped(std::string id) const {
  if (l1_ == nullptr) return id;
  const std::string epoch = l1_->epoch();
  if (!epoch.empty()) id.append("@").append(epoch);
  return id;
}

net::awaitable<void> InvalidationBus::broadcast(Invalidation message) {
  // Before the message is applied: after a data loss its generation is lower than those this
  // L1 heard, and would change nothing here; the check empties the L1 instead, and the
  // epoch in the id makes every receiver that has not noticed yet do the same.
  co_await check_epoch();
  if (l1_) l1_->apply(message);
  if (channel_ == nullptr) co_return;
  message.id = stamped(instance_id_ + ":" + std::to_string(g_sequence.fetch_add(1) + 1));
  std::string text = message.encode();  // a named local: GCC 12 and by-value coroutine arguments
  const auto receivers = co_await channel_->publish(std::move(text));
  if (!receivers || *receivers <= 0) co_return;
  const auto deadline = clock_.steady_now() + max_staleness_;
  net::steady_timer timer(executor_);
  for (;;) {
    const auto acknowledged = co_await channel_->acknowledgements(message.id);
    if (!acknowledged || *acknowledged >= *receivers || clock_.steady_now() >= deadline) co_return;
    timer.expires_after(kAckPoll);
    co_await timer.async_wait(kNoThrow);
  }
}

void InvalidationBus::on_message(std::string_view payload) {
  const auto message = Invalidation::decode(payload);
  if (!message || l1_ == nullptr) return;
  if (const auto epoch = message->epoch(); !epoch.empty()) l1_->observe_epoch(epoch);
  l1_->heard();
  if (message->kind == Invalidation::Kind::kHeartbeat) return;
  l1_->apply(*message);
  if (!message->id.empty() && channel_ != nullptr) {
    net::co_spawn(executor_, channel_->acknowledge(message->id), net::detached);
  }
}

void InvalidationBus::clear_here() {
  if (l1_ == nullptr) return;
  Invalidation clear;
  clear.kind = Invalidation::Kind::kClear;
  l1_->apply(clear);
}

void InvalidationBus::on_resubscribed() {
  if (l1_) l1_->resubscribed();
}

net::awaitable<void> InvalidationBus::heartbeat(const std::atomic<bool>& stop) {
  if (channel_ == nullptr) co_return;
  net::steady_timer timer(executor_);
  while (!stop.load()) {
    // Each beat also checks the store's epoch: an instance that invalidates nothing still
    // notices a data loss within a beat, and tells the others in its heartbeat.
    co_await check_epoch();
    Invalidation beat;
    beat.id = stamped("-");
    std::string message = beat.encode();
    co_await channel_->publish(std::move(message));
    timer.expires_after(max_staleness_ / kHeartbeatsPerBound);
    co_await timer.async_wait(kNoThrow);
  }
}

}  // namespace foilcache::store

#include "proxy/store/invalidation_bus.hpp"

namespace foilcache::store {
namespace {

// How often a broadcast asks how many receivers acknowledged it.
constexpr auto kAckPoll = std::chrono::milliseconds(1);
// Heartbeats per max_staleness: a few may be lost before an L1 stops trusting itself.
constexpr int kHeartbeatsPerBound = 4;

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

net::awaitable<void> InvalidationBus::broadcast(Invalidation message) {
  if (l1_) l1_->apply(message);
  if (channel_ == nullptr) co_return;
  message.id = instance_id_ + ":" + std::to_string(g_sequence.fetch_add(1) + 1);
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
  const std::string beat = Invalidation{}.encode();
  while (!stop.load()) {
    std::string message = beat;
    co_await channel_->publish(std::move(message));
    timer.expires_after(max_staleness_ / kHeartbeatsPerBound);
    co_await timer.async_wait(kNoThrow);
  }
}

}  // namespace foilcache::store

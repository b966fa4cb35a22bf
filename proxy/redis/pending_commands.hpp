// The commands in flight on one connection whose completion has not run yet, as an intrusive
// FIFO: linking and unlinking allocate nothing, and a command leaves the list in O(1) when its
// reply, its timeout or the end of the connection comes first, in any order.
//
// Threading: the client's io thread only; no locks.
#pragma once

#include <chrono>
#include <cstddef>

namespace foilcache::redis {

// The links and the deadline a command needs to sit in PendingCommands. A command type derives
// from PendingHook<itself> (the list hands back the command, not the hook).
template <typename Command>
struct PendingHook {
  using TimePoint = std::chrono::steady_clock::time_point;

  explicit PendingHook(TimePoint when) noexcept : deadline(when) {}

  Command* prev = nullptr;
  Command* next = nullptr;
  bool linked = false;  // in a list now
  TimePoint deadline;   // when the command times out
};

// Oldest first. Every command of a connection phase shares one timeout, so the oldest command
// also has the earliest deadline, and one timer for front() bounds them all.
// Does not own the commands: whoever allocated one frees it, after remove().
template <typename Command>
class PendingCommands {
 public:
  using TimePoint = typename PendingHook<Command>::TimePoint;

  PendingCommands() = default;
  PendingCommands(const PendingCommands&) = delete;
  PendingCommands& operator=(const PendingCommands&) = delete;

  // The oldest command, or nullptr when empty.
  Command* front() const noexcept { return head_; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

  // Appends `c`. Precondition: `c` is not linked, and its deadline is not earlier than that of
  // the commands already in the list (they were sent before it with the same timeout).
  void push_back(Command* c) noexcept {
    c->prev = tail_;
    c->next = nullptr;
    (tail_ ? tail_->next : head_) = c;
    tail_ = c;
    c->linked = true;
    ++size_;
  }

  // Unlinks `c`; does nothing when it is not linked (it completed earlier).
  void remove(Command* c) noexcept {
    if (!c->linked) return;
    (c->prev ? c->prev->next : head_) = c->next;
    (c->next ? c->next->prev : tail_) = c->prev;
    c->prev = c->next = nullptr;
    c->linked = false;
    --size_;
  }

  // Unlinks and returns the oldest command if its deadline is at or before `now`, else nullptr:
  // `while (auto* c = list.pop_expired(now))` visits exactly the commands that timed out.
  Command* pop_expired(TimePoint now) noexcept {
    Command* c = head_;
    if (c == nullptr || c->deadline > now) return nullptr;
    remove(c);
    return c;
  }

 private:
  Command* head_ = nullptr;
  Command* tail_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace foilcache::redis

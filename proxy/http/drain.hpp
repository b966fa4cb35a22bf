// What a draining server needs from its connections: whether it drains, how many sessions
// are still live, and which keep-alive connections sit idle (closed at once on drain).
#pragma once

#include <atomic>
#include <cstdint>
#include <unordered_set>

#include "common/net.hpp"

namespace foilcache::http_server {

// Shared by every io thread (atomics).
struct DrainState {
  std::atomic<bool> draining{false};
  std::atomic<std::uint64_t> active_sessions{0};
  bool is_draining() const { return draining.load(std::memory_order_relaxed); }
};

// One io thread's idle keep-alive connections. Not thread-safe: its own thread only.
class IdleSet {
 public:
  void insert(beast::tcp_stream* stream) { streams_.insert(stream); }
  void erase(beast::tcp_stream* stream) { streams_.erase(stream); }
  // Wakes every idle connection's read, which then ends (drain).
  void cancel_all() {
    for (auto* stream : streams_) stream->cancel();
  }
  std::size_t size() const { return streams_.size(); }

 private:
  std::unordered_set<beast::tcp_stream*> streams_;
};

// Marks a connection idle (between requests) for the guard's lifetime.
class IdleGuard {
 public:
  IdleGuard(IdleSet& set, beast::tcp_stream& stream) : set_(set), stream_(&stream) { set_.insert(stream_); }
  ~IdleGuard() { set_.erase(stream_); }
  IdleGuard(const IdleGuard&) = delete;
  IdleGuard& operator=(const IdleGuard&) = delete;

 private:
  IdleSet& set_;
  beast::tcp_stream* stream_;
};

// Counts a live session for the drain.
class ActiveGuard {
 public:
  explicit ActiveGuard(DrainState& drain) : drain_(drain) { drain_.active_sessions.fetch_add(1); }
  ~ActiveGuard() { drain_.active_sessions.fetch_sub(1); }
  ActiveGuard(const ActiveGuard&) = delete;
  ActiveGuard& operator=(const ActiveGuard&) = delete;

 private:
  DrainState& drain_;
};

}  // namespace foilcache::http_server

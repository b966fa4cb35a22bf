// An in-memory back-end with every capability (EntryStore, FetchLock, SharedCounters,
// InvalidationChannel) and scripted answers, for unit tests of what sits on top of storage.
// Completes without suspending; records what it was asked.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "proxy/store/store.hpp"

namespace foilcache::testing {

class FakeStore final : public store::EntryStore,
                        public store::FetchLock,
                        public store::SharedCounters,
                        public store::InvalidationChannel {
 public:
  using StoreStatus = store::StoreStatus;

  // Scripts: while `down`, every call answers kUnavailable / nullopt.
  bool down = false;
  std::map<std::string, store::EntryPtr> entries;
  std::map<std::string, std::uint64_t> generations;
  std::vector<std::string> calls;      // "get k", "put k", "del k", "tag t", "match g", "lock k", "unlock k"
  std::function<void(const std::string& call)> on_call;  // runs before each call is answered
  std::vector<std::string> published;  // messages given to publish()
  std::int64_t subscribers = 0;        // what publish() answers
  // What acknowledgements(id) answers on its n-th call (0-based); past the end, the last.
  std::vector<std::int64_t> acks{0};
  int ack_calls = 0;
  std::function<void()> on_ack_poll;   // runs at each acknowledgements() call (e.g. advance a clock)
  std::vector<std::string> acknowledged;
  store::LockResult lock_answer = store::LockResult::kAcquired;
  store::Counters counters;

  void record(std::string call) {
    calls.push_back(call);
    if (on_call) on_call(call);
  }

  net::awaitable<store::GetResult> get(std::string key, std::span<const std::string> tags) override {
    record("get " + key);
    store::GetResult out;
    if (down) {
      out.status = StoreStatus::kUnavailable;
      co_return out;
    }
    for (const auto& tag : tags) out.generations.push_back(generations[tag]);
    const auto it = entries.find(key);
    if (it != entries.end() && (tags.empty() || store::tags_current(*it->second, tags, out.generations))) {
      out.entry = it->second;
      out.status = StoreStatus::kOk;
    }
    co_return out;
  }
  net::awaitable<StoreStatus> put(std::string key, store::EntryPtr entry, std::chrono::milliseconds) override {
    record("put " + key);
    if (down) co_return StoreStatus::kUnavailable;
    entries[key] = std::move(entry);
    co_return StoreStatus::kOk;
  }
  net::awaitable<StoreStatus> del(std::string key) override {
    record("del " + key);
    if (down) co_return StoreStatus::kUnavailable;
    co_return entries.erase(key) ? StoreStatus::kOk : StoreStatus::kNotFound;
  }
  net::awaitable<StoreStatus> invalidate_tag(std::string tag, std::uint64_t* generation) override {
    record("tag " + tag);
    if (down) co_return StoreStatus::kUnavailable;
    const auto g = ++generations[tag];
    if (generation) *generation = g;
    co_return StoreStatus::kOk;
  }
  net::awaitable<store::CountResult> remove_matching(std::string glob) override {
    record("match " + glob);
    if (down) co_return store::CountResult{StoreStatus::kUnavailable, 0};
    const auto n = entries.size();
    if (glob == "*") entries.clear();
    co_return store::CountResult{StoreStatus::kOk, glob == "*" ? n : 0};
  }
  net::awaitable<store::CountResult> count() override { co_return store::CountResult{StoreStatus::kOk, entries.size()}; }
  store::Health health() const override { return store::Health{!down, false, down ? "degraded" : "enabled"}; }

  net::awaitable<store::LockResult> try_lock(std::string key, std::string, std::chrono::milliseconds) override {
    record("lock " + key);
    co_return down ? store::LockResult::kUnavailable : lock_answer;
  }
  net::awaitable<void> unlock(std::string key, std::string, bool pass) override {
    record(std::string(pass ? "pass " : "unlock ") + key);
    co_return;
  }

  net::awaitable<StoreStatus> add(store::Counters deltas) override {
    if (down) co_return StoreStatus::kUnavailable;
    for (const auto& d : deltas) counters.push_back(d);
    co_return StoreStatus::kOk;
  }
  net::awaitable<std::optional<store::Counters>> read() override {
    if (down) co_return std::nullopt;
    co_return counters;
  }
  net::awaitable<StoreStatus> reset() override {
    counters.clear();
    co_return StoreStatus::kOk;
  }

  net::awaitable<std::optional<std::int64_t>> publish(std::string message) override {
    if (down) co_return std::nullopt;
    published.push_back(std::move(message));
    co_return subscribers;
  }
  net::awaitable<void> acknowledge(std::string id) override {
    acknowledged.push_back(std::move(id));
    co_return;
  }
  // The epoch the back-end holds ("" : none yet, the next candidate is kept).
  std::string held_epoch;
  int epoch_calls = 0;
  net::awaitable<std::optional<std::string>> epoch(std::string candidate) override {
    ++epoch_calls;
    if (down) co_return std::nullopt;
    if (held_epoch.empty()) held_epoch = std::move(candidate);
    co_return held_epoch;
  }
  net::awaitable<std::optional<std::int64_t>> acknowledgements(std::string) override {
    if (on_ack_poll) on_ack_poll();
    if (down) co_return std::nullopt;
    const auto i = std::min<std::size_t>(static_cast<std::size_t>(ack_calls++), acks.size() - 1);
    co_return acks[i];
  }
};

}  // namespace foilcache::testing

// Where a command's result goes, and the record of a command in flight: the plumbing between
// RedisClient::send and whoever waits for the result.
//
// Threading: the client's io thread only; no locks.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

#include "common/net.hpp"
#include "proxy/redis/circuit_breaker.hpp"
#include "proxy/redis/pending_commands.hpp"
#include "proxy/redis/reply.hpp"

namespace foilcache::redis {

// The completion handlers of one command and of one pipeline (RedisClient::Handler and
// RedisClient::PipelineHandler are these types).
using ResultHandler = net::any_completion_handler<void(Result)>;
using PipelineResultHandler = net::any_completion_handler<void(std::vector<Result>)>;

// The results of one pipeline, filled in by its commands (all on the client's io_context,
// so the countdown needs no synchronisation); the last one posts `handler`.
struct PipelineGather {
  explicit PipelineGather(PipelineResultHandler h) : handler(std::move(h)) {}
  std::vector<Result> results;
  std::size_t left = 0;
  PipelineResultHandler handler;
};

// Where a command's result goes: its own handler (posted), or slot `index` of a pipeline's
// gather (one post for the whole pipeline instead of one handler and one post per command).
struct Completion {
  ResultHandler handler;
  std::shared_ptr<PipelineGather> gather;
  std::size_t index = 0;
};

// One command in flight. Allocated when sent and given to hiredis as privdata; deleted
// only when hiredis calls back (with a reply, or NULL when the context is freed), even if
// its handler was completed earlier by a timeout or stop().
struct PendingCommand : PendingHook<PendingCommand> {
  // Asio 1.81's any_completion_handler move-assignment recurses forever: only move-construct it.
  PendingCommand(Completion c, std::chrono::steady_clock::time_point deadline)
      : PendingHook(deadline), completion(std::move(c)) {}

  bool completed = false;  // its handler ran (or was posted): a late reply is dropped
  CircuitBreaker::Ticket ticket = CircuitBreaker::kUntracked;
  Completion completion;
};

// Hands `result` to `completion`: always through a post to `executor`, never inline.
inline void deliver(const net::io_context::executor_type& executor, Completion completion, Result result) {
  if (!completion.gather) {
    net::post(executor, net::append(std::move(completion.handler), std::move(result)));
    return;
  }
  PipelineGather& gather = *completion.gather;
  gather.results[completion.index] = std::move(result);
  if (--gather.left == 0) net::post(executor, net::append(std::move(gather.handler), std::move(gather.results)));
}

}  // namespace foilcache::redis

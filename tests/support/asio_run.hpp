// Running an io_context on the test thread with bounds (no sleeps, no extra threads).
#pragma once

#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <optional>

#include "common/net.hpp"

namespace foilcache::test {

// Runs handlers of `ioc` on the calling thread until `done()` is true or `bound` has
// elapsed; returns done(). Restarts `ioc` if it ran out of work.
bool run_until(net::io_context& ioc, const std::function<bool()>& done, std::chrono::milliseconds bound);

// Spawns `task` on `ioc` and runs `ioc` until it completes or `bound` elapses. Returns its
// result, or nullopt if it did not complete in time (it is then left suspended: the io_context
// still owns it). Rethrows an exception the task threw.
template <typename T>
std::optional<T> run_awaitable(net::io_context& ioc, net::awaitable<T> task,
                               std::chrono::milliseconds bound = std::chrono::seconds(5)) {
  struct State {
    bool finished = false;
    std::exception_ptr error;
    std::optional<T> value;
  };
  auto state = std::make_shared<State>();
  net::co_spawn(ioc, std::move(task), [state](std::exception_ptr error, T value) {
    state->finished = true;
    state->error = error;
    if (!error) state->value.emplace(std::move(value));
  });
  run_until(ioc, [&] { return state->finished; }, bound);
  if (state->error) std::rethrow_exception(state->error);
  return std::move(state->value);
}

// As above for a task returning nothing: true when it completed in time.
bool run_awaitable(net::io_context& ioc, net::awaitable<void> task,
                   std::chrono::milliseconds bound = std::chrono::seconds(5));

}  // namespace foilcache::test

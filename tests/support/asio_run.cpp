#include "tests/support/asio_run.hpp"

#include <algorithm>
#include <thread>

namespace foilcache::test {

bool run_until(net::io_context& ioc, const std::function<bool()>& done, std::chrono::milliseconds bound) {
  // Short slices so `done` is re-checked often even while only timers are pending.
  constexpr std::chrono::milliseconds kSlice{5};
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (!done()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return done();
    if (ioc.stopped()) ioc.restart();
    const auto slice = std::min<std::chrono::steady_clock::duration>(kSlice, deadline - now);
    if (ioc.run_one_for(slice) == 0 && ioc.stopped()) {
      // No work at all: only another thread can make `done` true; poll it.
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(std::chrono::milliseconds(1), deadline - now));
    }
  }
  return true;
}

bool run_awaitable(net::io_context& ioc, net::awaitable<void> task, std::chrono::milliseconds bound) {
  auto finished = std::make_shared<bool>(false);
  auto error = std::make_shared<std::exception_ptr>();
  net::co_spawn(ioc, std::move(task), [finished, error](std::exception_ptr e) {
    *finished = true;
    *error = e;
  });
  run_until(ioc, [&] { return *finished; }, bound);
  if (*error) std::rethrow_exception(*error);
  return *finished;
}

}  // namespace foilcache::test

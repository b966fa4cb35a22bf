// Bounded waiting and port helpers shared by unit and integration tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace foilcache::test {

// Polls `condition` every `poll_interval` until it is true or `bound` has elapsed.
// Returns the last value of `condition` (checked once more at the deadline). The one
// polling helper tests use instead of sleeping.
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds bound,
                std::chrono::milliseconds poll_interval = std::chrono::milliseconds(10));

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, read, closed).
// Another process may take it before it is used: starters retry on a bind failure.
std::uint16_t free_port();

// True once a TCP connect to 127.0.0.1:`port` succeeds, false after `bound`.
bool wait_port_open(std::uint16_t port, std::chrono::milliseconds bound);

}  // namespace foilcache::test

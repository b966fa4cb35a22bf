#include "common/clock.hpp"

namespace foilcache::common {
namespace {

class RealClock final : public Clock {
 public:
  std::chrono::system_clock::time_point system_now() const override { return std::chrono::system_clock::now(); }
  std::chrono::steady_clock::time_point steady_now() const override { return std::chrono::steady_clock::now(); }
};

}  // namespace

const Clock& Clock::real() {
  static const RealClock clock;
  return clock;
}

}  // namespace foilcache::common

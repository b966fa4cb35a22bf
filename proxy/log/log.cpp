#include "proxy/log/log.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <string>

namespace foilcache::log {
namespace {
std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
constexpr const char* kNames[] = {"ERROR", "WARN", "INFO", "DEBUG"};
}  // namespace

void set_level(Level level) { g_level.store(static_cast<int>(level)); }

void set_level(std::string_view name) {
  if (name == "error") set_level(Level::kError);
  if (name == "warn") set_level(Level::kWarn);
  if (name == "info") set_level(Level::kInfo);
  if (name == "debug") set_level(Level::kDebug);
}

bool enabled(Level level) { return static_cast<int>(level) <= g_level.load(std::memory_order_relaxed); }

void write(Level level, std::string_view message) {
  if (!enabled(level)) return;
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::string line;
  line.reserve(message.size() + 48);
  line.append(stamp).append(" ").append(kNames[static_cast<int>(level)]).append(" ").append(message).append("\n");
  // One write(2) per line, so lines from several threads never interleave.
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace foilcache::log

// Minimal leveled logger: one line per message on stderr ("LEVEL message"). Thread-safe
// (a single write per line). The per-request access log is separate (stdout, JSON).
#pragma once

#include <string_view>

namespace foilcache::log {

enum class Level { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };

void set_level(Level level);
// Parses "error" / "warn" / "info" / "debug"; unknown text leaves the level unchanged.
void set_level(std::string_view name);
bool enabled(Level level);
void write(Level level, std::string_view message);

inline void error(std::string_view m) { write(Level::kError, m); }
inline void warn(std::string_view m) { write(Level::kWarn, m); }
inline void info(std::string_view m) { write(Level::kInfo, m); }
inline void debug(std::string_view m) { write(Level::kDebug, m); }

}  // namespace foilcache::log

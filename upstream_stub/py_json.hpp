// JSON text exactly as Python's json.dumps writes it with its defaults (what python-socketio
// publishes): ", " and ": " separators, keys in the order given (dicts keep insertion
// order), non-ASCII and control characters escaped as lower-case \uXXXX, floats in repr
// form ("0.0", "33.3"). Plus datetime.isoformat(). Pure; values are pre-encoded strings.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace foilcache::stub::py {

inline constexpr std::string_view kNull = "null";

// A JSON string literal of `utf8` (invalid UTF-8 bytes are escaped as U+FFFD).
std::string string(std::string_view utf8);
// true / false.
std::string boolean(bool value);
// Python's repr of a float: the shortest text that round-trips, with ".0" when integral.
std::string number(double value);
std::string number(std::int64_t value);
// {"k": v, ...} from already-encoded values; {} when empty.
std::string object(const std::vector<std::pair<std::string_view, std::string>>& members);
// [a, b, ...] from already-encoded values.
std::string list(const std::vector<std::string>& items);

// datetime.isoformat() of `t` in UTC: "YYYY-MM-DDTHH:MM:SS.ffffff" (the fraction only when
// non-zero), followed by "+00:00" when `aware` (a timezone-aware datetime).
std::string isoformat(std::chrono::system_clock::time_point t, bool aware);

}  // namespace foilcache::stub::py

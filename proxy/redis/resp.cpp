#include "proxy/redis/resp.hpp"

#include <charconv>
#include <cstddef>
#include <limits>

namespace foilcache::redis {
namespace {

// Room for the decimal digits of any std::size_t.
constexpr std::size_t kMaxDigits = std::numeric_limits<std::size_t>::digits10 + 1;

// Appends "<type><number>\r\n": an array header ('*') or a bulk string's length ('$').
void append_line(std::string& out, char type, std::size_t number) {
  char digits[kMaxDigits];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), number);
  out.push_back(type);
  out.append(digits, end).append("\r\n");
}

}  // namespace

void format_command(std::span<const std::string_view> argv, std::string& out) {
  out.clear();
  append_line(out, '*', argv.size());
  for (const std::string_view arg : argv) {
    append_line(out, '$', arg.size());
    out.append(arg).append("\r\n");
  }
}

}  // namespace foilcache::redis

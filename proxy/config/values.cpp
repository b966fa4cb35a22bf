#include "proxy/config/values.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <limits>
#include <utility>

namespace foilcache::config {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_env_name(std::string_view name) {
  if (name.empty() || is_digit(name.front())) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return is_name_char(c) && c != '-'; });
}

}  // namespace

bool is_name_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '_' || c == '-';
}

std::string quoted(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '\'';
  out += text;
  out += '\'';
  return out;
}

std::optional<std::uint64_t> parse_uint(std::string_view text) {
  if (text.empty() || !std::all_of(text.begin(), text.end(), is_digit)) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

std::optional<Duration> parse_duration(std::string_view text) {
  // Cap at ~100 years so arithmetic never overflows.
  constexpr std::uint64_t kMaxMs = 100ULL * 365 * 24 * 3600 * 1000;
  if (const auto seconds = parse_uint(text)) {
    if (*seconds > kMaxMs / 1000) return std::nullopt;
    return Duration(*seconds * 1000);
  }
  if (text.empty()) return std::nullopt;
  std::uint64_t total = 0;
  std::uint64_t last_unit = std::numeric_limits<std::uint64_t>::max();
  while (!text.empty()) {
    std::size_t digits = 0;
    while (digits < text.size() && is_digit(text[digits])) ++digits;
    const auto number = parse_uint(text.substr(0, digits));
    if (!number || *number > kMaxMs) return std::nullopt;
    text.remove_prefix(digits);
    std::uint64_t unit = 0;
    if (text.starts_with("ms")) {
      unit = 1;
      text.remove_prefix(2);
    } else if (text.starts_with("s")) {
      unit = 1000;
      text.remove_prefix(1);
    } else if (text.starts_with("m")) {
      unit = 60'000;
      text.remove_prefix(1);
    } else if (text.starts_with("h")) {
      unit = 3'600'000;
      text.remove_prefix(1);
    } else {
      return std::nullopt;
    }
    // "1h30m" but not "30m1h" or "1m1m".
    if (unit >= last_unit) return std::nullopt;
    last_unit = unit;
    if (*number > (kMaxMs - total) / unit) return std::nullopt;
    total += *number * unit;
  }
  return Duration(static_cast<Duration::rep>(total));
}

std::optional<std::size_t> parse_size(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && is_digit(text[digits])) ++digits;
  const auto number = parse_uint(text.substr(0, digits));
  if (!number) return std::nullopt;
  std::string_view unit = text.substr(digits);
  if (unit.starts_with(' ')) unit.remove_prefix(1);
  static constexpr std::pair<std::string_view, std::uint64_t> kUnits[] = {
      {"", 1},
      {"B", 1},
      {"KB", 1000ULL},
      {"kB", 1000ULL},
      {"MB", 1000ULL * 1000},
      {"GB", 1000ULL * 1000 * 1000},
      {"TB", 1000ULL * 1000 * 1000 * 1000},
      {"KiB", 1ULL << 10},
      {"MiB", 1ULL << 20},
      {"GiB", 1ULL << 30},
      {"TiB", 1ULL << 40},
  };
  for (const auto& [name, factor] : kUnits) {
    if (unit != name) continue;
    if (name.empty() && digits != text.size()) return std::nullopt;  // "64 " is not a size
    if (*number > std::numeric_limits<std::size_t>::max() / factor) return std::nullopt;
    return static_cast<std::size_t>(*number * factor);
  }
  return std::nullopt;
}

std::string substitute_env(std::string_view text, const EnvLookup& env, std::vector<std::string>& errors) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c != '$' || i + 1 == text.size()) {
      out += c;
      ++i;
      continue;
    }
    if (text[i + 1] == '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (text[i + 1] != '{') {
      out += c;
      ++i;
      continue;
    }
    const auto close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      errors.emplace_back("unterminated '${' (write '$$' for a literal '$')");
      return out;
    }
    const std::string_view body = text.substr(i + 2, close - i - 2);
    i = close + 1;
    const auto dash = body.find(":-");
    const std::string name(body.substr(0, dash));
    if (!is_env_name(name)) {
      errors.push_back("invalid environment variable name " + quoted(name));
      continue;
    }
    const auto value = env(name);
    if (value && !(value->empty() && dash != std::string_view::npos)) {
      out += *value;
    } else if (dash != std::string_view::npos) {
      out += body.substr(dash + 2);
    } else {
      errors.push_back("environment variable " + name + " is not set");
    }
  }
  return out;
}

}  // namespace foilcache::config

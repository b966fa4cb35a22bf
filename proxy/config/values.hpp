// The value grammars of the config file, pure: durations, sizes, decimal integers and
// ${VAR} substitution. No YAML and no locations here (yaml_reader.hpp adds both); also
// usable by other config sources.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/config/config.hpp"

namespace foilcache::config {

// Environment lookup (injectable for tests); std::nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
// The process environment (getenv). Safe to call from any thread; the lookup it returns
// reads the environment each time it is called.
EnvLookup process_env();

// "250ms", "30s", "5m", "1h", "1h30m" or integer seconds; std::nullopt when malformed.
// Units in a compound value strictly decrease ("1h30m", not "30m1h" or "1m1m"); at most
// 100 years.
std::optional<Duration> parse_duration(std::string_view text);
// "64KiB", "8MiB", "1GiB" (binary), "500KB", "5MB" (decimal), "10B" or integer bytes;
// std::nullopt when malformed or too large.
std::optional<std::size_t> parse_size(std::string_view text);
// Expands ${VAR}, ${VAR:-default} (default when VAR is unset or empty) and $$ (a literal
// '$'); a '$' followed by anything else stays as is. Appends one message (no location) per
// problem to `errors`: an unset VAR without default, an unterminated "${", a bad name.
std::string substitute_env(std::string_view text, const EnvLookup& env, std::vector<std::string>& errors);

// A whole string of decimal digits (no sign, no space); std::nullopt on anything else or
// when it does not fit 64 bits.
std::optional<std::uint64_t> parse_uint(std::string_view text);
// Letters, digits, '_' and '-': what route names and header names may contain.
bool is_name_char(char c);
// Letters, digits, '_', '-' and '.': what a tag may contain.
inline bool is_tag_char(char c) { return is_name_char(c) || c == '.'; }
// `text` in single quotes, as every config message quotes the names and values it cites.
std::string quoted(std::string_view text);

}  // namespace foilcache::config

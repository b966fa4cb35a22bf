// Loads and validates a foilcache YAML file: ${VAR} / ${VAR:-default} substitution in
// every string value, durations ("250ms", "30s", "5m", "1h" or integer seconds), sizes
// ("64KiB", "8MiB", integer bytes), unknown keys rejected. This is the one place that throws.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/config/config.hpp"

namespace foilcache::config {

// Every problem found in one file, each formatted "FILE:LINE:COL: message"
// (1-based line and column). what() joins them with '\n'.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<std::string> errors);
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  std::vector<std::string> errors_;
};

// Environment lookup (injectable for tests); std::nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup process_env();

// Loads PATH. Throws ConfigError listing every error found (not just the first).
std::shared_ptr<const Config> load_config_file(const std::string& path, const EnvLookup& env = process_env());
// Same, from YAML text; `source_name` is used as FILE in messages.
std::shared_ptr<const Config> load_config_string(const std::string& yaml, const std::string& source_name,
                                                 const EnvLookup& env = process_env());

// The keys one mapping of the file may have; any other key there is an error.
struct KeySet {
  // Where the mapping is: "" (the top level), a section ("redis", "timeouts", "l1", ...),
  // or a list's entries with "[]" ("routes[]": each route, "warm[]": each warm request).
  std::string_view section;
  std::vector<std::string_view> keys;  // in the order of the config reference
};
// Every mapping with a fixed set of keys, exactly as the loader checks them (the one table
// it reads its allow-lists from; conf/foilcache.schema.json must list the same keys).
// Mappings whose keys are free (webhooks.events: event names; warm[].headers: header
// names) are not in it. Static storage; safe to call from any thread.
const std::vector<KeySet>& config_keys();

// The value grammars of the loader, exposed for tests and for other config sources.
// "250ms", "30s", "5m", "1h", "1h30m" or integer seconds; std::nullopt when malformed.
std::optional<Duration> parse_duration(std::string_view text);
// "64KiB", "8MiB", "1GiB" (binary), "500KB", "5MB" (decimal), "10B" or integer bytes;
// std::nullopt when malformed or too large.
std::optional<std::size_t> parse_size(std::string_view text);
// Expands ${VAR}, ${VAR:-default} (default when VAR is unset or empty) and $$ (a literal
// '$'); a '$' followed by anything else stays as is. Appends one message (no location) per
// problem to `errors`: an unset VAR without default, an unterminated "${", a bad name.
std::string substitute_env(std::string_view text, const EnvLookup& env, std::vector<std::string>& errors);

}  // namespace foilcache::config

// Loads and validates a foilcache YAML file: ${VAR} / ${VAR:-default} substitution in
// every string value, durations ("250ms", "30s", "5m", "1h" or integer seconds), sizes
// ("64KiB", "8MiB", integer bytes), unknown keys rejected. This is the one place that throws.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "proxy/config/config.hpp"
#include "proxy/config/values.hpp"

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

// Loads PATH. Throws ConfigError listing every error found (not just the first).
std::shared_ptr<const Config> load_config_file(const std::string& path, const EnvLookup& env = process_env());
// Same, from YAML text; `source_name` is used as FILE in messages.
std::shared_ptr<const Config> load_config_string(const std::string& yaml, const std::string& source_name,
                                                 const EnvLookup& env = process_env());

}  // namespace foilcache::config

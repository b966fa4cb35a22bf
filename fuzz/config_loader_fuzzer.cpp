// The YAML config loader as `foilcache --check-config` runs it: load_config_string with
// ${VAR} substitution (a fixed environment), every section, route and template checked.
// Input: the YAML text.
#include <cstddef>
#include <cstdint>
#include <string>

#include "proxy/config/config_loader.hpp"

using namespace foilcache;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string yaml(reinterpret_cast<const char*>(data), size);
  static const config::EnvLookup env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "HOME") return std::string("/root");
    if (name == "EMPTY") return std::string();
    return std::nullopt;
  };
  try {
    (void)config::load_config_string(yaml, "fuzz.yaml", env);
  } catch (const config::ConfigError&) {
    // The one exception the loader promises: every problem, located.
  }
  return 0;
}

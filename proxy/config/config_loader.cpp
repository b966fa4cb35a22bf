#include "proxy/config/config_loader.hpp"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "proxy/config/sections.hpp"
#include "proxy/config/yaml_reader.hpp"

namespace foilcache::config {
namespace {

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) {
    if (!out.empty()) out += '\n';
    out += line;
  }
  return out;
}

}  // namespace

ConfigError::ConfigError(std::vector<std::string> errors)
    : std::runtime_error(join(errors)), errors_(std::move(errors)) {}

std::shared_ptr<const Config> load_config_string(const std::string& yaml, const std::string& source_name,
                                                 const EnvLookup& env) {
  YamlReader in(source_name, env);
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    in.error(e.mark, e.msg);
    throw ConfigError(in.take_errors());
  }
  auto config = std::make_shared<Config>();
  config->source_path = source_name;
  read_root(in, root, *config);
  auto errors = in.take_errors();
  if (!errors.empty()) throw ConfigError(std::move(errors));
  return config;
}

std::shared_ptr<const Config> load_config_file(const std::string& path, const EnvLookup& env) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    const int err = errno;
    throw ConfigError({path + ":1:1: cannot open: " + std::strerror(err)});
  }
  std::ostringstream content;
  content << file.rdbuf();
  if (file.bad()) {
    const int err = errno;
    throw ConfigError({path + ":1:1: cannot read: " + std::strerror(err)});
  }
  return load_config_string(content.str(), path, env);
}

}  // namespace foilcache::config

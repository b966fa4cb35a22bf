// The `when:` reader of an event's payload (config::payload_text, config::json_payload_field):
// every top-level member of a JSON payload as conditions compare it, and `when:` rules
// loaded from YAML evaluated on it. Input: the rules' YAML (an `events:` section), a line
// "---8<---", then the payload JSON.
#include <cstddef>
#include <cstdint>
#include <string>

#include "proxy/config/config_loader.hpp"
#include "proxy/config/event_payload.hpp"
#include "proxy/config/event_rules.hpp"

using namespace foilcache;

namespace {

constexpr std::string_view kCut = "\n---8<---\n";
constexpr unsigned kParseFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseNanAndInfFlag;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto cut = input.find(kCut);
  const std::string_view yaml = cut == std::string_view::npos ? std::string_view{} : input.substr(0, cut);
  const std::string_view json = cut == std::string_view::npos ? input : input.substr(cut + kCut.size());

  rapidjson::Document payload;
  payload.Parse<kParseFlags>(json.data(), json.size());
  if (payload.HasParseError()) return 0;
  const auto field = config::json_payload_field(&payload);
  if (payload.IsObject()) {
    for (const auto& member : payload.GetObject()) {
      (void)config::payload_text(member.value);
      (void)field(std::string_view(member.name.GetString(), member.name.GetStringLength()));
    }
  } else {
    (void)config::payload_text(payload);
  }
  if (yaml.empty()) return 0;
  std::shared_ptr<const config::Config> config;
  try {
    config = config::load_config_string(std::string(yaml), "events.yaml",
                                        [](const std::string&) { return std::optional<std::string>{}; });
  } catch (const config::ConfigError&) {
    return 0;
  }
  for (const auto& [event, rule] : config->events) (void)config::tags_for_event(config->events, event, field);
  return 0;
}

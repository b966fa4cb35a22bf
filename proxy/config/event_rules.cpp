#include "proxy/config/event_rules.hpp"

#include <algorithm>

namespace foilcache::config {

EventTags tags_for_event(const std::map<std::string, EventRule>& events, std::string_view event,
                         const PayloadField& field) {
  const auto it = events.find(std::string(event));
  if (it == events.end()) return {};
  const EventRule& rule = it->second;
  for (const auto& [name, accepted] : rule.when) {
    const auto value = field ? field(name) : std::nullopt;
    if (!value || std::find(accepted.begin(), accepted.end(), *value) == accepted.end()) {
      return {EventMatch::kFiltered, nullptr};
    }
  }
  return {EventMatch::kMapped, &rule.tags};
}

}  // namespace foilcache::config

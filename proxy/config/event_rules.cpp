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

std::vector<std::string> all_event_tags(const std::map<std::string, EventRule>& events) {
  std::vector<std::string> out;
  for (const auto& [name, rule] : events) out.insert(out.end(), rule.tags.begin(), rule.tags.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace foilcache::config

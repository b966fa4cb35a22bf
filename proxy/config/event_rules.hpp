// Which tags an event of the app invalidates, by the `events:` map (pure). The webhook and
// every feed decide with this one function.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/config/config.hpp"

namespace foilcache::config {

enum class EventMatch {
  kMapped,    // the event has a rule and its conditions hold: invalidate `tags`
  kUnmapped,  // no rule for this event
  kFiltered,  // a rule, but a condition on the payload does not hold
};

struct EventTags {
  EventMatch match = EventMatch::kUnmapped;
  const std::vector<std::string>* tags = nullptr;  // kMapped: the rule's tags (owned by the map)
};

// A payload field's value as text (a string as is, a number in decimal, a boolean as
// true/false); nullopt when absent or not a scalar.
using PayloadField = std::function<std::optional<std::string>(std::string_view name)>;

EventTags tags_for_event(const std::map<std::string, EventRule>& events, std::string_view event,
                         const PayloadField& field);

// Every tag some rule of `events` names, sorted, each once: what a feed invalidates when it
// may have missed events (after an outage).
std::vector<std::string> all_event_tags(const std::map<std::string, EventRule>& events);

}  // namespace foilcache::config

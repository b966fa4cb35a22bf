#include "proxy/feeds/event_mapping.hpp"

#include <algorithm>

#include "proxy/config/event_rules.hpp"

namespace foilcache::feeds {

using metrics::AppEventResult;

std::string event_label(const std::map<std::string, config::EventRule>& events, std::string_view event) {
  const bool known = std::find(std::begin(kKnownAppEvents), std::end(kKnownAppEvents), event) != std::end(kKnownAppEvents);
  if (known || events.contains(std::string(event))) return std::string(event);
  return std::string(kOtherEventLabel);
}

MessageVerdict map_message(const SocketIoMessage& message, const std::map<std::string, config::EventRule>& events) {
  MessageVerdict out{std::string(kOtherEventLabel), std::nullopt, {}};
  if (std::holds_alternative<Pickle>(message)) {
    out.result = AppEventResult::kPickle;
  } else if (std::holds_alternative<Malformed>(message)) {
    out.result = AppEventResult::kMalformed;
  } else if (std::holds_alternative<Ignored>(message)) {
    out.result = AppEventResult::kIgnored;
  } else {
    const Emit& emit = std::get<Emit>(message);
    out.label = event_label(events, emit.event());
    const auto matched = config::tags_for_event(events, emit.event(), emit.payload_field());
    if (matched.match == config::EventMatch::kUnmapped) {
      out.result = AppEventResult::kUnmapped;
    } else if (matched.match == config::EventMatch::kFiltered) {
      out.result = AppEventResult::kFiltered;
    } else if (matched.tags->empty()) {
      out.result = AppEventResult::kApplied;  // a rule with no tags: nothing to invalidate, done
    } else {
      out.tags = *matched.tags;
    }
  }
  return out;
}

}  // namespace foilcache::feeds

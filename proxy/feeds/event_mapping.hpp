// What the feed does with one message, decided from its classification and the `events:`
// map (the webhook's map: config::tags_for_event decides for both). Pure.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/config/config.hpp"
#include "proxy/feeds/socketio_message.hpp"
#include "proxy/metrics/metrics.hpp"

namespace foilcache::feeds {

// The events the app is known to send (LIBRARY-SERVICE.md): labelled by name even unmapped.
inline constexpr std::string_view kKnownAppEvents[] = {"library_updated", "job_update", "notification"};
// The label of every other event, and of messages that are no event.
inline constexpr std::string_view kOtherEventLabel = "other";

// The `event` label of foilcache_app_events_total: `event` when `events` has a rule for it or
// it is a known app event, else "other" (the channel cannot grow the label set).
std::string event_label(const std::map<std::string, config::EventRule>& events, std::string_view event);

struct MessageVerdict {
  std::string label;  // the metric's event label
  // Set: the message's final result (filtered, unmapped, ignored, malformed, pickle).
  // Unset: it is mapped; `tags` go to the planner, and its result comes from there.
  std::optional<metrics::AppEventResult> result;
  std::vector<std::string> tags;  // mapped: the rule's tags
};

MessageVerdict map_message(const SocketIoMessage& message, const std::map<std::string, config::EventRule>& events);

}  // namespace foilcache::feeds

// A message on the app's Socket.IO channel (feeds::parse_socketio_message: JSON only, a
// pickle recognised and never decoded), then what the feed reads of an emit: its event and
// payload fields under the shipped `events:` map (feeds' map_message uses the same
// config::tags_for_event). Input: the message as published.
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "fuzz/shipped_config.hpp"
#include "proxy/config/event_rules.hpp"
#include "proxy/feeds/socketio_message.hpp"

using namespace foilcache;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& config = fuzz::shipped_config();
  const feeds::SocketIoMessage message =
      feeds::parse_socketio_message(std::string_view(reinterpret_cast<const char*>(data), size));
  if (const auto* emit = std::get_if<feeds::Emit>(&message)) {
    const auto field = emit->payload_field();
    (void)field("status");
    (void)field("type");
    (void)config::tags_for_event(config.events, emit->event(), field);
  }
  return 0;
}

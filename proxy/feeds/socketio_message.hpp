// The messages on the app's Socket.IO channel, classified: what python-socketio's
// PubSubManager publishes on Redis for Flask-SocketIO's message_queue (LIBRARY-SERVICE.md,
// "What changes the data"). Pure. Only JSON is ever decoded: a pickle (python-socketio
// before 5.14, CVE-2025-61765) is recognised by its first byte and left unread.
//
// Accepted emit shapes (namespace "/", or none):
//   5.15.1+       {"method":"emit","event":E,"data":[PAYLOAD],"binary":false,"namespace":"/",...}
//   5.14–5.15.0   {"method":"emit","event":E,"data":PAYLOAD,["binary":false,]"namespace":"/",...}
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "proxy/config/event_rules.hpp"

namespace foilcache::feeds {

// Larger messages are malformed unread: a bound on the parser's memory and time (the app's
// largest, a job_update with a long result, is a few KiB).
inline constexpr std::size_t kMaxMessageBytes = 16u << 20;

// An emit to namespace "/": what the feed acts on. Owns the parsed message.
class Emit {
 public:
  Emit(std::string event, std::unique_ptr<rapidjson::Document> document, const rapidjson::Value* payload)
      : event_(std::move(event)), document_(std::move(document)), payload_(payload) {}

  const std::string& event() const { return event_; }
  // The payload as `when:` conditions read it: its top-level fields; none when the emit
  // carries no object (data [] or not an object) or carries binary attachments (not read).
  // The function is valid while this Emit lives.
  config::PayloadField payload_field() const;

 private:
  std::string event_;
  std::unique_ptr<rapidjson::Document> document_;
  const rapidjson::Value* payload_;  // into *document_; null: no readable payload
};

// A well-formed message the feed does not act on: another method (enter_room, leave_room,
// disconnect, close_room, callback) or another namespace.
struct Ignored {
  std::string why;  // "method enter_room", "namespace /admin"
};

// A pickle (its first byte is pickle's PROTO opcode): dropped, never decoded.
struct Pickle {};

// Anything else: not JSON, not an object, no method, an emit without event or data, too large.
struct Malformed {
  const char* why;  // static text, for the log
};

using SocketIoMessage = std::variant<Emit, Ignored, Pickle, Malformed>;

// Classifies one message's bytes. Never throws; any input, any size, any nesting depth (the
// JSON parser is iterative).
SocketIoMessage parse_socketio_message(std::string_view bytes);

}  // namespace foilcache::feeds

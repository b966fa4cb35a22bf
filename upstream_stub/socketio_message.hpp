// The messages MyFoil's Socket.IO server puts on its Redis channel (Flask-SocketIO with
// message_queue=REDIS_URL, channel "flask-socketio"), byte for byte as python-socketio's
// RedisManager publishes them, in each of its wire formats; and the RESP bytes of the
// PUBLISH command that carries them. Pure; no I/O.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace foilcache::stub {

// Which python-socketio wrote the message (pubsub_manager.py / redis_manager.py).
enum class SocketIoFormat {
  kJson,        // >= 5.15.1: json.dumps, "binary" key, "data" a list of the emit's arguments
  kJsonLegacy,  // 5.15.0: json.dumps, "binary" key, "data" the payload itself
  kJson514,     // 5.14.x: json.dumps, no "binary" key, "data" the payload itself
  kPickle,      // < 5.14.0: pickle.dumps (CVE-2025-61765); canned bytes, never decoded
};
std::string_view to_string(SocketIoFormat format);
// "json", "json-legacy", "json-5.14", "pickle".
std::optional<SocketIoFormat> parse_socketio_format(std::string_view text);

// The channel's messages besides emits (PubSubManager: enter_room, leave_room, disconnect,
// close_room and a callback returned to another server). A subscriber acts on emits only.
enum class NoiseKind { kEnterRoom, kLeaveRoom, kDisconnect, kCloseRoom, kCallback };
inline constexpr NoiseKind kAllNoise[] = {NoiseKind::kEnterRoom, NoiseKind::kLeaveRoom,
                                          NoiseKind::kDisconnect, NoiseKind::kCloseRoom,
                                          NoiseKind::kCallback};

// uuid.uuid4().hex: a fresh 32-digit lower-case id with the version-4 bits (a manager's
// host_id).
std::string new_host_id();

// The message of emit(event, payload, namespace="/") to everyone. `payload_json` is the
// payload in json.dumps form (py_json.hpp). For kPickle the canned bytes of the event
// (library_updated or job_update; socketio_pickles.hpp), whatever the payload.
std::string emit_message(SocketIoFormat format, std::string_view event,
                         std::string_view payload_json, std::string_view host_id);
// A message of `kind` (for kPickle canned bytes).
std::string noise_message(SocketIoFormat format, NoiseKind kind, std::string_view host_id);

// library_updated's payload: {"timestamp": now_utc().isoformat()}.
std::string library_updated_payload(std::chrono::system_clock::time_point now);

// A RESP array of bulk strings: the bytes of one Redis command.
std::string resp_command(const std::vector<std::string_view>& args);

// The parts of a Redis URL the publisher needs: redis://[[user]:password@]host[:port][/db].
struct RedisEndpoint {
  std::string host;
  std::string port = "6379";
  std::string user;      // empty: AUTH with the password alone
  std::string password;  // empty: no AUTH
};
// nullopt when `url` is not such a URL.
std::optional<RedisEndpoint> parse_redis_url(std::string_view url);

}  // namespace foilcache::stub

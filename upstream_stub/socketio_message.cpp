#include "upstream_stub/socketio_message.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "common/hex.hpp"
#include "upstream_stub/py_json.hpp"
#include "upstream_stub/socketio_pickles.hpp"

namespace foilcache::stub {
namespace {

// What the stub's noise messages name: a Socket.IO sid, a room, the server a callback
// returns to.
constexpr std::string_view kNoiseSid = "k3Jd8sLq0PzX4vNw2RtY";
constexpr std::string_view kNoiseRoom = "library";
constexpr std::string_view kOtherHostId = "9d8e7f6a5b4c4d3e8f2a1b0c9d8e7f6a";

template <std::size_t N>
std::string bytes(const unsigned char (&data)[N]) {
  return std::string(reinterpret_cast<const char*>(data), N);
}

std::string pickled_noise(NoiseKind kind) {
  switch (kind) {
    case NoiseKind::kEnterRoom:
      return bytes(pickles::kPickleEnterRoom);
    case NoiseKind::kLeaveRoom:
      return bytes(pickles::kPickleLeaveRoom);
    case NoiseKind::kDisconnect:
      return bytes(pickles::kPickleDisconnect);
    case NoiseKind::kCloseRoom:
      return bytes(pickles::kPickleCloseRoom);
    case NoiseKind::kCallback:
      return bytes(pickles::kPickleCallback);
  }
  return {};
}

}  // namespace

std::string_view to_string(SocketIoFormat format) {
  switch (format) {
    case SocketIoFormat::kJson:
      return "json";
    case SocketIoFormat::kJsonLegacy:
      return "json-legacy";
    case SocketIoFormat::kJson514:
      return "json-5.14";
    case SocketIoFormat::kPickle:
      return "pickle";
  }
  return "json";
}

std::optional<SocketIoFormat> parse_socketio_format(std::string_view text) {
  for (const auto f : {SocketIoFormat::kJson, SocketIoFormat::kJsonLegacy, SocketIoFormat::kJson514,
                       SocketIoFormat::kPickle}) {
    if (text == to_string(f)) return f;
  }
  return std::nullopt;
}

std::string new_host_id() {
  std::string id = common::random_hex(32);
  id[12] = '4';                                                   // version 4
  id[16] = common::kHexLower[8 + common::hex_value(id[16]) % 4];  // variant 10xx
  return id;
}

std::string emit_message(SocketIoFormat format, std::string_view event,
                         std::string_view payload_json, std::string_view host_id) {
  if (format == SocketIoFormat::kPickle) {
    return event == "job_update" ? bytes(pickles::kPickleJobUpdate)
                                 : bytes(pickles::kPickleLibraryUpdated);
  }
  std::vector<std::pair<std::string_view, std::string>> m;
  m.emplace_back("method", py::string("emit"));
  m.emplace_back("event", py::string(event));
  // 5.15.1 wraps the emit's arguments in a list (several arguments, issue #1539).
  m.emplace_back("data", format == SocketIoFormat::kJson ? py::list({std::string(payload_json)})
                                                         : std::string(payload_json));
  if (format != SocketIoFormat::kJson514) m.emplace_back("binary", py::boolean(false));
  m.emplace_back("namespace", py::string("/"));
  m.emplace_back("room", std::string(py::kNull));
  m.emplace_back("skip_sid", std::string(py::kNull));
  m.emplace_back("callback", std::string(py::kNull));
  m.emplace_back("host_id", py::string(host_id));
  return py::object(m);
}

std::string noise_message(SocketIoFormat format, NoiseKind kind, std::string_view host_id) {
  if (format == SocketIoFormat::kPickle) return pickled_noise(kind);
  const std::string sid = py::string(kNoiseSid);
  const std::string room = py::string(kNoiseRoom);
  const std::string ns = py::string("/");
  const std::string host = py::string(host_id);
  switch (kind) {
    case NoiseKind::kEnterRoom:
    case NoiseKind::kLeaveRoom:
      return py::object(
          {{"method", py::string(kind == NoiseKind::kEnterRoom ? "enter_room" : "leave_room")},
           {"sid", sid},
           {"room", room},
           {"namespace", ns},
           {"host_id", host}});
    case NoiseKind::kDisconnect:
      return py::object({{"method", py::string("disconnect")},
                         {"sid", sid},
                         {"namespace", ns},
                         {"host_id", host}});
    case NoiseKind::kCloseRoom:
      return py::object({{"method", py::string("close_room")},
                         {"room", room},
                         {"namespace", ns},
                         {"host_id", host}});
    case NoiseKind::kCallback:
      return py::object({{"method", py::string("callback")},
                         {"host_id", py::string(kOtherHostId)},
                         {"sid", sid},
                         {"namespace", ns},
                         {"id", py::number(std::int64_t{1})},
                         {"args", py::list({py::string("ok")})}});
  }
  return {};
}

std::string library_updated_payload(std::chrono::system_clock::time_point now) {
  return py::object({{"timestamp", py::string(py::isoformat(now, true))}});
}

std::string resp_command(const std::vector<std::string_view>& args) {
  std::string out;
  auto header = [&](char kind, std::size_t n) {
    out.push_back(kind);
    out.append(std::to_string(n));
    out.append("\r\n");
  };
  header('*', args.size());
  for (const std::string_view a : args) {
    header('$', a.size());
    out.append(a.data(), a.size());
    out.append("\r\n");
  }
  return out;
}

std::optional<RedisEndpoint> parse_redis_url(std::string_view url) {
  const auto parsed = boost::urls::parse_uri(url);
  if (!parsed || parsed->scheme() != "redis" || parsed->host_address().empty()) {
    return std::nullopt;
  }
  RedisEndpoint out;
  out.host = parsed->host_address();
  if (parsed->has_port()) out.port = std::string(parsed->port());
  if (parsed->has_userinfo()) {
    out.user = parsed->user();
    if (parsed->has_password()) out.password = parsed->password();
  }
  // redis://:password@host: the password alone (Redis < 6 AUTH).
  return out;
}

}  // namespace foilcache::stub

#include "proxy/feeds/socketio_message.hpp"

#include <algorithm>

#include "proxy/config/event_payload.hpp"

namespace foilcache::feeds {
namespace {

// pickle.dumps with protocol 2 or later (python-socketio used the default, 3 or 4) starts
// with the PROTO opcode.
constexpr unsigned char kPickleProto = 0x80;
// Iterative: no recursion, so no nesting depth can exhaust the stack. NaN and Infinity:
// Python's json.dumps writes them for float payload values.
constexpr unsigned kParseFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseNanAndInfFlag;

// What Ignored::why quotes of a method or namespace name (they come from the channel).
constexpr std::size_t kQuotedNameBytes = 64;

std::string quoted_name(const rapidjson::Value& text) {
  return std::string(text.GetString(), std::min<std::size_t>(text.GetStringLength(), kQuotedNameBytes));
}

const rapidjson::Value* member(const rapidjson::Value& object, const char* name) {
  const auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

// The emit's payload: the first argument of 5.15.1's list, or 5.14's data itself.
const rapidjson::Value* payload_of(const rapidjson::Value& data) {
  if (!data.IsArray()) return &data;
  return data.Empty() ? nullptr : &data[0];
}

SocketIoMessage parse_emit(std::unique_ptr<rapidjson::Document> document) {
  const rapidjson::Value* event = member(*document, "event");
  if (event == nullptr || !event->IsString() || event->GetStringLength() == 0) {
    return Malformed{"an emit without an event name"};
  }
  const rapidjson::Value* data = member(*document, "data");
  if (data == nullptr) return Malformed{"an emit without data"};
  const rapidjson::Value* binary = member(*document, "binary");
  if (binary != nullptr && !binary->IsBool()) return Malformed{"an emit whose binary is not a boolean"};
  // Binary attachments stand in the payload as placeholders: its fields are not read.
  const rapidjson::Value* payload = binary != nullptr && binary->GetBool() ? nullptr : payload_of(*data);
  std::string name(event->GetString(), event->GetStringLength());
  return Emit(std::move(name), std::move(document), payload);
}

}  // namespace

config::PayloadField Emit::payload_field() const { return config::json_payload_field(payload_); }

SocketIoMessage parse_socketio_message(std::string_view bytes) {
  if (bytes.empty()) return Malformed{"an empty message"};
  if (bytes.size() > kMaxMessageBytes) return Malformed{"a message over 16 MiB"};
  if (static_cast<unsigned char>(bytes.front()) == kPickleProto) return Pickle{};
  auto document = std::make_unique<rapidjson::Document>();
  document->Parse<kParseFlags>(bytes.data(), bytes.size());
  if (document->HasParseError()) return Malformed{"not JSON"};
  if (!document->IsObject()) return Malformed{"not a JSON object"};
  const rapidjson::Value* method = member(*document, "method");
  if (method == nullptr || !method->IsString()) return Malformed{"no method"};
  const rapidjson::Value* ns = member(*document, "namespace");
  if (ns != nullptr && !ns->IsNull() && !ns->IsString()) return Malformed{"a namespace that is not a string"};
  // A missing (or null) namespace is the default one, as python-socketio reads it.
  if (ns != nullptr && ns->IsString() && std::string_view(ns->GetString(), ns->GetStringLength()) != "/") {
    return Ignored{"namespace " + quoted_name(*ns)};
  }
  const std::string_view name(method->GetString(), method->GetStringLength());
  if (name != "emit") return Ignored{"method " + quoted_name(*method)};
  return parse_emit(std::move(document));
}

}  // namespace foilcache::feeds

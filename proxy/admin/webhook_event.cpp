#include "proxy/admin/webhook_event.hpp"

#include "proxy/config/event_payload.hpp"

namespace foilcache::admin {
namespace {

// Iterative: no recursion, so no nesting depth within the body limit can exhaust the stack
// (the recursive parser takes 4 to 8 MiB for 64 KiB of '[' in a sanitized build).
constexpr unsigned kParseFlags = rapidjson::kParseIterativeFlag;

}  // namespace

config::PayloadField WebhookEvent::payload_field() const { return config::json_payload_field(document.get()); }

WebhookEvent parse_webhook_event(std::string_view body) {
  WebhookEvent out;
  out.document = std::make_unique<rapidjson::Document>();
  out.document->Parse<kParseFlags>(body.data(), body.size());
  if (out.document->HasParseError() || !out.document->IsObject()) {
    out.error = "body is not a JSON object";
    return out;
  }
  const auto member = out.document->FindMember("event");
  if (member == out.document->MemberEnd() || !member->value.IsString() || member->value.GetStringLength() == 0) {
    out.error = "body has no \"event\" string";
    return out;
  }
  out.event.assign(member->value.GetString(), member->value.GetStringLength());
  return out;
}

}  // namespace foilcache::admin

#include "proxy/config/event_payload.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>

namespace foilcache::config {
namespace {

// Doubles of integral value within this magnitude print as integers (Python's json gives
// 100.0 where YAML conditions say 100); beyond it int64 cannot hold them.
constexpr double kIntegralLimit = 9.0e18;

}  // namespace

std::optional<std::string> payload_text(const rapidjson::Value& value) {
  if (value.IsString()) return std::string(value.GetString(), value.GetStringLength());
  if (value.IsBool()) return std::string(value.GetBool() ? "true" : "false");
  if (value.IsInt64()) return std::to_string(value.GetInt64());
  if (value.IsUint64()) return std::to_string(value.GetUint64());
  if (value.IsDouble()) {
    const double d = value.GetDouble();
    if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < kIntegralLimit) {
      return std::to_string(static_cast<std::int64_t>(d));
    }
    char text[32];
    const auto [end, ec] = std::to_chars(text, text + sizeof(text), d);
    if (ec != std::errc()) return std::nullopt;
    return std::string(text, end);
  }
  return std::nullopt;
}

PayloadField json_payload_field(const rapidjson::Value* payload) {
  return [payload](std::string_view name) -> std::optional<std::string> {
    if (payload == nullptr || !payload->IsObject()) return std::nullopt;
    const auto member = payload->FindMember(rapidjson::Value(rapidjson::StringRef(name.data(), name.size())));
    if (member == payload->MemberEnd()) return std::nullopt;
    return payload_text(member->value);
  };
}

}  // namespace foilcache::config

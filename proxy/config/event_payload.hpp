// How an event's JSON payload reads under `when:` conditions (event_rules.hpp): the one
// conversion the webhook and every feed share, so both compare the same text. Pure.
#pragma once

#include <rapidjson/document.h>

#include <optional>
#include <string>

#include "proxy/config/event_rules.hpp"

namespace foilcache::config {

// A JSON scalar as the text conditions compare: a string as is, an integer (or a number
// with no fraction) in decimal, another number in its shortest round-trip form, a boolean
// as true/false; nullopt for objects, arrays and null.
std::optional<std::string> payload_text(const rapidjson::Value& value);

// The PayloadField of `payload`'s top-level members; every field is absent when `payload`
// is null or not an object. `payload` must outlive the returned function.
PayloadField json_payload_field(const rapidjson::Value* payload);

}  // namespace foilcache::config

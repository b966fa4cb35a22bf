// The webhook's body (INTERFACE.md "Webhook"), parsed once its signature has been checked:
// a JSON object with a non-empty "event" string, whose top-level fields `when:` conditions
// read. Pure; the body comes from whoever holds the secret.
#pragma once

#include <rapidjson/document.h>

#include <memory>
#include <string>
#include <string_view>

#include "proxy/config/event_rules.hpp"

namespace foilcache::admin {

struct WebhookEvent {
  const char* error = nullptr;  // why the body is refused (static text, for the 400); null: parsed
  std::string event;            // the "event" string; non-empty when parsed
  std::unique_ptr<rapidjson::Document> document;  // the whole body

  // The body's top-level fields as `when:` conditions read them; valid while this lives.
  config::PayloadField payload_field() const;
};

// Never throws; any input (the handler bounds its size).
WebhookEvent parse_webhook_event(std::string_view body);

}  // namespace foilcache::admin

// The webhook (admin::WebhookHandler): the signature check on the updater's headers
// (common::verify_webhook), then the JSON body (admin::parse_webhook_event) and the shipped
// `events:` map with its `when:` conditions. Input: one byte choosing whether the headers
// are the fuzzer's or a valid signature of the body (so the body parser is reached, as by
// anyone holding the secret), then, one field a line, the timestamp and signature headers,
// then the body (the rest of the input, up to the handler's body limit).
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/webhook_signature.hpp"
#include "fuzz/fuzz_input.hpp"
#include "fuzz/shipped_config.hpp"
#include "proxy/admin/webhook_event.hpp"
#include "proxy/admin/webhook_handler.hpp"
#include "proxy/config/event_rules.hpp"

using namespace foilcache;

namespace {

constexpr std::string_view kSecret = "fuzz-secret";
constexpr std::int64_t kNow = 1700000000;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& config = fuzz::shipped_config();
  fuzz::Fields in(data, size);
  const bool signed_body = (in.byte() & 1) != 0;
  const auto timestamp = in.next();
  const auto signature = in.next();
  const auto body = in.rest();
  if (body.size() > admin::kWebhookBodyLimit) return 0;
  const std::string valid = signed_body ? common::sign_webhook(kSecret, "1700000000", body) : std::string();
  const auto check = signed_body ? common::verify_webhook(kSecret, "1700000000", valid, body, kNow)
                                 : common::verify_webhook(kSecret, timestamp, signature, body, kNow);
  if (signed_body && check != common::WebhookCheck::kOk) __builtin_trap();
  if (check != common::WebhookCheck::kOk) return 0;
  const admin::WebhookEvent parsed = admin::parse_webhook_event(body);
  if (parsed.error != nullptr) return 0;
  (void)config::tags_for_event(config.events, parsed.event, parsed.payload_field());
  return 0;
}

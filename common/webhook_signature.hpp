// Verification of the library updater's webhook (INTERFACE.md "Webhook"): headers
// X-Foilcache-Timestamp: <unix seconds> and
// X-Foilcache-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>.
// Pure functions (the clock is a parameter), table-tested. Shared by the proxy (verify)
// and the stub's updater (sign), so a pinned test vector checks the format both use.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace foilcache::common {

enum class WebhookCheck {
  kOk,                // signature valid, timestamp within the window
  kMissing,           // a header is missing or empty
  kMalformed,         // timestamp not an integer, or signature not "sha256=" + 64 hex digits
  kStale,             // timestamp more than the window away from now (replay)
  kBadSignature,      // signature does not match (wrong secret or tampered body)
};

constexpr std::int64_t kWebhookWindowSeconds = 300;

// Checks one delivery. Compares the signature in constant time.
WebhookCheck verify_webhook(std::string_view secret, std::string_view timestamp_header,
                            std::string_view signature_header, std::string_view body, std::int64_t now_seconds,
                            std::int64_t window_seconds = kWebhookWindowSeconds);

// "sha256=<hex>" for `body` sent at `timestamp` (what a real updater computes).
std::string sign_webhook(std::string_view secret, std::string_view timestamp, std::string_view body);

const char* to_string(WebhookCheck check);

}  // namespace foilcache::common

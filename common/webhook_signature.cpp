#include "common/webhook_signature.hpp"

#include "common/hex.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <charconv>
#include <cstdlib>
#include <string>

namespace foilcache::common {
namespace {

constexpr std::string_view kScheme = "sha256=";
constexpr std::size_t kDigestBytes = 32;

// HMAC-SHA256(secret, "<timestamp>.<body>"); the body is bounded by the webhook's size limit.
bool hmac(std::string_view secret, std::string_view timestamp, std::string_view body,
          unsigned char (&out)[kDigestBytes]) {
  std::string message;
  message.reserve(timestamp.size() + 1 + body.size());
  message.append(timestamp).append(".").append(body);
  unsigned int length = 0;
  return HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
              reinterpret_cast<const unsigned char*>(message.data()), message.size(), out, &length) != nullptr &&
         length == kDigestBytes;
}

}  // namespace

WebhookCheck verify_webhook(std::string_view secret, std::string_view timestamp_header,
                            std::string_view signature_header, std::string_view body, std::int64_t now_seconds,
                            std::int64_t window_seconds) {
  if (timestamp_header.empty() || signature_header.empty()) return WebhookCheck::kMissing;
  std::int64_t timestamp = 0;
  const auto [end, ec] =
      std::from_chars(timestamp_header.data(), timestamp_header.data() + timestamp_header.size(), timestamp);
  if (ec != std::errc{} || end != timestamp_header.data() + timestamp_header.size()) return WebhookCheck::kMalformed;
  if (!signature_header.starts_with(kScheme) || signature_header.size() != kScheme.size() + 2 * kDigestBytes) {
    return WebhookCheck::kMalformed;
  }
  unsigned char given[kDigestBytes];
  for (std::size_t i = 0; i < kDigestBytes; ++i) {
    const int hi = hex_value(signature_header[kScheme.size() + 2 * i]);
    const int lo = hex_value(signature_header[kScheme.size() + 2 * i + 1]);
    if (hi < 0 || lo < 0) return WebhookCheck::kMalformed;
    given[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  if (std::llabs(now_seconds - timestamp) > window_seconds) return WebhookCheck::kStale;
  unsigned char expected[kDigestBytes];
  if (!hmac(secret, timestamp_header, body, expected)) return WebhookCheck::kBadSignature;
  return CRYPTO_memcmp(given, expected, kDigestBytes) == 0 ? WebhookCheck::kOk : WebhookCheck::kBadSignature;
}

std::string sign_webhook(std::string_view secret, std::string_view timestamp, std::string_view body) {
  unsigned char digest[kDigestBytes];
  if (!hmac(secret, timestamp, body, digest)) return {};
  std::string out(kScheme);
  append_hex_lower(out, digest);
  return out;
}

const char* to_string(WebhookCheck check) {
  switch (check) {
    case WebhookCheck::kOk:
      return "ok";
    case WebhookCheck::kMissing:
      return "missing";
    case WebhookCheck::kMalformed:
      return "malformed";
    case WebhookCheck::kStale:
      return "stale";
    case WebhookCheck::kBadSignature:
      return "bad_signature";
  }
  return "unknown";
}

}  // namespace foilcache::common

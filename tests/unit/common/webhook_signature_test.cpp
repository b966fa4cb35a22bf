// Webhook verification: one field changed from a good delivery per case.
#include "common/webhook_signature.hpp"

#include <gtest/gtest.h>

namespace foilcache::common {
namespace {

constexpr std::string_view kSecret = "webhook-secret";
constexpr std::string_view kBody = R"({"event":"library_updated","generation":7})";
constexpr std::int64_t kNow = 1'790'000'000;

struct Delivery {
  std::string secret{kSecret};
  std::string timestamp = std::to_string(kNow);
  std::string signature = sign_webhook(kSecret, std::to_string(kNow), kBody);
  std::string body{kBody};
  std::int64_t now = kNow;
};

struct Case {
  const char* name;
  void (*change)(Delivery&);
  WebhookCheck expected;
};

class WebhookSignatureVerify : public ::testing::TestWithParam<Case> {};

TEST_P(WebhookSignatureVerify, Decides) {
  Delivery d;
  GetParam().change(d);
  EXPECT_EQ(verify_webhook(d.secret, d.timestamp, d.signature, d.body, d.now), GetParam().expected)
      << to_string(verify_webhook(d.secret, d.timestamp, d.signature, d.body, d.now));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, WebhookSignatureVerify,
    ::testing::Values(
        Case{"Good", [](Delivery&) {}, WebhookCheck::kOk},
        Case{"UppercaseHex",
             [](Delivery& d) {
               for (auto& c : d.signature) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
               d.signature.replace(0, 7, "sha256=");
             },
             WebhookCheck::kOk},
        Case{"WithinWindowPast", [](Delivery& d) { d.now = kNow + 300; }, WebhookCheck::kOk},
        Case{"WithinWindowFuture", [](Delivery& d) { d.now = kNow - 300; }, WebhookCheck::kOk},
        Case{"StalePast", [](Delivery& d) { d.now = kNow + 301; }, WebhookCheck::kStale},
        Case{"StaleFuture", [](Delivery& d) { d.now = kNow - 301; }, WebhookCheck::kStale},
        Case{"MissingSignature", [](Delivery& d) { d.signature.clear(); }, WebhookCheck::kMissing},
        Case{"MissingTimestamp", [](Delivery& d) { d.timestamp.clear(); }, WebhookCheck::kMissing},
        Case{"TimestampNotANumber", [](Delivery& d) { d.timestamp = "17x"; }, WebhookCheck::kMalformed},
        Case{"NoScheme", [](Delivery& d) { d.signature.erase(0, 7); }, WebhookCheck::kMalformed},
        Case{"ShortSignature", [](Delivery& d) { d.signature.pop_back(); }, WebhookCheck::kMalformed},
        Case{"NonHexSignature", [](Delivery& d) { d.signature.back() = 'g'; }, WebhookCheck::kMalformed},
        Case{"TamperedBody", [](Delivery& d) { d.body[3] = 'E'; }, WebhookCheck::kBadSignature},
        Case{"WrongSecret", [](Delivery& d) { d.secret = "other"; }, WebhookCheck::kBadSignature},
        // The timestamp is signed: replaying an old signature with a fresh timestamp fails.
        Case{"ReplayedWithNewTimestamp", [](Delivery& d) { d.timestamp = std::to_string(kNow + 1); },
             WebhookCheck::kBadSignature},
        Case{"FlippedSignatureBit",
             [](Delivery& d) { d.signature.back() = d.signature.back() == '0' ? '1' : '0'; },
             WebhookCheck::kBadSignature}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(WebhookSignatureSign, MatchesAKnownVector) {
  // printf '1.The quick brown fox' | openssl dgst -sha256 -hmac key
  EXPECT_EQ(sign_webhook("key", "1", "The quick brown fox"),
            "sha256=1ef269d2a2a1f8d397e0e25c3e3013fb5687509234565e6e49ea45a138768457");
  EXPECT_NE(sign_webhook("key", "1", "The quick brown fox"), sign_webhook("key", "2", "The quick brown fox"));
}

TEST(WebhookSignatureSign, PinsTheDeliveryFormat) {
  // The updater and the proxy share sign/verify, so a format bug in both would pass every
  // round trip: this pins "<timestamp>.<raw body>" and lower-case hex against an outside
  // computation (python3 hmac.new(b"webhook-secret", b"1790000000." + body, sha256)).
  EXPECT_EQ(sign_webhook(kSecret, std::to_string(kNow), kBody),
            "sha256=3c5a6b668ae136ff69db569d560575d59db14ae9dd7297ddad50b63fd1eba3cf");
}

}  // namespace
}  // namespace foilcache::common

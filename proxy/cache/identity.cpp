#include "proxy/cache/identity.hpp"
#include "common/hex.hpp"
#include "common/text.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/core_names.h>
#include <openssl/params.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <utility>
#include <vector>

namespace foilcache::cache {
namespace {

constexpr std::size_t kIdBytes = 16;

// Appends "<tag><length>:<bytes>" so no two part sequences concatenate to the same input.
void append_part(std::string& out, char tag, std::string_view bytes) {
  out += tag;
  out += std::to_string(bytes.size());
  out += ':';
  out.append(bytes);
}

// One HMAC-SHA256 context per thread, keyed once: OpenSSL 3's one-shot HMAC() fetches
// the MAC and digest implementations and allocates a context on every call.
class ThreadHmac {
 public:
  ~ThreadHmac() { EVP_MAC_CTX_free(ctx_); EVP_MAC_free(mac_); }
  bool compute(const std::string& secret, std::string_view data, unsigned char* out, std::size_t& size) {
    if (ctx_ == nullptr || secret != secret_) {
      if (mac_ == nullptr) mac_ = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
      EVP_MAC_CTX_free(ctx_);
      ctx_ = mac_ ? EVP_MAC_CTX_new(mac_) : nullptr;
      char digest[] = "SHA256";
      OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                             OSSL_PARAM_construct_end()};
      static constexpr unsigned char kEmptyKey[1] = {0};
      const auto* key = secret.empty() ? kEmptyKey : reinterpret_cast<const unsigned char*>(secret.data());
      if (ctx_ == nullptr || EVP_MAC_init(ctx_, key, secret.size(), params) != 1) return false;
      secret_ = secret;
    } else if (EVP_MAC_init(ctx_, nullptr, 0, nullptr) != 1) {  // same key, fresh state
      return false;
    }
    return EVP_MAC_update(ctx_, reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1 &&
           EVP_MAC_final(ctx_, out, &size, EVP_MAX_MD_SIZE) == 1;
  }
 private:
  EVP_MAC* mac_ = nullptr;
  EVP_MAC_CTX* ctx_ = nullptr;
  std::string secret_;
};

// RFC 6265 §5.4 "name=value; name=value", possibly over several Cookie fields: calls
// fn(name, value, listed) for each non-empty member (a member without '=' has an empty
// name and is never listed).
template <typename Fn>
void for_each_cookie(const http::fields& headers, const config::IdentityConfig& identity, Fn&& fn) {
  for (auto [it, end] = headers.equal_range(http::field::cookie); it != end; ++it) {
    std::string_view rest = it->value();
    while (!rest.empty()) {
      const auto semicolon = rest.find(';');
      const std::string_view pair = common::trim_ows(rest.substr(0, semicolon));
      rest = semicolon == std::string_view::npos ? std::string_view{} : rest.substr(semicolon + 1);
      if (pair.empty()) continue;
      const auto eq = pair.find('=');
      if (eq == std::string_view::npos) {
        fn(std::string_view{}, pair, false);
        continue;
      }
      const std::string_view name = common::trim_ows(pair.substr(0, eq));
      const bool listed = std::find(identity.cookies.begin(), identity.cookies.end(), name) != identity.cookies.end();
      fn(name, common::trim_ows(pair.substr(eq + 1)), listed);
    }
  }
}

}  // namespace

bool unknown_cookies_only(const http::fields& headers, const config::IdentityConfig& identity) {
  if (headers.find(http::field::authorization) != headers.end()) return false;
  bool unknown = false;
  bool listed = false;
  for_each_cookie(headers, identity, [&](std::string_view, std::string_view, bool is_listed) {
    (is_listed ? listed : unknown) = true;
  });
  return unknown && !listed;
}

bool has_credentials(const http::fields& headers) {
  return headers.find(http::field::authorization) != headers.end() ||
         headers.find(http::field::cookie) != headers.end();
}

std::string user_id(const http::fields& headers, const config::IdentityConfig& identity) {
  std::string canonical;
  for (auto [it, end] = headers.equal_range(http::field::authorization); it != end; ++it) {
    append_part(canonical, 'A', it->value());
  }

  std::vector<std::pair<std::string_view, std::string_view>> cookies;
  for_each_cookie(headers, identity, [&](std::string_view name, std::string_view value, bool listed) {
    if (listed) cookies.emplace_back(name, value);
  });
  // Sorted by name so header order does not matter; a repeated name keeps request order
  // because the app reads the first one.
  std::stable_sort(cookies.begin(), cookies.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [name, value] : cookies) {
    append_part(canonical, 'C', name);
    append_part(canonical, 'V', value);
  }
  if (canonical.empty()) return "anon";

  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  std::size_t mac_size = 0;
  thread_local ThreadHmac hmac;
  if (!hmac.compute(identity.secret, canonical, mac.data(), mac_size) || mac_size < kIdBytes) {
    std::fputs("foilcache: HMAC-SHA256 failed, cannot compute {user}\n", stderr);
    std::abort();
  }
  return common::hex_lower(std::span<const unsigned char>(mac.data(), kIdBytes));
}

}  // namespace foilcache::cache

#include "proxy/config/config.hpp"

#include <algorithm>

namespace foilcache::config {

std::string UpstreamAddress::host_header() const {
  // An IPv6 literal needs its brackets back in Host (RFC 9110 §7.2).
  const bool ipv6 = host.find(':') != std::string::npos;
  std::string out;
  out.reserve(host.size() + 8);
  if (ipv6) out += '[';
  out += host;
  if (ipv6) out += ']';
  out += ':';
  out += std::to_string(port);
  return out;
}

std::string RedisConfig::masked_url() const {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;
  const auto authority_begin = scheme_end + 3;
  auto authority_end = url.find_first_of("/?#", authority_begin);
  if (authority_end == std::string::npos) authority_end = url.size();
  // The last '@' ends the userinfo: a password may itself contain a raw '@'.
  const auto at = url.rfind('@', authority_end == 0 ? 0 : authority_end - 1);
  if (at == std::string::npos || at < authority_begin) return url;
  const std::string_view userinfo(url.data() + authority_begin, at - authority_begin);
  // "user:pass" keeps the user; a bare "pass" or ":pass" is all secret (Redis AUTH <password>).
  const auto colon = userinfo.find(':');
  std::string out = url.substr(0, authority_begin);
  if (colon != std::string_view::npos && colon > 0) {
    out.append(userinfo.substr(0, colon));
    out += ':';
  }
  out += "***";
  out.append(url, at, std::string::npos);
  return out;
}

bool Route::renders_user() const {
  const auto uses = [](const KeyTemplate& t) { return t.uses_user(); };
  return key.uses_user() || std::any_of(tag_templates.begin(), tag_templates.end(), uses) ||
         std::any_of(invalidate_templates.begin(), invalidate_templates.end(), uses);
}

}  // namespace foilcache::config

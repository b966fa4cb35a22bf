#include "proxy/cache/policy.hpp"

#include <algorithm>
#include <charconv>

#include "proxy/cache/cache_control.hpp"
#include "proxy/cache/identity.hpp"
#include "proxy/cache/vary.hpp"
#include "common/text.hpp"

namespace foilcache::cache {
namespace {

// True when the parameters after a coding (";q=0.0;...") give it weight 0 (RFC 9110 §12.4.2).
bool zero_weight(std::string_view params) {
  while (!params.empty()) {
    const auto semicolon = params.find(';');
    const auto param = common::trim_ows(params.substr(0, semicolon));
    if (param.size() >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
      const auto value = common::trim_ows(param.substr(2));
      return !value.empty() && value[0] == '0' &&
             (value.size() == 1 || (value[1] == '.' && value.find_first_not_of('0', 2) == std::string_view::npos));
    }
    if (semicolon == std::string_view::npos) break;
    params.remove_prefix(semicolon + 1);
  }
  return false;
}

}  // namespace

RequestCacheability request_cacheability(const http::request_header<>& request, const config::Route& route,
                                         const config::IdentityConfig& identity) {
  const auto method = request.method();
  if (method != http::verb::get && method != http::verb::head) return RequestCacheability::kBypassMethod;
  if (request.find(http::field::upgrade) != request.end()) return RequestCacheability::kBypassUpgrade;
  if (parse_cache_control(request).no_store) return RequestCacheability::kBypassNoStore;
  if (route.shared || !has_credentials(request)) return RequestCacheability::kCacheable;
  if (!route.key.uses_user()) return RequestCacheability::kBypassCredentials;
  // {user} is "anon" for cookies it does not know: the app may know them (a renamed session
  // cookie), and its answer would be stored as the anonymous one, for every anonymous caller.
  if (unknown_cookies_only(request, identity)) return RequestCacheability::kBypassUnknownCookies;
  return RequestCacheability::kCacheable;
}

ResponseStorability response_storability(const http::response_header<>& response, const config::Route& route,
                                         std::size_t body_size, std::size_t limit) {
  const unsigned status = response.result_int();
  // A `ttl: origin` route lets the origin decide status, no-store, no-cache and private
  // (origin_freshness.hpp); the checks after these apply to every route.
  if (!route.origin_ttl && std::find(route.statuses.begin(), route.statuses.end(), status) == route.statuses.end()) {
    return ResponseStorability::kStatus;
  }
  if (!content_type_matches(response[http::field::content_type], route.content_types)) {
    return ResponseStorability::kContentType;
  }
  const CacheControl cache_control = parse_cache_control(response);
  if (!route.origin_ttl) {
    if (cache_control.no_store) return ResponseStorability::kNoStore;
    // RFC 9111 §5.2.2.4: no-cache allows storing only with revalidation before every reuse,
    // which fixed-TTL routes do not do: never stored.
    if (cache_control.no_cache) return ResponseStorability::kNoCache;
    // RFC 9111 §5.2.2.7: private is for the caller alone, which a {user} key guarantees.
    if (cache_control.private_ && !route.key.uses_user()) return ResponseStorability::kPrivate;
  }
  if (response.find(http::field::set_cookie) != response.end()) return ResponseStorability::kSetCookie;
  if (body_size > limit) return ResponseStorability::kTooLarge;
  for (auto [it, end] = response.equal_range(http::field::content_length); it != end; ++it) {
    const std::string_view text = it->value();
    std::size_t length = 0;
    const auto ec = std::from_chars(text.data(), text.data() + text.size(), length).ec;
    if (ec == std::errc::result_out_of_range || (ec == std::errc{} && length > limit)) {
      return ResponseStorability::kTooLarge;
    }
  }
  // RFC 9111 §4.1: a stored response may only be reused for requests that match on every
  // Vary header: the key must render them, or (origin routes) they select a stored variant.
  const auto selecting = selecting_fields(response, route);
  if (!selecting || (!route.origin_ttl && !selecting->empty())) return ResponseStorability::kVary;
  for (auto [it, end] = response.equal_range(http::field::content_encoding); it != end; ++it) {
    bool encoded = false;
    common::for_each_list_member(it->value(), [&](std::string_view coding) {
      if (!common::iequals(coding, "identity")) encoded = true;
    });
    if (encoded) return ResponseStorability::kEncoded;
  }
  return ResponseStorability::kStorable;
}

bool content_type_matches(std::string_view content_type, const std::vector<std::string>& patterns) {
  if (patterns.empty()) return true;
  const std::string_view media = common::trim_ows(content_type.substr(0, content_type.find(';')));
  const auto slash = media.find('/');
  const std::string_view type = slash == std::string_view::npos ? std::string_view{} : media.substr(0, slash);
  for (const std::string_view pattern : patterns) {
    if (pattern == "*/*") return true;
    if (type.empty()) continue;
    const bool matched = pattern.ends_with("/*") ? common::iequals(type, pattern.substr(0, pattern.size() - 2))
                                                 : common::iequals(media, pattern);
    if (matched) return true;
  }
  return false;
}

bool accepts_gzip(std::string_view accept_encoding) {
  bool gzip = false;
  bool gzip_listed = false;
  bool any = false;
  common::for_each_list_member(accept_encoding, [&](std::string_view member) {
    const auto semicolon = member.find(';');
    const auto coding = common::trim_ows(member.substr(0, semicolon));
    // A weight of 0 (q=0, q=0.0, q=0.000) refuses the coding; any other weight accepts it.
    bool refused = false;
    if (semicolon != std::string_view::npos) refused = zero_weight(member.substr(semicolon + 1));
    if (common::iequals(coding, "gzip") || common::iequals(coding, "x-gzip")) {
      gzip_listed = true;
      gzip = gzip || !refused;
    } else if (coding == "*") {
      any = !refused;
    }
  });
  return gzip || (!gzip_listed && any);
}

bool compressible_type(std::string_view content_type) {
  const auto type = common::trim_ows(content_type.substr(0, content_type.find(';')));
  const auto slash = type.find('/');
  if (slash == std::string_view::npos) return false;
  const auto major = type.substr(0, slash);
  const auto minor = type.substr(slash + 1);
  if (common::iequals(major, "text")) return true;
  const auto ends_with = [&](std::string_view suffix) {
    return minor.size() >= suffix.size() && common::iequals(minor.substr(minor.size() - suffix.size()), suffix);
  };
  if (common::iequals(major, "application")) {
    for (const char* name : {"json", "xml", "javascript", "x-javascript", "ecmascript", "x-ndjson", "ld+json"}) {
      if (common::iequals(minor, name)) return true;
    }
    return ends_with("+json") || ends_with("+xml");
  }
  return common::iequals(major, "image") && common::iequals(minor, "svg+xml");
}

const char* to_string(RequestCacheability value) {
  switch (value) {
    case RequestCacheability::kCacheable:
      return "cacheable";
    case RequestCacheability::kBypassMethod:
      return "bypass_method";
    case RequestCacheability::kBypassCredentials:
      return "bypass_credentials";
    case RequestCacheability::kBypassNoStore:
      return "bypass_no_store";
    case RequestCacheability::kBypassUpgrade:
      return "bypass_upgrade";
    case RequestCacheability::kBypassUnknownCookies:
      return "bypass_unknown_cookies";
  }
  return "unknown";
}

const char* to_string(ResponseStorability value) {
  switch (value) {
    case ResponseStorability::kStorable:
      return "storable";
    case ResponseStorability::kStatus:
      return "status";
    case ResponseStorability::kContentType:
      return "content_type";
    case ResponseStorability::kNoStore:
      return "no_store";
    case ResponseStorability::kNoCache:
      return "no_cache";
    case ResponseStorability::kPrivate:
      return "private";
    case ResponseStorability::kSetCookie:
      return "set_cookie";
    case ResponseStorability::kTooLarge:
      return "too_large";
    case ResponseStorability::kVary:
      return "vary";
    case ResponseStorability::kEncoded:
      return "encoded";
  }
  return "unknown";
}

}  // namespace foilcache::cache

#include "proxy/http/forwarding.hpp"
#include "common/text.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace foilcache::http_util {
namespace {

// The fields strip_hop_by_hop removes whatever Connection says.
bool is_hop_by_hop(http::field name) {
  switch (name) {
    case http::field::connection:
    case http::field::upgrade:
    case http::field::keep_alive:
    case http::field::proxy_connection:
    case http::field::te:
    case http::field::trailer:
    case http::field::transfer_encoding:
      return true;
    default:
      return false;
  }
}

// Which client fields reach the app (docs/HARDENING.md, "Forwarded headers").
enum class FieldOrigin {
  kClient,          // the client's own: forwarded
  kTrustedProxy,    // a claim only a front proxy may make: dropped unless trust_forwarded_headers
  kNeverForwarded,  // dropped always (answered by the proxy, or it would override the request line)
};

// Claims about the connection and the URL prefix that Werkzeug's ProxyFix and other
// frameworks believe. X-Forwarded-For/-Proto/-Host are set by the proxy itself.
constexpr std::string_view kTrustedProxyFields[] = {
    "X-Forwarded-Port", "X-Forwarded-Prefix", "X-Forwarded-Server", "X-Forwarded-Scheme", "X-Forwarded-Ssl",
    "X-Url-Scheme",     "X-Real-IP",          "X-Host",             "Cf-Visitor",         "Front-End-Https",
};
// Rewrite the URL or the method of the request line that foilcache routed and keyed on.
constexpr std::string_view kRequestLineOverrides[] = {
    "X-Original-URL", "X-Rewrite-URL", "X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override",
};

FieldOrigin classify(const http::fields::value_type& field) {
  switch (field.name()) {
    case http::field::expect:
      return FieldOrigin::kNeverForwarded;  // the proxy answers 100 Continue itself
    case http::field::forwarded:
      return FieldOrigin::kTrustedProxy;
    case http::field::unknown:
      break;
    default:
      return FieldOrigin::kClient;
  }
  const std::string_view name = field.name_string();
  // A WSGI server maps X_Forwarded_Prefix and X-Forwarded-Prefix to one environ key: a name
  // with '_' would slip past every rule here (nginx drops them too: underscores_in_headers).
  if (name.find('_') != std::string_view::npos) return FieldOrigin::kNeverForwarded;
  const auto named = [&](std::string_view other) { return common::iequals(name, other); };
  if (std::any_of(std::begin(kRequestLineOverrides), std::end(kRequestLineOverrides), named)) {
    return FieldOrigin::kNeverForwarded;
  }
  if (std::any_of(std::begin(kTrustedProxyFields), std::end(kTrustedProxyFields), named)) {
    return FieldOrigin::kTrustedProxy;
  }
  return FieldOrigin::kClient;
}

}  // namespace

void strip_hop_by_hop(http::fields& fields, bool keep_upgrade) {
  // Most requests carry none of them (nor Connection, so nothing is named either): one pass
  // over the fields then replaces a tree lookup per name. This runs on every request.
  if (std::none_of(fields.begin(), fields.end(), [](const auto& field) { return is_hop_by_hop(field.name()); })) {
    return;
  }
  // Fields named by Connection are hop-by-hop too (RFC 9110 §7.6.1).
  std::vector<std::string> named;
  for (auto it = fields.find(http::field::connection); it != fields.end() && it->name() == http::field::connection;
       ++it) {
    common::for_each_list_member(it->value(), [&](std::string_view token) {
      if (keep_upgrade && common::iequals(token, "upgrade")) return;
      named.emplace_back(token);
    });
  }
  for (const auto& name : named) fields.erase(name);
  if (!keep_upgrade) {
    fields.erase(http::field::connection);
    fields.erase(http::field::upgrade);
  } else if (fields.count(http::field::upgrade) != 0) {
    fields.set(http::field::connection, "Upgrade");
  }
  fields.erase(http::field::keep_alive);
  fields.erase(http::field::proxy_connection);
  fields.erase(http::field::te);
  fields.erase(http::field::trailer);
  fields.erase(http::field::transfer_encoding);
}

void prepare_upstream_request(http::request_header<>& request, const ClientInfo& client, bool trust_forwarded,
                              bool keep_upgrade) {
  strip_hop_by_hop(request, keep_upgrade);
  // As in strip_hop_by_hop: usually none of the fields removed below is there, and one
  // pass over the fields is cheaper than a tree lookup for each of them.
  const bool any_removed = std::any_of(request.begin(), request.end(), [&](const auto& field) {
    const auto origin = classify(field);
    return origin == FieldOrigin::kNeverForwarded || (origin == FieldOrigin::kTrustedProxy && !trust_forwarded);
  });
  if (any_removed) {
    for (auto it = request.begin(); it != request.end();) {
      const auto origin = classify(*it);
      const bool drop =
          origin == FieldOrigin::kNeverForwarded || (origin == FieldOrigin::kTrustedProxy && !trust_forwarded);
      it = drop ? request.erase(it) : std::next(it);
    }
  }

  std::string xff;
  if (auto it = request.find("X-Forwarded-For"); it != request.end() && trust_forwarded) {
    xff.assign(it->value());
    xff.append(", ");
  }
  xff.append(client.address);
  request.set("X-Forwarded-For", xff);

  if (!trust_forwarded) {
    request.set("X-Forwarded-Proto", client.scheme);
    if (auto host = request.find(http::field::host); host != request.end()) {
      // set() copies the value before it removes an older X-Forwarded-Host; Host stays.
      request.set("X-Forwarded-Host", host->value());
    } else {
      request.erase("X-Forwarded-Host");
    }
  }
}

}  // namespace foilcache::http_util

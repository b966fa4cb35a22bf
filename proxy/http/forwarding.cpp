#include "proxy/http/forwarding.hpp"
#include "common/text.hpp"

#include <boost/algorithm/string/predicate.hpp>
#include <algorithm>
#include <string>
#include <vector>

namespace foilcache::http_util {
namespace {

bool iequals(std::string_view a, std::string_view b) { return boost::algorithm::iequals(a, b); }

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
      if (keep_upgrade && iequals(token, "upgrade")) return;
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
    if (field.name() == http::field::expect) return true;
    if (trust_forwarded) return false;
    const auto name = field.name_string();
    return field.name() == http::field::forwarded || beast::iequals(name, "X-Forwarded-Port") ||
           beast::iequals(name, "X-Real-IP") || beast::iequals(name, "Cf-Visitor");
  });
  if (any_removed) request.erase(http::field::expect);

  std::string xff;
  if (auto it = request.find("X-Forwarded-For"); it != request.end() && trust_forwarded) {
    xff.assign(it->value());
    xff.append(", ");
  }
  xff.append(client.address);
  request.set("X-Forwarded-For", xff);

  if (!trust_forwarded) {
    if (any_removed) {
      request.erase(http::field::forwarded);
      request.erase("X-Forwarded-Port");
      request.erase("X-Real-IP");
      request.erase("Cf-Visitor");
    }
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

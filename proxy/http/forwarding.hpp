// Header rewriting between client and upstream (pure functions; table-tested).
//
// RFC 9110 §7.6.1: a proxy removes the hop-by-hop fields (Connection, every field the
// Connection header names, Keep-Alive, Proxy-Connection, TE, Transfer-Encoding, Upgrade,
// Trailer) before forwarding, and sets its own framing.
#pragma once

#include <string_view>

#include "common/net.hpp"

namespace foilcache::http_util {

// Removes the hop-by-hop fields of `fields` (including those named in Connection).
// When `keep_upgrade` is true, Connection: upgrade and Upgrade survive (WebSocket tunnel).
void strip_hop_by_hop(http::fields& fields, bool keep_upgrade = false);

// What the proxy knows about the downstream connection.
struct ClientInfo {
  std::string_view address;  // peer IP as text
  std::string_view scheme;   // "http" (foilcache does not terminate TLS)
};

// Prepares a client request header for the upstream, in place:
// - strips hop-by-hop fields (keeps Upgrade for WebSocket when `keep_upgrade`);
// - appends the client address to X-Forwarded-For;
// - unless `trust_forwarded`, replaces X-Forwarded-Proto / X-Forwarded-Host with what the
//   proxy itself saw (scheme, Host) and removes Forwarded, X-Forwarded-Port, -Prefix,
//   -Server, -Scheme, -Ssl, X-Url-Scheme, X-Real-IP, X-Host, Cf-Visitor and Front-End-Https,
//   so a client cannot forge the scheme, host or prefix the app embeds in its responses
//   (the app runs ProxyFix(x_prefix=1));
// - always removes X-Original-URL, X-Rewrite-URL, X-HTTP-Method-Override, X-HTTP-Method,
//   X-Method-Override (they would override the request line the proxy routed and keyed on),
//   every field whose name holds '_' (a WSGI server reads it as the '-' spelling), and
//   Expect: 100-continue (the proxy answers 100 itself before reading the body).
void prepare_upstream_request(http::request_header<>& request, const ClientInfo& client, bool trust_forwarded,
                              bool keep_upgrade);

}  // namespace foilcache::http_util

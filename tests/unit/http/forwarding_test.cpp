// Header rewriting between client and upstream: hop-by-hop removal (RFC 9110 §7.6.1) and
// the X-Forwarded-* fields the app builds its URLs from.
#include "proxy/http/forwarding.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace foilcache::http_util {
namespace {

http::request_header<> base_request() {
  http::request_header<> request;
  request.method(http::verb::get);
  request.target("/");
  request.version(11);
  request.set(http::field::host, "library.example:8080");
  request.set(http::field::accept, "application/json");
  return request;
}

TEST(ForwardingStripHopByHop, RemovesFixedHopByHopFields) {
  auto request = base_request();
  request.set(http::field::connection, "keep-alive");
  request.set(http::field::keep_alive, "timeout=5");
  request.set(http::field::te, "trailers");
  request.set(http::field::transfer_encoding, "chunked");
  request.set(http::field::trailer, "X-Checksum");
  request.set(http::field::proxy_connection, "keep-alive");
  request.set(http::field::upgrade, "websocket");
  strip_hop_by_hop(request);
  for (auto field : {http::field::connection, http::field::keep_alive, http::field::te,
                     http::field::transfer_encoding, http::field::trailer, http::field::proxy_connection,
                     http::field::upgrade}) {
    EXPECT_EQ(request.count(field), 0u) << http::to_string(field);
  }
  EXPECT_EQ(request[http::field::accept], "application/json");
}

TEST(ForwardingStripHopByHop, RemovesFieldsNamedByConnection) {
  auto request = base_request();
  request.set(http::field::connection, "close, X-Secret-Hop ,x-other");
  request.set("X-Secret-Hop", "1");
  request.set("X-Other", "2");
  request.set("X-Kept", "3");
  strip_hop_by_hop(request);
  EXPECT_EQ(request.count("X-Secret-Hop"), 0u);
  EXPECT_EQ(request.count("X-Other"), 0u);
  EXPECT_EQ(request["X-Kept"], "3");
}

TEST(ForwardingStripHopByHop, KeepsUpgradeForTunnels) {
  auto request = base_request();
  request.set(http::field::connection, "keep-alive, Upgrade");
  request.set(http::field::upgrade, "websocket");
  strip_hop_by_hop(request, /*keep_upgrade=*/true);
  EXPECT_EQ(request[http::field::upgrade], "websocket");
  EXPECT_EQ(request[http::field::connection], "Upgrade");
}

TEST(ForwardingPrepareUpstreamRequest, ForgedForwardedHeadersAreReplaced) {
  auto request = base_request();
  request.set("X-Forwarded-Host", "evil.example");
  request.set("X-Forwarded-Proto", "https");
  request.set("X-Forwarded-For", "6.6.6.6");
  request.set("X-Forwarded-Port", "443");
  request.set(http::field::forwarded, "for=6.6.6.6;proto=https;host=evil.example");
  request.set("Cf-Visitor", "{\"scheme\":\"https\"}");
  request.set("X-Real-IP", "6.6.6.6");
  prepare_upstream_request(request, {"10.0.0.7", "http"}, /*trust_forwarded=*/false, false);
  EXPECT_EQ(request["X-Forwarded-Host"], "library.example:8080");
  EXPECT_EQ(request["X-Forwarded-Proto"], "http");
  EXPECT_EQ(request["X-Forwarded-For"], "10.0.0.7");
  EXPECT_EQ(request.count("X-Forwarded-Port"), 0u);
  EXPECT_EQ(request.count(http::field::forwarded), 0u);
  EXPECT_EQ(request.count("Cf-Visitor"), 0u);
  EXPECT_EQ(request.count("X-Real-IP"), 0u);
}

TEST(ForwardingPrepareUpstreamRequest, TrustedForwardedHeadersAreKeptAndForIsAppended) {
  auto request = base_request();
  request.set("X-Forwarded-Host", "public.example");
  request.set("X-Forwarded-Proto", "https");
  request.set("X-Forwarded-For", "203.0.113.9");
  prepare_upstream_request(request, {"10.0.0.7", "http"}, /*trust_forwarded=*/true, false);
  EXPECT_EQ(request["X-Forwarded-Host"], "public.example");
  EXPECT_EQ(request["X-Forwarded-Proto"], "https");
  EXPECT_EQ(request["X-Forwarded-For"], "203.0.113.9, 10.0.0.7");
}

TEST(ForwardingPrepareUpstreamRequest, NoHostMeansNoForwardedHost) {
  auto request = base_request();
  request.erase(http::field::host);
  request.set("X-Forwarded-Host", "evil.example");
  prepare_upstream_request(request, {"127.0.0.1", "http"}, false, false);
  EXPECT_EQ(request.count("X-Forwarded-Host"), 0u);
}

TEST(ForwardingPrepareUpstreamRequest, ExpectContinueIsAnsweredByTheProxy) {
  auto request = base_request();
  request.set(http::field::expect, "100-continue");
  prepare_upstream_request(request, {"127.0.0.1", "http"}, false, false);
  EXPECT_EQ(request.count(http::field::expect), 0u);
}

// Fields only a trusted front proxy may set, with the value a client would forge.
const std::vector<std::pair<std::string, std::string>> kProxyClaims = {
    {"X-Forwarded-Prefix", "/evil"},   {"X-Forwarded-Server", "evil.example"}, {"X-Forwarded-Scheme", "https"},
    {"X-Forwarded-Ssl", "on"},         {"X-Url-Scheme", "https"},              {"X-Host", "evil.example"},
    {"Front-End-Https", "on"},         {"x-forwarded-prefix", "/evil2"},
};
// Fields that would override the request line, and names with '_' (a WSGI server reads
// X_Forwarded_Prefix as X-Forwarded-Prefix).
const std::vector<std::pair<std::string, std::string>> kNeverForwarded = {
    {"X-Original-URL", "/api/cache/clear"}, {"X-Rewrite-URL", "/admin"}, {"X-HTTP-Method-Override", "DELETE"},
    {"X-HTTP-Method", "DELETE"},            {"X-Method-Override", "PUT"}, {"X_Forwarded_Prefix", "/evil"},
    {"X_Forwarded_Host", "evil.example"},   {"Some_Header", "1"},
};

TEST(ForwardingPrepareUpstreamRequest, ProxyClaimsAreDroppedUnlessTrusted) {
  for (const bool trust : {false, true}) {
    auto request = base_request();
    for (const auto& [name, value] : kProxyClaims) request.insert(name, value);
    request.set("X-Kept", "1");
    prepare_upstream_request(request, {"10.0.0.7", "http"}, trust, false);
    for (const auto& [name, value] : kProxyClaims) {
      EXPECT_EQ(request.count(name) != 0, trust) << name << (trust ? " trusted" : " untrusted");
    }
    EXPECT_EQ(request["X-Kept"], "1");
  }
}

TEST(ForwardingPrepareUpstreamRequest, RequestLineOverridesAndUnderscoresNeverReachTheApp) {
  for (const bool trust : {false, true}) {
    auto request = base_request();
    for (const auto& [name, value] : kNeverForwarded) request.insert(name, value);
    prepare_upstream_request(request, {"10.0.0.7", "http"}, trust, false);
    for (const auto& [name, value] : kNeverForwarded) EXPECT_EQ(request.count(name), 0u) << name;
    EXPECT_EQ(request[http::field::accept], "application/json");
    EXPECT_EQ(request[http::field::host], "library.example:8080");
  }
}

}  // namespace
}  // namespace foilcache::http_util

#include "proxy/cache/policy.hpp"

#include <gtest/gtest.h>

namespace foilcache::cache {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

enum class RouteKind {
  kPlain,   // key without {user}, not shared
  kUser,    // key with {user}
  kShared,  // shared: true
  kImages,  // shared, content_types: [image/*, application/pdf]
  kHeader,  // key renders {header.X-Forwarded-Proto}
};

config::Route make_route(RouteKind kind) {
  config::Route route;
  route.name = "r";
  route.method = "GET";
  route.path = config::PathPattern::parse("/api/x");
  route.statuses = {200, 404};
  std::string key = "k:{query.page}";
  if (kind == RouteKind::kUser) key += ":{user}";
  if (kind == RouteKind::kHeader) key += ":{header.X-Forwarded-Proto}";
  route.key = config::KeyTemplate::parse(key, route.path);
  route.shared = kind == RouteKind::kShared || kind == RouteKind::kImages;
  if (kind == RouteKind::kImages) route.content_types = {"image/*", "application/pdf"};
  return route;
}

struct RequestCase {
  std::string name;
  RouteKind route;
  http::verb method;
  Headers headers;
  RequestCacheability expected;
};

void PrintTo(const RequestCase& c, std::ostream* os) { *os << c.name; }

class PolicyRequestCacheabilityTest : public ::testing::TestWithParam<RequestCase> {};

TEST_P(PolicyRequestCacheabilityTest, Decides) {
  const auto& c = GetParam();
  http::request_header<> request;
  request.method(c.method);
  request.target("/api/x");
  for (const auto& [name, value] : c.headers) request.insert(name, value);
  config::IdentityConfig identity;  // cookies: session, remember_token
  const auto got = request_cacheability(request, make_route(c.route), identity);
  EXPECT_EQ(got, c.expected) << to_string(got);
}

using RC = RequestCacheability;
INSTANTIATE_TEST_SUITE_P(
    Cases, PolicyRequestCacheabilityTest,
    ::testing::Values(RequestCase{"PlainGet", RouteKind::kPlain, http::verb::get, {}, RC::kCacheable},
                      RequestCase{"PlainHead", RouteKind::kPlain, http::verb::head, {}, RC::kCacheable},
                      RequestCase{"Post", RouteKind::kPlain, http::verb::post, {}, RC::kBypassMethod},
                      RequestCase{"Delete", RouteKind::kShared, http::verb::delete_, {}, RC::kBypassMethod},
                      RequestCase{"Options", RouteKind::kUser, http::verb::options, {}, RC::kBypassMethod},
                      RequestCase{"AuthorizationOnPlainRoute",
                                  RouteKind::kPlain,
                                  http::verb::get,
                                  {{"Authorization", "Basic x"}},
                                  RC::kBypassCredentials},
                      RequestCase{"CookieOnPlainRoute",
                                  RouteKind::kPlain,
                                  http::verb::get,
                                  {{"Cookie", "theme=dark"}},
                                  RC::kBypassCredentials},
                      RequestCase{"EmptyAuthorizationStillCounts",
                                  RouteKind::kPlain,
                                  http::verb::get,
                                  {{"Authorization", ""}},
                                  RC::kBypassCredentials},
                      RequestCase{"CredentialsOnHeaderRoute",
                                  RouteKind::kHeader,
                                  http::verb::get,
                                  {{"Cookie", "session=s"}},
                                  RC::kBypassCredentials},
                      RequestCase{"AuthorizationOnUserRoute",
                                  RouteKind::kUser,
                                  http::verb::get,
                                  {{"Authorization", "Basic x"}},
                                  RC::kCacheable},
                      RequestCase{"CookieOnSharedRoute",
                                  RouteKind::kShared,
                                  http::verb::get,
                                  {{"Cookie", "session=s"}},
                                  RC::kCacheable},
                      RequestCase{"UnknownCookieOnUserRoute",
                                  RouteKind::kUser,
                                  http::verb::get,
                                  {{"Cookie", "app_session=s; theme=dark"}},
                                  RC::kBypassUnknownCookies},
                      RequestCase{"CookieWithoutEqualsOnUserRoute",
                                  RouteKind::kUser,
                                  http::verb::get,
                                  {{"Cookie", "opaque-token"}},
                                  RC::kBypassUnknownCookies},
                      RequestCase{"UnknownCookieInSecondFieldOnUserRoute",
                                  RouteKind::kUser,
                                  http::verb::get,
                                  {{"Cookie", ";"}, {"Cookie", "sessionx=s"}},
                                  RC::kBypassUnknownCookies},
                      RequestCase{"ListedCookieOnUserRoute",
                                  RouteKind::kUser,
                                  http::verb::get,
                                  {{"Cookie", "session=s"}},
                                  RC::kCacheable},
                      RequestCase{"ListedAmongUnknownCookiesOnUserRoute",
                                  RouteKind::kUser,
                                  http::verb::get,
                                  {{"Cookie", "theme=dark; remember_token=r"}},
                                  RC::kCacheable},
                      RequestCase{"AuthorizationWithUnknownCookieOnUserRoute",
                                  RouteKind::kUser,
                                  http::verb::get,
                                  {{"Authorization", "Basic x"}, {"Cookie", "theme=dark"}},
                                  RC::kCacheable},
                      RequestCase{"EmptyCookieOnUserRoute", RouteKind::kUser, http::verb::get, {{"Cookie", " ; "}},
                                  RC::kCacheable},
                      RequestCase{"UnknownCookieOnSharedRoute",
                                  RouteKind::kShared,
                                  http::verb::get,
                                  {{"Cookie", "theme=dark"}},
                                  RC::kCacheable},
                      RequestCase{"RequestNoStore",
                                  RouteKind::kPlain,
                                  http::verb::get,
                                  {{"Cache-Control", "no-store"}},
                                  RC::kBypassNoStore},
                      RequestCase{"RequestNoStoreAmongOthers",
                                  RouteKind::kUser,
                                  http::verb::get,
                                  {{"Cache-Control", "max-age=0, No-Store"}},
                                  RC::kBypassNoStore},
                      RequestCase{"RequestNoStoreLookalike",
                                  RouteKind::kPlain,
                                  http::verb::get,
                                  {{"Cache-Control", "no-store-ish"}},
                                  RC::kCacheable},
                      RequestCase{"RequestNoCacheIsServed",
                                  RouteKind::kPlain,
                                  http::verb::get,
                                  {{"Cache-Control", "no-cache"}},
                                  RC::kCacheable},
                      RequestCase{"WebSocketUpgrade",
                                  RouteKind::kShared,
                                  http::verb::get,
                                  {{"Upgrade", "websocket"}, {"Connection", "Upgrade"}},
                                  RC::kBypassUpgrade}),
    [](const auto& info) { return info.param.name; });

struct ResponseCase {
  std::string name;
  RouteKind route;
  unsigned status;
  Headers headers;
  std::size_t body_size;
  ResponseStorability expected;
};

void PrintTo(const ResponseCase& c, std::ostream* os) { *os << c.name; }

constexpr std::size_t kLimit = 1000;

class PolicyResponseStorabilityTest : public ::testing::TestWithParam<ResponseCase> {};

TEST_P(PolicyResponseStorabilityTest, Decides) {
  const auto& c = GetParam();
  http::response_header<> response;
  response.result(c.status);
  for (const auto& [name, value] : c.headers) response.insert(name, value);
  const auto got = response_storability(response, make_route(c.route), c.body_size, kLimit);
  EXPECT_EQ(got, c.expected) << to_string(got);
}

using RS = ResponseStorability;
INSTANTIATE_TEST_SUITE_P(
    Cases, PolicyResponseStorabilityTest,
    ::testing::Values(
        ResponseCase{"Ok", RouteKind::kPlain, 200, {{"Content-Type", "application/json"}}, 10, RS::kStorable},
        ResponseCase{"ConfiguredNotFound", RouteKind::kPlain, 404, {}, 10, RS::kStorable},
        ResponseCase{"ServerError", RouteKind::kPlain, 500, {}, 10, RS::kStatus},
        ResponseCase{"PartialContent", RouteKind::kPlain, 206, {}, 10, RS::kStatus},
        ResponseCase{"NoStore", RouteKind::kPlain, 200, {{"Cache-Control", "no-store"}}, 10, RS::kNoStore},
        ResponseCase{"NoCache", RouteKind::kPlain, 200, {{"Cache-Control", "no-cache"}}, 10, RS::kNoCache},
        ResponseCase{"NoCacheWithFieldNames", RouteKind::kPlain, 200, {{"Cache-Control", "no-cache=\"Set-Cookie\", max-age=60"}}, 10, RS::kNoCache},
        ResponseCase{"NoStoreOnUserRoute",
                     RouteKind::kUser,
                     200,
                     {{"Cache-Control", "private, no-store"}},
                     10,
                     RS::kNoStore},
        ResponseCase{"NoStoreLookalike",
                     RouteKind::kPlain,
                     200,
                     {{"Cache-Control", "no-store-ish"}},
                     10,
                     RS::kStorable},
        ResponseCase{
            "Private", RouteKind::kPlain, 200, {{"Cache-Control", "private, max-age=60"}}, 10, RS::kPrivate},
        ResponseCase{"PrivateWithFieldList",
                     RouteKind::kShared,
                     200,
                     {{"Cache-Control", "private=\"X-User\""}},
                     10,
                     RS::kPrivate},
        ResponseCase{
            "PrivateOnUserRoute", RouteKind::kUser, 200, {{"Cache-Control", "private"}}, 10, RS::kStorable},
        ResponseCase{
            "Public", RouteKind::kPlain, 200, {{"Cache-Control", "public, max-age=60"}}, 10, RS::kStorable},
        ResponseCase{
            "SetCookie", RouteKind::kPlain, 200, {{"Set-Cookie", "session=abc"}}, 10, RS::kSetCookie},
        ResponseCase{"SetCookieOnUserRoute",
                     RouteKind::kUser,
                     200,
                     {{"Set-Cookie", "session=abc"}},
                     10,
                     RS::kSetCookie},
        ResponseCase{"AtLimit", RouteKind::kPlain, 200, {}, kLimit, RS::kStorable},
        ResponseCase{"OverLimit", RouteKind::kPlain, 200, {}, kLimit + 1, RS::kTooLarge},
        ResponseCase{
            "ContentLengthOverLimit", RouteKind::kPlain, 200, {{"Content-Length", "5000"}}, 0, RS::kTooLarge},
        ResponseCase{"ContentLengthHuge",
                     RouteKind::kPlain,
                     200,
                     {{"Content-Length", "99999999999999999999999"}},
                     0,
                     RS::kTooLarge},
        ResponseCase{"VaryStar", RouteKind::kShared, 200, {{"Vary", "*"}}, 10, RS::kVary},
        ResponseCase{
            "VaryAcceptEncoding", RouteKind::kPlain, 200, {{"Vary", "Accept-Encoding"}}, 10, RS::kStorable},
        ResponseCase{"VaryUnkeyedHeader",
                     RouteKind::kPlain,
                     200,
                     {{"Vary", "Accept-Encoding, X-Forwarded-Proto"}},
                     10,
                     RS::kVary},
        ResponseCase{"VaryKeyedHeader",
                     RouteKind::kHeader,
                     200,
                     {{"Vary", "x-forwarded-proto, Accept-Encoding"}},
                     10,
                     RS::kStorable},
        ResponseCase{"VaryCookieOnPlainRoute", RouteKind::kPlain, 200, {{"Vary", "Cookie"}}, 10, RS::kVary},
        ResponseCase{"VaryCookieOnUserRoute", RouteKind::kUser, 200, {{"Vary", "Cookie"}}, 10, RS::kStorable},
        // shared: true says the caller does not matter; an answer that says otherwise would be
        // served to everyone (README: "a Vary on a header the key does not contain").
        ResponseCase{"VaryAuthorizationOnSharedRoute",
                     RouteKind::kShared,
                     200,
                     {{"Vary", "Authorization"}},
                     10,
                     RS::kVary},
        ResponseCase{"VaryCookieOnSharedRoute", RouteKind::kShared, 200, {{"Vary", "Accept-Encoding, cookie"}}, 10,
                     RS::kVary},
        ResponseCase{"VaryAuthorizationOnUserRoute", RouteKind::kUser, 200, {{"Vary", "Authorization"}}, 10,
                     RS::kStorable},
        ResponseCase{"VaryRepeatedField",
                     RouteKind::kUser,
                     200,
                     {{"Vary", "Cookie"}, {"Vary", "User-Agent"}},
                     10,
                     RS::kVary},
        ResponseCase{"VaryStarAmongOthers", RouteKind::kUser, 200, {{"Vary", "Cookie, *"}}, 10, RS::kVary},
        ResponseCase{"ContentEncodingGzip", RouteKind::kPlain, 200, {{"Content-Encoding", "gzip"}}, 10, RS::kEncoded},
        ResponseCase{"ContentEncodingListed", RouteKind::kPlain, 200, {{"Content-Encoding", "identity, br"}}, 10,
                     RS::kEncoded},
        ResponseCase{"ContentEncodingIdentity", RouteKind::kPlain, 200, {{"Content-Encoding", "Identity"}}, 10,
                     RS::kStorable},
        ResponseCase{"ImageOnImageRoute", RouteKind::kImages, 200, {{"Content-Type", "image/png"}}, 10, RS::kStorable},
        ResponseCase{"ImageTypeIsCaseInsensitive", RouteKind::kImages, 200, {{"Content-Type", "Image/WebP; q=1"}}, 10,
                     RS::kStorable},
        ResponseCase{"ExactTypeListed", RouteKind::kImages, 200, {{"Content-Type", "application/pdf"}}, 10,
                     RS::kStorable},
        ResponseCase{"HtmlOnImageRoute", RouteKind::kImages, 200, {{"Content-Type", "text/html; charset=utf-8"}}, 10,
                     RS::kContentType},
        ResponseCase{"NoContentTypeOnImageRoute", RouteKind::kImages, 200, {}, 10, RS::kContentType},
        ResponseCase{"TypeWithoutSubtype", RouteKind::kImages, 200, {{"Content-Type", "image"}}, 10, RS::kContentType},
        ResponseCase{"LookalikeType", RouteKind::kImages, 200, {{"Content-Type", "imagex/png"}}, 10,
                     RS::kContentType},
        ResponseCase{"AnyTypeOnPlainRoute", RouteKind::kPlain, 200, {{"Content-Type", "text/html"}}, 10,
                     RS::kStorable}),
    [](const auto& info) { return info.param.name; });

TEST(Policy, ToStringNamesEveryValue) {
  EXPECT_STREQ(to_string(RequestCacheability::kBypassCredentials), "bypass_credentials");
  EXPECT_STREQ(to_string(RequestCacheability::kBypassUnknownCookies), "bypass_unknown_cookies");
  EXPECT_STREQ(to_string(ResponseStorability::kTooLarge), "too_large");
  EXPECT_STREQ(to_string(ResponseStorability::kEncoded), "encoded");
  EXPECT_STREQ(to_string(ResponseStorability::kContentType), "content_type");
}

TEST(Policy, AcceptsGzip) {
  for (const char* yes : {"gzip", "GZip", "x-gzip", "deflate, gzip", "gzip;q=0.5", "gzip ; q=1", "*", "*;q=0.1",
                          "br;q=1.0, gzip;q=0.8, *;q=0.1", "gzip;q=0.001"}) {
    EXPECT_TRUE(accepts_gzip(yes)) << yes;
  }
  for (const char* no : {"", "identity", "br", "deflate, br", "gzip;q=0", "gzip;q=0.0", "gzip; q=0.000", "GZIP;Q=0",
                         "*;q=0", "*, gzip;q=0", "gzip;q=0, *", "gzipx", "x-gzip;q=0", "identity;q=1, *;q=0"}) {
    EXPECT_FALSE(accepts_gzip(no)) << no;
  }
}

TEST(Policy, ContentTypeMatches) {
  const std::vector<std::string> patterns{"image/*", "application/json"};
  for (const char* yes : {"image/png", "IMAGE/JPEG", " image/gif ; charset=x", "application/json",
                          "Application/Json;charset=utf-8"}) {
    EXPECT_TRUE(content_type_matches(yes, patterns)) << yes;
  }
  for (const char* no : {"", "image", "/png", "images/png", "application/jsonx", "text/json", "*/*"}) {
    EXPECT_FALSE(content_type_matches(no, patterns)) << no;
  }
  EXPECT_TRUE(content_type_matches("", {})) << "no list: anything";
  EXPECT_TRUE(content_type_matches("", {"*/*"}));
}

TEST(Policy, CompressibleTypes) {
  for (const char* yes : {"application/json", "application/json; charset=utf-8", "Application/JSON", "text/html",
                          "text/plain;charset=utf-8", "application/javascript", "application/xml",
                          "application/problem+json", "application/atom+xml", "image/svg+xml", " text/css "}) {
    EXPECT_TRUE(compressible_type(yes)) << yes;
  }
  for (const char* no : {"", "application/octet-stream", "image/png", "image/jpeg", "application/zip",
                         "application/x-nintendo-nsp", "video/mp4", "json", "application/jsonx"}) {
    EXPECT_FALSE(compressible_type(no)) << no;
  }
}

}  // namespace
}  // namespace foilcache::cache

// Compression: a compressible body of 1 KiB or more is stored gzip-compressed once and sent
// as stored to clients that accept gzip; every other client gets the identity body. Both
// variants carry Vary: Accept-Encoding and their own ETag. Checked with the L1 tier on and
// off (off: every hit is decoded from Redis, so a non-gzip hit inflates the stored gzip).
#include <gtest/gtest.h>

#include "proxy/cache/gzip.hpp"
#include "tests/integration/deployment.hpp"

namespace foilcache::testing {
namespace {

constexpr const char* kToken = "admin-token-for-tests";
// 4000 bytes of JSON-typed, very compressible text from the stub.
constexpr const char* kJson = "/__stub/respond?size=4000&content_type=application/json";

DeploymentOptions compress_deployment(bool l1, std::string_view route_extra = {}) {
  DeploymentOptions options;
  options.env.emplace_back("FOILCACHE_ADMIN_TOKEN", kToken);
  options.config_yaml = config_head("fc-gzip:", "1s") + "admin:\n  token: ${FOILCACHE_ADMIN_TOKEN}\nl1:\n  enabled: " +
                        (l1 ? "true" : "false") +
                        "\nroutes:\n  - name: respond\n    match: GET /__stub/respond\n    ttl: 5m\n"
                        "    key: \"respond:{query}\"\n    shared: true\n" +
                        std::string(route_extra);
  return options;
}

Headers gzip_client() { return {{"Accept-Encoding", "gzip, deflate, br"}}; }

std::string expected_body(std::size_t size) {
  std::string body(size, '\0');
  for (std::size_t i = 0; i < size; ++i) body[i] = static_cast<char>('a' + i % 26);
  return body;
}

// The identity body of a gzip answer (fails the test when it does not inflate).
std::string inflate(const Response& response) {
  auto body = cache::gzip_decompress(response.body, 4000);
  EXPECT_TRUE(body.has_value()) << "not a 4000-byte gzip body";
  return body.value_or("");
}

void each_store_mode(const std::function<void(bool l1)>& check) {
  for (const bool l1 : {true, false}) {
    SCOPED_TRACE(l1 ? "L1 on" : "L1 off");
    check(l1);
  }
}

TEST(Compression, GzipOnlyToClientsThatAskForIt) {
  each_store_mode([](bool l1) {
    Deployment d(compress_deployment(l1));
    const auto identity = expected_body(4000);
    // The MISS (a client without Accept-Encoding) stores it; the app sent it once.
    auto miss = d.get(kJson);
    ASSERT_EQ(miss.status, 200u) << d.proxy_log();
    EXPECT_EQ(miss.header("X-Cache"), "MISS");
    EXPECT_FALSE(miss.has("Content-Encoding"));
    EXPECT_EQ(miss.body, identity);
    EXPECT_EQ(miss.header("Vary"), "Accept-Encoding");

    auto zipped = d.get(kJson, gzip_client());
    EXPECT_EQ(zipped.header("X-Cache"), "HIT");
    EXPECT_EQ(zipped.header("Content-Encoding"), "gzip");
    EXPECT_EQ(zipped.header("Vary"), "Accept-Encoding");
    EXPECT_LT(zipped.body.size(), 500u) << "4000 bytes of a-z repeated compress far below that";
    EXPECT_EQ(std::stoul(zipped.header("Content-Length")), zipped.body.size());
    EXPECT_EQ(inflate(zipped), identity);

    // Never gzip to a client that did not ask for it, refused it or asked for another coding.
    for (const Headers& headers : std::vector<Headers>{{},
                                                       {{"Accept-Encoding", "identity"}},
                                                       {{"Accept-Encoding", "br, deflate"}},
                                                       {{"Accept-Encoding", "gzip;q=0, br"}},
                                                       {{"Accept-Encoding", "*, gzip;q=0.000"}},
                                                       {{"Accept-Encoding", ""}}}) {
      auto plain = d.get(kJson, headers);
      const std::string sent = headers.empty() ? "(none)" : headers.front().second;
      EXPECT_EQ(plain.header("X-Cache"), "HIT") << sent;
      EXPECT_FALSE(plain.has("Content-Encoding")) << sent;
      EXPECT_EQ(plain.body, identity) << sent;
      EXPECT_EQ(plain.header("Vary"), "Accept-Encoding") << sent;
    }
    for (const char* accept : {"GZIP", "x-gzip", "*", "br;q=1, gzip;q=0.5"}) {
      EXPECT_EQ(d.get(kJson, {{"Accept-Encoding", accept}}).header("Content-Encoding"), "gzip") << accept;
    }
    EXPECT_EQ(upstream_requests(d.port(), "respond"), 1) << "one upstream fetch served every variant";
  });
}

TEST(Compression, TheAppNeverSeesAcceptEncoding) {
  Deployment d(compress_deployment(true));
  auto miss = d.get(std::string(kJson) + "&echo_header=Accept-Encoding", gzip_client());
  EXPECT_EQ(miss.header("X-Echo-Accept-Encoding"), "(absent)");
  // A gzip client's MISS is answered from the new entry: already compressed.
  EXPECT_EQ(miss.header("Content-Encoding"), "gzip");
  EXPECT_EQ(inflate(miss), expected_body(4000));
}

TEST(Compression, EachVariantHasItsOwnValidator) {
  Deployment d(compress_deployment(true));
  const auto plain_etag = d.get(kJson).header("ETag");
  const auto zipped_etag = d.get(kJson, gzip_client()).header("ETag");
  ASSERT_EQ(plain_etag.size(), 34u) << plain_etag;
  EXPECT_EQ(zipped_etag, plain_etag.substr(0, 33) + "-gzip\"");
  // A validator revalidates only its own variant.
  Headers zipped_match = gzip_client();
  zipped_match.emplace_back("If-None-Match", zipped_etag);
  auto not_modified = d.get(kJson, zipped_match);
  EXPECT_EQ(not_modified.status, 304u);
  EXPECT_EQ(not_modified.header("ETag"), zipped_etag);
  EXPECT_EQ(not_modified.header("Vary"), "Accept-Encoding");
  EXPECT_EQ(d.get(kJson, {{"If-None-Match", zipped_etag}}).status, 200u);
  EXPECT_EQ(d.get(kJson, {{"If-None-Match", plain_etag}}).status, 304u);
  Headers plain_match = gzip_client();
  plain_match.emplace_back("If-None-Match", plain_etag);
  EXPECT_EQ(d.get(kJson, plain_match).status, 200u);
}

TEST(Compression, HeadGivesEachVariantsLength) {
  Deployment d(compress_deployment(false));
  ASSERT_EQ(d.get(kJson).status, 200u);
  auto client = d.client();
  auto plain = client.request(http::verb::head, kJson);
  EXPECT_EQ(plain.header("Content-Length"), "4000");
  EXPECT_FALSE(plain.has("Content-Encoding"));
  auto zipped = client.request(http::verb::head, kJson, gzip_client());
  EXPECT_EQ(zipped.header("Content-Encoding"), "gzip");
  EXPECT_EQ(zipped.header("Content-Length"), std::to_string(d.get(kJson, gzip_client()).body.size()));
}

TEST(Compression, OnlyCompressibleBodiesOfAKibibyteOrMore) {
  Deployment d(compress_deployment(true));
  for (const char* target : {"/__stub/respond?size=1023&content_type=application/json",
                             "/__stub/respond?size=4000&content_type=image/png",
                             "/__stub/respond?size=4000"}) {  // application/octet-stream
    ASSERT_EQ(d.get(target).header("X-Cache"), "MISS") << target;
    auto hit = d.get(target, gzip_client());
    EXPECT_EQ(hit.header("X-Cache"), "HIT") << target;
    EXPECT_FALSE(hit.has("Content-Encoding")) << target;
    EXPECT_FALSE(hit.has("Vary")) << target;
  }
  for (const char* type : {"text/html;%20charset=utf-8", "application/problem%2Bjson", "image/svg%2Bxml"}) {
    const std::string target = std::string("/__stub/respond?size=4000&content_type=") + type;
    ASSERT_EQ(d.get(target).header("X-Cache"), "MISS") << target;
    EXPECT_EQ(d.get(target, gzip_client()).header("Content-Encoding"), "gzip") << target;
  }
}

TEST(Compression, ARouteCanTurnItOff) {
  Deployment d(compress_deployment(true, "    compress: false\n"));
  ASSERT_EQ(d.get(kJson).header("X-Cache"), "MISS");
  auto hit = d.get(kJson, gzip_client());
  EXPECT_EQ(hit.header("X-Cache"), "HIT");
  EXPECT_FALSE(hit.has("Content-Encoding"));
  EXPECT_EQ(hit.body, expected_body(4000));
}

TEST(Compression, TheStoreHoldsTheCompressedBody) {
  Deployment d(compress_deployment(false));
  ASSERT_EQ(d.get(kJson).header("X-Cache"), "MISS");
  auto meta = d.client().request(http::verb::get, "/api/cache/keys/respond:content_type=application%252Fjson&size=4000",
                                 {{"Authorization", std::string("Bearer ") + kToken}});
  ASSERT_EQ(meta.status, 200u) << meta.body << ::testing::PrintToString(d.redis().keys());
  EXPECT_NE(meta.body.find("\"size\":4000"), std::string::npos) << meta.body;
  EXPECT_NE(meta.body.find("\"encoding\":\"gzip\""), std::string::npos) << meta.body;
  // What Redis holds is the gzip member plus the entry's small header block.
  const auto stored = d.redis().cli({"STRLEN", "fc-gzip:respond:content_type=application%2Fjson&size=4000"});
  EXPECT_GT(std::stoll(stored), 0) << stored;
  EXPECT_LT(std::stoll(stored), 1000) << stored;
}

}  // namespace
}  // namespace foilcache::testing

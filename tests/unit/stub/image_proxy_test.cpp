// GET /api/image_proxy?url=U answered from local data, through an in-process StubServer.
#include <gtest/gtest.h>

#include <boost/crc.hpp>
#include <memory>
#include <string>

#include "tests/unit/stub/stub_client.hpp"
#include "upstream_stub/app_routes.hpp"
#include "upstream_stub/stub_server.hpp"

namespace foilcache::stub {
namespace {

using test_client::Client;
using test_client::Result;

constexpr std::string_view kProxy = "/api/image_proxy?url=";

// Checks the PNG structure: signature, then chunks whose CRC-32 matches, ending in IEND.
bool valid_png(const std::string& b) {
  if (b.size() < 8 || b.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) return false;
  std::size_t i = 8;
  std::string last;
  while (i + 12 <= b.size()) {
    auto u32 = [&](std::size_t at) {
      return static_cast<std::uint32_t>(static_cast<unsigned char>(b[at])) << 24 |
             static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 1])) << 16 |
             static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 2])) << 8 |
             static_cast<unsigned char>(b[at + 3]);
    };
    const std::uint32_t n = u32(i);
    if (i + 12 + n > b.size()) return false;
    boost::crc_32_type crc;
    crc.process_bytes(b.data() + i + 4, 4 + n);
    if (crc.checksum() != u32(i + 8 + n)) return false;
    last = b.substr(i + 4, 4);
    i += 12 + n;
  }
  return i == b.size() && last == "IEND";
}

class ImageProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StubOptions o;
    o.latency_scale = 0;
    o.base_titles = 10;
    server_ = std::make_unique<StubServer>(std::move(o));
    server_->start();
  }
  Result get(std::string target) {
    Client c(server_->port());
    return c.request(http::verb::get, std::move(target));
  }
  std::unique_ptr<StubServer> server_;
};

TEST_F(ImageProxyTest, AnswersADeterministicPngWithTheAppsCaching) {
  const std::string target = std::string(kProxy) + "https%3A%2F%2Fimg-eshop.cdn.nintendo.net%2Fi%2Fabc.png";
  const Result a = get(target);
  ASSERT_EQ(a.res.result_int(), 200u);
  EXPECT_EQ(a.header("Content-Type"), "image/png");
  EXPECT_EQ(a.header("Cache-Control"), "public, max-age=604800");
  EXPECT_EQ(a.header("Transfer-Encoding"), "chunked") << "streamed like the app";
  EXPECT_TRUE(valid_png(a.res.body()));
  EXPECT_GE(a.res.body().size(), 2048u);
  EXPECT_LT(a.res.body().size(), 4096u + 1);
  EXPECT_EQ(get(target).res.body(), a.res.body()) << "the same URL, the same bytes";
  EXPECT_NE(get(std::string(kProxy) + "https://cdn.test/other.png").res.body(), a.res.body());
  EXPECT_EQ(server_->count("/api/image_proxy"), 3u);
}

TEST_F(ImageProxyTest, SizeInTheUrlSelectsTheBodySize) {
  const Result big = get(std::string(kProxy) + "https%3A%2F%2Fcdn.test%2Fbig.jpg%3Fsize%3D300000");
  EXPECT_EQ(big.res.body().size(), 300000u);
  EXPECT_EQ(big.header("Content-Type"), "image/jpeg");
  EXPECT_TRUE(valid_png(big.res.body()));
  EXPECT_EQ(stub_png(1, 0).size(), 82u) << "never below a minimal PNG";
  EXPECT_TRUE(valid_png(stub_png(1, 0)));
}

TEST_F(ImageProxyTest, NonImagesKeepTheirType) {
  EXPECT_EQ(get(std::string(kProxy) + "http://cdn.test/readme.txt").header("Content-Type"),
            "text/plain; charset=utf-8");
  EXPECT_EQ(get(std::string(kProxy) + "http://cdn.test/page.html").header("Content-Type"),
            "text/html; charset=utf-8");
}

TEST_F(ImageProxyTest, FailuresAnswerLikeTheApp) {
  const Result missing = get("/api/image_proxy");
  EXPECT_EQ(missing.res.result_int(), 400u);
  EXPECT_EQ(missing.res.body(), "Missing url parameter");
  EXPECT_EQ(get(std::string(kProxy) + "ftp://cdn.test/a.png").res.body(), "Invalid protocol");
  const Result unresolved = get(std::string(kProxy) + "https://fail.invalid/a.png");
  EXPECT_EQ(unresolved.res.result_int(), 502u);
  EXPECT_EQ(unresolved.res.body(),
            "Failed to retrieve image: HTTPSConnectionPool(host='fail.invalid', port=443): Max "
            "retries exceeded with url: /a.png (Caused by NameResolutionError(\"<urllib3."
            "connection.HTTPSConnection object>: Failed to resolve 'fail.invalid' ([Errno -2] Name "
            "or service not known)\"))");
  EXPECT_EQ(unresolved.header("Cache-Control"), "");
  const Result upstream = get(std::string(kProxy) + "http%3A%2F%2Fcdn.test%2Fa.png%3Fstatus%3D404");
  EXPECT_EQ(upstream.res.result_int(), 502u);
  EXPECT_EQ(upstream.res.body().rfind("Failed to retrieve image: 404 Client Error", 0), 0u);
}

}  // namespace
}  // namespace foilcache::stub

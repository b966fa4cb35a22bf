// Malformed and oversized input is refused cleanly: a clear error, the connection closed,
// and the proxy keeps serving.
#include <string>

#include <gtest/gtest.h>

#include "tests/integration/deployment.hpp"

namespace foilcache::testing {
namespace {

struct MalformedCase {
  const char* name;
  std::string request;
  unsigned status;
};

class MalformedRequests : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(MalformedRequests, GetAClearErrorAndTheProxyKeepsServing) {
  Deployment d;
  HttpClient client(d.port());
  auto response = client.raw(GetParam().request);
  EXPECT_EQ(response.status, GetParam().status) << response.body;
  EXPECT_TRUE(client.closed_by_peer());
  EXPECT_EQ(d.get("/healthz").status, 200u);
  EXPECT_EQ(d.get("/api/system/info").status, 200u);
}

INSTANTIATE_TEST_SUITE_P(
    Input, MalformedRequests,
    ::testing::Values(
        MalformedCase{"Garbage", "\x16\x03\x01 not http\r\n\r\n", 400},
        MalformedCase{"BadVersion", "GET / HTTP/9.9\r\nHost: x\r\n\r\n", 400},
        MalformedCase{"SpaceInHeaderName", "GET / HTTP/1.1\r\nHo st: x\r\n\r\n", 400},
        MalformedCase{"BadContentLength", "POST /api/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 12a\r\n\r\n", 400},
        MalformedCase{"HugeHeader",
                      "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(32 * 1024, 'a') + "\r\n\r\n", 431},
        MalformedCase{"ManyHeaders",
                      [] {
                        std::string r = "GET / HTTP/1.1\r\nHost: x\r\n";
                        for (int i = 0; i < 2000; ++i) r += "X-H" + std::to_string(i) + ": v\r\n";
                        return r + "\r\n";
                      }(),
                      431},
        MalformedCase{"BodyOverLimit",
                      "POST /api/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n", 413}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace foilcache::testing

// Request framing as an attacker tries it (RFC 9112 §6): a body whose length foilcache and
// the app could read differently is refused with a clear status and the connection closed,
// before anything reaches the app, and identical lengths reach it as one Content-Length.
#include <string>

#include <gtest/gtest.h>

#include "tests/integration/deployment.hpp"

namespace foilcache::testing {
namespace {

// A request that, if its body were framed as nothing, would be read as the next request.
constexpr const char* kSmuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";

struct FramingCase {
  const char* name;
  std::string fields;  // framing fields of a POST /api/upload
  std::string body;    // sent right after the header, then kSmuggled
  unsigned status;
};

class RequestFraming : public ::testing::TestWithParam<FramingCase> {};

TEST_P(RequestFraming, AmbiguousBodiesAreRefusedAndNothingIsSmuggled) {
  Deployment d;
  HttpClient client(d.port());
  const auto response = client.raw("POST /api/upload HTTP/1.1\r\nHost: x\r\n" + GetParam().fields + "\r\n" +
                                   GetParam().body + kSmuggled);
  EXPECT_EQ(response.status, GetParam().status) << response.body;
  EXPECT_TRUE(client.closed_by_peer());
  EXPECT_EQ(d.stub().count("/api/upload"), 0u) << "a refused request reached the app";
  EXPECT_EQ(d.stub().count("/smuggled"), 0u) << "the body was read as a request";
  EXPECT_EQ(d.get("/api/system/info").status, 200u);
}

INSTANTIATE_TEST_SUITE_P(
    TransferEncoding, RequestFraming,
    ::testing::Values(FramingCase{"Identity", "Transfer-Encoding: identity\r\n", "", 400},
                      FramingCase{"Gzip", "Transfer-Encoding: gzip\r\n", "", 400},
                      FramingCase{"XChunked", "Transfer-Encoding: xchunked\r\n", "", 400},
                      FramingCase{"ChunkedThenIdentity", "Transfer-Encoding: chunked, identity\r\n", "", 400},
                      FramingCase{"Quoted", "Transfer-Encoding: \"chunked\"\r\n", "", 400},
                      FramingCase{"GzipThenChunked", "Transfer-Encoding: gzip, chunked\r\n", "0\r\n\r\n", 501},
                      FramingCase{"GzipFieldThenChunkedField",
                                  "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n", 501},
                      FramingCase{"ObsFold", "Transfer-Encoding:\r\n chunked\r\n", "0\r\n\r\n", 400},
                      FramingCase{"SpaceBeforeColon", "Transfer-Encoding : chunked\r\n", "0\r\n\r\n", 400},
                      FramingCase{"ChunkedAndLength", "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n",
                                  "0\r\n\r\n", 400},
                      FramingCase{"DifferingLengths", "Content-Length: 3\r\nContent-Length: 4\r\n", "abc", 400},
                      FramingCase{"DifferingLengthList", "Content-Length: 3, 4\r\n", "abc", 400}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(RequestFramingHttp10, TransferEncodingIsRefused) {
  Deployment d;
  HttpClient client(d.port());
  const auto response =
      client.raw("POST /api/upload HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" +
                 std::string(kSmuggled));
  EXPECT_EQ(response.status, 400u) << response.body;
  EXPECT_TRUE(client.closed_by_peer());
  EXPECT_EQ(d.stub().count("/smuggled"), 0u);
}

TEST(RequestFramingChunked, AnyCaseOfChunkedStillStreams) {
  Deployment d;
  HttpClient client(d.port());
  const auto response =
      client.raw("POST /api/upload HTTP/1.1\r\nHost: x\r\nTRANSFER-ENCODING: Chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  EXPECT_EQ(response.status, 200u) << response.body;
  EXPECT_NE(response.body.find("\"bytes\":5"), std::string::npos) << response.body;
}

// The header lines of the request the stub's /__stub/echo received, named `name`.
std::vector<std::string> echoed(const std::string& body, std::string_view name) {
  std::vector<std::string> lines;
  std::size_t at = body.find('\n') + 1;  // after the request line
  for (std::size_t end; (end = body.find('\n', at)) != std::string::npos && end != at; at = end + 1) {
    const std::string line = body.substr(at, end - at);
    if (line.size() > name.size() && beast::iequals(std::string_view(line).substr(0, name.size()), name) &&
        line[name.size()] == ':') {
      lines.push_back(line);
    }
  }
  return lines;
}

struct LengthCase {
  const char* name;
  std::string fields;
};

class RequestFramingContentLength : public ::testing::TestWithParam<LengthCase> {};

TEST_P(RequestFramingContentLength, IdenticalLengthsReachTheAppAsOne) {
  Deployment d;
  HttpClient client(d.port());
  const auto response =
      client.raw("POST /__stub/echo HTTP/1.1\r\nHost: x\r\n" + GetParam().fields + "\r\nhello");
  ASSERT_EQ(response.status, 200u) << response.body;
  EXPECT_EQ(echoed(response.body, "Content-Length"), std::vector<std::string>{"Content-Length: 5"}) << response.body;
  EXPECT_TRUE(response.body.ends_with("\n\nhello")) << response.body;
  // The connection goes on, framed as the app framed it: the next request is the next one.
  const auto next = client.get("/api/system/info");
  EXPECT_EQ(next.status, 200u);
}

INSTANTIATE_TEST_SUITE_P(Fields, RequestFramingContentLength,
                         ::testing::Values(LengthCase{"List", "Content-Length: 5, 5\r\n"},
                                           LengthCase{"TwoFields", "Content-Length: 5\r\nContent-Length: 5\r\n"}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace foilcache::testing

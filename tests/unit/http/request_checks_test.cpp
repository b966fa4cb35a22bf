// The front door's checks of a request header (RFC 9112 §6): one field changed from a good
// request per case.
#include "proxy/http/request_checks.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace foilcache::http_server {
namespace {

// Parses `fields` (lines without the request line) as Beast does for the session.
struct Parsed {
  http::request_parser<http::empty_body> parser;
  bool ok = false;
};

void parse(Parsed& out, const std::string& fields, const std::string& line = "POST /api/upload HTTP/1.1") {
  const std::string bytes = line + "\r\n" + fields + "\r\n";
  error_code ec;
  out.parser.put(net::buffer(bytes), ec);
  out.ok = !ec && out.parser.is_header_done();
}

struct FramingCase {
  const char* name;
  std::string fields;
  http::status status;  // ok: accepted
  std::string line = "POST /api/upload HTTP/1.1";
};

class RequestChecksFraming : public ::testing::TestWithParam<FramingCase> {};

TEST_P(RequestChecksFraming, RefusesWhatCannotBeFramedAlike) {
  Parsed p;
  parse(p, GetParam().fields, GetParam().line);
  ASSERT_TRUE(p.ok) << "Beast refused it already";
  const Admission admission = check_framing(p.parser.get(), p.parser.content_length());
  if (GetParam().status == http::status::ok) {
    EXPECT_TRUE(admission.accepted()) << admission.reason;
  } else {
    EXPECT_FALSE(admission.accepted());
    EXPECT_EQ(admission.status, GetParam().status);
    EXPECT_FALSE(admission.reason.empty());
  }
}

INSTANTIATE_TEST_SUITE_P(
    TransferEncoding, RequestChecksFraming,
    ::testing::Values(
        FramingCase{"Chunked", "Host: x\r\nTransfer-Encoding: chunked\r\n", http::status::ok},
        FramingCase{"ChunkedAnyCase", "Host: x\r\nTransfer-Encoding: ChUnKeD\r\n", http::status::ok},
        FramingCase{"ChunkedWithEmptyMembers", "Host: x\r\nTransfer-Encoding: , chunked,\r\n", http::status::ok},
        FramingCase{"NoBody", "Host: x\r\n", http::status::ok},
        FramingCase{"Identity", "Host: x\r\nTransfer-Encoding: identity\r\n", http::status::bad_request},
        FramingCase{"Gzip", "Host: x\r\nTransfer-Encoding: gzip\r\n", http::status::bad_request},
        FramingCase{"XChunked", "Host: x\r\nTransfer-Encoding: xchunked\r\n", http::status::bad_request},
        FramingCase{"Quoted", "Host: x\r\nTransfer-Encoding: \"chunked\"\r\n", http::status::bad_request},
        FramingCase{"Empty", "Host: x\r\nTransfer-Encoding: \r\n", http::status::bad_request},
        FramingCase{"ChunkedNotLast", "Host: x\r\nTransfer-Encoding: chunked, identity\r\n", http::status::bad_request},
        FramingCase{"ChunkedTwice", "Host: x\r\nTransfer-Encoding: chunked, chunked\r\n", http::status::bad_request},
        FramingCase{"GzipThenChunked", "Host: x\r\nTransfer-Encoding: gzip, chunked\r\n",
                    http::status::not_implemented},
        FramingCase{"GzipThenChunkedInTwoFields", "Host: x\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n",
                    http::status::not_implemented},
        FramingCase{"Http10", "Host: x\r\nTransfer-Encoding: chunked\r\n", http::status::bad_request,
                    "POST /api/upload HTTP/1.0"}),
    [](const auto& info) { return std::string(info.param.name); });

struct LengthCase {
  const char* name;
  std::string fields;
};

class RequestChecksContentLength : public ::testing::TestWithParam<LengthCase> {};

TEST_P(RequestChecksContentLength, IdenticalValuesBecomeOneField) {
  Parsed p;
  parse(p, GetParam().fields);
  ASSERT_TRUE(p.ok);
  auto& request = p.parser.get();
  EXPECT_TRUE(check_framing(request, p.parser.content_length()).accepted());
  EXPECT_EQ(request.count(http::field::content_length), 1u);
  EXPECT_EQ(request[http::field::content_length], "5");
}

INSTANTIATE_TEST_SUITE_P(
    Values, RequestChecksContentLength,
    ::testing::Values(LengthCase{"One", "Host: x\r\nContent-Length: 5\r\n"},
                      LengthCase{"ListOfTwo", "Host: x\r\nContent-Length: 5, 5\r\n"},
                      LengthCase{"TwoFields", "Host: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n"},
                      LengthCase{"ThreeInTwoFields", "Host: x\r\nContent-Length: 5,5\r\ncontent-length: 5\r\n"},
                      LengthCase{"LeadingZero", "Host: x\r\nContent-Length: 005\r\n"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(RequestChecksContentLengthDiffering, StayRefusedByTheParser) {
  Parsed p;
  parse(p, "Host: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n");
  EXPECT_FALSE(p.ok);
  Parsed q;
  parse(q, "Host: x\r\nContent-Length: 5, 6\r\n");
  EXPECT_FALSE(q.ok);
}

}  // namespace
}  // namespace foilcache::http_server

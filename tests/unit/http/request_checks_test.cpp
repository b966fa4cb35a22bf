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

struct TargetCase {
  const char* name;
  std::string line;    // the request line
  std::string fields;  // header lines
  http::status status;  // ok: accepted (or answered, with `options`)
  std::string target = "/a?b";  // accepted: the target after the checks
  std::string host = "x";       // accepted: the one Host after them ("" for none)
  bool options = false;         // answered by the proxy (OPTIONS *)
};

class RequestChecksTarget : public ::testing::TestWithParam<TargetCase> {};

TEST_P(RequestChecksTarget, OriginFormAndOneValidHostOrRefused) {
  const auto& c = GetParam();
  Parsed p;
  parse(p, c.fields, c.line);
  ASSERT_TRUE(p.ok) << "Beast refused it already";
  auto& request = p.parser.get();
  const Admission admission = check_target(request);
  if (c.options) {
    EXPECT_EQ(admission.verdict, Admission::Verdict::kAnswerServerOptions);
  } else if (c.status == http::status::ok) {
    ASSERT_TRUE(admission.accepted()) << admission.reason;
    EXPECT_EQ(request.target(), c.target);
    EXPECT_EQ(request.count(http::field::host), c.host.empty() ? 0u : 1u);
    EXPECT_EQ(request[http::field::host], c.host);
  } else {
    EXPECT_EQ(admission.verdict, Admission::Verdict::kRefuse);
    EXPECT_EQ(admission.status, c.status);
  }
}

constexpr auto kOk = http::status::ok;
constexpr auto kBad = http::status::bad_request;

INSTANTIATE_TEST_SUITE_P(
    Forms, RequestChecksTarget,
    ::testing::Values(
        TargetCase{"OriginForm", "GET /a?b HTTP/1.1", "Host: x\r\n", kOk},
        TargetCase{"HostWithPort", "GET /a?b HTTP/1.1", "Host: x.example:8080\r\n", kOk, "/a?b", "x.example:8080"},
        TargetCase{"HostIpv6", "GET /a?b HTTP/1.1", "Host: [::1]:80\r\n", kOk, "/a?b", "[::1]:80"},
        TargetCase{"Http10WithoutHost", "GET /a?b HTTP/1.0", "", kOk, "/a?b", ""},
        TargetCase{"Absolute", "GET http://lib.example/a?b HTTP/1.1", "Host: evil\r\n", kOk, "/a?b", "lib.example"},
        TargetCase{"AbsoluteHttpsWithPort", "GET HTTPS://lib.example:8443/a?b HTTP/1.1", "", kOk, "/a?b",
                   "lib.example:8443"},
        TargetCase{"AbsoluteEmptyPath", "GET http://lib.example HTTP/1.1", "Host: lib.example\r\n", kOk, "/",
                   "lib.example"},
        TargetCase{"AbsoluteEncodedPath", "GET http://lib.example/api/%63ache HTTP/1.1", "", kOk, "/api/%63ache",
                   "lib.example"},
        TargetCase{"AbsoluteUserinfo", "GET http://u:p@lib.example/a HTTP/1.1", "Host: x\r\n", kBad},
        TargetCase{"AbsoluteOtherScheme", "GET ftp://lib.example/a HTTP/1.1", "Host: x\r\n", kBad},
        TargetCase{"AbsoluteNoHost", "GET http:///a HTTP/1.1", "Host: x\r\n", kBad},
        TargetCase{"AbsoluteFragment", "GET http://lib.example/a#b HTTP/1.1", "Host: x\r\n", kBad},
        TargetCase{"AbsoluteTwoHosts", "GET http://lib.example/a HTTP/1.1", "Host: x\r\nHost: y\r\n", kBad},
        TargetCase{"Connect", "CONNECT lib.example:443 HTTP/1.1", "Host: lib.example:443\r\n",
                   http::status::not_implemented},
        TargetCase{"AuthorityFormGet", "GET lib.example:80 HTTP/1.1", "Host: x\r\n", kBad},
        TargetCase{"OptionsAsterisk", "OPTIONS * HTTP/1.1", "Host: x\r\n", kOk, "*", "x", true},
        TargetCase{"GetAsterisk", "GET * HTTP/1.1", "Host: x\r\n", kBad},
        TargetCase{"Relative", "GET a/b HTTP/1.1", "Host: x\r\n", kBad},
        TargetCase{"Fragment", "GET /a#b HTTP/1.1", "Host: x\r\n", kBad},
        TargetCase{"NoHost", "GET /a HTTP/1.1", "", kBad},
        TargetCase{"TwoHosts", "GET /a HTTP/1.1", "Host: x\r\nHost: x\r\n", kBad},
        TargetCase{"Http10TwoHosts", "GET /a HTTP/1.0", "Host: x\r\nHost: y\r\n", kBad},
        TargetCase{"EmptyHost", "GET /a HTTP/1.1", "Host: \r\n", kBad},
        TargetCase{"HostWithSpace", "GET /a HTTP/1.1", "Host: a b\r\n", kBad},
        TargetCase{"HostWithUserinfo", "GET /a HTTP/1.1", "Host: u@x\r\n", kBad},
        TargetCase{"HostWithPath", "GET /a HTTP/1.1", "Host: x/y\r\n", kBad},
        TargetCase{"HostWithBadPort", "GET /a HTTP/1.1", "Host: x:8o\r\n", kBad}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(RequestChecksOwnPath, DisguisedOwnPathsAreRefusedAfterAbsoluteFormIsConverted) {
  for (const char* line : {"POST /api/%63ache/clear HTTP/1.1", "GET /%6detrics?x HTTP/1.1",
                           "GET http://x/api/cache%2Finfo HTTP/1.1"}) {
    Parsed p;
    parse(p, "Host: x\r\n", line);
    ASSERT_TRUE(p.ok) << line;
    const Admission admission = admit(p.parser.get(), p.parser.content_length());
    EXPECT_EQ(admission.verdict, Admission::Verdict::kRefuse) << line;
    EXPECT_EQ(admission.status, http::status::bad_request) << line;
  }
  for (const char* line : {"GET /metrics HTTP/1.1", "GET http://x/metrics HTTP/1.1", "GET /api/cache/keys/a%3Ab HTTP/1.1"}) {
    Parsed p;
    parse(p, "Host: x\r\n", line);
    ASSERT_TRUE(p.ok) << line;
    EXPECT_TRUE(admit(p.parser.get(), p.parser.content_length()).accepted()) << line;
  }
}

}  // namespace
}  // namespace foilcache::http_server

// What a failed exchange with the app is counted as and answered with.
#include "proxy/pipeline/upstream_errors.hpp"

#include <gtest/gtest.h>

namespace foilcache::pipeline {
namespace {

using upstream::Failure;

struct Case {
  const char* name;
  Failure failure;
  error_code ec;
  bool counted;
  metrics::ErrorKind kind;
  bool stale;
  bool answer;
  unsigned status;
  const char* message;
};

class UpstreamErrorsClassify : public ::testing::TestWithParam<Case> {};

TEST_P(UpstreamErrorsClassify, Maps) {
  const auto& c = GetParam();
  const auto a = classify_failure(c.failure, c.ec);
  EXPECT_EQ(a.counted, c.counted);
  if (c.counted) {
    EXPECT_EQ(a.kind, c.kind);
  }
  EXPECT_EQ(a.may_serve_stale, c.stale);
  EXPECT_EQ(a.answer, c.answer);
  if (c.answer) {
    EXPECT_EQ(static_cast<unsigned>(a.status), c.status);
    EXPECT_EQ(a.message, c.message);
  }
}

const error_code kTimeout = beast::error::timeout;
const error_code kReset = net::error::connection_reset;
const error_code kRefused = net::error::connection_refused;
using K = metrics::ErrorKind;

INSTANTIATE_TEST_SUITE_P(
    Cases, UpstreamErrorsClassify,
    ::testing::Values(
        Case{"ConnectRefused", Failure::kConnect, kRefused, true, K::kUpstreamConnect, true, true, 502,
             "upstream unavailable"},
        Case{"ConnectTimeout", Failure::kConnect, kTimeout, true, K::kUpstreamConnect, true, true, 504,
             "upstream timed out"},
        Case{"SendReset", Failure::kSend, kReset, true, K::kUpstreamReset, true, true, 502, "upstream unavailable"},
        Case{"ResponseTimeout", Failure::kResponse, kTimeout, true, K::kUpstreamTimeout, true, true, 504,
             "upstream timed out"},
        Case{"ResponseReset", Failure::kResponse, kReset, true, K::kUpstreamReset, true, true, 502,
             "upstream unavailable"},
        Case{"BodyTooLarge", Failure::kBodyTooLarge, http::error::body_limit, true, K::kBodyTooLarge, false, true,
             413, "request body too large"},
        Case{"ClientTooSlow", Failure::kClientTimeout, kTimeout, true, K::kClientTimeout, false, true, 408,
             "request body timed out"},
        Case{"MalformedBody", Failure::kBadBody, http::error::bad_chunk, true, K::kBadRequest, false, true, 400,
             "malformed request body"},
        Case{"ClientGone", Failure::kClientGone, kReset, false, K::kBadRequest, false, false, 0, ""}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace foilcache::pipeline

// Byte ranges of a stored answer (RFC 9110 §14): syntax, bounds, suffixes, If-Range.
#include <gtest/gtest.h>

#include "proxy/cache/ranges.hpp"

namespace foilcache::cache {
namespace {

using Kind = RangeAnswer::Kind;

TEST(Ranges, OneRangeIsCut) {
  const RangeAnswer r = parse_range("bytes=10-19", 100);
  EXPECT_EQ(r.kind, Kind::kPartial);
  EXPECT_EQ(r.first, 10u);
  EXPECT_EQ(r.last, 19u);
  EXPECT_EQ(r.length(), 10u);
  EXPECT_EQ(content_range(r, 100), "bytes 10-19/100");
}

TEST(Ranges, OpenEndsAndSuffixes) {
  EXPECT_EQ(parse_range("bytes=90-", 100).last, 99u);
  EXPECT_EQ(parse_range("bytes=90-500", 100).last, 99u) << "a last byte past the end is the end";
  const RangeAnswer suffix = parse_range("bytes=-30", 100);
  EXPECT_EQ(suffix.first, 70u);
  EXPECT_EQ(suffix.last, 99u);
  EXPECT_EQ(parse_range("bytes=-300", 100).first, 0u);
  EXPECT_EQ(parse_range(" Bytes = 0-0 ", 100).kind, Kind::kPartial);
}

TEST(Ranges, BeyondTheEndIsUnsatisfiable) {
  const RangeAnswer r = parse_range("bytes=100-", 100);
  EXPECT_EQ(r.kind, Kind::kUnsatisfiable);
  EXPECT_EQ(content_range(r, 100), "bytes */100");
  EXPECT_EQ(parse_range("bytes=-0", 100).kind, Kind::kUnsatisfiable);
}

TEST(Ranges, WhatIsNotOneValidByteRangeIsIgnored) {
  for (const std::string_view range : {"bytes=0-1,5-6", "items=0-1", "bytes=5-1", "bytes=a-b", "bytes=", "0-10",
                                       "bytes=-", "bytes=99999999999999999999-"}) {
    EXPECT_EQ(parse_range(range, 100).kind, Kind::kWhole) << range;
  }
}

TEST(Ranges, IfRangeMustMatchTheStrongValidator) {
  Entry entry;
  entry.status = 200;
  entry.headers = {{"ETag", "\"v1\""}, {"Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT"}};
  http::request_header<> request;
  request.set(http::field::range, "bytes=0-4");
  EXPECT_EQ(range_for(request, entry, 10).kind, Kind::kPartial);
  request.set(http::field::if_range, "\"v1\"");
  EXPECT_EQ(range_for(request, entry, 10).kind, Kind::kPartial);
  request.set(http::field::if_range, "\"v2\"");
  EXPECT_EQ(range_for(request, entry, 10).kind, Kind::kWhole) << "changed since: the whole answer";
  request.set(http::field::if_range, "W/\"v1\"");
  EXPECT_EQ(range_for(request, entry, 10).kind, Kind::kWhole) << "a weak tag never matches";
  request.set(http::field::if_range, "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(range_for(request, entry, 10).kind, Kind::kPartial);
  entry.status = 404;
  EXPECT_EQ(range_for(request, entry, 10).kind, Kind::kWhole) << "only a stored 200 is cut";
}

}  // namespace
}  // namespace foilcache::cache

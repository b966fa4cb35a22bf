// RFC 9110 §13 against a stored entry: If-None-Match (weak comparison, "*", lists) and
// If-Modified-Since, and the 304's header block.
#include "proxy/cache/conditional.hpp"
#include "proxy/cache/entry_builder.hpp"

#include <gtest/gtest.h>

namespace foilcache::cache {
namespace {

Entry entry() {
  Entry e;
  e.headers = {{"Content-Type", "application/json"},
               {"ETag", "\"v1\""},
               {"Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT"},
               {"Vary", "Accept-Encoding"},
               {"X-Total-Count", "3"}};
  e.body = "x";
  e.gzip = "compressed";  // marks the entry compressed (the gzip ETag differs)
  return e;
}

struct MatchCase {
  const char* name;
  const char* if_none_match;
  const char* etag;
  bool matches;
};

class ConditionalNoneMatch : public ::testing::TestWithParam<MatchCase> {};

TEST_P(ConditionalNoneMatch, Compares) {
  EXPECT_EQ(none_match(GetParam().if_none_match, GetParam().etag), GetParam().matches);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ConditionalNoneMatch,
    ::testing::Values(MatchCase{"Same", "\"a\"", "\"a\"", true}, MatchCase{"Other", "\"b\"", "\"a\"", false},
                      MatchCase{"Star", "*", "\"a\"", true}, MatchCase{"StarWithoutEtag", "*", "", false},
                      MatchCase{"WeakRequest", "W/\"a\"", "\"a\"", true},
                      MatchCase{"WeakEntry", "\"a\"", "W/\"a\"", true},
                      MatchCase{"InList", "\"x\", \"a\" ,\"y\"", "\"a\"", true},
                      MatchCase{"NotInList", "\"x\",\"y\"", "\"a\"", false},
                      MatchCase{"EmptyMembers", " , ,", "\"a\"", false},
                      MatchCase{"UnquotedIsNotQuoted", "a", "\"a\"", false}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ConditionalHttpDate, ParsesTheThreeFormats) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777);  // RFC 850 (RFC 9110 §5.6.7)
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), 784111777);        // asctime
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 UTC"), std::nullopt);
  EXPECT_EQ(parse_http_date("0"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT trailing"), std::nullopt);
  EXPECT_EQ(parse_http_date(""), std::nullopt);
}

http::request_header<> request(std::initializer_list<std::pair<http::field, const char*>> fields) {
  http::request_header<> r;
  for (const auto& [name, value] : fields) r.set(name, value);
  return r;
}

TEST(ConditionalNotModified, IfNoneMatchDecidesPerVariant) {
  const Entry e = entry();
  EXPECT_TRUE(not_modified(request({{http::field::if_none_match, "\"v1\""}}), e, false));
  EXPECT_FALSE(not_modified(request({{http::field::if_none_match, "\"v1\""}}), e, true));
  EXPECT_TRUE(not_modified(request({{http::field::if_none_match, "\"v1-gzip\""}}), e, true));
  // If-None-Match present and not matching: If-Modified-Since is not consulted.
  EXPECT_FALSE(not_modified(request({{http::field::if_none_match, "\"other\""},
                                     {http::field::if_modified_since, "Sun, 06 Nov 1994 08:49:37 GMT"}}),
                            e, false));
}

TEST(ConditionalNotModified, IfModifiedSinceComparesDates) {
  const Entry e = entry();
  EXPECT_TRUE(not_modified(request({{http::field::if_modified_since, "Sun, 06 Nov 1994 08:49:37 GMT"}}), e, false));
  EXPECT_TRUE(not_modified(request({{http::field::if_modified_since, "Mon, 07 Nov 1994 00:00:00 GMT"}}), e, false));
  EXPECT_FALSE(not_modified(request({{http::field::if_modified_since, "Sat, 05 Nov 1994 00:00:00 GMT"}}), e, false));
  EXPECT_FALSE(not_modified(request({{http::field::if_modified_since, "yesterday"}}), e, false));
  EXPECT_FALSE(not_modified(request({}), e, false));
  Entry no_date = entry();
  no_date.headers.erase(no_date.headers.begin() + 2);
  EXPECT_FALSE(
      not_modified(request({{http::field::if_modified_since, "Mon, 07 Nov 1994 00:00:00 GMT"}}), no_date, false));
}

TEST(ConditionalNotModifiedHead, RepeatsTheValidatorsOnly) {
  EXPECT_EQ(not_modified_head(entry(), false),
            "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nLast-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
            "Vary: Accept-Encoding\r\n");
  EXPECT_EQ(not_modified_head(entry(), true),
            "HTTP/1.1 304 Not Modified\r\nETag: \"v1-gzip\"\r\nLast-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
            "Vary: Accept-Encoding\r\n");
}

TEST(ConditionalValidators, TheOriginsAreAdded) {
  http::request_header<> request;
  const auto added = add_validators(request, entry());
  EXPECT_EQ(added.size(), 2u);
  EXPECT_EQ(request[http::field::if_none_match], "\"v1\"");
  EXPECT_EQ(request[http::field::if_modified_since], "Sun, 06 Nov 1994 08:49:37 GMT");
}

TEST(ConditionalValidators, NotOverTheClientsOwn) {
  http::request_header<> request;
  request.set(http::field::if_modified_since, "Sat, 05 Nov 1994 08:49:37 GMT");
  EXPECT_TRUE(add_validators(request, entry()).empty());
  EXPECT_EQ(request.count(http::field::if_none_match), 0u);
}

TEST(ConditionalValidators, NeverTheDigestFoilcacheMade) {
  Entry e;
  e.body = "hello";
  e.headers = {{"ETag", body_etag("hello")}};  // the app sent none: the origin cannot match it
  http::request_header<> request;
  EXPECT_TRUE(add_validators(request, e).empty());
}

}  // namespace
}  // namespace foilcache::cache

#include "proxy/cache/cache_control.hpp"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

namespace foilcache::cache {
namespace {

struct CacheControlCase {
  std::string name;
  std::string value;
  bool no_store;
  bool no_cache;
  bool is_private;
  bool is_public;
  std::optional<unsigned long long> max_age;
  std::optional<unsigned long long> s_maxage;
};

void PrintTo(const CacheControlCase& c, std::ostream* os) { *os << c.name; }

class CacheControlTest : public ::testing::TestWithParam<CacheControlCase> {};

TEST_P(CacheControlTest, Parses) {
  const auto& c = GetParam();
  CacheControl cc;
  parse_cache_control(c.value, cc);
  EXPECT_EQ(cc.no_store, c.no_store);
  EXPECT_EQ(cc.no_cache, c.no_cache);
  EXPECT_EQ(cc.private_, c.is_private);
  EXPECT_EQ(cc.public_, c.is_public);
  EXPECT_EQ(cc.max_age, c.max_age);
  EXPECT_EQ(cc.s_maxage, c.s_maxage);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CacheControlTest,
    ::testing::Values(
        CacheControlCase{"Empty", "", false, false, false, false, {}, {}},
        CacheControlCase{"NoStore", "no-store", true, false, false, false, {}, {}},
        CacheControlCase{"CaseInsensitive", "No-Store, PRIVATE", true, false, true, false, {}, {}},
        CacheControlCase{
            "NotASubstringMatch", "no-store-ish, x-private, noprivate", false, false, false, false, {}, {}},
        CacheControlCase{
            "PrivateWithFields", "private=\"Set-Cookie, X-User\"", false, false, true, false, {}, {}},
        CacheControlCase{
            "QuotedCommaIsNotASeparator", "x=\"a, no-store\", public", false, false, false, true, {}, {}},
        CacheControlCase{
            "EscapedQuoteInString", "x=\"a\\\", no-store\", max-age=5", false, false, false, false, 5, {}},
        CacheControlCase{"MaxAgeAndSMaxage", "public, max-age=60, s-maxage=30", false, false, false, true, 60,
                         30},
        CacheControlCase{"QuotedMaxAge", "max-age=\"60\"", false, false, false, false, 60, {}},
        CacheControlCase{"BadMaxAgeIgnored", "max-age=soon", false, false, false, false, {}, {}},
        CacheControlCase{"HugeMaxAgeSaturates",
                         "max-age=99999999999999999999999",
                         false,
                         false,
                         false,
                         false,
                         2147483648ULL,
                         {}},
        CacheControlCase{"Whitespace", "  no-cache ,\tmax-age = 10 ", false, true, false, false, 10, {}},
        CacheControlCase{"EmptyMembers", ",,public,,", false, false, false, true, {}, {}},
        CacheControlCase{"MalformedRestrictiveStillCounts",
                         "no-store garbage, private \"x",
                         true,
                         false,
                         true,
                         false,
                         {},
                         {}},
        CacheControlCase{"UnterminatedQuote", "x=\"abc, no-store", false, false, false, false, {}, {}}),
    [](const auto& info) { return info.param.name; });

TEST(CacheControl, CombinesRepeatedFields) {
  http::fields fields;
  fields.insert(http::field::cache_control, "public");
  fields.insert(http::field::cache_control, "no-store");
  const CacheControl cc = parse_cache_control(fields);
  EXPECT_TRUE(cc.public_);
  EXPECT_TRUE(cc.no_store);
}

// Found by fuzzing: beast::iequals (Boost 1.81) read one byte past a directive whose last
// character differed from a known one's only in case. The value ends where a readable page
// does, so any read past it faults.
TEST(CacheControl, ReadsNoFurtherThanTheValue) {
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  void* pages = mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(pages, MAP_FAILED);
  ASSERT_EQ(mprotect(static_cast<char*>(pages) + page, page, PROT_NONE), 0);
  for (const std::string_view text : {"max-age=5, s-maxagE", "max-age=5, No-StorE"}) {
    char* at = static_cast<char*>(pages) + page - text.size();
    std::memcpy(at, text.data(), text.size());
    CacheControl cc;
    parse_cache_control(std::string_view(at, text.size()), cc);
    EXPECT_EQ(cc.max_age, 5u) << text;
    EXPECT_EQ(cc.no_store, text.ends_with("StorE")) << text;
  }
  munmap(pages, 2 * page);
}

}  // namespace
}  // namespace foilcache::cache

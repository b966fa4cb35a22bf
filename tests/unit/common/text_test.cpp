// RFC 9110 §5.6 list and whitespace helpers.
#include "common/text.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace foilcache::common {
namespace {

std::vector<std::string> members(std::string_view value) {
  std::vector<std::string> out;
  for_each_list_member(value, [&](std::string_view m) { out.emplace_back(m); });
  return out;
}

TEST(TextIequals, AsciiCaseOnly) {
  EXPECT_TRUE(common::iequals("Content-Type", "content-TYPE"));
  EXPECT_TRUE(common::iequals("", ""));
  EXPECT_FALSE(common::iequals("gzip", "gzi"));
  EXPECT_FALSE(common::iequals("s-maxage", "s-maxagf"));
  EXPECT_FALSE(common::iequals("\xC4", "\xE4"));  // not ASCII: bytes compared as they are
  EXPECT_FALSE(common::iequals("[", "{"));  // 0x5B and 0x7B differ by the case bit only
}

TEST(TextListMembers, SplitsAndTrims) {
  EXPECT_EQ(members(" Accept-Encoding ,, Cookie,\tX-A "),
            (std::vector<std::string>{"Accept-Encoding", "Cookie", "X-A"}));
}

TEST(TextListMembers, SkipsEmptyMembers) {
  EXPECT_TRUE(members("").empty());
  EXPECT_TRUE(members(" , ,\t,").empty());
  EXPECT_EQ(members("a,"), (std::vector<std::string>{"a"}));
  EXPECT_EQ(members(",a"), (std::vector<std::string>{"a"}));
}

TEST(TextTrimOws, TrimsSpacesAndTabsOnly) {
  EXPECT_EQ(trim_ows(" \t x y \t"), "x y");
  EXPECT_EQ(trim_ows("\r\nx\r\n"), "\r\nx\r\n");  // CR and LF are not OWS
  EXPECT_EQ(trim_ows("   "), "");
  EXPECT_EQ(trim_ows(""), "");
}

}  // namespace
}  // namespace foilcache::common

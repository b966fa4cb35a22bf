// The one hex table: lower-case digests, upper-case percent escapes, random tokens.
#include "common/hex.hpp"

#include <gtest/gtest.h>

#include <array>
#include <set>

namespace foilcache::common {
namespace {

TEST(HexLower, EncodesEveryNibble) {
  const std::array<unsigned char, 4> bytes{0x00, 0x0f, 0xa5, 0xff};
  EXPECT_EQ(hex_lower(bytes), "000fa5ff");
  std::string out = "x";
  append_hex_lower(out, bytes);
  EXPECT_EQ(out, "x000fa5ff");
}

TEST(HexPctUpper, EscapesAsRfc3986) {
  std::string out;
  append_pct_upper(out, 0x00);
  append_pct_upper(out, ':');
  append_pct_upper(out, 0xfe);
  EXPECT_EQ(out, "%00%3A%FE");
}

TEST(HexUpper, PadsAndTruncatesToDigits) {
  EXPECT_EQ(hex_upper(0x1f, 4), "001F");
  EXPECT_EQ(hex_upper(0x0100000000000ABCull, 16), "0100000000000ABC");
  EXPECT_EQ(hex_upper(0x12345, 2), "45");
}

TEST(HexValue, DecodesBothCases) {
  EXPECT_EQ(hex_value('0'), 0);
  EXPECT_EQ(hex_value('a'), 10);
  EXPECT_EQ(hex_value('F'), 15);
  EXPECT_EQ(hex_value('g'), -1);
  EXPECT_EQ(hex_value(' '), -1);
}

TEST(HexRandom, HasTheLengthAndAlphabetAndDiffers) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string token = random_hex(32);
    ASSERT_EQ(token.size(), 32u);
    EXPECT_EQ(token.find_first_not_of("0123456789abcdef"), std::string::npos);
    seen.insert(token);
  }
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_EQ(random_hex(12).size(), 12u);
  EXPECT_EQ(random_hex(17).size(), 17u);
}

}  // namespace
}  // namespace foilcache::common

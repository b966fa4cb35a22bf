// The zlib wrappers: a round trip, and every way a gzip member can disagree with the
// size it claims.
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "proxy/cache/gzip.hpp"

namespace foilcache::cache {
namespace {

TEST(Gzip, RoundTripsAndChecksTheSize) {
  const std::string text(10'000, 'x');
  const std::string packed = gzip_compress(text);
  ASSERT_FALSE(packed.empty());
  EXPECT_LT(packed.size(), 200u);
  EXPECT_EQ(gzip_decompress(packed, text.size()), text);
  EXPECT_EQ(gzip_decompress(packed, text.size() - 1), std::nullopt) << "longer than claimed";
  EXPECT_EQ(gzip_decompress(packed, text.size() + 1), std::nullopt) << "shorter than claimed";
  EXPECT_EQ(gzip_decompress(packed + "x", text.size()), std::nullopt) << "trailing bytes";
  EXPECT_EQ(gzip_decompress(packed.substr(0, packed.size() - 4), text.size()), std::nullopt) << "no trailer";
  EXPECT_EQ(gzip_decompress("not gzip at all", 15), std::nullopt);
  EXPECT_EQ(gzip_decompress(gzip_compress(""), 0), std::string());
}

}  // namespace
}  // namespace foilcache::cache

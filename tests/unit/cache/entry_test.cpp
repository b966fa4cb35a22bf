// Entry's own accounting: the bytes it is charged for in a memory bound.
#include <string>

#include <gtest/gtest.h>

#include "proxy/cache/entry.hpp"

namespace foilcache::cache {
namespace {

TEST(EntryApproxBytes, GrowsWithBodyHeadersAndRoute) {
  Entry entry;
  const std::size_t empty = entry.approx_bytes();
  EXPECT_GT(empty, 0u);
  entry.body.assign(1000, 'x');
  EXPECT_GE(entry.approx_bytes(), empty + 1000);
  const std::size_t with_body = entry.approx_bytes();
  entry.headers.emplace_back("Content-Type", "text/plain");
  EXPECT_GE(entry.approx_bytes(), with_body + 22);
  const std::size_t with_header = entry.approx_bytes();
  entry.route = "route";
  EXPECT_EQ(entry.approx_bytes(), with_header + 5);
}

}  // namespace
}  // namespace foilcache::cache

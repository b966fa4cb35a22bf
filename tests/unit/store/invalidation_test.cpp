// The L1 invalidation message: what encode writes, decode reads back, and what decode refuses.
#include <gtest/gtest.h>

#include "proxy/store/invalidation.hpp"

namespace foilcache::store {
namespace {

TEST(Invalidation, EncodesAndDecodes) {
  Invalidation tag;
  tag.kind = Invalidation::Kind::kTag;
  tag.value = "library";
  tag.generation = 42;
  tag.id = "abc:7";
  const auto decoded = Invalidation::decode(tag.encode());
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->kind, Invalidation::Kind::kTag);
  EXPECT_EQ(decoded->value, "library");
  EXPECT_EQ(decoded->generation, 42u);
  EXPECT_EQ(decoded->id, "abc:7");

  Invalidation pattern;
  pattern.kind = Invalidation::Kind::kPattern;
  pattern.value = "a b*";  // the value may hold spaces
  EXPECT_EQ(Invalidation::decode(pattern.encode())->value, "a b*");
  EXPECT_EQ(Invalidation::decode(pattern.encode())->id, "");
  EXPECT_EQ(Invalidation::decode(Invalidation{}.encode())->kind, Invalidation::Kind::kHeartbeat);
  for (const char* bad : {"", "nope - 0 x", "tag", "tag id", "tag id x y", "tag id 12x y"}) {
    EXPECT_FALSE(Invalidation::decode(bad)) << bad;
  }
}

TEST(InvalidationEpoch, RidesInTheIdAndOlderIdsHaveNone) {
  Invalidation tag;
  tag.kind = Invalidation::Kind::kTag;
  tag.value = "library";
  tag.generation = 4;
  tag.id = "inst:7@e1";
  const auto decoded = Invalidation::decode(tag.encode());
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->id, "inst:7@e1");  // acknowledged whole, as an older receiver does
  EXPECT_EQ(decoded->epoch(), "e1");
  EXPECT_EQ(Invalidation::decode("tag inst:7 4 library")->epoch(), "");
  EXPECT_EQ(Invalidation::decode("hb -@e2 0 ")->epoch(), "e2");
  EXPECT_EQ(Invalidation::decode("hb - 0 ")->epoch(), "");
}

}  // namespace
}  // namespace foilcache::store

// The L1 tier's coherence rules, on an injected clock: trust only while the channel is
// heard, invalidations applied by tag generation, key, pattern and clear, and no
// admission of an entry fetched before an invalidation.
#include <chrono>
#include <memory>

#include <gtest/gtest.h>

#include "proxy/store/l1.hpp"
#include "tests/support/manual_clock.hpp"

namespace foilcache::store {
namespace {

using namespace std::chrono_literals;
using TimePoint = std::chrono::steady_clock::time_point;

class L1Test : public ::testing::Test {
 protected:
  L1Test() : l1_(config(), clock_) {}

  static config::L1Config config() {
    config::L1Config c;
    c.max_bytes = 8u << 20;
    c.max_staleness = 1s;
    return c;
  }

  static EntryPtr entry(std::string body, std::uint64_t library_generation) {
    auto e = std::make_shared<Entry>();
    e->body = std::move(body);
    e->tags = {{"library", library_generation}};
    return e;
  }

  // An entry stored now (by the test's clock).
  EntryPtr entry_at(std::string body, std::uint64_t library_generation) const {
    auto e = std::make_shared<Entry>();
    e->body = std::move(body);
    e->tags = {{"library", library_generation}};
    e->stored_at_ms = common::to_unix_ms(clock_.system_now());
    return e;
  }

  static Invalidation tag(std::uint64_t generation) {
    Invalidation i;
    i.kind = Invalidation::Kind::kTag;
    i.value = "library";
    i.generation = generation;
    return i;
  }

  testing::ManualClock clock_;
  L1 l1_;
};

TEST_F(L1Test, UntrustedUntilTheChannelIsHeard) {
  l1_.put("k", entry("a", 0), 1min);
  EXPECT_EQ(l1_.get("k"), nullptr);
  l1_.heard();
  EXPECT_TRUE(l1_.trusted());
  l1_.put("k", entry("a", 0), 1min);
  ASSERT_NE(l1_.get("k"), nullptr);
  EXPECT_EQ(l1_.get("k")->body, "a");
}

TEST_F(L1Test, SilenceLongerThanTheBoundStopsItsUseAndHearingAgainEmptiesIt) {
  l1_.heard();
  l1_.put("k", entry("a", 0), 1h);
  clock_.advance(999ms);
  EXPECT_NE(l1_.get("k"), nullptr);
  clock_.advance(1ms);
  EXPECT_FALSE(l1_.trusted());
  EXPECT_EQ(l1_.get("k"), nullptr) << "served an entry after max_staleness without hearing the channel";
  l1_.heard();  // messages may have been missed meanwhile
  EXPECT_TRUE(l1_.trusted());
  EXPECT_EQ(l1_.get("k"), nullptr);
}

TEST_F(L1Test, ResubscribingEmptiesItAndWaitsForTheChannel) {
  l1_.heard();
  l1_.put("k", entry("a", 0), 1h);
  l1_.resubscribed();
  EXPECT_FALSE(l1_.trusted());
  l1_.heard();
  EXPECT_EQ(l1_.get("k"), nullptr);
}

TEST_F(L1Test, TagInvalidationRemovesOlderGenerationsAndRefusesLateArrivals) {
  l1_.heard();
  l1_.put("old", entry("old", 2), 1h);
  auto other = std::make_shared<Entry>();
  other->tags = {{"system", 0}};
  l1_.put("other", other, 1h);
  l1_.apply(tag(3));
  EXPECT_EQ(l1_.get("old"), nullptr) << "an invalidated entry was served";
  EXPECT_NE(l1_.get("other"), nullptr);
  // A fetch that started before the invalidation finishes after it: never admitted.
  l1_.put("late", entry("late", 2), 1h);
  EXPECT_EQ(l1_.get("late"), nullptr);
  l1_.put("new", entry("new", 3), 1h);
  EXPECT_NE(l1_.get("new"), nullptr);
  // A repeated (or reordered, older) message never lowers the known generation.
  l1_.apply(tag(1));
  l1_.put("late2", entry("late", 2), 1h);
  EXPECT_EQ(l1_.get("late2"), nullptr);
}

TEST_F(L1Test, KeyPatternAndClear) {
  l1_.heard();
  for (const char* key : {"library_paged:1:a", "library_paged:2:a", "system_info"}) l1_.put(key, entry("x", 0), 1h);
  Invalidation key;
  key.kind = Invalidation::Kind::kKey;
  key.value = "system_info";
  l1_.apply(key);
  EXPECT_EQ(l1_.get("system_info"), nullptr);
  Invalidation pattern;
  pattern.kind = Invalidation::Kind::kPattern;
  pattern.value = "library_paged:1:*";
  l1_.apply(pattern);
  EXPECT_EQ(l1_.get("library_paged:1:a"), nullptr);
  EXPECT_NE(l1_.get("library_paged:2:a"), nullptr);
  Invalidation clear;
  clear.kind = Invalidation::Kind::kClear;
  l1_.apply(clear);
  EXPECT_EQ(l1_.get("library_paged:2:a"), nullptr);
}

TEST_F(L1Test, StaysWithinItsByteBound) {
  l1_.heard();
  for (int i = 0; i < 100'000; ++i) l1_.put("k" + std::to_string(i), entry(std::string(200, 'x'), 0), 1h);
  EXPECT_LE(l1_.cache().bytes(), config().max_bytes);
  EXPECT_GT(l1_.cache().evictions(), 0u);
}

TEST_F(L1Test, AnotherStoreEpochEmptiesItAndForgetsTheGenerationsHeard) {
  l1_.heard();
  EXPECT_FALSE(l1_.observe_epoch("e1"));  // the first one is only remembered
  l1_.apply(tag(3));
  const auto old = entry_at("old", 3);
  l1_.put("k", old, 1min);
  ASSERT_NE(l1_.get("k"), nullptr);
  EXPECT_FALSE(l1_.observe_epoch("e1"));
  ASSERT_NE(l1_.get("k"), nullptr);

  // The store lost its data: its generations restart below 3.
  clock_.advance(1ms);
  EXPECT_TRUE(l1_.observe_epoch("e2"));
  EXPECT_EQ(l1_.epoch(), "e2");
  EXPECT_EQ(l1_.get("k"), nullptr) << "emptied";
  l1_.put("k", old, 1min);
  EXPECT_EQ(l1_.get("k"), nullptr) << "an entry built before the loss is not admitted again";
  clock_.advance(1ms);
  l1_.put("k", entry_at("fresh", 1), 1min);  // generation 1 of the new store: admitted (3 is forgotten)
  ASSERT_NE(l1_.get("k"), nullptr);
  l1_.apply(tag(2));  // the next invalidation in the new store reaches it
  EXPECT_EQ(l1_.get("k"), nullptr);
}

}  // namespace
}  // namespace foilcache::store

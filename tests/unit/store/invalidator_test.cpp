// Invalidator on a fake back-end: store first, then the bus, then the warming hook.
#include "proxy/store/invalidator.hpp"

#include <gtest/gtest.h>

#include "tests/support/asio_run.hpp"
#include "tests/support/fake_store.hpp"

namespace foilcache::store {
namespace {

using namespace std::chrono_literals;

class InvalidatorTest : public ::testing::Test {
 protected:
  InvalidatorTest()
      : bus_(ioc_.get_executor(), nullptr, &fake_, "inst", 1s, common::Clock::real()),
        invalidator_(fake_, bus_, nullptr, stats_, hook_) {
    hook_ = [this](const std::vector<std::string>& tags) { warmed_.push_back(tags); };
  }
  std::uint64_t deletes() const { return stats_.totals()[static_cast<std::size_t>(metrics::Stat::kDeletes)].second; }

  net::io_context ioc_;
  testing::FakeStore fake_;
  metrics::Stats stats_;
  Invalidator::OnInvalidated hook_;
  std::vector<std::vector<std::string>> warmed_;
  InvalidationBus bus_;
  Invalidator invalidator_;
};

TEST_F(InvalidatorTest, TagsBumpGenerationsBroadcastThenWarm) {
  const std::vector<std::string> tags{"library", "system"};
  EXPECT_EQ(test::run_awaitable(ioc_, invalidator_.tags(tags)), true);
  EXPECT_EQ(fake_.calls, (std::vector<std::string>{"tag library", "tag system"}));
  ASSERT_EQ(fake_.published.size(), 2u);
  const auto first = Invalidation::decode(fake_.published[0]);
  EXPECT_EQ(first->kind, Invalidation::Kind::kTag);
  EXPECT_EQ(first->value, "library");
  EXPECT_EQ(first->generation, 1u);
  EXPECT_EQ(warmed_, (std::vector<std::vector<std::string>>{tags}));
}

TEST_F(InvalidatorTest, FailedStorePromisesNothingAndWarmsNothing) {
  fake_.down = true;
  EXPECT_EQ(test::run_awaitable(ioc_, invalidator_.tags({"library"})), false);
  EXPECT_TRUE(fake_.published.empty());
  EXPECT_TRUE(warmed_.empty());
}

TEST(InvalidatorL1, AFailedStoreEmptiesThisProcessesL1) {
  net::io_context ioc;
  testing::FakeStore fake;
  metrics::Stats stats;
  const Invalidator::OnInvalidated no_hook;
  config::L1Config l1_config;
  l1_config.max_staleness = 1h;
  L1 l1(l1_config);
  InvalidationBus bus(ioc.get_executor(), &l1, &fake, "inst", 1s, common::Clock::real());
  Invalidator invalidator(fake, bus, nullptr, stats, no_hook);
  l1.heard();
  auto entry = std::make_shared<Entry>();
  entry->tags = {{"library:u1", 0}};
  l1.put("k", entry, 1h);
  ASSERT_NE(l1.get("k"), nullptr);
  fake.down = true;
  // Its generation is unknown (the store did not answer): nothing covered stays here.
  EXPECT_EQ(test::run_awaitable(ioc, invalidator.tags({"library:u1"})), false);
  EXPECT_EQ(l1.get("k"), nullptr);
}

TEST_F(InvalidatorTest, NoTagsWarmNothing) {
  EXPECT_EQ(test::run_awaitable(ioc_, invalidator_.tags({})), true);
  EXPECT_TRUE(warmed_.empty());
}

TEST_F(InvalidatorTest, KeyIsRemovedThenBroadcastAndCounted) {
  fake_.entries["k"] = std::make_shared<Entry>();
  EXPECT_EQ(test::run_awaitable(ioc_, invalidator_.key("k")), StoreStatus::kOk);
  ASSERT_EQ(fake_.published.size(), 1u);
  EXPECT_EQ(Invalidation::decode(fake_.published[0])->kind, Invalidation::Kind::kKey);
  EXPECT_EQ(deletes(), 1u);
  EXPECT_EQ(test::run_awaitable(ioc_, invalidator_.key("k")), StoreStatus::kNotFound);
  EXPECT_EQ(fake_.published.size(), 1u);  // nothing to tell anyone
  EXPECT_EQ(deletes(), 1u);
}

TEST_F(InvalidatorTest, ClearIsBroadcastAsClearAndPatternsAsPatterns) {
  fake_.entries["a"] = std::make_shared<Entry>();
  fake_.entries["b"] = std::make_shared<Entry>();
  const auto cleared = test::run_awaitable(ioc_, invalidator_.matching("*"));
  EXPECT_EQ(cleared->count, 2u);
  EXPECT_EQ(deletes(), 2u);
  ASSERT_TRUE(test::run_awaitable(ioc_, invalidator_.matching("lib*")));
  ASSERT_EQ(fake_.published.size(), 2u);
  EXPECT_EQ(Invalidation::decode(fake_.published[0])->kind, Invalidation::Kind::kClear);
  const auto pattern = Invalidation::decode(fake_.published[1]);
  EXPECT_EQ(pattern->kind, Invalidation::Kind::kPattern);
  EXPECT_EQ(pattern->value, "lib*");
}

TEST_F(InvalidatorTest, PartialRemovalIsStillBroadcast) {
  fake_.down = true;
  const auto removed = test::run_awaitable(ioc_, invalidator_.matching("*"));
  EXPECT_EQ(removed->status, StoreStatus::kUnavailable);
  // The channel is down too here; with a working channel the L1s would drop what they hold.
  EXPECT_TRUE(fake_.published.empty());
}

}  // namespace
}  // namespace foilcache::store

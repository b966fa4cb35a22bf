// TieredStore on a fake back-end: which tier answers, what the L1 admits, what is counted.
#include "proxy/store/tiered_store.hpp"

#include <gtest/gtest.h>

#include "tests/support/asio_run.hpp"
#include "tests/support/fake_store.hpp"
#include "tests/support/manual_clock.hpp"

namespace foilcache::store {
namespace {

using namespace std::chrono_literals;

class TieredStoreTest : public ::testing::Test {
 protected:
  TieredStoreTest() : l1_(l1_config(), clock_), tiers_(&l1_, fake_, nullptr, stats_) { l1_.heard(); }

  static config::L1Config l1_config() {
    config::L1Config c;
    c.max_staleness = 1h;
    return c;
  }
  // An entry stored now with `ttl_s` under tags {"library"} at generation 0.
  EntryPtr entry(std::uint32_t ttl_s = 60) const {
    auto e = std::make_shared<Entry>();
    e->body = "body";
    e->ttl_s = ttl_s;
    e->stored_at_ms = common::to_unix_ms(clock_.system_now());
    e->tags = {{"library", 0}};
    return e;
  }
  Lookup lookup(const std::string& key, bool use_l1 = true) {
    auto result = test::run_awaitable(ioc_, tiers_.lookup(key, tags_, use_l1, clock_.system_now()));
    EXPECT_TRUE(result);
    return result.value_or(Lookup{});
  }
  std::uint64_t sets() const { return stats_.totals()[static_cast<std::size_t>(metrics::Stat::kSets)].second; }

  net::io_context ioc_;
  testing::ManualClock clock_;
  testing::FakeStore fake_;
  metrics::Stats stats_;
  L1 l1_;
  TieredStore tiers_;
  const std::vector<std::string> tags_{"library"};
};

TEST_F(TieredStoreTest, MissInsertHitFromL1WithoutTheStore) {
  EXPECT_EQ(lookup("k").status, StoreStatus::kNotFound);
  ASSERT_EQ(test::run_awaitable(ioc_, tiers_.put("k", entry(), 60s, true, clock_.system_now())), StoreStatus::kOk);
  fake_.calls.clear();
  const auto hit = lookup("k");
  EXPECT_EQ(hit.tier, Lookup::Tier::kL1);
  EXPECT_EQ(hit.status, StoreStatus::kOk);
  EXPECT_TRUE(fake_.calls.empty());  // no store round trip
  EXPECT_EQ(sets(), 1u);
}

TEST_F(TieredStoreTest, WithoutL1TheStoreAnswersWithGenerations) {
  ASSERT_EQ(test::run_awaitable(ioc_, tiers_.put("k", entry(), 60s, false, clock_.system_now())), StoreStatus::kOk);
  const auto found = lookup("k", false);
  EXPECT_EQ(found.tier, Lookup::Tier::kStore);
  EXPECT_EQ(found.status, StoreStatus::kOk);
  EXPECT_EQ(found.generations, std::vector<std::uint64_t>{0});
  EXPECT_EQ(lookup("k", true).tier, Lookup::Tier::kStore);  // put without L1: not admitted
}

TEST_F(TieredStoreTest, ExpiredL1EntryFallsThroughToTheStore) {
  ASSERT_EQ(test::run_awaitable(ioc_, tiers_.put("k", entry(2), 60s, true, clock_.system_now())), StoreStatus::kOk);
  clock_.advance(1999ms);
  EXPECT_EQ(lookup("k").tier, Lookup::Tier::kL1);
  clock_.advance(1ms);
  EXPECT_EQ(lookup("k").tier, Lookup::Tier::kStore);
}

TEST_F(TieredStoreTest, L1EntryUnderOtherTagsIsNotUsed) {
  auto e = std::make_shared<Entry>(*entry());
  e->tags = {{"system", 0}};
  tiers_.remember("k", e, true, clock_.system_now());
  EXPECT_EQ(lookup("k").tier, Lookup::Tier::kStore);
}

TEST_F(TieredStoreTest, RememberKeepsOnlyFreshEntries) {
  auto stale = std::make_shared<Entry>(*entry(1));
  clock_.advance(1s);
  tiers_.remember("k", stale, true, clock_.system_now());
  EXPECT_EQ(lookup("k").tier, Lookup::Tier::kStore);
}

TEST_F(TieredStoreTest, FailedPutIsNotASetAndUnavailableLookupSaysSo) {
  fake_.down = true;
  EXPECT_EQ(test::run_awaitable(ioc_, tiers_.put("k", entry(), 60s, false, clock_.system_now())),
            StoreStatus::kUnavailable);
  EXPECT_EQ(sets(), 0u);
  EXPECT_EQ(lookup("k", false).status, StoreStatus::kUnavailable);
}

}  // namespace
}  // namespace foilcache::store

// InvalidationBus on a fake channel: local apply, publish with ids, bounded wait for acks,
// the subscriber side, heartbeats.
#include "proxy/store/invalidation_bus.hpp"

#include <gtest/gtest.h>

#include "tests/support/asio_run.hpp"
#include "tests/support/fake_store.hpp"
#include "tests/support/manual_clock.hpp"

namespace foilcache::store {
namespace {

using namespace std::chrono_literals;

class InvalidationBusTest : public ::testing::Test {
 protected:
  InvalidationBusTest()
      : l1_(l1_config(), clock_), bus_(ioc_.get_executor(), &l1_, &fake_, "inst", 1s, clock_) {
    l1_.heard();
  }
  static config::L1Config l1_config() {
    config::L1Config c;
    c.max_staleness = 1h;  // trust stays on however far the test moves the clock
    return c;
  }
  static Invalidation key(std::string k) {
    Invalidation i;
    i.kind = Invalidation::Kind::kKey;
    i.value = std::move(k);
    return i;
  }
  EntryPtr entry() const {
    auto e = std::make_shared<Entry>();
    e->body = "x";
    return e;
  }

  net::io_context ioc_;
  testing::ManualClock clock_;
  testing::FakeStore fake_;
  L1 l1_;
  InvalidationBus bus_;
};

TEST_F(InvalidationBusTest, AppliesLocallyPublishesAndWaitsForEveryAck) {
  l1_.put("k", entry(), 1min);
  fake_.subscribers = 3;
  fake_.acks = {0, 1, 3};
  ASSERT_TRUE(test::run_awaitable(ioc_, bus_.broadcast(key("k"))));
  EXPECT_EQ(l1_.get("k"), nullptr);
  ASSERT_EQ(fake_.published.size(), 1u);
  const auto sent = Invalidation::decode(fake_.published[0]);
  ASSERT_TRUE(sent);
  EXPECT_EQ(sent->kind, Invalidation::Kind::kKey);
  EXPECT_EQ(sent->value, "k");
  EXPECT_EQ(sent->id.rfind("inst:", 0), 0u);
  EXPECT_EQ(fake_.ack_calls, 3);  // polled until all three acknowledged
}

TEST_F(InvalidationBusTest, IdsAreUniquePerMessage) {
  fake_.subscribers = 0;
  ASSERT_TRUE(test::run_awaitable(ioc_, bus_.broadcast(key("a"))));
  ASSERT_TRUE(test::run_awaitable(ioc_, bus_.broadcast(key("b"))));
  ASSERT_EQ(fake_.published.size(), 2u);
  const auto id = [](const std::string& m) { return Invalidation::decode(m)->id; };
  EXPECT_NE(id(fake_.published[0]), id(fake_.published[1]));
  EXPECT_EQ(id(fake_.published[0]).rfind("inst:", 0), 0u);
  EXPECT_EQ(fake_.ack_calls, 0);  // nobody listening: no wait
}

TEST_F(InvalidationBusTest, WaitIsBoundedByMaxStaleness) {
  fake_.subscribers = 2;
  fake_.acks = {1};  // one replica never acknowledges
  fake_.on_ack_poll = [&] { clock_.advance(300ms); };
  ASSERT_TRUE(test::run_awaitable(ioc_, bus_.broadcast(key("k"))));
  EXPECT_EQ(fake_.ack_calls, 4);  // 0, 300, 600, 900 ms asked; at 1200 ms the bound (1 s) has passed
}

TEST_F(InvalidationBusTest, ChannelDownStillAppliesLocally) {
  l1_.put("k", entry(), 1min);
  fake_.down = true;
  ASSERT_TRUE(test::run_awaitable(ioc_, bus_.broadcast(key("k"))));
  EXPECT_EQ(l1_.get("k"), nullptr);
}

TEST_F(InvalidationBusTest, HeardMessagesAreAppliedAndAcknowledged) {
  l1_.put("k", entry(), 1min);
  Invalidation message = key("k");
  message.id = "other:7";
  bus_.on_message(message.encode());
  EXPECT_EQ(l1_.get("k"), nullptr);
  ASSERT_TRUE(test::run_until(ioc_, [&] { return !fake_.acknowledged.empty(); }, 1s));
  EXPECT_EQ(fake_.acknowledged, std::vector<std::string>{"other:7"});
}

TEST_F(InvalidationBusTest, HeartbeatsAndGarbageChangeNothing) {
  l1_.put("k", entry(), 1min);
  bus_.on_message(Invalidation{}.encode());
  bus_.on_message("not a message");
  bus_.on_message("");
  EXPECT_NE(l1_.get("k"), nullptr);
  ioc_.poll();
  EXPECT_TRUE(fake_.acknowledged.empty());
}

TEST_F(InvalidationBusTest, ResubscribingEmptiesTheL1) {
  l1_.put("k", entry(), 1min);
  bus_.on_resubscribed();
  l1_.heard();
  EXPECT_EQ(l1_.get("k"), nullptr);
}

TEST_F(InvalidationBusTest, HeartbeatPublishesUntilStopped) {
  std::atomic<bool> stop{false};
  fake_.subscribers = 1;
  net::co_spawn(ioc_, bus_.heartbeat(stop), net::detached);
  ASSERT_TRUE(test::run_until(ioc_, [&] { return fake_.published.size() >= 1; }, 1s));
  stop = true;
  ASSERT_TRUE(test::run_until(ioc_, [&] { return ioc_.stopped() || fake_.published.size() >= 1; }, 1s));
  const auto beat = Invalidation::decode(fake_.published.front());
  ASSERT_TRUE(beat);
  EXPECT_EQ(beat->kind, Invalidation::Kind::kHeartbeat);
}

}  // namespace
}  // namespace foilcache::store

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
  fake_.held_epoch = "e1";
  net::co_spawn(ioc_, bus_.heartbeat(stop), net::detached);
  ASSERT_TRUE(test::run_until(ioc_, [&] { return fake_.published.size() >= 1; }, 1s));
  stop = true;
  ASSERT_TRUE(test::run_until(ioc_, [&] { return ioc_.stopped() || fake_.published.size() >= 1; }, 1s));
  const auto beat = Invalidation::decode(fake_.published.front());
  ASSERT_TRUE(beat);
  EXPECT_EQ(beat->kind, Invalidation::Kind::kHeartbeat);
  EXPECT_EQ(beat->epoch(), "e1") << "each beat checks the store's epoch and carries it";
  EXPECT_GE(fake_.epoch_calls, 1);
}

TEST_F(InvalidationBusTest, BroadcastChecksTheStoreEpochFirstAndCarriesIt) {
  fake_.held_epoch = "e1";
  fake_.subscribers = 0;
  ASSERT_TRUE(test::run_awaitable(ioc_, bus_.broadcast(key("a"))));
  EXPECT_EQ(fake_.epoch_calls, 1);
  EXPECT_EQ(l1_.epoch(), "e1");
  ASSERT_EQ(fake_.published.size(), 1u);
  EXPECT_EQ(Invalidation::decode(fake_.published[0])->epoch(), "e1");

  // The store lost its data (its epoch key with it): the next invalidation empties the L1
  // before applying a generation lower than those it heard.
  Invalidation old_tag;
  old_tag.kind = Invalidation::Kind::kTag;
  old_tag.value = "library";
  old_tag.generation = 3;
  l1_.apply(old_tag);
  auto held = std::make_shared<Entry>();
  held->body = "x";
  held->tags = {{"library", 3}};
  l1_.put("k", held, 1min);
  ASSERT_NE(l1_.get("k"), nullptr);
  fake_.held_epoch.clear();
  Invalidation after_loss = old_tag;
  after_loss.generation = 1;
  ASSERT_TRUE(test::run_awaitable(ioc_, bus_.broadcast(after_loss)));
  EXPECT_EQ(l1_.get("k"), nullptr) << "an entry from before the loss survived an invalidation";
  EXPECT_NE(l1_.epoch(), "e1");
  EXPECT_EQ(Invalidation::decode(fake_.published.back())->epoch(), fake_.held_epoch);
}

TEST_F(InvalidationBusTest, AMessageFromAnotherEpochEmptiesTheL1) {
  ASSERT_FALSE(l1_.observe_epoch("e1"));
  l1_.put("k", entry(), 1min);
  Invalidation beat;
  beat.id = "-@e1";
  bus_.on_message(beat.encode());
  ASSERT_NE(l1_.get("k"), nullptr) << "same epoch: nothing lost";
  beat.id = "-@e2";
  bus_.on_message(beat.encode());
  EXPECT_EQ(l1_.get("k"), nullptr);
  EXPECT_EQ(l1_.epoch(), "e2");
  Invalidation older_sender = key("other");
  older_sender.id = "old:1";  // a sender that says no epoch changes nothing
  l1_.put("k", entry(), 1min);
  bus_.on_message(older_sender.encode());
  EXPECT_EQ(l1_.epoch(), "e2");
}

}  // namespace
}  // namespace foilcache::store

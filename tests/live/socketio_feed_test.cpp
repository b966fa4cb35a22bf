// SocketIoFeed against real redis-servers: the app's Redis it subscribes to (published to
// as python-socketio would), and for the replica tests foilcache's own Redis, where the
// claims and tag generations live. Every wait is bounded; the io_context runs on the test
// thread.
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "proxy/feeds/event_claim.hpp"
#include "proxy/feeds/socketio_feed.hpp"
#include "proxy/store/invalidation_bus.hpp"
#include "proxy/store/redis_store.hpp"
#include "tests/live/redis_test_util.hpp"
#include "tests/support/asio_run.hpp"
#include "tests/support/fake_store.hpp"
#include "tests/support/redis_server.hpp"

namespace foilcache::feeds {
namespace {

using namespace std::chrono_literals;

constexpr auto kBound = 10s;
constexpr const char* kChannel = "flask-socketio";

std::string emit(std::string_view event, std::string_view payload) {
  return R"({"method": "emit", "event": ")" + std::string(event) + R"(", "data": [)" + std::string(payload) +
         R"(], "binary": false, "namespace": "/", "room": null, "skip_sid": null, "callback": null, "host_id": "h"})";
}
const std::string kLibraryUpdated = emit("library_updated", R"({"timestamp": "2026-08-13T10:00:00.123456+00:00"})");

std::shared_ptr<const config::Config> feed_config(const test::RedisServer* app, config::Duration max_staleness = 30s) {
  auto c = std::make_shared<config::Config>();
  c->events["library_updated"] = config::EventRule{{}, {"library"}};
  c->events["job_update"] = config::EventRule{{{"status", {"completed"}}}, {"system"}};
  auto& feed = c->feeds.socketio;
  if (app != nullptr) {
    feed.redis = test::redis_config_for(*app);
    feed.url = feed.redis.url;
  }
  feed.max_staleness = max_staleness;
  feed.burst_window = 0ms;  // every event at once: these tests count invalidations per event
  return c;
}

// One process's side: its store, bus, invalidator, metrics and feed.
struct Replica {
  Replica(net::io_context& ioc, store::EntryStore& entries, store::FetchLock* lock)
      : bus(ioc.get_executor(), nullptr, nullptr, "replica", 1s, common::Clock::real()),
        invalidator(entries, bus, &metrics, stats, on_invalidated),
        feed(ioc, invalidator, lock, common::Clock::real(), &metrics) {}

  // A sample of the replica's metrics (0 when the series does not exist yet).
  double sample(const std::string& series) {
    const std::string text = metrics.scrape();
    const std::string line = "\n" + series + " ";  // a sample line, not the # HELP line
    const auto at = text.find(line);
    return at == std::string::npos ? 0 : std::stod(text.substr(at + line.size()));
  }
  double events(std::string_view event, std::string_view result) {
    return sample("foilcache_app_events_total{event=\"" + std::string(event) + "\",result=\"" + std::string(result) +
                  "\"}");
  }
  double resyncs(std::string_view reason) {
    return sample("foilcache_app_feed_resyncs_total{reason=\"" + std::string(reason) + "\"}");
  }

  metrics::Metrics metrics{"redis"};
  metrics::Stats stats;
  store::InvalidationBus bus;
  store::Invalidator::OnInvalidated on_invalidated;
  store::Invalidator invalidator;
  SocketIoFeed feed;
};

bool contains(const std::vector<std::string>& calls, const std::string& call) {
  return std::find(calls.begin(), calls.end(), call) != calls.end();
}

class SocketIoFeedTest : public ::testing::Test {
 protected:
  bool run_until(const std::function<bool()>& done) { return test::run_until(ioc_, done, kBound); }
  std::string publish(const test::RedisServer& server, const std::string& message) {
    return server.cli({"PUBLISH", kChannel, message});
  }
  void subscribe(Replica& r, const test::RedisServer& server, config::Duration max_staleness = 30s) {
    r.feed.apply(feed_config(&server, max_staleness));
    ASSERT_TRUE(run_until([&] { return r.feed.subscribed() && r.resyncs("subscribed") == 1; })) << server.log_tail();
  }

  test::RedisServer app_;
  net::io_context ioc_;  // before the replicas: they are destroyed first, its handlers after
  testing::FakeStore store_;
};

TEST_F(SocketIoFeedTest, SubscribesResyncsThenInvalidatesWhatItHears) {
  Replica r(ioc_, store_, nullptr);
  r.feed.apply(feed_config(&app_));
  ASSERT_TRUE(run_until([&] { return r.feed.subscribed(); })) << app_.log_tail();
  ASSERT_TRUE(run_until([&] { return store_.calls.size() == 2; }));
  EXPECT_EQ(store_.calls, (std::vector<std::string>{"tag library", "tag system"})) << "every mapped tag";
  EXPECT_EQ(r.sample("foilcache_app_feed_up"), 1);
  store_.calls.clear();

  EXPECT_EQ(publish(app_, kLibraryUpdated), "1");
  ASSERT_TRUE(run_until([&] { return !store_.calls.empty(); }));
  EXPECT_EQ(store_.calls, (std::vector<std::string>{"tag library"}));
  ASSERT_TRUE(run_until([&] { return r.events("library_updated", "applied") == 1; }));

  // Conditions on the payload: a running job is filtered, a completed one maps.
  publish(app_, emit("job_update", R"({"type": "metadata_fetch", "status": "running"})"));
  publish(app_, emit("job_update", R"({"type": "metadata_fetch", "status": "completed"})"));
  ASSERT_TRUE(run_until([&] { return r.events("job_update", "applied") == 1; }));
  EXPECT_EQ(r.events("job_update", "filtered"), 1);
  EXPECT_EQ(store_.calls, (std::vector<std::string>{"tag library", "tag system"}));
}

TEST_F(SocketIoFeedTest, DropsWhatItMustNotActOnAndKeepsListening) {
  Replica r(ioc_, store_, nullptr);
  subscribe(r, app_);
  store_.calls.clear();
  publish(app_, std::string("\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00}\x94.", 14));  // a pickle
  publish(app_, R"({"method": "enter_room", "sid": "s", "room": "library", "namespace": "/", "host_id": "h"})");
  publish(app_, std::string(kLibraryUpdated).replace(kLibraryUpdated.find("\"/\""), 3, "\"/admin\""));
  publish(app_, "{\"method\": \"emit\", \"event\": [[[[");
  publish(app_, emit("user_created", "{}"));
  publish(app_, kLibraryUpdated);
  ASSERT_TRUE(run_until([&] { return r.events("library_updated", "applied") == 1; }));
  EXPECT_EQ(r.events("other", "pickle"), 1);
  EXPECT_EQ(r.events("other", "ignored"), 2);
  EXPECT_EQ(r.events("other", "malformed"), 1);
  EXPECT_EQ(r.events("other", "unmapped"), 1);
  EXPECT_EQ(store_.calls, (std::vector<std::string>{"tag library"}));
}

TEST_F(SocketIoFeedTest, ReconnectsAfterARedisRestartAndResyncs) {
  Replica r(ioc_, store_, nullptr);
  subscribe(r, app_);
  app_.restart();
  ASSERT_TRUE(run_until([&] { return r.resyncs("subscribed") == 2; })) << "resubscribed after the restart";
  EXPECT_TRUE(r.feed.subscribed());
  store_.calls.clear();
  EXPECT_EQ(publish(app_, kLibraryUpdated), "1");
  ASSERT_TRUE(run_until([&] { return contains(store_.calls, "tag library"); }));
}

TEST_F(SocketIoFeedTest, WhileDownEveryPeriodIsAResync) {
  Replica r(ioc_, store_, nullptr);
  subscribe(r, app_, 1s);
  app_.stop();
  ASSERT_TRUE(run_until([&] { return !r.feed.subscribed(); }));
  EXPECT_EQ(r.sample("foilcache_app_feed_up"), 0);
  store_.calls.clear();
  ASSERT_TRUE(run_until([&] { return r.resyncs("down") >= 2; })) << "one a second while down";
  EXPECT_TRUE(contains(store_.calls, "tag library"));
  EXPECT_TRUE(contains(store_.calls, "tag system"));
  app_.restart();
  ASSERT_TRUE(run_until([&] { return r.resyncs("subscribed") == 2; }));
}

TEST_F(SocketIoFeedTest, ApplyMovesToANewUrlAndAnEmptyOneTurnsItOff) {
  test::RedisServer other;
  Replica r(ioc_, store_, nullptr);
  subscribe(r, app_);
  r.feed.apply(feed_config(&other));
  ASSERT_TRUE(run_until([&] { return r.feed.subscribed() && r.resyncs("subscribed") == 2; }));
  EXPECT_EQ(publish(app_, kLibraryUpdated), "0") << "the old subscription is closed";
  EXPECT_EQ(publish(other, kLibraryUpdated), "1");
  ASSERT_TRUE(run_until([&] { return r.events("library_updated", "applied") == 1; }));

  r.feed.apply(feed_config(nullptr));
  EXPECT_FALSE(r.feed.subscribed());
  ASSERT_TRUE(run_until([&] { return publish(other, kLibraryUpdated) == "0"; }));
}

// Two replicas on one foilcache Redis: the claims make one of them invalidate.
class SocketIoFeedReplicasTest : public SocketIoFeedTest {
 protected:
  void SetUp() override {
    for (auto* s : {&a_, &b_}) {
      auto client = std::make_shared<redis::RedisClient>(ioc_, test::redis_config_for(own_));
      client->start();
      *s = std::make_unique<store::RedisStore>(std::move(client), "foilcache-test:");
    }
    ASSERT_TRUE(run_until([&] { return a_->health().available && b_->health().available; }));
  }
  std::string generation(const std::string& tag) { return own_.cli({"GET", "foilcache-test:@gen:" + tag}); }

  test::RedisServer own_;
  std::unique_ptr<store::RedisStore> a_;
  std::unique_ptr<store::RedisStore> b_;
};

TEST_F(SocketIoFeedReplicasTest, AnEventHeardByTwoIsInvalidatedOnce) {
  Replica ra(ioc_, *a_, a_.get());
  Replica rb(ioc_, *b_, b_.get());
  subscribe(ra, app_);
  subscribe(rb, app_);
  ASSERT_EQ(generation("library"), "2") << "each replica resynced on subscribing";

  EXPECT_EQ(publish(app_, kLibraryUpdated), "2");
  const auto settled = [&](Replica& r) {
    return r.events("library_updated", "applied") + r.events("library_updated", "deduplicated");
  };
  ASSERT_TRUE(run_until([&] { return settled(ra) == 1 && settled(rb) == 1; }));
  EXPECT_EQ(ra.events("library_updated", "applied") + rb.events("library_updated", "applied"), 1);
  EXPECT_EQ(generation("library"), "3") << "one INCR for the event";
  EXPECT_EQ(generation("system"), "2");
}

TEST_F(SocketIoFeedReplicasTest, AClaimLeftByADeadReplicaIsTakenOver) {
  Replica r(ioc_, *a_, a_.get());
  subscribe(r, app_);
  // What a replica that claimed the event and died leaves: its claim, expiring.
  const std::string claim = "foilcache-test:@lock:" + event_claim_key(kLibraryUpdated);
  ASSERT_EQ(own_.cli({"SET", claim, "dead-replica", "PX", "600"}), "OK");
  publish(app_, kLibraryUpdated);
  ASSERT_TRUE(run_until([&] { return r.events("library_updated", "applied") == 1; }));
  EXPECT_EQ(generation("library"), "2");
  EXPECT_EQ(r.events("library_updated", "deduplicated"), 0);
}

}  // namespace
}  // namespace foilcache::feeds

// Flights: one leader per key, followers woken with its entry, bounded waits.
#include "proxy/pipeline/flights.hpp"

#include <gtest/gtest.h>

#include "tests/support/asio_run.hpp"

namespace foilcache::pipeline {
namespace {

using namespace std::chrono_literals;

EntryPtr entry(std::string body) {
  auto e = std::make_shared<cache::Entry>();
  e->body = std::move(body);
  return e;
}

TEST(FlightsJoin, FirstLeadsOthersFollowOtherKeysNeverMeet) {
  Flights flights;
  auto a = flights.join("k");
  auto b = flights.join("k");
  auto c = flights.join("other");
  EXPECT_TRUE(a.leader);
  EXPECT_FALSE(b.leader);
  EXPECT_TRUE(c.leader);
  EXPECT_EQ(a.flight, b.flight);
  EXPECT_EQ(flights.in_flight(), 2u);
}

TEST(FlightsWait, FollowerGetsThePublishedEntry) {
  net::io_context ioc;
  Flights flights;
  auto lead = flights.join("k");
  auto follow = flights.join("k");
  EntryPtr got;
  bool done = false;
  net::co_spawn(ioc, flights.wait(follow.flight, ioc.get_executor(), 5s), [&](std::exception_ptr, EntryPtr e) {
    got = std::move(e);
    done = true;
  });
  ioc.poll();  // the follower is waiting
  EXPECT_FALSE(done);
  const auto published = entry("x");
  flights.finish(lead.flight, published);
  ASSERT_TRUE(test::run_until(ioc, [&] { return done; }, 1s));
  EXPECT_EQ(got, published);
  EXPECT_EQ(flights.in_flight(), 0u);
}

TEST(FlightsWait, AnEntryPublishedBeforeFinishIsGivenToLateArrivals) {
  net::io_context ioc;
  Flights flights;
  auto lead = flights.join("k");
  const auto published = entry("x");
  flights.publish(lead.flight, published);
  auto late = flights.join("k");  // still joinable while the leader writes the store
  EXPECT_FALSE(late.leader);
  EXPECT_EQ(test::run_awaitable(ioc, flights.wait(late.flight, ioc.get_executor(), 1s)), published);
  flights.finish(lead.flight, nullptr);
  EXPECT_TRUE(flights.join("k").leader);
}

TEST(FlightsWait, NothingPublishedEndsTheFlightAndFollowersGoAlone) {
  net::io_context ioc;
  Flights flights;
  auto lead = flights.join("k");
  auto follow = flights.join("k");
  flights.publish(lead.flight, nullptr);
  EXPECT_EQ(test::run_awaitable(ioc, flights.wait(follow.flight, ioc.get_executor(), 1s)), EntryPtr{});
  EXPECT_TRUE(flights.join("k").leader);  // ended at once
}

TEST(FlightsWait, BoundedByTheWait) {
  net::io_context ioc;
  Flights flights;
  auto lead = flights.join("k");
  auto follow = flights.join("k");
  const auto result = test::run_awaitable(ioc, flights.wait(follow.flight, ioc.get_executor(), 10ms), 2s);
  ASSERT_TRUE(result);
  EXPECT_EQ(*result, nullptr);
}

TEST(FlightsGuard, DestroyedWithoutAnEntryIsDangling) {
  net::io_context ioc;
  Flights flights;
  auto follow = [&] {
    auto lead = flights.join("k");
    FlightGuard guard(flights, std::move(lead.flight));
    return flights.join("k");
  }();  // the guard is gone: the flight ended with nothing
  EXPECT_EQ(test::run_awaitable(ioc, flights.wait(follow.flight, ioc.get_executor(), 1s)), EntryPtr{});
  EXPECT_EQ(flights.in_flight(), 0u);
}

}  // namespace
}  // namespace foilcache::pipeline

// RedisClient against a real redis-server started per test.
#include <array>
#include <future>
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "proxy/redis/redis_client.hpp"
#include "tests/support/asio_run.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/wait.hpp"
#include "tests/live/redis_test_util.hpp"

namespace foilcache::redis {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Counts completions of callback-form commands, to check "exactly once".
struct Completions {
  std::vector<int> calls;
  std::vector<boost::system::error_code> ecs;
  std::vector<Reply> replies;
  explicit Completions(std::size_t n) : calls(n), ecs(n), replies(n) {}
  auto handler(std::size_t i) {
    return [this, i](Result result) {
      ++calls[i];
      ecs[i] = result.ec;
      replies[i] = std::move(result.reply);
    };
  }
  bool all_done() const {
    for (int c : calls)
      if (c == 0) return false;
    return true;
  }
};

class RedisClientTest : public ::testing::Test {
 protected:
  explicit RedisClientTest(test::RedisServerOptions options = {}) : server_(std::move(options)) {}

  void start_client(config::RedisConfig config) {
    client_ = std::make_unique<RedisClient>(ioc_, std::move(config), log_.fn());
    client_->start();
  }
  void start_connected(config::RedisConfig config) {
    start_client(std::move(config));
    ASSERT_TRUE(wait_connected()) << client_->last_error() << "\n" << server_.log_tail();
  }
  bool wait_connected(std::chrono::milliseconds bound = 5s) {
    return test::run_until(ioc_, [&] { return client_->connected(); }, bound);
  }
  Result run(std::vector<std::string> argv, std::chrono::milliseconds bound = 5s) {
    auto result = test::run_awaitable(ioc_, client_->command(std::move(argv)), bound);
    if (!result) {
      ADD_FAILURE() << "command did not complete within " << bound.count() << " ms";
      return {};
    }
    return std::move(*result);
  }
  // Sends `done.calls.size()` PINGs back to back (hiredis writes them in one go) and runs
  // until all have completed.
  bool ping_burst(Completions& done) {
    const std::array<std::string_view, 1> ping{"PING"};
    for (std::size_t i = 0; i < done.calls.size(); ++i) client_->async_command(ping, done.handler(i));
    return test::run_until(ioc_, [&] { return done.all_done(); }, 3s);
  }
  // Pauses the server and opens the breaker: a burst of kThreshold commands all time out
  // (those left when the connection is recycled as stuck lose it instead).
  void open_breaker_on_paused_server() {
    server_.pause();
    Completions done(CircuitBreaker::kThreshold);
    ASSERT_TRUE(ping_burst(done));
    for (auto ec : done.ecs) EXPECT_TRUE(ec == Errc::timeout || ec == Errc::connection_lost) << ec.message();
    ASSERT_EQ(client_->breaker_state(), BreakerState::kOpen);
  }

  test::RedisServer server_;
  net::io_context ioc_;
  test::LogSink log_;
  std::unique_ptr<RedisClient> client_;
};

TEST_F(RedisClientTest, RepliesOfEveryTypeAreBinarySafe) {
  start_connected(test::redis_config_for(server_));
  const std::string value("bin\0ary\r\n\xff", 10);

  Result set = run({"SET", "k", value});
  ASSERT_FALSE(set.ec) << set.ec.message();
  EXPECT_EQ(set.reply.type, ReplyType::kStatus);
  EXPECT_EQ(set.reply.str(), "OK");

  Result get = run({"GET", "k"});
  EXPECT_EQ(get.reply.type, ReplyType::kString);
  EXPECT_EQ(get.reply.str(), value);

  Result missing = run({"GET", "nope"});
  EXPECT_FALSE(missing.ec);
  EXPECT_TRUE(missing.reply.is_nil());

  Result incr = run({"INCR", "counter"});
  EXPECT_EQ(incr.reply.type, ReplyType::kInteger);
  EXPECT_EQ(incr.reply.integer, 1);

  Result mget = run({"MGET", "k", "nope"});
  ASSERT_EQ(mget.reply.type, ReplyType::kArray);
  ASSERT_EQ(mget.reply.elements.size(), 2u);
  EXPECT_EQ(mget.reply.elements[0].str(), value);
  EXPECT_TRUE(mget.reply.elements[1].is_nil());

  Result wrong = run({"LPUSH", "k", "x"});
  EXPECT_FALSE(wrong.ec);  // an error reply is a reply, not an error_code
  EXPECT_TRUE(wrong.reply.is_error());
  EXPECT_NE(wrong.reply.str().find("WRONGTYPE"), std::string_view::npos);
  EXPECT_EQ(server_.cli({"GET", "k"}), value);
}

TEST_F(RedisClientTest, ManyArgumentsAndEmptyArguments) {
  start_connected(test::redis_config_for(server_));
  std::vector<std::string> argv{"RPUSH", "list"};
  for (int i = 0; i < 20; ++i) argv.push_back(i % 2 ? "" : std::to_string(i));
  Result pushed = run(argv);
  EXPECT_EQ(pushed.reply.integer, 20);
  EXPECT_EQ(server_.cli({"LINDEX", "list", "1"}), "");
}

TEST_F(RedisClientTest, PipelinedCommandsCompleteInOrderExactlyOnce) {
  start_connected(test::redis_config_for(server_));
  constexpr std::size_t kCount = 500;
  Completions done(kCount);
  const std::array<std::string_view, 2> incr{"INCR", "seq"};
  for (std::size_t i = 0; i < kCount; ++i) client_->async_command(incr, done.handler(i));
  EXPECT_EQ(done.calls[0], 0);  // never completed inline
  ASSERT_TRUE(test::run_until(ioc_, [&] { return done.all_done(); }, 5s));
  for (std::size_t i = 0; i < kCount; ++i) {
    EXPECT_EQ(done.calls[i], 1);
    EXPECT_FALSE(done.ecs[i]);
    EXPECT_EQ(done.replies[i].integer, static_cast<std::int64_t>(i + 1));
  }
}

TEST_F(RedisClientTest, LargeValueIsReadAcrossManyChunks) {
  start_connected(test::redis_config_for(server_));
  std::string big(3u << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131);
  ASSERT_FALSE(run({"SET", "big", big}).ec);
  Result got = run({"GET", "big"});
  ASSERT_FALSE(got.ec) << got.ec.message();
  EXPECT_TRUE(got.reply.str() == big);
}

TEST_F(RedisClientTest, NotConnectedFailsAtOnceButNeverInline) {
  start_client(test::redis_config_for(server_));  // not yet connected: the io_context has not run
  Completions done(1);
  const std::array<std::string_view, 1> ping{"PING"};
  client_->async_command(ping, done.handler(0));
  EXPECT_EQ(done.calls[0], 0);
  ASSERT_TRUE(test::run_until(ioc_, [&] { return done.all_done(); }, 1s));
  EXPECT_EQ(done.ecs[0], Errc::not_connected);
  EXPECT_EQ(client_->stats().rejected, 1u);
}

TEST_F(RedisClientTest, ConstructionWithRedisDownDoesNotBlockAndKeepsRetrying) {
  config::RedisConfig config = test::redis_config_for(server_);
  config.port = test::free_port();  // nothing listens there
  const auto started = Clock::now();
  start_client(config);
  EXPECT_LT(Clock::now() - started, 1s);
  EXPECT_FALSE(client_->connected());

  ASSERT_TRUE(test::run_until(ioc_, [&] { return client_->stats().connect_failures >= 3; }, 5s));
  EXPECT_FALSE(client_->connected());
  const auto before = Clock::now();
  Result result = run({"GET", "k"});
  EXPECT_EQ(result.ec, Errc::not_connected);
  EXPECT_LT(Clock::now() - before, 1s);
  EXPECT_FALSE(client_->last_error().empty());
  // One warning per failure streak, not one per attempt.
  EXPECT_EQ(log_.lines.size(), 1u) << log_.joined();
}

TEST_F(RedisClientTest, HostnameIsResolvedWithoutBlocking) {
  config::RedisConfig config = test::redis_config_for(server_);
  config.host = "localhost";
  start_connected(config);
  EXPECT_EQ(run({"PING"}).reply.str(), "PONG");
}

TEST_F(RedisClientTest, PausedServerTimesOutWithinTheCommandTimeout) {
  start_connected(test::redis_config_for(server_));
  server_.pause();
  const auto before = Clock::now();
  Result result = run({"GET", "k"});
  const auto elapsed = Clock::now() - before;
  EXPECT_EQ(result.ec, Errc::timeout);
  EXPECT_GE(elapsed, 100ms);  // not before the configured 150 ms (minus scheduling slack)
  EXPECT_LT(elapsed, 2s);
  EXPECT_EQ(client_->stats().timeouts, 1u);
  server_.resume();
}

TEST_F(RedisClientTest, LateReplyAfterTimeoutIsDroppedSilently) {
  start_connected(test::redis_config_for(server_));
  server_.pause();
  Completions done(1);
  const std::array<std::string_view, 2> incr{"INCR", "late"};
  client_->async_command(incr, done.handler(0));
  ASSERT_TRUE(test::run_until(ioc_, [&] { return done.all_done(); }, 2s));
  EXPECT_EQ(done.ecs[0], Errc::timeout);
  server_.resume();
  // The late reply arrives and is dropped; the connection stays usable.
  Result next = run({"INCR", "late"});
  ASSERT_FALSE(next.ec) << next.ec.message();
  EXPECT_EQ(next.reply.integer, 2);  // the timed-out INCR did run on the server
  EXPECT_EQ(done.calls[0], 1);
  EXPECT_TRUE(client_->connected());
  EXPECT_EQ(client_->stats().disconnects, 0u);
}

TEST_F(RedisClientTest, ConsecutiveTimeoutsRecycleTheConnection) {
  start_connected(test::redis_config_for(server_));
  server_.pause();
  constexpr std::size_t kCount = RedisClient::kMaxConsecutiveTimeouts;
  Completions done(kCount);
  const std::array<std::string_view, 1> ping{"PING"};
  for (std::size_t i = 0; i < kCount; ++i) client_->async_command(ping, done.handler(i));
  ASSERT_TRUE(test::run_until(ioc_, [&] { return done.all_done() && !client_->connected(); }, 3s));
  for (auto ec : done.ecs) EXPECT_EQ(ec, Errc::timeout);
  EXPECT_EQ(client_->stats().disconnects, 1u);
  // While paused, handshakes (PING) time out, so it stays disconnected; then recovers.
  server_.resume();
  ASSERT_TRUE(wait_connected()) << client_->last_error();
  EXPECT_EQ(run({"PING"}).reply.str(), "PONG");
}

TEST_F(RedisClientTest, UnresponsiveServerFailsTheHandshakeWithinConnectTimeout) {
  server_.pause();  // the kernel still accepts the TCP connection; PING gets no answer
  config::RedisConfig config = test::redis_config_for(server_);
  start_client(config);
  ASSERT_TRUE(test::run_until(ioc_, [&] { return client_->stats().connect_failures >= 1; }, 3s));
  EXPECT_FALSE(client_->connected());
  EXPECT_NE(client_->last_error().find("PING"), std::string::npos) << client_->last_error();
  server_.resume();
  ASSERT_TRUE(wait_connected()) << client_->last_error();
}

TEST_F(RedisClientTest, KilledServerFailsFastThenReconnectsByItself) {
  start_connected(test::redis_config_for(server_));
  server_.kill();
  const auto before = Clock::now();
  Result result = run({"GET", "k"});
  EXPECT_TRUE(result.ec == Errc::connection_lost || result.ec == Errc::not_connected) << result.ec.message();
  EXPECT_LT(Clock::now() - before, 1s);
  ASSERT_TRUE(test::run_until(ioc_, [&] { return !client_->connected(); }, 2s));

  server_.restart();
  ASSERT_TRUE(wait_connected()) << client_->last_error();
  EXPECT_FALSE(run({"SET", "k", "v"}).ec);
  EXPECT_EQ(server_.cli({"GET", "k"}), "v");
  EXPECT_EQ(client_->stats().connects, 2u);
  EXPECT_GE(client_->stats().disconnects, 1u);
}

TEST_F(RedisClientTest, PausedServerOpensTheBreakerAndLaterCommandsFailFast) {
  start_connected(test::redis_config_for(server_));
  EXPECT_EQ(client_->breaker_state(), BreakerState::kClosed);
  ASSERT_NO_FATAL_FAILURE(open_breaker_on_paused_server());
  const ClientStats before = client_->stats();

  // Within the 1 s cooldown: failed without being sent, so without waiting for the 150 ms
  // command timeout (the 1 s bound is only a sanity check).
  Result result = run({"GET", "k"}, 1s);
  EXPECT_EQ(result.ec, Errc::circuit_open) << result.ec.message();
  Completions pipelined(3);
  const std::array<std::string_view, 2> get{"GET", "k"};
  for (std::size_t i = 0; i < pipelined.calls.size(); ++i) client_->async_command(get, pipelined.handler(i));
  EXPECT_EQ(pipelined.calls[0], 0);  // never completed inline
  ASSERT_TRUE(test::run_until(ioc_, [&] { return pipelined.all_done(); }, 1s));
  for (auto ec : pipelined.ecs) EXPECT_EQ(ec, Errc::circuit_open);

  const ClientStats after = client_->stats();
  EXPECT_EQ(after.commands, before.commands);  // nothing reached the connection
  EXPECT_EQ(after.short_circuited, before.short_circuited + 4);
  EXPECT_EQ(after.rejected, before.rejected);
  EXPECT_NE(log_.joined().find("circuit breaker open"), std::string::npos) << log_.joined();
  server_.resume();
}

TEST_F(RedisClientTest, BreakerClosesByItselfOnceTheServerAnswersAgain) {
  start_connected(test::redis_config_for(server_));
  ASSERT_NO_FATAL_FAILURE(open_breaker_on_paused_server());
  server_.resume();
  // The stuck connection was recycled; the new one's handshake is not held back by the
  // breaker, and its success makes the next command the probe at once.
  ASSERT_TRUE(wait_connected()) << client_->last_error();
  EXPECT_EQ(client_->breaker_state(), BreakerState::kHalfOpen);
  Result probe = run({"SET", "k", "v"});
  ASSERT_FALSE(probe.ec) << probe.ec.message();
  EXPECT_EQ(client_->breaker_state(), BreakerState::kClosed);
  EXPECT_EQ(run({"GET", "k"}).reply.str(), "v");
  EXPECT_NE(log_.joined().find("circuit breaker closed"), std::string::npos) << log_.joined();
}

// DEBUG SLEEP needs the debug command, which Redis 7 refuses by default.
class RedisClientDebugTest : public RedisClientTest {
 protected:
  RedisClientDebugTest() : RedisClientTest(debug_enabled()) {}

  static test::RedisServerOptions debug_enabled() {
    test::RedisServerOptions options;
    options.extra_args = {"--enable-debug-command", "local"};
    return options;
  }
};

TEST_F(RedisClientDebugTest, ServerBlockedByDebugSleepOpensTheBreakerThenItRecovers) {
  start_connected(test::redis_config_for(server_));
  // Another client blocks the whole server for 1 s (cli waits for the reply: own thread).
  auto sleeper = std::async(std::launch::async, [this] { return server_.cli({"DEBUG", "SLEEP", "1"}); });
  // Bursts sent before the sleep starts are answered. Redis executes a burst (read in one
  // go) before or after the DEBUG SLEEP, never around it, so the first burst after it fails
  // as a whole and opens the breaker.
  const auto give_up = Clock::now() + 3s;
  while (client_->breaker_state() == BreakerState::kClosed && Clock::now() < give_up) {
    Completions done(CircuitBreaker::kThreshold);
    ASSERT_TRUE(ping_burst(done));
  }
  ASSERT_EQ(client_->breaker_state(), BreakerState::kOpen);
  EXPECT_EQ(run({"PING"}, 1s).ec, Errc::circuit_open);

  EXPECT_EQ(sleeper.get(), "OK");
  ASSERT_TRUE(wait_connected()) << client_->last_error();
  Result probe = run({"PING"});
  ASSERT_FALSE(probe.ec) << probe.ec.message();
  EXPECT_EQ(probe.reply.str(), "PONG");
  EXPECT_EQ(client_->breaker_state(), BreakerState::kClosed);
  EXPECT_FALSE(run({"SET", "after", "sleep"}).ec);
}

TEST_F(RedisClientTest, StopCompletesEveryPendingCommandExactlyOnce) {
  config::RedisConfig config = test::redis_config_for(server_);
  config.timeout = 10s;  // keep them pending until stop()
  start_connected(config);
  server_.pause();
  constexpr std::size_t kCount = 50;
  Completions done(kCount);
  const std::array<std::string_view, 1> ping{"PING"};
  for (std::size_t i = 0; i < kCount; ++i) client_->async_command(ping, done.handler(i));
  test::run_until(ioc_, [] { return false; }, 50ms);  // let them be written
  EXPECT_EQ(client_->pending(), kCount);
  client_->stop();
  ASSERT_TRUE(test::run_until(ioc_, [&] { return done.all_done(); }, 2s));
  server_.resume();
  test::run_until(ioc_, [] { return false; }, 100ms);  // nothing more may arrive
  for (std::size_t i = 0; i < kCount; ++i) {
    EXPECT_EQ(done.calls[i], 1);
    EXPECT_EQ(done.ecs[i], net::error::operation_aborted);
  }
  EXPECT_FALSE(client_->connected());
  EXPECT_EQ(run({"PING"}).ec, net::error::operation_aborted);
}

TEST_F(RedisClientTest, DestroyingTheClientWithCommandsInFlightIsSafe) {
  start_connected(test::redis_config_for(server_));
  constexpr std::size_t kCount = 100;
  Completions done(kCount);
  const std::array<std::string_view, 2> incr{"INCR", "n"};
  for (std::size_t i = 0; i < kCount; ++i) client_->async_command(incr, done.handler(i));
  test::run_until(ioc_, [] { return false; }, 1ms);
  client_.reset();
  ASSERT_TRUE(test::run_until(ioc_, [&] { return done.all_done(); }, 2s));
  for (std::size_t i = 0; i < kCount; ++i) EXPECT_EQ(done.calls[i], 1);
  test::run_until(ioc_, [] { return false; }, 50ms);
  for (std::size_t i = 0; i < kCount; ++i) EXPECT_EQ(done.calls[i], 1);
}

TEST_F(RedisClientTest, SelectsTheConfiguredDatabase) {
  config::RedisConfig config = test::redis_config_for(server_);
  config.db = 3;
  start_connected(config);
  ASSERT_FALSE(run({"SET", "in-db-3", "yes"}).ec);
  EXPECT_EQ(server_.cli({"GET", "in-db-3"}, 3), "yes");
  EXPECT_EQ(server_.cli({"GET", "in-db-3"}, 0), "(nil)");
}

class RedisClientAuthTest : public ::testing::Test {
 protected:
  static constexpr const char* kPassword = "s3cret-p4ss";
  test::RedisServer server_{test::RedisServerOptions{{}, kPassword}};
  net::io_context ioc_;
  test::LogSink log_;
};

TEST_F(RedisClientAuthTest, PasswordAndUsernamePasswordAuthenticate) {
  for (const char* username : {"", "default"}) {
    config::RedisConfig config = test::redis_config_for(server_);
    config.username = username;
    config.password = kPassword;
    RedisClient client(ioc_, config, log_.fn());
    client.start();
    ASSERT_TRUE(test::run_until(ioc_, [&] { return client.connected(); }, 5s)) << client.last_error();
    auto result = test::run_awaitable(ioc_, client.command({"SET", "authed", "1"}));
    ASSERT_TRUE(result);
    EXPECT_EQ(result->reply.str(), "OK");
  }
}

TEST_F(RedisClientAuthTest, WrongPasswordNeverConnectsAndNeverLeaksThePassword) {
  const std::string wrong = "wrong-pw-91827";
  config::RedisConfig config = test::redis_config_for(server_);
  config.password = wrong;
  RedisClient client(ioc_, config, log_.fn());
  client.start();
  ASSERT_TRUE(test::run_until(ioc_, [&] { return client.stats().connect_failures >= 2; }, 5s));
  EXPECT_FALSE(client.connected());
  EXPECT_NE(client.last_error().find("AUTH"), std::string::npos) << client.last_error();
  EXPECT_EQ(client.last_error().find(wrong), std::string::npos);
  EXPECT_EQ(log_.joined().find(wrong), std::string::npos);
  EXPECT_FALSE(log_.lines.empty());
  auto result = test::run_awaitable(ioc_, client.command({"GET", "k"}));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->ec, Errc::not_connected);
  EXPECT_EQ(result->ec.message().find(wrong), std::string::npos);
}

TEST_F(RedisClientAuthTest, MissingPasswordIsRefused) {
  RedisClient client(ioc_, test::redis_config_for(server_), log_.fn());
  client.start();
  // PING without AUTH answers NOAUTH: the handshake fails and the client stays down.
  ASSERT_TRUE(test::run_until(ioc_, [&] { return client.stats().connect_failures >= 1; }, 5s));
  EXPECT_FALSE(client.connected());
  EXPECT_NE(client.last_error().find("NOAUTH"), std::string::npos) << client.last_error();
}

}  // namespace
}  // namespace foilcache::redis

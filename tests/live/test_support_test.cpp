// The helpers in tests/support (used by every suite that runs processes).
#include <signal.h>

#include <stdexcept>

#include <gtest/gtest.h>

#include "tests/support/process.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/wait.hpp"

namespace foilcache::test {
namespace {

using namespace std::chrono_literals;

TEST(TestSupportWaitUntil, ReturnsTrueOnceTheConditionHolds) {
  int polls = 0;
  EXPECT_TRUE(wait_until([&] { return ++polls >= 3; }, 2s, 1ms));
  EXPECT_EQ(polls, 3);
}

TEST(TestSupportWaitUntil, GivesUpAfterTheBound) {
  const auto before = std::chrono::steady_clock::now();
  EXPECT_FALSE(wait_until([] { return false; }, 30ms));
  EXPECT_GE(std::chrono::steady_clock::now() - before, 30ms);
}

TEST(TestSupportProcess, CapturesOutputEnvironmentAndExitCode) {
  Process process({"sh", "-c", "echo out-$FOILCACHE_T; echo err >&2; exit 3"}, {{{"FOILCACHE_T", "v1"}}, {}, {}});
  EXPECT_EQ(process.wait_exit(5s), 3);
  EXPECT_FALSE(process.running());
  const std::string log = process.log_tail();
  EXPECT_NE(log.find("out-v1"), std::string::npos) << log;
  EXPECT_NE(log.find("err"), std::string::npos) << log;
}

TEST(TestSupportProcess, TerminateStopsALongRunningChild) {
  Process process({"sleep", "30"});
  EXPECT_TRUE(process.running());
  EXPECT_FALSE(process.wait_exit(20ms));
  EXPECT_EQ(process.terminate(2s), 128 + SIGTERM);
  EXPECT_FALSE(process.signal(SIGTERM));
}

TEST(TestSupportProcess, MissingBinaryThrows) {
  EXPECT_THROW(Process({"/nonexistent/foilcache-binary"}), std::runtime_error);
}

TEST(TestSupportPorts, FreePortOpensWhenSomethingListens) {
  const std::uint16_t port = free_port();
  EXPECT_FALSE(wait_port_open(port, 20ms));
  RedisServer server;
  EXPECT_TRUE(wait_port_open(server.port(), 1s));
}

TEST(TestSupportRedisServer, RestartKeepsThePortAndStartsEmpty) {
  RedisServer server;
  server.cli({"SET", "k", "v"});
  EXPECT_EQ(server.keys(), std::vector<std::string>{"k"});
  const auto port = server.port();
  server.restart();
  EXPECT_EQ(server.port(), port);
  EXPECT_EQ(server.cli({"GET", "k"}), "(nil)");
  EXPECT_EQ(server.url(), "redis://127.0.0.1:" + std::to_string(port));
}

TEST(TestSupportRedisServer, PasswordIsRequiredAndUsedByCli) {
  RedisServer server(RedisServerOptions{{}, "pw-123"});
  EXPECT_EQ(server.cli({"PING"}), "PONG");
  EXPECT_EQ(server.url(), "redis://:pw-123@127.0.0.1:" + std::to_string(server.port()));
}

}  // namespace
}  // namespace foilcache::test

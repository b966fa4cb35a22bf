// Timeouts and limits as a slow or hostile client meets them: a header that never ends gets
// its 408, a malformed chunked body its 400, an endless request line its 414; idle pooled
// connections to the app are closed after timeouts.upstream_idle; stdout carries the JSON
// access log alone.
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "tests/integration/scenarios.hpp"

namespace foilcache::testing {
namespace {

DeploymentOptions short_timeouts() {
  DeploymentOptions options;
  options.config_yaml = config_head("fc-limits:") + R"(timeouts:
  read_header: 300ms
  upstream_idle: 300ms
)" + info_route();
  return options;
}

// Sends `bytes`, then reads one answer; status 0 when the connection closed without one.
unsigned answer_to(HttpClient& client, const std::string& bytes) {
  try {
    return client.raw(bytes).status;
  } catch (const std::exception&) {
    return 0;
  }
}

TEST(TimeoutsAndLimits, AHeaderThatNeverEndsGets408) {
  Deployment d(short_timeouts());
  HttpClient client(d.port());
  EXPECT_EQ(answer_to(client, "GET /api/system/info HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n"), 408u);
  EXPECT_TRUE(client.closed_by_peer());
  EXPECT_EQ(d.get("/api/system/info").status, 200u);
}

TEST(TimeoutsAndLimits, AConnectionThatSendsNothingIsClosedSilently) {
  Deployment d(short_timeouts());
  HttpClient client(d.port());
  EXPECT_TRUE(client.closed_by_peer()) << "no byte of a request came: nothing to answer";
}

TEST(TimeoutsAndLimits, AMalformedChunkedBodyGets400) {
  Deployment d(short_timeouts());
  HttpClient client(d.port());
  EXPECT_EQ(answer_to(client, "POST /api/upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "5\r\nhello\r\nzz\r\nnot a chunk\r\n0\r\n\r\n"),
            400u);
  EXPECT_TRUE(client.closed_by_peer());
  EXPECT_EQ(d.get("/api/system/info").status, 200u);
}

TEST(TimeoutsAndLimits, ARequestLineOverTheHeaderLimitGets414) {
  Deployment d(short_timeouts());
  HttpClient client(d.port());
  EXPECT_EQ(answer_to(client, "GET /" + std::string(100 * 1024, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n"), 414u);
  HttpClient other(d.port());
  EXPECT_EQ(answer_to(other, "GET /x HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(32 * 1024, 'a') + "\r\n\r\n"),
            431u)
      << "a short request line with a large header stays 431";
  EXPECT_EQ(d.get("/api/system/info").status, 200u);
}

TEST(TimeoutsAndLimits, IdlePooledConnectionsToTheAppCloseAfterUpstreamIdle) {
  Deployment d(short_timeouts());
  ASSERT_EQ(d.get("/api/system/info").status, 200u);
  ASSERT_EQ(d.stub().open_connections(), 1) << "the connection was not kept for reuse";
  EXPECT_TRUE(test::wait_until([&] { return d.stub().open_connections() == 0; }, 5s))
      << "a pooled connection outlived timeouts.upstream_idle";
  EXPECT_EQ(d.get("/api/system/info?x=1").status, 200u) << "a fresh connection serves the next request";
}

TEST(TimeoutsAndLimitsStdout, CarriesTheAccessLogAlone) {
  test::TempDir dir;
  DeploymentOptions options = short_timeouts();
  options.stdout_path = dir.path() / "stdout";
  Deployment d(options);
  ASSERT_EQ(d.get("/api/system/info").status, 200u);
  std::string text;
  const auto read = [&] {
    std::ifstream in(options.stdout_path);
    std::stringstream all;
    all << in.rdbuf();
    text = all.str();
    return text.find("/api/system/info") != std::string::npos;
  };
  ASSERT_TRUE(test::wait_until(read, kBound)) << text;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_TRUE(line.starts_with("{\"time\":") && line.ends_with("}")) << "not an access-log line: " << line;
  }
}

}  // namespace
}  // namespace foilcache::testing

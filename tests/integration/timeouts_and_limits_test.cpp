// Timeouts and limits as a slow or hostile client meets them: a header that never ends gets
// its 408, a malformed chunked body its 400, an endless request line its 414; idle pooled
// connections to the app are closed after timeouts.upstream_idle; a small body that dribbles
// in is cut within timeouts.read_body and never holds an app connection; stdout carries the
// JSON access log alone.
#include <poll.h>

#include <algorithm>
#include <fstream>
#include <functional>
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
  read_body: 300ms
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

// Sends the header of a POST with a `length`-byte body, then the body one byte at a time,
// each time waiting up to 50 ms for an answer and calling `between()`; returns the answer's
// status (0: none came).
unsigned dribble(std::uint16_t port, std::size_t length, const std::function<void()>& between) {
  HttpClient client(port);
  net::write(client.socket(),
             net::buffer("POST /api/upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(length) +
                         "\r\n\r\n"));
  for (std::size_t i = 0; i < length; ++i) {
    error_code ec;
    net::write(client.socket(), net::buffer("a", 1), ec);
    pollfd readable{client.socket().native_handle(), POLLIN, 0};
    if (ec || ::poll(&readable, 1, 50) > 0) break;
    between();
  }
  return answer_to(client, "");
}

TEST(TimeoutsAndLimitsSlowBody, ADribblingSmallBodyIsCutWithinReadBodyAndNeverTakesTheApp) {
  Deployment d(short_timeouts());
  // 100 bytes at one per 50 ms: every byte within read_body (300 ms) of the last, the whole
  // body not.
  std::int64_t app_connections = 0;
  EXPECT_EQ(dribble(d.port(), 100, [&] { app_connections = std::max(app_connections, d.stub().open_connections()); }),
            408u);
  EXPECT_EQ(app_connections, 0) << "an app connection waited for a slow client's body";
  EXPECT_EQ(d.stub().count("/api/upload"), 0u);
  EXPECT_EQ(d.get("/api/system/info").status, 200u);
}

TEST(TimeoutsAndLimitsSlowBody, ASmallBodyReachesTheAppWholeWith100Continue) {
  Deployment d(short_timeouts());
  HttpClient client(d.port());
  net::write(client.socket(), net::buffer(std::string(
                                  "POST /__stub/echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                                  "Content-Length: 5\r\n\r\n")));
  EXPECT_EQ(answer_to(client, ""), 100u);
  const auto echoed = client.raw("hello");
  ASSERT_EQ(echoed.status, 200u);
  EXPECT_TRUE(echoed.body.ends_with("\n\nhello")) << echoed.body;
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

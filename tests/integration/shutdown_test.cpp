// SIGTERM drains: a slow request and a download under way finish, then the exit code is 0.
#include <csignal>
#include <cstdint>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/integration/scenarios.hpp"
#include "tests/support/wait.hpp"

namespace foilcache::testing {
namespace {

using namespace std::chrono_literals;

TEST(Shutdown, SigtermLetsASlowRequestFinishThenExitsZero) {
  DeploymentOptions options = slow_info(1500ms, info_route());
  Deployment d(options);
  Answer answer;
  std::thread slow([&] {
    auto response = HttpClient(d.port(), 10s).get(kInfo);
    answer = {response.status, response.header("X-Cache"), response.body};
  });
  ASSERT_TRUE(test::wait_until([&] { return d.stub().count(kInfo) == 1; }, kBound));  // in the app now
  ASSERT_TRUE(d.proxy().signal(SIGTERM));
  slow.join();
  EXPECT_EQ(answer.status, 200u) << answer.body;
  EXPECT_EQ(d.proxy().wait_exit(kBound), 0);
}

TEST(Shutdown, SigtermLetsADownloadFinish) {
  DeploymentOptions options;
  options.stub.game_size = 64u << 20;
  Deployment d(options);
  HttpClient client(d.port(), 20s);
  http::request<http::empty_body> request{http::verb::get, "/api/get_game/1", 11};
  request.set(http::field::host, "127.0.0.1");
  request.set(http::field::authorization, as_alice()[0].second);
  http::write(client.socket(), request);
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  http::read_header(client.socket(), client.buffer(), parser);
  ASSERT_EQ(parser.get().result_int(), 200u);
  ASSERT_TRUE(d.proxy().signal(SIGTERM));  // mid-download
  std::uint64_t received = 0;
  std::vector<char> chunk(64 * 1024);
  while (!parser.is_done()) {
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    error_code ec;
    http::read(client.socket(), client.buffer(), parser, ec);
    if (ec && ec != http::error::need_buffer) FAIL() << ec.message() << " after " << received << " bytes";
    received += chunk.size() - parser.get().body().size;
  }
  EXPECT_EQ(received, 64u << 20);
  EXPECT_EQ(d.proxy().wait_exit(kBound), 0);
}

}  // namespace
}  // namespace foilcache::testing

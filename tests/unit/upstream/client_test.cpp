// upstream::Client: the retry predicate as a table, and exchanges with a scripted app on
// loopback (interim answers, keep-alive and the pool).
#include "proxy/upstream/client.hpp"

#include <gtest/gtest.h>

#include "tests/support/asio_run.hpp"

namespace foilcache::upstream {
namespace {

using namespace std::chrono_literals;

struct RetryCase {
  const char* name;
  bool retryable, has_body, reused;
  int attempt;
  Failure failure;
  error_code ec;
  bool retry;
};

class ClientRetry : public ::testing::TestWithParam<RetryCase> {};

TEST_P(ClientRetry, Decides) {
  const auto& c = GetParam();
  EXPECT_EQ(should_retry(c.retryable, c.has_body, c.reused, c.attempt, c.failure, c.ec), c.retry);
}

const error_code kReset = net::error::connection_reset;
const error_code kTimeout = beast::error::timeout;

INSTANTIATE_TEST_SUITE_P(
    Cases, ClientRetry,
    ::testing::Values(RetryCase{"ReusedSendFailure", true, false, true, 0, Failure::kSend, kReset, true},
                      RetryCase{"ReusedClosedBeforeAnswer", true, false, true, 0, Failure::kResponse, kReset, true},
                      RetryCase{"TimeoutNever", true, false, true, 0, Failure::kResponse, kTimeout, false},
                      RetryCase{"FreshConnectionNever", true, false, false, 0, Failure::kSend, kReset, false},
                      RetryCase{"SecondAttemptNever", true, false, true, 1, Failure::kSend, kReset, false},
                      RetryCase{"NotIdempotentNever", false, false, true, 0, Failure::kSend, kReset, false},
                      RetryCase{"BodyNever", true, true, true, 0, Failure::kSend, kReset, false},
                      RetryCase{"ConnectFailureNever", true, false, true, 0, Failure::kConnect, kReset, false},
                      RetryCase{"ClientFailureNever", true, false, true, 0, Failure::kClientGone, kReset, false}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ClientIdempotent, FollowsRfc9110) {
  EXPECT_TRUE(is_idempotent(http::verb::get));
  EXPECT_TRUE(is_idempotent(http::verb::head));
  EXPECT_TRUE(is_idempotent(http::verb::put));
  EXPECT_TRUE(is_idempotent(http::verb::delete_));
  EXPECT_FALSE(is_idempotent(http::verb::post));
  EXPECT_FALSE(is_idempotent(http::verb::patch));
}

// An app on loopback that answers each connection's requests with `script` (raw bytes).
class ScriptedApp {
 public:
  ScriptedApp(net::io_context& ioc, std::string script) : acceptor_(ioc, {net::ip::make_address("127.0.0.1"), 0}) {
    net::co_spawn(ioc, serve(std::move(script)), net::detached);
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  int connections = 0;

 private:
  net::awaitable<void> serve(std::string script) {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(kNoThrow);
      if (ec) co_return;
      ++connections;
      beast::tcp_stream stream(std::move(socket));
      beast::flat_buffer buffer;
      http::request<http::empty_body> request;
      auto [rec, n] = co_await http::async_read(stream, buffer, request, kNoThrow);
      if (rec) continue;
      co_await net::async_write(stream, net::buffer(script), kNoThrow);
      sockets_.push_back(std::move(stream));  // kept open: keep-alive
    }
  }
  tcp::acceptor acceptor_;
  std::vector<beast::tcp_stream> sockets_;
};

struct Fixture {
  explicit Fixture(std::string script)
      : app(ioc, std::move(script)),
        pool(ioc.get_executor(), config::UpstreamAddress{"http", "127.0.0.1", app.port()}, timeouts, 4),
        client(pool) {
    options.timeouts = &timeouts;
    request.target("/x");
    request.set(http::field::host, "app");
  }
  bool send(Answer& answer) { return test::run_awaitable(ioc, client.send(answer, request, nullptr, options)); }
  // True when the body was read whole without an error.
  bool read_body(Answer& answer, std::string& body) {
    const auto ec = test::run_awaitable(ioc, client.read_body(answer, body, std::chrono::seconds(1)));
    return ec && !*ec;
  }

  net::io_context ioc;
  config::TimeoutsConfig timeouts;
  ScriptedApp app;
  Pool pool;
  Client client;
  SendOptions options;
  http::request<http::empty_body> request{http::verb::get, "/x", 11};
};

constexpr std::string_view kEarlyHintsThenOk =
    "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

TEST(ClientInterim, SkippedByDefault) {
  Fixture f{std::string(kEarlyHintsThenOk)};
  Answer answer;
  ASSERT_TRUE(f.send(answer));
  ASSERT_EQ(answer.failure, Failure::kNone);
  EXPECT_EQ(answer.parser->get().result_int(), 200u);
  std::string body;
  ASSERT_TRUE(f.read_body(answer, body));
  EXPECT_EQ(body, "ok");
}

TEST(ClientInterim, FinalWhenAsked) {
  Fixture f{std::string(kEarlyHintsThenOk)};
  f.options.skip_interim = false;
  Answer answer;
  ASSERT_TRUE(f.send(answer));
  EXPECT_EQ(answer.parser->get().result_int(), 103u);
}

TEST(ClientRelease, OnlyAKeptAliveFullyReadConnectionReturnsToThePool) {
  Fixture kept{"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"};
  Answer answer;
  ASSERT_TRUE(kept.send(answer));
  kept.client.release(answer);  // body unread: closed, not pooled
  EXPECT_EQ(kept.pool.idle_count(), 0u);
  Answer second;
  ASSERT_TRUE(kept.send(second));
  std::string body;
  ASSERT_TRUE(kept.read_body(second, body));
  kept.client.release(second);
  EXPECT_EQ(kept.pool.idle_count(), 1u);

  Fixture closing{"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"};
  Answer last;
  ASSERT_TRUE(closing.send(last));
  ASSERT_TRUE(closing.read_body(last, body));
  closing.client.release(last);
  EXPECT_EQ(closing.pool.idle_count(), 0u);
}

TEST(ClientConnect, RefusedIsAConnectFailure) {
  net::io_context ioc;
  config::TimeoutsConfig timeouts;
  std::uint16_t port = 0;
  {
    tcp::acceptor probe(ioc, {net::ip::make_address("127.0.0.1"), 0});
    port = probe.local_endpoint().port();
  }  // closed: nothing listens there now
  Pool pool(ioc.get_executor(), config::UpstreamAddress{"http", "127.0.0.1", port}, timeouts, 4);
  Client client(pool);
  http::request<http::empty_body> request{http::verb::get, "/", 11};
  SendOptions options;
  options.timeouts = &timeouts;
  Answer answer;
  ASSERT_TRUE(test::run_awaitable(ioc, client.send(answer, request, nullptr, options)));
  EXPECT_EQ(answer.failure, Failure::kConnect);
}

}  // namespace
}  // namespace foilcache::upstream

// The library updater's webhook: POST /api/library/scan delivers a signed webhook to
// StubOptions::webhook_url before it answers. A StubServer in-process and a small Beast
// receiver on its own thread; every wait is bounded (stream timeouts, run_awaitable).
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/webhook_signature.hpp"
#include "common/net.hpp"
#include "tests/support/asio_run.hpp"
#include "tests/support/wait.hpp"
#include "upstream_stub/stub_server.hpp"

namespace foilcache::stub {
namespace {

constexpr std::chrono::seconds kTimeout{10};
constexpr std::string_view kSecret = "hook-secret";
constexpr std::string_view kWebhookPath = "/api/cache/webhook";

// Accepts webhook deliveries on an ephemeral loopback port, records each request before it
// answers, and answers `answer` (nullopt: reads the request and never answers).
class Receiver {
 public:
  explicit Receiver(std::optional<http::status> answer)
      : answer_(answer), acceptor_(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    net::co_spawn(ioc_, accept_loop(), net::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~Receiver() {
    ioc_.stop();
    thread_.join();
  }
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) +
           std::string(kWebhookPath);
  }
  std::vector<http::request<http::string_body>> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  net::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(kNoThrow);
      if (ec) co_return;
      net::co_spawn(ioc_, serve(std::move(socket)), net::detached);
    }
  }

  net::awaitable<void> serve(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    stream.expires_after(kTimeout);
    auto [ec, n] = co_await http::async_read(stream, buffer, req, kNoThrow);
    if (ec) co_return;
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(req);
    }
    if (!answer_) {
      // Hold the connection until the sender gives up and closes it.
      http::request<http::string_body> next;
      co_await http::async_read(stream, buffer, next, kNoThrow);
      co_return;
    }
    http::response<http::string_body> res{*answer_, req.version()};
    if (*answer_ != http::status::no_content) {
      res.set(http::field::content_type, "application/json");
      res.body() = "{\"ok\":true}";
    }
    res.keep_alive(false);
    res.prepare_payload();
    co_await http::async_write(stream, res, kNoThrow);
    error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  const std::optional<http::status> answer_;
  mutable std::mutex mutex_;
  std::vector<http::request<http::string_body>> requests_;
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

struct ScanAnswer {
  http::response<http::string_body> res;
  rapidjson::Document json;
};

net::awaitable<http::response<http::string_body>> post_scan(std::uint16_t port) {
  beast::tcp_stream stream(co_await net::this_coro::executor);
  stream.expires_after(kTimeout);
  co_await stream.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                                net::use_awaitable);
  http::request<http::string_body> req{http::verb::post, "/api/library/scan", 11};
  req.set(http::field::host, "stub.test");
  req.set(http::field::authorization, "Bearer token-admin");
  req.prepare_payload();
  co_await http::async_write(stream, req, net::use_awaitable);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  co_await http::async_read(stream, buffer, res, net::use_awaitable);
  co_return res;
}

class WebhookSenderTest : public ::testing::Test {
 protected:
  static StubOptions options(std::string webhook_url,
                             std::chrono::milliseconds timeout = kTimeout) {
    StubOptions o;
    o.latency_scale = 0;
    o.base_titles = 10;
    o.webhook_url = std::move(webhook_url);
    o.webhook_secret = std::string(kSecret);
    o.webhook_timeout = timeout;
    return o;
  }
  void start(StubOptions o) {
    server_ = std::make_unique<StubServer>(std::move(o));
    server_->start();
  }

  // POSTs a scan as admin and parses its JSON answer.
  ScanAnswer scan() {
    net::io_context ioc;
    auto res = test::run_awaitable(ioc, post_scan(server_->port()), kTimeout);
    EXPECT_TRUE(res) << "no scan answer within the bound";
    ScanAnswer out;
    if (!res) return out;
    out.res = std::move(*res);
    out.json.Parse(out.res.body().c_str());
    EXPECT_FALSE(out.json.HasParseError()) << out.res.body();
    return out;
  }

  std::unique_ptr<StubServer> server_;
};

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST_F(WebhookSenderTest, DeliversASignedWebhookBeforeAnsweringTheScan) {
  Receiver receiver(http::status::ok);
  start(options(receiver.url()));
  const ScanAnswer answer = scan();
  ASSERT_EQ(answer.res.result(), http::status::ok);
  ASSERT_TRUE(answer.json.IsObject()) << answer.res.body();
  const std::uint64_t generation = answer.json["data"]["generation"].GetUint64();
  EXPECT_EQ(generation, 1u);
  EXPECT_TRUE(answer.json["success"].GetBool());
  ASSERT_TRUE(answer.json.HasMember("webhook")) << answer.res.body();
  EXPECT_EQ(answer.json["webhook"]["status"].GetInt(), 200);
  EXPECT_STREQ(answer.json["webhook"]["error"].GetString(), "");

  // Recorded before the receiver answered, so before the scan could answer.
  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& req = requests.front();
  EXPECT_EQ(req.method(), http::verb::post);
  EXPECT_EQ(req.target(), kWebhookPath);
  EXPECT_EQ(req[http::field::content_type], "application/json");
  EXPECT_EQ(req.body(),
            "{\"event\":\"library_updated\",\"generation\":" + std::to_string(generation) + "}");
  const std::string timestamp(req["X-Foilcache-Timestamp"]);
  const std::string signature(req["X-Foilcache-Signature"]);
  EXPECT_EQ(common::verify_webhook(kSecret, timestamp, signature, req.body(), unix_now()),
            common::WebhookCheck::kOk)
      << "timestamp " << timestamp << ", signature " << signature;
  EXPECT_EQ(common::verify_webhook("other-secret", timestamp, signature, req.body(), unix_now()),
            common::WebhookCheck::kBadSignature);
}

TEST_F(WebhookSenderTest, EveryScanSendsItsGenerationAndTheConfiguredEvent) {
  Receiver receiver(http::status::no_content);
  StubOptions o = options(receiver.url());
  o.webhook_event = "titles_changed";
  start(std::move(o));
  for (int i = 0; i < 2; ++i) {
    const ScanAnswer answer = scan();
    ASSERT_TRUE(answer.json.HasMember("webhook")) << answer.res.body();
    EXPECT_EQ(answer.json["webhook"]["status"].GetInt(), 204);
    EXPECT_STREQ(answer.json["webhook"]["error"].GetString(), "");
  }
  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].body(), "{\"event\":\"titles_changed\",\"generation\":1}");
  EXPECT_EQ(requests[1].body(), "{\"event\":\"titles_changed\",\"generation\":2}");
}

TEST_F(WebhookSenderTest, RejectedDeliveryStillAnswersTheScan) {
  Receiver receiver(http::status::unauthorized);
  start(options(receiver.url()));
  const ScanAnswer answer = scan();
  ASSERT_EQ(answer.res.result(), http::status::ok);
  ASSERT_TRUE(answer.json.HasMember("webhook")) << answer.res.body();
  EXPECT_EQ(answer.json["webhook"]["status"].GetInt(), 401);
  EXPECT_STRNE(answer.json["webhook"]["error"].GetString(), "");
  EXPECT_EQ(server_->library_generation(), 1u);
  EXPECT_EQ(receiver.requests().size(), 1u);
}

TEST_F(WebhookSenderTest, ClosedPortFailsFastWithAnError) {
  constexpr std::chrono::milliseconds kWebhookTimeout{500};
  // free_port() closed its socket again: nothing listens there.
  start(options("http://127.0.0.1:" + std::to_string(test::free_port()) + std::string(kWebhookPath),
                kWebhookTimeout));
  const auto started = std::chrono::steady_clock::now();
  const ScanAnswer answer = scan();
  const auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(answer.res.result(), http::status::ok);
  ASSERT_TRUE(answer.json.HasMember("webhook")) << answer.res.body();
  EXPECT_EQ(answer.json["webhook"]["status"].GetInt(), 0);
  EXPECT_STRNE(answer.json["webhook"]["error"].GetString(), "");
  EXPECT_LT(elapsed, kWebhookTimeout);
}

TEST_F(WebhookSenderTest, SilentReceiverIsCutOffAtTheTimeout) {
  constexpr std::chrono::milliseconds kWebhookTimeout{500};
  Receiver receiver(std::nullopt);
  start(options(receiver.url(), kWebhookTimeout));
  const auto started = std::chrono::steady_clock::now();
  const ScanAnswer answer = scan();
  const auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(answer.res.result(), http::status::ok);
  ASSERT_TRUE(answer.json.HasMember("webhook")) << answer.res.body();
  EXPECT_EQ(answer.json["webhook"]["status"].GetInt(), 0);
  EXPECT_STREQ(answer.json["webhook"]["error"].GetString(), "response: timed out");
  EXPECT_GE(elapsed, kWebhookTimeout);
  EXPECT_LT(elapsed, kWebhookTimeout + std::chrono::seconds(2));
  EXPECT_EQ(receiver.requests().size(), 1u);
}

TEST_F(WebhookSenderTest, NonHttpUrlIsReportedNotSent) {
  start(options("https://127.0.0.1:1/api/cache/webhook"));
  const ScanAnswer answer = scan();
  ASSERT_EQ(answer.res.result(), http::status::ok);
  ASSERT_TRUE(answer.json.HasMember("webhook")) << answer.res.body();
  EXPECT_EQ(answer.json["webhook"]["status"].GetInt(), 0);
  EXPECT_STRNE(answer.json["webhook"]["error"].GetString(), "");
}

TEST_F(WebhookSenderTest, WithoutUrlNothingIsSentAndTheAnswerHasNoWebhook) {
  Receiver receiver(http::status::ok);
  start(options(""));
  const ScanAnswer answer = scan();
  ASSERT_EQ(answer.res.result(), http::status::ok);
  EXPECT_FALSE(answer.json.HasMember("webhook")) << answer.res.body();
  EXPECT_EQ(answer.json["data"]["generation"].GetUint64(), 1u);
  EXPECT_TRUE(receiver.requests().empty());
}

}  // namespace
}  // namespace foilcache::stub

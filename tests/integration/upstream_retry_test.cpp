// A pooled keep-alive connection that the app closes while a request is on it: an
// idempotent request is retried once on a fresh connection, a POST never (it could have
// been processed). The "app" here drops every second request of a connection unanswered,
// the way a server whose keep-alive timeout fires just as a request arrives does.
#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "tests/integration/deployment.hpp"

namespace foilcache::testing {
namespace {

class DroppingApp {
 public:
  DroppingApp() : acceptor_(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this] { run(); });
  }
  ~DroppingApp() {
    stop_ = true;
    error_code ignored;
    tcp::socket poke(ioc_);
    poke.connect(acceptor_.local_endpoint(), ignored);  // wakes the blocking accept
    thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  int requests() const { return requests_.load(); }

 private:
  void run() {
    while (!stop_) {
      tcp::socket socket(ioc_);
      error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stop_) continue;
      beast::flat_buffer buffer;
      for (int on_connection = 0;; ++on_connection) {
        http::request<http::string_body> request;
        http::read(socket, buffer, request, ec);
        if (ec) break;
        ++requests_;
        if (on_connection == 1) break;  // the second request of a connection: closed unanswered
        http::response<http::string_body> response{http::status::ok, 11};
        response.set(http::field::content_type, "text/plain");
        response.body() = "ok";
        response.keep_alive(true);
        response.prepare_payload();
        http::write(socket, response, ec);
        if (ec) break;
      }
    }
  }

  net::io_context ioc_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
};

DeploymentOptions in_front_of(const DroppingApp& app) {
  DeploymentOptions options;
  options.redis = false;
  options.config_yaml = config_head("foilcache:") + "routes: []\n";
  options.env.emplace_back("UPSTREAM_URL", "http://127.0.0.1:" + std::to_string(app.port()));
  return options;
}

TEST(UpstreamRetry, AnIdempotentRequestIsRetriedOnceOnAFreshConnection) {
  DroppingApp app;
  Deployment d(in_front_of(app));
  HttpClient client = d.client();
  ASSERT_EQ(client.get("/x").status, 200u);  // leaves a pooled connection
  const int before = app.requests();
  auto second = client.get("/x");             // reuses it; the app drops it
  EXPECT_EQ(second.status, 200u) << second.body;
  EXPECT_EQ(app.requests() - before, 2) << "one attempt on the pooled connection, one retry";
}

TEST(UpstreamRetry, APostIsNeverSentTwice) {
  DroppingApp app;
  Deployment d(in_front_of(app));
  HttpClient client = d.client();
  ASSERT_EQ(client.request(http::verb::post, "/x").status, 200u);
  const int before = app.requests();
  auto second = client.request(http::verb::post, "/x");
  EXPECT_EQ(second.status, 502u) << second.body;
  EXPECT_EQ(app.requests() - before, 1);
}

}  // namespace
}  // namespace foilcache::testing

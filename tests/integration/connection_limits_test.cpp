// The caps on client connections through the real binary: an address over its share of
// limits.max_connections_per_ip is refused with 503 while other addresses are served, and
// at limits.max_connections new connections wait (not refused) until one ends. Clients
// connect from 127.0.0.2 and up, which stand for remote addresses (127.0.0.1 has no share).
#include <poll.h>

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/integration/scenarios.hpp"

namespace foilcache::testing {
namespace {

DeploymentOptions with_limits(std::string_view limits) {
  DeploymentOptions options;
  options.config_yaml = config_head("foilcache:") + "limits:\n" + std::string(limits) + info_route();
  return options;
}

double connection_refusals(Deployment& d) {
  const std::string text = d.get("/metrics").body;
  const std::string series = "foilcache_errors_total{kind=\"connection_limit\"} ";
  const auto at = text.find(series);
  return at == std::string::npos ? -1 : std::stod(text.substr(at + series.size()));
}

// A keep-alive connection from `from`, answered once (so foilcache has admitted it).
std::unique_ptr<HttpClient> held(Deployment& d, std::string_view from) {
  auto client = std::make_unique<HttpClient>(d.port(), std::chrono::seconds(10), from);
  EXPECT_EQ(client->get("/healthz").status, 200u) << from;
  return client;
}

TEST(ConnectionLimitsRefusal, AnAddressOverItsShareGets503AndOthersAreServed) {
  Deployment d(with_limits("  max_connections_per_ip: 3\n"));
  std::vector<std::unique_ptr<HttpClient>> mine;
  for (int i = 0; i < 3; ++i) mine.push_back(held(d, "127.0.0.2"));

  HttpClient over(d.port(), std::chrono::seconds(10), "127.0.0.2");
  const auto refused = over.get("/api/system/info");
  EXPECT_EQ(refused.status, 503u);
  EXPECT_EQ(refused.header("Retry-After"), "1");
  EXPECT_EQ(refused.body, "{\"error\":\"too many connections from this address\"}");
  EXPECT_TRUE(over.closed_by_peer());
  EXPECT_EQ(d.stub().count("/api/system/info"), 0u) << "a refused connection reaches nothing";

  EXPECT_EQ(HttpClient(d.port(), std::chrono::seconds(10), "127.0.0.3").get(kInfo).status, 200u);
  EXPECT_EQ(d.get(kInfo).status, 200u) << "127.0.0.1 (a proxy on the same host) has no share";
  for (auto& client : mine) EXPECT_EQ(client->get(kInfo).status, 200u) << "the admitted ones keep being served";
  EXPECT_EQ(connection_refusals(d), 1);

  // One of its connections ends: the address may open one again (once foilcache noticed).
  mine.pop_back();
  EXPECT_TRUE(test::wait_until(
      [&] { return HttpClient(d.port(), std::chrono::seconds(10), "127.0.0.2").get("/healthz").status == 200; },
      kBound));
}

TEST(ConnectionLimitsBacklog, AtTheCapNewConnectionsWaitUntilOneEnds) {
  Deployment d(with_limits("  max_connections: 3\n  max_connections_per_ip: 0\n"));
  std::vector<std::unique_ptr<HttpClient>> open;
  for (const char* from : {"127.0.0.2", "127.0.0.3", "127.0.0.4"}) open.push_back(held(d, from));

  // A fourth connects (into the kernel's backlog) but is not served while three are open.
  auto waiting = std::make_unique<HttpClient>(d.port(), std::chrono::seconds(10), "127.0.0.5");
  net::write(waiting->socket(), net::buffer(std::string_view("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")));
  pollfd readable{waiting->socket().native_handle(), POLLIN, 0};
  EXPECT_EQ(::poll(&readable, 1, /*ms=*/300), 0) << "served over the cap";
  for (auto& client : open) EXPECT_EQ(client->get(kInfo).status, 200u) << "the open ones are still served";

  // One ends: the waiting connection is accepted (it has gone by then: it ends at once),
  // and then a new one is served.
  waiting.reset();
  open.pop_back();
  EXPECT_TRUE(test::wait_until(
      [&] {
        try {
          return HttpClient(d.port(), std::chrono::seconds(1), "127.0.0.6").get("/healthz").status == 200;
        } catch (const std::exception&) {
          return false;
        }
      },
      kBound))
      << "accepted once a slot is free";
}

}  // namespace
}  // namespace foilcache::testing

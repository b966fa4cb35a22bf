// ConnectionLimits: the caps on client connections, in all and per address, and the
// listener's accept loop when the process runs out of descriptors.
#include "proxy/http/connection_limits.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "proxy/http/listener.hpp"
#include "proxy/metrics/metrics.hpp"
#include "tests/support/wait.hpp"

namespace foilcache::http_server {
namespace {

net::ip::address ip(const char* text) { return net::ip::make_address(text); }

TEST(ConnectionLimitsPerIp, AnAddressGetsItsShareAndNoMore) {
  ConnectionLimits limits;
  const ConnectionCaps caps{0, 2};
  auto a = limits.admit(ip("10.0.0.1"), caps);
  auto b = limits.admit(ip("10.0.0.1"), caps);
  EXPECT_TRUE(a.admitted() && b.admitted());
  EXPECT_FALSE(limits.admit(ip("10.0.0.1"), caps).admitted()) << "over its share";
  EXPECT_TRUE(limits.admit(ip("10.0.0.2"), caps).admitted()) << "another address has its own";
  EXPECT_EQ(limits.open_from(ip("10.0.0.1")), 2u);
  b.slot = {};  // the connection ended
  EXPECT_EQ(limits.open_from(ip("10.0.0.1")), 1u);
  EXPECT_TRUE(limits.admit(ip("10.0.0.1"), caps).admitted());
  EXPECT_EQ(limits.open(), 1u) << "every slot but a's was released at the end of its statement";
}

TEST(ConnectionLimitsPerIp, LoopbackStandsForItsClientsAndHasNoShare) {
  ConnectionLimits limits;
  const ConnectionCaps caps{0, 1};
  std::vector<ConnectionLimits::Admission> held;
  for (const char* address : {"127.0.0.1", "127.0.0.1", "::1", "::1", "::ffff:127.0.0.1", "::ffff:127.0.0.1"}) {
    held.push_back(limits.admit(ip(address), caps));
    EXPECT_TRUE(held.back().admitted()) << address;
  }
  EXPECT_EQ(limits.open(), 6u);
  EXPECT_TRUE(limits.admit(ip("127.0.0.2"), caps).admitted());
  held.push_back(limits.admit(ip("127.0.0.2"), caps));
  EXPECT_TRUE(held.back().admitted());
  EXPECT_FALSE(limits.admit(ip("127.0.0.2"), caps).admitted()) << "only the host's own addresses have no share";
}

TEST(ConnectionLimitsTotal, AcceptingWaitsWhileTheTotalIsReached) {
  ConnectionLimits limits;
  const ConnectionCaps caps{2, 0};
  EXPECT_TRUE(limits.may_accept(caps));
  auto a = limits.admit(ip("10.0.0.1"), caps);
  auto b = limits.admit(ip("10.0.0.2"), caps);
  EXPECT_FALSE(limits.may_accept(caps));
  EXPECT_EQ(limits.admit(ip("10.0.0.3"), caps).verdict, ConnectionLimits::Verdict::kTotalFull)
      << "a listener that found room before the others took it waits too";
  EXPECT_TRUE(limits.may_accept({0, 0})) << "0: no cap";
  {
    const ConnectionSlot moved = std::move(a.slot);
    EXPECT_EQ(limits.open(), 2u) << "a moved slot is released once, by its new owner";
  }
  EXPECT_TRUE(limits.may_accept(caps));
}

TEST(ConnectionLimitsTotal, TheDescriptorsBoundWhatIsConfigured) {
  EXPECT_EQ(ConnectionLimits::effective_total(10000, 1024), 480u) << "(1024 - 64) / 2: a connection to the app each";
  EXPECT_EQ(ConnectionLimits::effective_total(0, 1024), 480u);
  EXPECT_EQ(ConnectionLimits::effective_total(100, 1u << 20), 100u);
  EXPECT_EQ(ConnectionLimits::effective_total(10000, 0), 10000u) << "no descriptor limit";
  EXPECT_EQ(ConnectionLimits::effective_total(0, 0), 0u);
  EXPECT_EQ(ConnectionLimits::effective_total(10000, 100), 25u) << "a tiny limit still leaves a quarter";
  EXPECT_EQ(ConnectionLimits::effective_total(10000, 2), 1u);
}

// The accept loop out of descriptors: it keeps running, counts and backs off, and accepts
// the waiting connections once descriptors are free again.
TEST(ConnectionLimitsListener, OutOfDescriptorsItBacksOffAndRecovers) {
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  net::io_context ioc;
  metrics::Metrics metrics("memory");
  Listener listener(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  std::vector<tcp::socket> accepted;
  listener.start({[&](tcp::socket& s) {
                    accepted.push_back(std::move(s));
                    return true;
                  },
                  {}, &metrics});

  // Four connections wait in the backlog; then the process may open no descriptor more.
  net::io_context client_ioc;
  std::vector<tcp::socket> clients;
  for (int i = 0; i < 4; ++i) {
    clients.emplace_back(client_ioc);
    clients.back().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), listener.port()));
  }
  const int probe = ::dup(0);
  ASSERT_GE(probe, 0);
  ::close(probe);
  rlimit low = saved;
  low.rlim_cur = static_cast<rlim_t>(probe);  // the lowest free descriptor is the first refused
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);

  const auto failures = [&] {
    const std::string text = metrics.scrape();
    return text.find("foilcache_errors_total{kind=\"accept_failed\"} 0") == std::string::npos;
  };
  for (int i = 0; i < 200 && !failures(); ++i) ioc.run_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(failures()) << "accepting failed and was counted";
  EXPECT_TRUE(accepted.empty());

  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
  for (int i = 0; i < 200 && accepted.size() < clients.size(); ++i) ioc.run_for(std::chrono::milliseconds(10));
  EXPECT_EQ(accepted.size(), clients.size()) << "every waiting connection is accepted once descriptors are free";
  listener.close();
  ioc.run_for(std::chrono::milliseconds(50));
}

}  // namespace
}  // namespace foilcache::http_server

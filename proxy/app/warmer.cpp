#include "proxy/app/warmer.hpp"

#include <algorithm>
#include <chrono>

#include "proxy/log/log.hpp"
#include "proxy/config/route_table.hpp"
#include "proxy/metrics/metrics.hpp"

namespace foilcache::app {
namespace {

constexpr auto kStoreWaitStep = std::chrono::milliseconds(50);
constexpr auto kStoreWaitBound = std::chrono::seconds(10);
constexpr std::string_view kUserAgent = "foilcache-warm";

// The warm entries whose route (in `config`) carries one of `tags`; all when `tags` is empty.
std::vector<config::WarmRequest> select(const config::Config& config, const std::vector<std::string>& tags) {
  std::vector<config::WarmRequest> out;
  for (const auto& request : config.warm) {
    config::PathParams params;
    const auto path = std::string_view(request.target).substr(0, request.target.find('?'));
    const config::Route* route = config::match_route(config, "GET", path, params);
    if (route == nullptr) continue;
    const bool tagged = tags.empty() || std::any_of(tags.begin(), tags.end(), [&](const std::string& tag) {
                          return std::any_of(route->tags.begin(), route->tags.end(),
                                             [&](const std::string& text) { return config::tag_renders(text, tag); });
                        });
    if (tagged) out.push_back(request);
  }
  return out;
}

}  // namespace

tcp::endpoint loopback_for(const std::string& host, std::uint16_t port) {
  error_code ec;
  auto address = net::ip::make_address(host, ec);
  if (ec || address.is_unspecified()) {
    address = ec || address.is_v4() ? net::ip::address(net::ip::address_v4::loopback())
                                    : net::ip::address(net::ip::address_v6::loopback());
  }
  return {address, port};
}

Warmer::Warmer(Worker& worker, tcp::endpoint self) : worker_(worker), self_(std::move(self)) {}

void Warmer::start() {
  if (worker_.config().warm.empty()) return;
  net::co_spawn(worker_.ioc(), start_when_store_ready(), net::detached);
}

void Warmer::warm_tags(std::vector<std::string> tags) {
  net::post(worker_.ioc(), [this, tags = std::move(tags)] {
    auto requests = select(worker_.config(), tags);
    if (requests.empty()) return;
    std::string why = "invalidated";
    for (const auto& tag : tags) why += " " + tag;
    net::co_spawn(worker_.ioc(), round(std::move(requests), std::move(why)), net::detached);
  });
}

net::awaitable<void> Warmer::start_when_store_ready() {
  // Warming while Redis is still connecting would only BYPASS: wait for it, a bounded time.
  const auto deadline = std::chrono::steady_clock::now() + kStoreWaitBound;
  net::steady_timer timer(worker_.ioc());
  while (!worker_.store().health().available && std::chrono::steady_clock::now() < deadline &&
         !worker_.shared().drain.is_draining()) {
    timer.expires_after(kStoreWaitStep);
    co_await timer.async_wait(kNoThrow);
  }
  co_await round(select(worker_.config(), {}), "start-up");
}

net::awaitable<void> Warmer::round(std::vector<config::WarmRequest> requests, std::string why) {
  if (requests.empty()) co_return;
  const std::size_t lanes = std::min(requests.size(), std::max<std::size_t>(1, worker_.config().limits.warm_concurrency));
  std::size_t next = 0;
  std::size_t stored = 0;
  std::size_t failed = 0;
  std::size_t left = lanes;
  net::steady_timer done(worker_.ioc(), net::steady_timer::time_point::max());
  // Each lane takes the next request until none is left. Everything runs on this thread,
  // and this frame outlives the lanes (it waits for the last one): plain locals suffice.
  auto lane = [&]() -> net::awaitable<void> {
    while (next < requests.size()) {
      const auto& request = requests[next++];
      const Result result = co_await fetch(request);
      completed_.fetch_add(1, std::memory_order_relaxed);
      if (!result.ok) {
        ++failed;
        if (auto* m = worker_.shared().metrics) m->count_error(metrics::ErrorKind::kWarmFailed);
        log::warn("warm: GET " + request.target + " failed: " + result.error);
      } else if (result.x_cache == "MISS") {
        ++stored;
      }
    }
    if (--left == 0) done.cancel();
  };
  for (std::size_t i = 0; i < lanes; ++i) net::co_spawn(worker_.ioc(), lane(), net::detached);
  co_await done.async_wait(kNoThrow);
  log::info("warm (" + why + "): " + std::to_string(requests.size()) + " request(s), " + std::to_string(stored) +
            " fetched and stored, " + std::to_string(failed) + " failed");
}

net::awaitable<Warmer::Result> Warmer::fetch(const config::WarmRequest& request) {
  const auto& timeouts = worker_.config().timeouts;
  beast::tcp_stream stream(worker_.ioc());
  stream.expires_after(timeouts.upstream_connect + timeouts.upstream_response);
  Result result;
  auto [cec] = co_await stream.async_connect(self_, kNoThrow);
  if (cec) {
    result.error = "connect: " + cec.message();
    co_return result;
  }
  http::request<http::empty_body> req{http::verb::get, request.target, 11};
  req.set(http::field::host, self_.address().is_v6() ? "[" + self_.address().to_string() + "]:" +
                                                          std::to_string(self_.port())
                                                    : self_.address().to_string() + ":" + std::to_string(self_.port()));
  req.set(http::field::user_agent, kUserAgent);
  for (const auto& [name, value] : request.headers) req.set(name, value);
  req.keep_alive(false);
  auto [wec, written] = co_await http::async_write(stream, req, kNoThrow);
  if (wec) {
    result.error = "send: " + wec.message();
    co_return result;
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(std::max(worker_.config().limits.max_entry_bytes, std::size_t{64} << 20));
  auto [rec, read] = co_await http::async_read(stream, buffer, parser, kNoThrow);
  if (rec) {
    result.error = "response: " + rec.message();
    co_return result;
  }
  const auto& response = parser.get();
  result.x_cache = std::string(response["X-Cache"]);
  result.ok = response.result_int() < 400;
  if (!result.ok) result.error = "status " + std::to_string(response.result_int());
  co_return result;
}

}  // namespace foilcache::app

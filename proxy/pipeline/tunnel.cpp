#include "proxy/pipeline/tunnel.hpp"

#include "proxy/http/forwarding.hpp"
#include "proxy/metrics/metrics.hpp"
#include "proxy/pipeline/upstream_errors.hpp"

namespace foilcache::pipeline {
namespace {

constexpr unsigned kSwitchingProtocols = 101;

}  // namespace

net::awaitable<http_server::Outcome> Tunnel::handle(http_server::Exchange& ex, const http_server::Decision&) {
  Request req(ex, nullptr, metrics_ ? &metrics_->unrouted() : nullptr);
  // Upgrade was detected on the raw header; preparing it keeps Upgrade and Connection.
  http_util::prepare_upstream_request(req.header(), {ex.client_address, "http"}, req.config.trust_forwarded_headers,
                                      true);
  const auto count = [&] {
    if (req.series) metrics::Metrics::count_request(*req.series, metrics::Result::kPass);
  };
  const ForwardPlan plan;  // unrouted: no X-Cache, nothing stale to fall back on
  upstream::SendOptions options;
  options.fresh = true;
  options.retryable = false;
  options.skip_interim = false;  // the first answer decides: 101 or a refusal
  options.timeouts = &req.config.timeouts;
  req.upstream_started = std::chrono::steady_clock::now();
  upstream::Answer answer;
  co_await client_.send(answer, req.header(), nullptr, options);
  if (answer.failure != upstream::Failure::kNone) {
    auto outcome = co_await answer_failure(req, plan, answer.failure, answer.ec, writer_, metrics_, clock_.system_now());
    count();
    outcome.upstream = req.upstream;
    co_return outcome;
  }
  req.upstream = answer.elapsed;
  if (req.series) metrics::Metrics::observe_upstream(*req.series, req.upstream);
  auto& response = answer.parser->get();
  const auto status = response.result_int();
  http_server::Outcome outcome{false, status, "", 0, {}, req.upstream};
  if (status == kSwitchingProtocols) {
    http::response_serializer<http::buffer_body> out{response};
    ex.client.expires_after(req.config.timeouts.write);
    auto [ec, n] = co_await http::async_write_header(ex.client, out, kNoThrow);
    if (!ec) {
      auto& upstream = *answer.connection;
      co_await http_util::tunnel(ex.client, ex.buffer, upstream.stream, upstream.buffer,
                                 req.config.timeouts.tunnel_idle);
    }
    count();
    co_return outcome;
  }
  // Refused upgrade: an ordinary response, then close (the client may still send frames).
  http_util::strip_hop_by_hop(response);
  if (!answer.parser->content_length() && !answer.parser->is_done()) response.chunked(true);
  response.keep_alive(false);
  http_util::RelayOptions relay;
  relay.read_timeout = req.config.timeouts.upstream_response;
  relay.write_timeout = req.config.timeouts.write;
  const auto result = co_await client_.relay_body(answer, ex.client, relay);
  outcome.bytes = result.body_bytes;
  count();
  co_return outcome;
}

}  // namespace foilcache::pipeline

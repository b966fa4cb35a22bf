#include "proxy/pipeline/upstream_errors.hpp"

#include "proxy/cache/freshness.hpp"
#include "proxy/cache/origin_freshness.hpp"
#include "proxy/http/responses.hpp"

namespace foilcache::pipeline {

FailureAnswer classify_failure(upstream::Failure failure, const error_code& ec) {
  using upstream::Failure;
  const bool timeout = ec == beast::error::timeout;
  FailureAnswer out;
  switch (failure) {
    case Failure::kBodyTooLarge:
      out.kind = metrics::ErrorKind::kBodyTooLarge;
      out.status = http::status::payload_too_large;
      out.message = "request body too large";
      return out;
    case Failure::kClientTimeout:
      out.kind = metrics::ErrorKind::kClientTimeout;
      out.status = http::status::request_timeout;
      out.message = "request body timed out";
      return out;
    case Failure::kBadBody:
      out.kind = metrics::ErrorKind::kBadRequest;
      out.status = http::status::bad_request;
      out.message = "malformed request body";
      return out;
    case Failure::kClientGone:
    case Failure::kNone:
      out.counted = false;
      out.answer = false;
      return out;
    case Failure::kConnect:
    case Failure::kSend:
    case Failure::kResponse:
      break;
  }
  out.kind = failure == Failure::kConnect ? metrics::ErrorKind::kUpstreamConnect
             : timeout                    ? metrics::ErrorKind::kUpstreamTimeout
                                          : metrics::ErrorKind::kUpstreamReset;
  out.may_serve_stale = true;
  out.status = timeout ? http::status::gateway_timeout : http::status::bad_gateway;
  out.message = timeout ? "upstream timed out" : "upstream unavailable";
  return out;
}

net::awaitable<http_server::Outcome> respond_error(Request& req, http::status status, std::string_view message,
                                                   const char* x_cache, bool keep_alive) {
  auto res = http_server::error_response(status, message, x_cache, keep_alive);
  req.ex.client.expires_after(req.config.timeouts.write);
  auto [ec, n] = co_await http::async_write(req.ex.client, res, kNoThrow);
  co_return http_server::Outcome{keep_alive && !ec, static_cast<unsigned>(status), x_cache, res.body().size(), {}, {}};
}

net::awaitable<http_server::Outcome> answer_failure(Request& req, const ForwardPlan& plan, upstream::Failure failure,
                                                    const error_code& ec, EntryWriter& writer,
                                                    metrics::Metrics* metrics,
                                                    std::chrono::system_clock::time_point now) {
  const FailureAnswer answer = classify_failure(failure, ec);
  if (answer.may_serve_stale) req.upstream = std::chrono::steady_clock::now() - req.upstream_started;
  if (answer.counted && metrics) metrics->count_error(answer.kind);
  if (!answer.answer) co_return http_server::Outcome{};
  if (answer.may_serve_stale && plan.stale && req.route) {
    const auto f = cache::freshness(*plan.stale, now);
    if (cache::within_stale_if_error(f, *plan.stale, *req.route)) {
      co_return co_await writer.write(req, plan.stale, "STALE", cache::stale_if_error_status(f, 0));
    }
  }
  co_return co_await respond_error(req, answer.status, answer.message, plan.x_cache, false);
}

}  // namespace foilcache::pipeline

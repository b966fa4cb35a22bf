#include "proxy/http/session.hpp"

#include <array>
#include <chrono>
#include <utility>

#include "proxy/http/read_header.hpp"
#include "proxy/http/request_checks.hpp"
#include "proxy/http/responses.hpp"
#include "proxy/log/access_log.hpp"
#include "proxy/metrics/metrics.hpp"

namespace foilcache::http_server {
namespace {

constexpr std::size_t kFirstReadBytes = 4096;

void count_error(const SessionContext& context, metrics::ErrorKind kind) {
  if (context.metrics) context.metrics->count_error(kind);
}

metrics::ErrorKind error_kind_for_parse_error(const error_code& ec) {
  if (ec == http::error::header_limit || ec == make_error_code(ReadError::kUriTooLong)) {
    return metrics::ErrorKind::kHeaderTooLarge;
  }
  if (ec == http::error::body_limit) return metrics::ErrorKind::kBodyTooLarge;
  return metrics::ErrorKind::kBadRequest;
}

// One access-log line for the request that started at `started` (when log.access is on).
void log_access(const SessionContext& context, const config::Config& config, std::string_view method,
                std::string_view target, const Outcome& outcome, std::chrono::steady_clock::time_point started) {
  if (!config.log.access || !context.access_log) return;
  log::AccessRecord record;
  record.method = method;
  record.target = target;
  record.status = outcome.status;
  record.cache = outcome.cache;
  record.route = outcome.route;
  record.upstream = outcome.upstream;
  record.bytes = outcome.bytes;
  record.duration = std::chrono::steady_clock::now() - started;
  context.access_log->write(record);
}

bool is_closed(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset ||
         ec == net::error::operation_aborted;
}

// A lingering close, as nginx's lingering_close (RFC 9112 §9.6): after the last answer and
// our FIN, what the client still sends (the rest of a refused request) is read and dropped
// for a moment. Closing with unread bytes would reset the connection, and the client could
// lose the answer before reading it.
net::awaitable<void> linger(beast::tcp_stream& stream) {
  constexpr auto kLingerTime = std::chrono::milliseconds(500);
  constexpr std::size_t kLingerBytes = 1 << 20;
  std::array<char, 4096> sink;
  stream.expires_after(kLingerTime);
  for (std::size_t dropped = 0; dropped < kLingerBytes;) {
    auto [ec, n] = co_await stream.async_read_some(net::buffer(sink), kNoThrow);
    if (ec) break;  // EOF (the client closed too), the deadline or an error
    dropped += n;
  }
}

// Answers a request header that could not be read: 408 (part of it came, then it timed
// out, as nginx answers), 414, 431, 413 or 400.
net::awaitable<Outcome> reject_header(beast::tcp_stream& stream, const SessionContext& context,
                                      const config::Config& config, const error_code& ec) {
  const bool timeout = ec == beast::error::timeout;
  count_error(context, timeout ? metrics::ErrorKind::kClientTimeout : error_kind_for_parse_error(ec));
  const auto status = status_for_parse_error(ec);
  Outcome rejected;
  rejected.status = static_cast<unsigned>(status);
  // A named local: GCC 12 destroys some temporaries of a co_await expression twice.
  std::string body = json_error_body(timeout ? std::string("request header timed out") : ec.message());
  rejected.bytes =
      co_await write_simple(stream, config.timeouts.write, status, std::move(body), "application/json", false);
  co_return rejected;
}

// Answers a request the front door did not accept: a refusal (its framing, target or Host),
// after which the connection closes, since what follows it on the stream cannot be trusted
// to be a request; or `OPTIONS *`, which the proxy answers for itself with an empty 200.
net::awaitable<Outcome> answer_unrouted(beast::tcp_stream& stream, const SessionContext& context,
                                        const config::Config& config, const Admission& admission,
                                        const http::request_parser<http::empty_body>& parser) {
  Outcome answered;
  answered.status = static_cast<unsigned>(admission.status);
  if (admission.verdict == Admission::Verdict::kAnswerServerOptions) {
    // A body would have to be read first: such a request is answered, then the connection ends.
    answered.keep_alive = parser.get().keep_alive() && parser.is_done() && !context.drain.is_draining();
    http::response<http::empty_body> res{http::status::ok, 11};
    res.keep_alive(answered.keep_alive);
    res.content_length(0);
    stream.expires_after(config.timeouts.write);
    auto [ec, n] = co_await http::async_write(stream, res, kNoThrow);
    if (ec) answered.keep_alive = false;
    co_return answered;
  }
  count_error(context, metrics::ErrorKind::kBadRequest);
  std::string body = json_error_body(admission.reason);  // a named local (GCC 12)
  answered.bytes = co_await write_simple(stream, config.timeouts.write, admission.status, std::move(body),
                                         "application/json", false);
  co_return answered;
}

}  // namespace

net::awaitable<void> serve_connection(tcp::socket socket, ConnectionSlot slot, const SessionContext& context) {
  ActiveGuard active(context.drain);
  error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  const auto remote = socket.remote_endpoint(ec);
  const std::string client_address = ec ? std::string("unknown") : remote.address().to_string();
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  std::string logged_method;
  std::string logged_target;

  for (bool first = true;; first = false) {
    // The snapshot of header limits and timeouts; the handler gets the one current after
    // the header (a reload may land while it is read).
    const auto limits = context.slot.current;
    const config::Config& config = *limits->config;
    // Phase 1: wait for the first byte of the next request (idle keep-alive connection).
    if (buffer.size() == 0) {
      IdleGuard idle(context.idle, stream);
      if (context.drain.is_draining()) co_return;
      stream.expires_after(first ? config.timeouts.read_header : config.timeouts.idle);
      auto [rec, n] = co_await stream.async_read_some(buffer.prepare(kFirstReadBytes), kNoThrow);
      if (rec) co_return;  // closed, idle timeout or drain: nothing to answer
      buffer.commit(n);
    }

    // Phase 2: the request header, bounded in size and time.
    const auto started = std::chrono::steady_clock::now();
    http::request_parser<http::empty_body> parser;
    parser.body_limit(config.limits.max_body_bytes);
    const auto hec = co_await read_header_within(stream, buffer, parser, config.limits.max_header_bytes,
                                                 config.timeouts.read_header);
    if (is_closed(hec)) co_return;
    if (hec) {
      // No complete request line: nothing of the request is logged but the answer.
      const Outcome rejected = co_await reject_header(stream, context, config, hec);
      log_access(context, config, {}, {}, rejected, started);
      co_return;
    }

    // Phase 3: the front door's checks, then the handler of the request's target writes
    // the answer.
    auto& request = parser.get();
    // Copied before the handler moves the request on (buffers reused across requests).
    if (config.log.access) {
      logged_method.assign(request.method_string());
      logged_target.assign(log::loggable_target(request.target()));
    }
    if (const Admission admission = admit(request, parser.content_length()); !admission.accepted()) {
      const Outcome answered = co_await answer_unrouted(stream, context, config, admission, parser);
      log_access(context, config, logged_method, logged_target, answered, started);
      if (!answered.keep_alive) break;
      continue;
    }
    const std::shared_ptr<const Snapshot> snapshot = context.slot.current;
    const Decision decision = decide(*snapshot->config, request);
    Exchange exchange{stream, buffer, parser, client_address, snapshot, context.drain};
    const Outcome outcome = co_await context.handlers[decision.target].handle(exchange, decision);
    log_access(context, config, logged_method, logged_target, outcome, started);
    if (!outcome.keep_alive) break;
  }
  error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  co_await linger(stream);
}

}  // namespace foilcache::http_server

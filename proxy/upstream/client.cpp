#include "proxy/upstream/client.hpp"

#include "proxy/http/read_deadline.hpp"
#include "proxy/http/responses.hpp"

namespace foilcache::upstream {
namespace {

// The app's answer header may be larger than a client's request header (long Link or
// Content-Security-Policy fields), but not without bound.
constexpr std::size_t kUpstreamHeaderLimit = 64 * 1024;

bool is_timeout(const error_code& ec) { return ec == beast::error::timeout; }

// Why reading the client's body failed: over the limit, too slow, malformed (a parse error:
// bad chunk size, chunk extension, trailer...) or gone (partial_message, a reset).
Failure client_read_failure(const error_code& ec) {
  if (ec == http::error::body_limit) return Failure::kBodyTooLarge;
  if (ec == beast::error::timeout) return Failure::kClientTimeout;
  const bool parse_error = ec.category() == http::make_error_code(http::error::bad_chunk).category() &&
                           ec != http::error::partial_message && ec != http::error::end_of_stream;
  return parse_error ? Failure::kBadBody : Failure::kClientGone;
}

}  // namespace

bool is_safe(http::verb method) {
  switch (method) {
    case http::verb::get:
    case http::verb::head:
    case http::verb::options:
    case http::verb::trace:
      return true;
    default:
      return false;
  }
}

bool is_idempotent(http::verb method) {
  return is_safe(method) || method == http::verb::put || method == http::verb::delete_;
}

bool should_retry(bool retryable, bool has_body, bool reused, int attempt, Failure failure, const error_code& ec) {
  if (!retryable || has_body || !reused || attempt != 0) return false;
  return failure == Failure::kSend || (failure == Failure::kResponse && !is_timeout(ec));
}

net::awaitable<void> Client::send(Answer& answer, http::request<http::empty_body>& request, ClientBody* body,
                                  SendOptions options) {
  answer.started = std::chrono::steady_clock::now();
  BufferedRequest buffered;
  if (body != nullptr && !body->parser.chunked() && body->parser.content_length().value_or(0) <= kBufferedBodyBytes) {
    co_await buffer_body(answer, *body, options, buffered);
    if (answer.failure != Failure::kNone) {
      answer.elapsed = std::chrono::steady_clock::now() - answer.started;
      co_return;
    }
  }
  const bool has_body = body != nullptr;
  if (buffered) body = nullptr;  // what is left to send is in `buffered`
  for (int attempt = 0;; ++attempt) {
    auto [ec, connection] = co_await pool_.acquire(options.fresh || attempt > 0);
    if (ec) {
      answer.failure = Failure::kConnect;
      answer.ec = ec;
      break;
    }
    answer.connection = std::move(connection);
    const bool reused = answer.connection->reused;
    co_await send_once(answer, request, body, buffered, options);
    if (!should_retry(options.retryable, has_body, reused, attempt, answer.failure, answer.ec)) break;
    answer.failure = Failure::kNone;
    answer.ec = {};
    answer.parser.reset();
  }
  answer.elapsed = std::chrono::steady_clock::now() - answer.started;
}

net::awaitable<void> Client::send_once(Answer& answer, http::request<http::empty_body>& request, ClientBody* body,
                                       const BufferedRequest& buffered, const SendOptions& options) {
  auto& stream = answer.connection->stream;
  if (buffered) {
    stream.expires_after(options.timeouts->upstream_response);
    auto [ec, n] = co_await http::async_write(stream, buffered->get(), kNoThrow);
    if (ec) {
      answer.failure = Failure::kSend;
      answer.ec = ec;
      co_return;
    }
  } else if (body == nullptr) {
    http::request_serializer<http::empty_body> serializer{request};
    stream.expires_after(options.timeouts->upstream_response);
    auto [ec, n] = co_await http::async_write(stream, serializer, kNoThrow);
    if (ec) {
      answer.failure = Failure::kSend;
      answer.ec = ec;
      co_return;
    }
  } else {
    co_await stream_body(answer, *body, options);
    if (answer.failure != Failure::kNone) co_return;
  }
  co_await read_header(answer, options);
}

net::awaitable<void> Client::stream_body(Answer& answer, ClientBody& body, const SendOptions& options) {
  if (body.expect_continue) {
    if (auto ec = co_await http_server::write_continue(body.stream, options.timeouts->write)) {
      answer.failure = Failure::kClientGone;
      answer.ec = ec;
      co_return;
    }
  }
  http::request_parser<http::buffer_body> body_parser{std::move(body.parser)};
  body_parser.body_limit(body.max_body_bytes);
  if (!body_parser.content_length()) body_parser.get().chunked(true);
  http_util::RelayOptions relay;
  relay.read_timeout = options.timeouts->read_body;
  relay.write_timeout = options.timeouts->upstream_response;
  const auto result =
      co_await http_util::relay_message(body.stream, body.buffer, body_parser, answer.connection->stream, relay);
  answer.failure = result.read_error ? client_read_failure(result.read_error)
                  : result.write_error ? Failure::kSend
                                       : Failure::kNone;
  answer.ec = result.read_error ? result.read_error : result.write_error;
}

net::awaitable<void> Client::buffer_body(Answer& answer, ClientBody& body, const SendOptions& options,
                                         BufferedRequest& out) {
  if (body.expect_continue) {
    if (auto ec = co_await http_server::write_continue(body.stream, options.timeouts->write)) {
      answer.failure = Failure::kClientGone;
      answer.ec = ec;
      co_return;
    }
  }
  out.emplace(std::move(body.parser));
  out->body_limit(body.max_body_bytes);
  // One deadline for the whole body (it is small): a client dribbling a byte at a time is
  // cut within read_body, and answered 408 on a connection still open.
  http_server::ReadDeadline deadline(body.stream, options.timeouts->read_body);
  auto [ec, n] = co_await http::async_read(body.stream, body.buffer, *out, kNoThrow);
  if (deadline.finish()) ec = beast::error::timeout;
  if (ec) {
    answer.failure = client_read_failure(ec);
    answer.ec = ec;
  }
}

net::awaitable<void> Client::read_header(Answer& answer, const SendOptions& options) {
  auto& connection = *answer.connection;
  // Interim 1xx answers are skipped (the proxy sent its own 100); 101 is final.
  for (;;) {
    answer.parser.emplace();
    answer.parser->header_limit(kUpstreamHeaderLimit);
    answer.parser->body_limit(boost::none);
    if (options.head) answer.parser->skip(true);
    connection.stream.expires_after(options.timeouts->upstream_response);
    auto [ec, n] = co_await http::async_read_header(connection.stream, connection.buffer, *answer.parser, kNoThrow);
    if (ec) {
      answer.failure = Failure::kResponse;
      answer.ec = ec;
      co_return;
    }
    const auto status = answer.parser->get().result_int();
    if (!options.skip_interim || status < 100 || status >= 200 || status == 101) break;
  }
  answer.keep_alive = answer.parser->get().keep_alive();
}

net::awaitable<error_code> Client::read_body(Answer& answer, std::string& out, config::Duration timeout) {
  co_return co_await http_util::read_body(answer.connection->stream, answer.connection->buffer, *answer.parser, out,
                                          timeout);
}

net::awaitable<http_util::RelayResult> Client::relay_body(Answer& answer, beast::tcp_stream& out,
                                                          http_util::RelayOptions& options) {
  co_return co_await http_util::relay_message(answer.connection->stream, answer.connection->buffer, *answer.parser,
                                              out, options);
}

void Client::release(Answer& answer) {
  if (answer.failure != Failure::kNone || !answer.connection || !answer.keep_alive || !answer.parser ||
      !answer.parser->is_done()) {
    return;
  }
  pool_.release(std::move(answer.connection));
}

}  // namespace foilcache::upstream

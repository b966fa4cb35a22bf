#include "proxy/upstream/client.hpp"

#include "proxy/http/responses.hpp"

namespace foilcache::upstream {
namespace {

// The app's answer header may be larger than a client's request header (long Link or
// Content-Security-Policy fields), but not without bound.
constexpr std::size_t kUpstreamHeaderLimit = 64 * 1024;

bool is_timeout(const error_code& ec) { return ec == beast::error::timeout; }

// A parse error of the client's body (bad chunk size, chunk extension, trailer...), as
// opposed to the client going away mid-body (partial_message, a reset).
bool is_malformed(const error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_chunk).category() &&
         ec != http::error::partial_message && ec != http::error::end_of_stream;
}

}  // namespace

bool is_idempotent(http::verb method) {
  switch (method) {
    case http::verb::get:
    case http::verb::head:
    case http::verb::options:
    case http::verb::trace:
    case http::verb::put:
    case http::verb::delete_:
      return true;
    default:
      return false;
  }
}

bool should_retry(bool retryable, bool has_body, bool reused, int attempt, Failure failure, const error_code& ec) {
  if (!retryable || has_body || !reused || attempt != 0) return false;
  return failure == Failure::kSend || (failure == Failure::kResponse && !is_timeout(ec));
}

net::awaitable<void> Client::send(Answer& answer, http::request<http::empty_body>& request, ClientBody* body,
                                  SendOptions options) {
  answer.started = std::chrono::steady_clock::now();
  for (int attempt = 0;; ++attempt) {
    auto [ec, connection] = co_await pool_.acquire(options.fresh || attempt > 0);
    if (ec) {
      answer.failure = Failure::kConnect;
      answer.ec = ec;
      break;
    }
    answer.connection = std::move(connection);
    const bool reused = answer.connection->reused;
    co_await send_once(answer, request, body, options);
    if (!should_retry(options.retryable, body != nullptr, reused, attempt, answer.failure, answer.ec)) break;
    answer.failure = Failure::kNone;
    answer.ec = {};
    answer.parser.reset();
  }
  answer.elapsed = std::chrono::steady_clock::now() - answer.started;
}

net::awaitable<void> Client::send_once(Answer& answer, http::request<http::empty_body>& request, ClientBody* body,
                                       const SendOptions& options) {
  auto& stream = answer.connection->stream;
  if (body == nullptr) {
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
  if (result.read_error == http::error::body_limit) {
    answer.failure = Failure::kBodyTooLarge;
  } else if (result.read_error == beast::error::timeout) {
    answer.failure = Failure::kClientTimeout;
  } else if (is_malformed(result.read_error)) {
    answer.failure = Failure::kBadBody;
  } else if (result.read_error) {
    answer.failure = Failure::kClientGone;
  } else if (result.write_error) {
    answer.failure = Failure::kSend;
  }
  answer.ec = result.read_error ? result.read_error : result.write_error;
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

// The one place that talks to the app: acquire a connection, send the request (streaming a
// client body, answering 100 Continue first), read the answer's header (skipping interim
// 1xx), retry once where that is safe, then read or relay the body and give the connection
// back. Forwarding, background refresh and WebSocket upgrades all use it.
//
// Threading: one per io thread, on its pool's thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "common/net.hpp"
#include "proxy/config/config.hpp"
#include "proxy/http/relay.hpp"
#include "proxy/upstream/pool.hpp"

namespace foilcache::upstream {

// Why an exchange with the app ended without an answer header.
enum class Failure {
  kNone,           // the answer's header was read
  kConnect,        // no connection to the app could be made (connect, resolve)
  kSend,           // sending the request (or streaming its body to the app) failed
  kResponse,       // the app closed, reset or timed out before its answer's header
  kBodyTooLarge,   // the client's body exceeded limits.max_body_bytes (413)
  kClientTimeout,  // the client was too slow sending its body (408)
  kBadBody,        // the client's body is malformed (chunk framing): 400, the app's connection dropped
  kClientGone,     // the client went away while sending its body (nothing to answer)
};

// One exchange: the connection and the answer's header (body unread), or why not. Not
// movable (Beast's parser is not): it lives on the caller's coroutine frame.
struct Answer {
  Failure failure = Failure::kNone;
  error_code ec;                  // the error behind `failure`
  ConnectionPtr connection;       // set unless kConnect
  std::optional<http::response_parser<http::buffer_body>> parser;  // kNone: holds the header
  bool keep_alive = false;        // the app allows keep-alive (read before any header is rewritten)
  std::chrono::steady_clock::time_point started;  // when the exchange began
  std::chrono::nanoseconds elapsed{0};  // started to header read (or to the failure)
};

// Request bodies up to this size (a known Content-Length) are read whole from the client
// before an app connection is taken, so a slow client holds no app worker while it sends
// (nginx's proxy_request_buffering); larger and chunked ones stream.
inline constexpr std::uint64_t kBufferedBodyBytes = 64 * 1024;

// A client body to stream to the app with the request.
struct ClientBody {
  beast::tcp_stream& stream;
  beast::flat_buffer& buffer;
  http::request_parser<http::empty_body>& parser;  // holds the header; moved from by send()
  bool expect_continue = false;                     // answer 100 Continue before reading it
  std::size_t max_body_bytes = 0;
};

struct SendOptions {
  bool head = false;          // a HEAD request: the answer has no body
  bool fresh = false;         // a new connection, never a pooled one (upgrades)
  bool retryable = true;      // may be sent twice (see send())
  // false: the first answer is final, a 1xx included (an upgrade's 101 always is).
  bool skip_interim = true;
  const config::TimeoutsConfig* timeouts = nullptr;  // required
};

class Client {
 public:
  explicit Client(Pool& pool) : pool_(pool) {}

  // Sends `request` (and its `body` from the client when given: read whole first when its
  // length is at most kBufferedBodyBytes, else streamed) and reads the answer's header. Retried once, on a fresh connection, only when `retryable`, there is no body,
  // the connection was reused from the pool, and nothing of the answer arrived (a reused
  // connection the app closed meanwhile; RFC 9110 §9.2.2): never a timeout, never a POST.
  // Precondition: `request` is the prepared upstream header; with `body`, it is the header
  // held by body->parser.
  // Fills `answer` (a fresh one).
  net::awaitable<void> send(Answer& answer, http::request<http::empty_body>& request, ClientBody* body,
                            SendOptions options);

  // Reads the whole body of `answer` into `out` (appended). Precondition: answer.failure is
  // kNone; the length is bounded by the caller (a Content-Length within the entry limit, or
  // the parser's body_limit).
  net::awaitable<error_code> read_body(Answer& answer, std::string& out, config::Duration timeout);

  // Writes the answer's header (as rewritten by the caller) to `out`, then relays the body.
  net::awaitable<http_util::RelayResult> relay_body(Answer& answer, beast::tcp_stream& out,
                                                    http_util::RelayOptions& options);

  // Gives the connection back to the pool when the exchange ended cleanly: the app allows
  // keep-alive and the answer was read completely. Otherwise the connection is closed.
  void release(Answer& answer);

 private:
  using BufferedRequest = std::optional<http::request_parser<http::string_body>>;
  net::awaitable<void> send_once(Answer& answer, http::request<http::empty_body>& request, ClientBody* body,
                                 const BufferedRequest& buffered, const SendOptions& options);
  // Reads a small body whole from the client into `out` (100 Continue first when asked),
  // within timeouts.read_body for all of it, before any app connection is taken.
  net::awaitable<void> buffer_body(Answer& answer, ClientBody& body, const SendOptions& options,
                                   BufferedRequest& out);
  net::awaitable<void> stream_body(Answer& answer, ClientBody& body, const SendOptions& options);
  net::awaitable<void> read_header(Answer& answer, const SendOptions& options);

  Pool& pool_;
};

// RFC 9110 §9.2.1: GET, HEAD, OPTIONS, TRACE.
bool is_safe(http::verb method);
// RFC 9110 §9.2.2: true for the methods a proxy may send twice.
bool is_idempotent(http::verb method);

// Pure: whether a failed attempt is sent again on a fresh connection: only a `retryable`
// request without a body, on its first attempt, on a connection reused from the pool, that
// failed sending or before any byte of the answer (a timeout is never retried).
bool should_retry(bool retryable, bool has_body, bool reused, int attempt, Failure failure, const error_code& ec);

}  // namespace foilcache::upstream

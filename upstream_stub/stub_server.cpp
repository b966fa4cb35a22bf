#include "upstream_stub/stub_server.hpp"

#include <boost/crc.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <cctype>
#include <chrono>
#include <exception>
#include <iostream>
#include <thread>
#include <vector>

#include "common/webhook_signature.hpp"
#include "upstream_stub/game_bytes.hpp"
#include "upstream_stub/path_info.hpp"
#include "upstream_stub/route_util.hpp"
#include "upstream_stub/stub_events.hpp"
#include "upstream_stub/stub_handlers.hpp"

namespace foilcache::stub {
namespace {

constexpr std::chrono::milliseconds kAcceptRetryDelay{50};  // after EMFILE and the like
constexpr unsigned kHttp11 = 11;  // answer to a request too broken to have a version
constexpr std::string_view kGameLastModified = "Mon, 01 Jan 2024 00:00:00 GMT";

net::awaitable<void> sleep_for(std::chrono::milliseconds duration) {
  net::steady_timer timer(co_await net::this_coro::executor);
  timer.expires_after(duration);
  co_await timer.async_wait(kNoThrow);
}

void log_exception(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    std::cerr << "upstream-stub: connection failed: " << ex.what() << '\n';
  }
}

// Decoded query parameters (Boost.URL; a lenient split when the target is not RFC 3986).
QueryParams parse_query(std::string_view target) {
  QueryParams out;
  if (auto url = boost::urls::parse_origin_form(target)) {
    for (const auto& param : url->params()) out.emplace_back(param.key, param.value);
    return out;
  }
  const auto q = target.find('?');
  if (q == std::string_view::npos) return out;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    out.emplace_back(lenient_decode(pair.substr(0, eq), true), eq == std::string_view::npos
                                                             ? std::string{}
                                                             : lenient_decode(pair.substr(eq + 1), true));
  }
  return out;
}

// Werkzeug's answer to a path with an empty segment: RequestRedirect (308, its HTML page)
// to the merged path, or NotFound. No view runs, so no login is checked.
Reply werkzeug_answer(const http::request<http::string_body>& req, const PathRouting& routing,
                      std::string_view target) {
  Reply reply;
  if (routing.kind == PathRouting::Kind::kNotFound) {
    reply.response = route::not_found(routing.path, req.version());
    return reply;
  }
  const auto q = target.find('?');
  const std::string location =
      redirect_location(forwarded_proto(req), request_host(req, "localhost"), routing.path,
                        q == std::string_view::npos ? std::string_view{} : target.substr(q + 1));
  std::string html;  // Python's html.escape(location)
  for (const char c : location) {
    switch (c) {
      case '&': html += "&amp;"; break;
      case '<': html += "&lt;"; break;
      case '>': html += "&gt;"; break;
      case '"': html += "&quot;"; break;
      case '\'': html += "&#x27;"; break;
      default: html += c;
    }
  }
  std::string body =
      "<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n<h1>Redirecting...</h1>\n"
      "<p>You should be redirected automatically to the target URL: <a href=\"" +
      html + "\">" + html + "</a>. If not, click the link.\n";
  reply.response = http::response<http::string_body>{http::status::permanent_redirect, req.version()};
  reply.response.set(http::field::content_type, "text/html; charset=utf-8");
  reply.response.set(http::field::location, location);
  reply.response.body() = std::move(body);
  reply.response.prepare_payload();
  return reply;
}

bool expects_continue(const http::fields& headers) {
  auto it = headers.find(http::field::expect);
  return it != headers.end() && beast::iequals(it->value(), "100-continue");
}

std::int64_t unix_seconds_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string step_failed(std::string_view step, const error_code& ec) {
  return std::string(step) + ": " + (ec == beast::error::timeout ? "timed out" : ec.message());
}

// POSTs the library updater's webhook for `generation` and waits for the answer. One deadline,
// webhook_timeout from the start, bounds connect, send and response together; name resolution
// (getaddrinfo on Asio's resolver thread, which cannot be cancelled) is checked against it.
net::awaitable<WebhookOutcome> send_webhook(const StubOptions& opt, std::uint64_t generation) {
  const auto deadline = std::chrono::steady_clock::now() + opt.webhook_timeout;
  WebhookOutcome out;
  const auto url = boost::urls::parse_uri(opt.webhook_url);
  if (!url || url->scheme_id() != boost::urls::scheme::http || url->host_address().empty()) {
    out.error = "webhook URL is not http://HOST[:PORT]/PATH";
    co_return out;
  }
  const std::string host = url->host_address();
  const std::string port = url->has_port() ? std::string(url->port()) : "80";
  std::string target(url->encoded_target());
  if (target.empty()) target = "/";

  tcp::resolver resolver(co_await net::this_coro::executor);
  auto [resolve_ec, endpoints] = co_await resolver.async_resolve(host, port, kNoThrow);
  if (!resolve_ec && std::chrono::steady_clock::now() >= deadline) {
    resolve_ec = beast::error::timeout;
  }
  if (resolve_ec) {
    out.error = step_failed("resolve " + host, resolve_ec);
    co_return out;
  }

  http::request<http::string_body> req{http::verb::post, target, 11};
  req.set(http::field::host, url->encoded_host_and_port());
  req.set(http::field::user_agent, "upstream-stub");
  req.set(http::field::content_type, "application/json");
  const std::string timestamp = std::to_string(unix_seconds_now());
  req.body() = webhook_body(opt.webhook_event, generation);
  req.set("X-Foilcache-Timestamp", timestamp);
  req.set("X-Foilcache-Signature", common::sign_webhook(opt.webhook_secret, timestamp, req.body()));
  req.keep_alive(false);
  req.prepare_payload();

  beast::tcp_stream stream(co_await net::this_coro::executor);
  stream.expires_at(deadline);
  auto [connect_ec, endpoint] = co_await stream.async_connect(endpoints, kNoThrow);
  if (connect_ec) {
    out.error = step_failed("connect", connect_ec);
    co_return out;
  }
  auto [write_ec, written] = co_await http::async_write(stream, req, kNoThrow);
  if (write_ec) {
    out.error = step_failed("send", write_ec);
    co_return out;
  }
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  auto [read_ec, read] = co_await http::async_read(stream, buffer, res, kNoThrow);
  if (read_ec) {
    out.error = step_failed("response", read_ec);
    co_return out;
  }
  out.status = res.result_int();
  if (out.status / 100 != 2) out.error = "receiver answered " + std::to_string(out.status);
  co_return out;
}

}  // namespace

class StubServer::Impl {
 public:
  explicit Impl(StubOptions options)
      : state_(std::move(options)),
        ioc_(std::max(1, state_.options().io_threads)),
        events_(ioc_, state_),
        acceptor_(net::make_strand(ioc_)) {
    state_.set_events(&events_);
  }

  ~Impl() { stop(); }

  void start() {
    const StubOptions& opt = state_.options();
    const tcp::endpoint endpoint{net::ip::make_address(opt.address), opt.port};
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(net::socket_base::max_listen_connections);
    port_ = acceptor_.local_endpoint().port();
    events_.start();
    net::co_spawn(acceptor_.get_executor(), accept_loop(), log_exception);
    for (int i = 0; i < std::max(1, opt.io_threads); ++i) {
      threads_.emplace_back([this] { ioc_.run(); });
    }
  }

  void stop() {
    if (stopped_.exchange(true)) return;
    ioc_.stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
    error_code ignored;
    acceptor_.close(ignored);
  }

  std::uint16_t port() const { return port_; }
  StubState& state() { return state_; }
  const StubState& state() const { return state_; }
  std::int64_t open_connections() const { return open_connections_.load(); }

 private:
  const StubOptions& opt() const { return state_.options(); }

  net::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(net::make_strand(ioc_), kNoThrow);
      if (ec) {
        if (ec == net::error::operation_aborted || !acceptor_.is_open()) co_return;
        co_await sleep_for(kAcceptRetryDelay);
        continue;
      }
      auto executor = socket.get_executor();
      net::co_spawn(executor, session(std::move(socket)), log_exception);
    }
  }

  net::awaitable<void> session(tcp::socket socket) {
    ++open_connections_;
    struct Closed {
      std::atomic<std::int64_t>& open;
      ~Closed() { --open; }
    } closed{open_connections_};
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::empty_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(opt().header_limit));
      // Body limits depend on the route; they are applied once the header is known.
      parser.body_limit(boost::none);
      stream.expires_after(opt().io_timeout);
      auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, kNoThrow);
      if (ec) {
        // A malformed request gets a 400; a closed or idle connection just ends.
        if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
            ec != http::error::end_of_stream && ec != http::error::partial_message) {
          co_await write(
              stream,
              make_response(http::status::bad_request, "Bad Request\n", "text/plain", kHttp11),
              false, false);
        }
        break;
      }
      if (!co_await dispatch(stream, buffer, parser)) break;
    }
    error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  // Serves one request whose header `parser` holds. Returns whether to keep the connection.
  net::awaitable<bool> dispatch(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                http::request_parser<http::empty_body>& parser) {
    const auto& head = parser.get();
    const std::string target(head.target());
    const std::string raw_path = target.substr(0, target.find('?'));
    const bool keep_alive = head.keep_alive();
    if (raw_path.empty() || raw_path.front() != '/') {
      co_await write(
          stream,
          make_response(http::status::bad_request, "Bad Request\n", "text/plain", head.version()),
          false, false);
      co_return false;
    }
    // The app's rules see PATH_INFO (decoded, leading slashes stripped); Werkzeug answers an
    // empty segment with a 308 or 404 before any view. Counters keep the path as received.
    const PathRouting routing = route_path_info(raw_path);
    const bool routed = routing.kind == PathRouting::Kind::kRoute;
    const std::string& path = routing.path;
    if (routed && beast::websocket::is_upgrade(head) && (path == "/socket.io/" || path == "/socket.io")) {
      state_.count("/socket.io/");
      co_await websocket_session(std::move(stream), parser.release());
      co_return false;
    }
    if (!raw_path.starts_with("/__stub/")) state_.count(raw_path);

    if (path.starts_with("/api/")) {
      switch (state_.fail_mode()) {
        case FailMode::kNone:
          break;
        case FailMode::kClose:
          co_return false;
        case FailMode::kHang:
          co_await sleep_for(opt().hang_timeout);
          co_return false;
        case FailMode::kStatus500:
          // The body (if any) is not read, so the connection cannot be reused.
          co_await write(stream,
                         make_response(http::status::internal_server_error,
                                       error_body("INTERNAL_ERROR", "An unexpected error occurred"),
                                       "application/json", head.version()),
                         head.method() == http::verb::head, false);
          co_return false;
      }
    }
    if (routed && path == "/api/upload") co_return co_await upload(stream, buffer, parser);

    http::request_parser<http::string_body> body_parser{std::move(parser)};
    // Beast checks a Content-Length against the limit only while parsing the header, so the
    // declared length is checked here; the limit itself still bounds chunked bodies.
    body_parser.body_limit(opt().body_limit);
    if (const auto length = body_parser.content_length(); length && *length > opt().body_limit) {
      co_await write(stream,
                     make_response(http::status::payload_too_large, "Payload Too Large\n",
                                   "text/plain", body_parser.get().version()),
                     false, false);
      co_return false;
    }
    if (!body_parser.is_done()) {
      if (expects_continue(body_parser.get()) &&
          !co_await write_continue(stream, body_parser.get().version())) {
        co_return false;
      }
      stream.expires_after(opt().io_timeout);
      auto [ec, n] = co_await http::async_read(stream, buffer, body_parser, kNoThrow);
      if (ec == http::error::body_limit) {
        co_await write(stream,
                       make_response(http::status::payload_too_large, "Payload Too Large\n",
                                     "text/plain", body_parser.get().version()),
                       false, false);
        co_return false;
      }
      if (ec) co_return false;
    }
    const http::request<http::string_body> request = body_parser.release();
    const QueryParams query = parse_query(target);
    if (routed && path.starts_with("/api/get_game/")) co_return co_await get_game(stream, request, path);

    Reply reply = routed ? handle_request(state_, request, path, query) : werkzeug_answer(request, routing, target);
    if (reply.scanned_generation && !opt().webhook_url.empty()) {
      // Like the app's updater, tell the cache before answering: a caller that got the scan's
      // answer knows the cache was invalidated, or reads in "webhook" why not.
      const std::uint64_t generation = *reply.scanned_generation;
      const WebhookOutcome outcome = co_await send_webhook(opt(), generation);
      if (!outcome.error.empty()) {
        std::cerr << "upstream-stub: webhook to " << opt().webhook_url
                  << " failed: " << outcome.error << '\n';
      }
      reply.response.body() = scan_body(generation, &outcome);
      reply.response.prepare_payload();
    }
    const auto wait = reply.delay + state_.draw_latency(reply.latency);
    if (wait.count() > 0) co_await sleep_for(wait);
    co_return co_await write(stream, std::move(reply.response),
                             request.method() == http::verb::head, keep_alive);
  }

  net::awaitable<bool> write(beast::tcp_stream& stream, http::response<http::string_body> res,
                             bool head, bool keep_alive) {
    res.keep_alive(keep_alive);
    stream.expires_after(opt().io_timeout);
    error_code ec;
    if (head) {
      // Same header (Content-Length of the full body), no body.
      http::response<http::empty_body> header_only{std::move(res.base())};
      std::tie(ec, std::ignore) = co_await http::async_write(stream, header_only, kNoThrow);
    } else {
      std::tie(ec, std::ignore) = co_await http::async_write(stream, res, kNoThrow);
    }
    co_return !ec && keep_alive;
  }

  net::awaitable<bool> write_continue(beast::tcp_stream& stream, unsigned version) {
    http::response<http::empty_body> cont{http::status::continue_, version};
    stream.expires_after(opt().io_timeout);
    auto [ec, n] = co_await http::async_write(stream, cont, kNoThrow);
    co_return !ec;
  }

  // GET|HEAD /api/get_game/{id}: the app's send_from_directory behind tinfoil_access.
  net::awaitable<bool> get_game(beast::tcp_stream& stream,
                                const http::request<http::string_body>& req,
                                const std::string& path) {
    const unsigned v = req.version();
    const bool keep_alive = req.keep_alive();
    const bool head = req.method() == http::verb::head;
    if (req.method() != http::verb::get && !head) {
      auto res =
          make_response(http::status::method_not_allowed, "Method Not Allowed\n", "text/plain", v);
      res.set(http::field::allow, "GET, HEAD");
      co_return co_await write(stream, std::move(res), false, keep_alive);
    }
    // Flask's <int:id>: digits only, else the route does not match.
    const std::string_view digits = std::string_view(path).substr(14);
    std::uint64_t id = 0;
    bool numeric = !digits.empty() && digits.size() <= 18;
    for (char c : digits) {
      numeric = numeric && c >= '0' && c <= '9';
      if (numeric) id = id * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (!numeric) {
      co_return co_await write(
          stream,
          make_response(http::status::not_found, error_body("NOT_FOUND", "Resource not found"),
                        "application/json", v),
          head, keep_alive);
    }
    const TinfoilResult access = tinfoil_access(state_, req, path);
    if (!access.ok) {
      co_return co_await write(
          stream,
          make_response(http::status::ok, tinfoil_error_body(access.error), "application/json", v),
          head, keep_alive);
    }
    const auto library = state_.library();
    if (library->find_file(id) == nullptr) {
      co_return co_await write(
          stream,
          make_response(http::status::not_found, "File not found", "text/html; charset=utf-8", v),
          head, keep_alive);
    }
    const std::uint64_t size = opt().game_size;
    const std::string etag =
        "\"stub-game-" + std::to_string(id) + "-" + std::to_string(size) + "\"";

    if (auto inm = req.find(http::field::if_none_match); inm != req.end() && inm->value() == etag) {
      auto res = make_response(http::status::not_modified, "", "application/octet-stream", v);
      res.set(http::field::etag, etag);
      co_return co_await write(stream, std::move(res), false, keep_alive);
    }
    RangeResult range;
    if (auto r = req.find(http::field::range); r != req.end()) {
      // If-Range with a stale validator means "send the whole file".
      auto if_range = req.find(http::field::if_range);
      if (if_range == req.end() || if_range->value() == etag ||
          if_range->value() == kGameLastModified) {
        range = parse_range(r->value(), size);
      }
    }
    if (range.kind == RangeResult::Kind::kUnsatisfiable) {
      auto res =
          make_response(http::status::range_not_satisfiable, "", "text/html; charset=utf-8", v);
      res.set(http::field::content_range, "bytes */" + std::to_string(size));
      co_return co_await write(stream, std::move(res), head, keep_alive);
    }
    const bool partial = range.kind == RangeResult::Kind::kSingle;
    const std::uint64_t first = partial ? range.first : 0;
    const std::uint64_t length = partial ? range.last - range.first + 1 : size;

    http::response<http::buffer_body> res{
        partial ? http::status::partial_content : http::status::ok, v};
    res.set(http::field::server, "upstream-stub");
    res.set(http::field::content_type, "application/octet-stream");
    res.set(http::field::accept_ranges, "bytes");
    res.set(http::field::cache_control, "no-store");
    res.set(http::field::etag, etag);
    res.set(http::field::last_modified, kGameLastModified);
    if (partial) {
      res.set(http::field::content_range, "bytes " + std::to_string(range.first) + "-" +
                                              std::to_string(range.last) + "/" +
                                              std::to_string(size));
    }
    res.content_length(length);
    res.keep_alive(keep_alive);
    if (head) {
      http::response<http::empty_body> header_only{std::move(res.base())};
      stream.expires_after(opt().io_timeout);
      auto [ec, n] = co_await http::async_write(stream, header_only, kNoThrow);
      co_return !ec && keep_alive;
    }

    // Stream in bounded chunks: header first, then one buffer at a time.
    std::vector<unsigned char> chunk(opt().stream_chunk);
    res.body().data = nullptr;
    res.body().more = true;
    http::response_serializer<http::buffer_body> serializer{res};
    stream.expires_after(opt().io_timeout);
    auto [hec, hn] = co_await http::async_write_header(stream, serializer, kNoThrow);
    if (hec) co_return false;
    std::uint64_t offset = first;
    std::uint64_t remaining = length;
    while (remaining > 0) {
      const std::size_t n =
          static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), remaining));
      fill_game_bytes(id, offset, chunk.data(), n);
      res.body().data = chunk.data();
      res.body().size = n;
      res.body().more = remaining > n;
      stream.expires_after(opt().io_timeout);
      auto [ec, written] = co_await http::async_write(stream, serializer, kNoThrow);
      if (ec == http::error::need_buffer) ec = {};
      if (ec) co_return false;
      offset += n;
      remaining -= n;
    }
    if (!serializer.is_done()) {
      res.body().data = nullptr;
      res.body().size = 0;
      res.body().more = false;
      auto [ec, written] = co_await http::async_write(stream, serializer, kNoThrow);
      if (ec) co_return false;
    }
    co_return keep_alive;
  }

  // POST /api/upload: reads the body in bounded chunks and answers its length and CRC-32.
  net::awaitable<bool> upload(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                              http::request_parser<http::empty_body>& header_parser) {
    const unsigned v = header_parser.get().version();
    const bool keep_alive = header_parser.get().keep_alive();
    if (header_parser.get().method() != http::verb::post) {
      auto res =
          make_response(http::status::method_not_allowed, "Method Not Allowed\n", "text/plain", v);
      res.set(http::field::allow, "POST");
      co_await write(stream, std::move(res), false, false);
      co_return false;
    }
    http::request_parser<http::buffer_body> parser{std::move(header_parser)};
    parser.body_limit(opt().upload_limit);
    if (const auto length = parser.content_length(); length && *length > opt().upload_limit) {
      co_await write(
          stream,
          make_response(http::status::payload_too_large, "Payload Too Large\n", "text/plain", v),
          false, false);
      co_return false;
    }
    if (expects_continue(parser.get()) && !co_await write_continue(stream, v)) co_return false;
    std::vector<char> chunk(opt().stream_chunk);
    boost::crc_32_type crc;
    std::uint64_t total = 0;
    while (!parser.is_done()) {
      parser.get().body().data = chunk.data();
      parser.get().body().size = chunk.size();
      stream.expires_after(opt().io_timeout);
      auto [ec, n] = co_await http::async_read(stream, buffer, parser, kNoThrow);
      if (ec == http::error::need_buffer) ec = {};
      if (ec == http::error::body_limit) {
        co_await write(
            stream,
            make_response(http::status::payload_too_large, "Payload Too Large\n", "text/plain", v),
            false, false);
        co_return false;
      }
      if (ec) co_return false;
      const std::size_t got = chunk.size() - parser.get().body().size;
      crc.process_bytes(chunk.data(), got);
      total += got;
    }
    std::string body = "{\"bytes\":" + std::to_string(total) +
                       ",\"crc32\":" + std::to_string(crc.checksum()) + "}\n";
    co_return co_await write(
        stream, make_response(http::status::ok, std::move(body), "application/json", v), false,
        keep_alive);
  }

  // /socket.io/ upgraded: the Engine.IO open packet, then every message echoed back.
  net::awaitable<void> websocket_session(beast::tcp_stream stream,
                                         http::request<http::empty_body> req) {
    stream.expires_never();
    beast::websocket::stream<beast::tcp_stream> ws(std::move(stream));
    ws.set_option(beast::websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws.read_message_max(opt().ws_message_limit);
    auto [aec] = co_await ws.async_accept(req, kNoThrow);
    if (aec) co_return;
    const std::string open =
        engine_io_open("stub" + std::to_string(state_.next_random() % 1000000000000ull), false);
    ws.text(true);
    auto [oec, on] = co_await ws.async_write(net::buffer(open), kNoThrow);
    if (oec) co_return;
    beast::flat_buffer message;
    for (;;) {
      auto [rec, rn] = co_await ws.async_read(message, kNoThrow);
      if (rec) co_return;
      ws.text(ws.got_text());
      auto [wec, wn] = co_await ws.async_write(message.data(), kNoThrow);
      if (wec) co_return;
      message.consume(message.size());
    }
  }

  // Declaration order matters: state_ (and the connection count) outlive ioc_, whose
  // destructor destroys pending coroutine frames that use them; events_ and acceptor_ go
  // before ioc_.
  std::atomic<std::int64_t> open_connections_{0};  // client connections being served now
  StubState state_;
  net::io_context ioc_;
  StubEvents events_;
  tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopped_{false};
};

StubServer::StubServer(StubOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
StubServer::~StubServer() = default;
void StubServer::start() { impl_->start(); }
std::uint16_t StubServer::port() const { return impl_->port(); }
void StubServer::stop() { impl_->stop(); }
std::map<std::string, std::uint64_t> StubServer::counters() const {
  return impl_->state().counters();
}
std::int64_t StubServer::open_connections() const { return impl_->open_connections(); }

std::uint64_t StubServer::count(std::string_view path) const {
  const auto all = counters();
  const auto it = all.find(std::string(path));
  return it == all.end() ? 0 : it->second;
}
void StubServer::reset_counters() { impl_->state().reset_counters(); }
std::uint64_t StubServer::library_generation() const { return impl_->state().generation(); }
SocketIoStats StubServer::socketio_stats() const { return impl_->state().events().stats(); }
std::vector<JobRecord> StubServer::jobs() const { return impl_->state().jobs().all(); }
const StubOptions& StubServer::options() const { return impl_->state().options(); }

}  // namespace foilcache::stub

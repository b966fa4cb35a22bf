#include "proxy/http/session.hpp"

#include "proxy/cache/proxy_handler.hpp"

namespace foilcache::http_server {
namespace {

constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);
constexpr std::size_t kFirstReadBytes = 4096;

// Marks a connection as idle (between requests) for the lifetime of the guard, so a
// draining server can close it.
class IdleGuard {
 public:
  IdleGuard(app::Worker& worker, beast::tcp_stream& stream) : worker_(worker), stream_(&stream) {
    worker_.idle_streams.insert(stream_);
  }
  ~IdleGuard() { worker_.idle_streams.erase(stream_); }
  IdleGuard(const IdleGuard&) = delete;
  IdleGuard& operator=(const IdleGuard&) = delete;

 private:
  app::Worker& worker_;
  beast::tcp_stream* stream_;
};

// Counts a live session for the drain logic.
class ActiveGuard {
 public:
  explicit ActiveGuard(app::SharedState& shared) : shared_(shared) { shared_.active_sessions.fetch_add(1); }
  ~ActiveGuard() { shared_.active_sessions.fetch_sub(1); }
  ActiveGuard(const ActiveGuard&) = delete;
  ActiveGuard& operator=(const ActiveGuard&) = delete;

 private:
  app::SharedState& shared_;
};

net::awaitable<void> write_simple(beast::tcp_stream& stream, const config::Config& config, http::status status,
                                  std::string body, std::string_view content_type, bool keep_alive,
                                  bool head = false) {
  http::response<http::string_body> res{status, 11};
  res.set(http::field::content_type, content_type);
  res.set(http::field::cache_control, "no-store");
  res.body() = std::move(body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  stream.expires_after(config.timeouts.write);
  if (head) {
    http::response_serializer<http::string_body> serializer{res};
    co_await http::async_write_header(stream, serializer, kNoThrow);
  } else {
    co_await http::async_write(stream, res, kNoThrow);
  }
}

// The status the client gets for a request it sent that could not be parsed.
http::status status_for_parse_error(const error_code& ec) {
  if (ec == http::error::header_limit) return http::status::request_header_fields_too_large;  // 431
  if (ec == http::error::body_limit) return http::status::payload_too_large;                  // 413
  return http::status::bad_request;                                                             // 400
}

// Reads a request header with a limit on its total size. Beast's own header_limit
// applies to each parse call, not to the header as a whole, once complete lines have
// been consumed (Boost 1.81), so the total is counted here. The caller sets the deadline.
net::awaitable<error_code> read_header(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                       http::request_parser<http::empty_body>& parser, std::size_t limit) {
  std::size_t consumed = 0;
  parser.header_limit(static_cast<std::uint32_t>(limit));
  for (;;) {
    if (buffer.size() != 0) {
      error_code ec;
      const auto used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      consumed += used;
      if (parser.is_header_done()) co_return error_code{};
      if (ec && ec != http::error::need_more) co_return ec;
      if (consumed + buffer.size() >= limit) co_return error_code(http::error::header_limit);
    }
    auto [ec, n] = co_await stream.async_read_some(buffer.prepare(kFirstReadBytes), kNoThrow);
    if (ec == net::error::eof && (consumed != 0 || buffer.size() != 0)) co_return error_code(http::error::partial_message);
    if (ec) co_return ec;
    buffer.commit(n);
  }
}

std::string json_error(std::string_view message) { return "{\"error\":\"" + std::string(message) + "\"}"; }

// /healthz body: serving, plus the store's state ("memory", or "enabled" once every io
// thread's Redis connection is up, else "degraded": requests then bypass the cache).
std::string health_body(const app::SharedState& shared) {
  std::size_t available = 0;
  bool memory = false;
  for (const auto* store : shared.stores) {
    available += store->available() ? 1 : 0;
    memory = memory || std::string_view(store->mode()) == "memory";
  }
  const char* store = memory ? "memory" : available == shared.stores.size() ? "enabled" : "degraded";
  return std::string("{\"status\":\"ok\",\"store\":\"") + store + "\",\"store_connections\":" +
         std::to_string(available) + "}\n";
}

}  // namespace

bool is_own_path(std::string_view path) {
  return path == "/healthz" || path == "/readyz" || path == "/metrics" || path == "/api/cache" ||
         path.starts_with("/api/cache/");
}

net::awaitable<void> serve_connection(tcp::socket socket, app::Worker& worker) {
  ActiveGuard active(worker.shared);
  error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  const auto remote = socket.remote_endpoint(ec);
  const std::string client_address = ec ? std::string("unknown") : remote.address().to_string();
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;

  for (bool first = true;; first = false) {
    const auto config = worker.config;
    // Phase 1: wait for the first byte of the next request (idle keep-alive connection).
    if (buffer.size() == 0) {
      IdleGuard idle(worker, stream);
      if (worker.shared.draining.load()) co_return;
      stream.expires_after(first ? config->timeouts.read_header : config->timeouts.idle);
      auto [rec, n] = co_await stream.async_read_some(buffer.prepare(kFirstReadBytes), kNoThrow);
      if (rec) co_return;  // closed, idle timeout or drain: nothing to answer
      buffer.commit(n);
    }

    // Phase 2: the request header, bounded in size and time.
    http::request_parser<http::empty_body> parser;
    parser.body_limit(config->limits.max_body_bytes);
    stream.expires_after(config->timeouts.read_header);
    const auto hec = co_await read_header(stream, buffer, parser, config->limits.max_header_bytes);
    if (hec == http::error::end_of_stream || hec == net::error::eof || hec == net::error::connection_reset ||
        hec == net::error::operation_aborted) {
      co_return;
    }
    if (hec == beast::error::timeout) {
      co_await write_simple(stream, *config, http::status::request_timeout, json_error("request header timed out"),
                            "application/json", false);
      co_return;
    }
    if (hec) {
      co_await write_simple(stream, *config, status_for_parse_error(hec), json_error(hec.message()),
                            "application/json", false);
      co_return;
    }

    auto& request = parser.get();
    const std::string_view target = request.target();
    const auto path = target.substr(0, target.find('?'));
    bool keep_alive = false;
    if (is_own_path(path)) {
      const bool has_body = parser.chunked() || parser.content_length().value_or(0) > 0;
      keep_alive = request.keep_alive() && !has_body && !worker.shared.draining.load();
      const bool head = request.method() == http::verb::head;
      if (path == "/healthz") {
        co_await write_simple(stream, *config, http::status::ok, health_body(worker.shared), "application/json",
                              keep_alive, head);
      } else if (path == "/readyz") {
        const bool ready = !worker.shared.draining.load();
        co_await write_simple(stream, *config, ready ? http::status::ok : http::status::service_unavailable,
                              ready ? "{\"status\":\"ready\"}\n" : "{\"status\":\"draining\"}\n",
                              "application/json", keep_alive, head);
      } else {
        // TODO(#3): admin API and /metrics.
        co_await write_simple(stream, *config, http::status::not_implemented, json_error("not implemented yet"),
                              "application/json", keep_alive, head);
      }
    } else {
      auto outcome = co_await cache::handle_request(
          worker, cache::Exchange{stream, buffer, parser, client_address});
      keep_alive = outcome.keep_alive;
    }
    if (!keep_alive) break;
  }
  error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace foilcache::http_server

#include "proxy/http/session.hpp"

#include <chrono>
#include <tuple>
#include <utility>

#include <boost/algorithm/string/predicate.hpp>

#include "proxy/admin/admin_api.hpp"
#include "proxy/cache/proxy_handler.hpp"
#include "proxy/metrics/metrics.hpp"

namespace foilcache::http_server {
namespace {

constexpr std::size_t kFirstReadBytes = 4096;
// A webhook body is a small JSON event; anything larger is refused (413) unread.
constexpr std::size_t kWebhookBodyLimit = 64 * 1024;
constexpr std::string_view kWebhookPath = "/api/cache/webhook";

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

// Returns the body bytes sent.
net::awaitable<std::uint64_t> write_simple(beast::tcp_stream& stream, const config::Config& config,
                                           http::status status, std::string body, std::string_view content_type,
                                           bool keep_alive, bool head = false) {
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
    co_return 0;
  }
  co_await http::async_write(stream, res, kNoThrow);
  co_return res.body().size();
}

void count_error(app::Worker& worker, metrics::ErrorKind kind) {
  if (auto* m = worker.shared.metrics) m->count_error(kind);
}

metrics::ErrorKind error_kind_for_parse_error(const error_code& ec) {
  if (ec == http::error::header_limit) return metrics::ErrorKind::kHeaderTooLarge;
  if (ec == http::error::body_limit) return metrics::ErrorKind::kBodyTooLarge;
  return metrics::ErrorKind::kBadRequest;
}

// One access-log line for the request that started at `started` (when log.access is on).
void log_access(app::Worker& worker, const config::Config& config, std::string_view method,
                std::string_view target, const cache::Outcome& outcome, std::chrono::steady_clock::time_point started) {
  if (!config.log.access || !worker.access_log) return;
  log::AccessRecord record;
  record.method = method;
  record.target = target;
  record.status = outcome.status;
  record.cache = outcome.cache;
  record.route = outcome.route;
  record.upstream = outcome.upstream;
  record.bytes = outcome.bytes;
  record.duration = std::chrono::steady_clock::now() - started;
  worker.access_log->write(record);
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
    const auto health = store->health();
    available += health.available ? 1 : 0;
    memory = memory || std::string_view(health.mode) == "memory";
  }
  const char* store = memory ? "memory" : available == shared.stores.size() ? "enabled" : "degraded";
  return std::string("{\"status\":\"ok\",\"store\":\"") + store + "\",\"store_connections\":" +
         std::to_string(available) + "}\n";
}

// Reads a webhook delivery's body (bounded) and answers it. Returns the response and
// whether the connection may be kept (the body was read whole).
net::awaitable<std::pair<http::response<http::string_body>, bool>> serve_webhook(
    beast::tcp_stream& stream, beast::flat_buffer& buffer, http::request_parser<http::empty_body>& parser,
    app::Worker& worker, const config::Config& config) {
  const auto& header = parser.get();
  const auto simple = [&](http::status status, std::string_view message) {
    http::response<http::string_body> res{status, header.version()};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "no-store");
    res.body() = json_error(message) + "\n";
    res.keep_alive(false);
    res.prepare_payload();
    return res;
  };
  if (header.method() != http::verb::post) {
    auto res = simple(http::status::method_not_allowed, "method not allowed");
    res.set(http::field::allow, "POST");
    co_return std::pair{std::move(res), false};
  }
  if (parser.content_length().value_or(0) > kWebhookBodyLimit) {
    count_error(worker, metrics::ErrorKind::kBodyTooLarge);
    co_return std::pair{simple(http::status::payload_too_large, "webhook body too large"), false};
  }
  if (boost::algorithm::iequals(header[http::field::expect], "100-continue")) {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    stream.expires_after(config.timeouts.write);
    auto [ec, n] = co_await net::async_write(stream, net::buffer(kContinue), kNoThrow);
    if (ec) co_return std::pair{simple(http::status::bad_request, "client went away"), false};
  }
  http::request_parser<http::string_body> body_parser{std::move(parser)};
  body_parser.body_limit(kWebhookBodyLimit);
  stream.expires_after(config.timeouts.read_body);
  auto [ec, n] = co_await http::async_read(stream, buffer, body_parser, kNoThrow);
  if (ec) {
    const auto status = ec == beast::error::timeout ? http::status::request_timeout : status_for_parse_error(ec);
    count_error(worker, ec == beast::error::timeout ? metrics::ErrorKind::kClientTimeout : error_kind_for_parse_error(ec));
    co_return std::pair{simple(status, "webhook body: " + ec.message()), false};
  }
  const auto& request = body_parser.get();
  auto response = co_await admin::handle_webhook(worker, request);
  const bool keep_alive = request.keep_alive() && !worker.shared.draining.load();
  response.keep_alive(keep_alive);
  co_return std::pair{std::move(response), keep_alive};
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
  std::string logged_method;
  std::string logged_target;

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
    const auto started = std::chrono::steady_clock::now();
    http::request_parser<http::empty_body> parser;
    parser.body_limit(config->limits.max_body_bytes);
    stream.expires_after(config->timeouts.read_header);
    const auto hec = co_await read_header(stream, buffer, parser, config->limits.max_header_bytes);
    if (hec == http::error::end_of_stream || hec == net::error::eof || hec == net::error::connection_reset ||
        hec == net::error::operation_aborted) {
      co_return;
    }
    if (hec) {
      // No complete request line: nothing of the request is logged but the answer.
      cache::Outcome rejected;
      const bool timeout = hec == beast::error::timeout;
      count_error(worker, timeout ? metrics::ErrorKind::kClientTimeout : error_kind_for_parse_error(hec));
      const auto status = timeout ? http::status::request_timeout : status_for_parse_error(hec);
      rejected.status = static_cast<unsigned>(status);
      // A named local: GCC 12 destroys some temporaries of a co_await expression twice.
      std::string body = json_error(timeout ? std::string("request header timed out") : hec.message());
      rejected.bytes = co_await write_simple(stream, *config, status, std::move(body), "application/json", false);
      log_access(worker, *config, {}, {}, rejected, started);
      co_return;
    }

    auto& request = parser.get();
    const std::string_view target = request.target();
    const auto path = target.substr(0, target.find('?'));
    bool keep_alive = false;
    // Copied before the handler moves the request on (buffers reused across requests).
    if (config->log.access) {
      logged_method.assign(request.method_string());
      logged_target.assign(log::loggable_target(target));
    }
    cache::Outcome outcome;
    if (is_own_path(path)) {
      const bool has_body = parser.chunked() || parser.content_length().value_or(0) > 0;
      keep_alive = request.keep_alive() && !has_body && !worker.shared.draining.load();
      const bool head = request.method() == http::verb::head;
      if (path == "/healthz") {
        outcome.status = 200;
        outcome.bytes = co_await write_simple(stream, *config, http::status::ok, health_body(worker.shared),
                                              "application/json", keep_alive, head);
      } else if (path == "/readyz") {
        const bool ready = !worker.shared.draining.load();
        outcome.status = ready ? 200 : 503;
        outcome.bytes =
            co_await write_simple(stream, *config, ready ? http::status::ok : http::status::service_unavailable,
                                  ready ? "{\"status\":\"ready\"}\n" : "{\"status\":\"draining\"}\n",
                                  "application/json", keep_alive, head);
      } else if (path == "/metrics") {
        // A named local: GCC 12 destroys some temporaries passed by value to a coroutine twice.
        std::string text = worker.shared.metrics ? worker.shared.metrics->scrape() : std::string();
        outcome.status = 200;
        outcome.bytes = co_await write_simple(stream, *config, http::status::ok, std::move(text),
                                              "text/plain; version=0.0.4; charset=utf-8", keep_alive, head);
      } else if (path == kWebhookPath) {
        http::response<http::string_body> response;
        std::tie(response, keep_alive) = co_await serve_webhook(stream, buffer, parser, worker, *config);
        outcome.status = response.result_int();
        outcome.bytes = response.body().size();
        stream.expires_after(config->timeouts.write);
        co_await http::async_write(stream, response, kNoThrow);
      } else {
        auto response = co_await admin::handle_admin(worker, worker.shared.stats, request);
        response.keep_alive(keep_alive);
        outcome.status = response.result_int();
        outcome.bytes = response.body().size();
        stream.expires_after(config->timeouts.write);
        co_await http::async_write(stream, response, kNoThrow);
      }
    } else {
      outcome = co_await cache::handle_request(worker, cache::Exchange{stream, buffer, parser, client_address});
      keep_alive = outcome.keep_alive;
    }
    log_access(worker, *config, logged_method, logged_target, outcome, started);
    if (!keep_alive) break;
  }
  error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace foilcache::http_server

// The proxy's own small answers: the JSON error body every module uses, no-store answers,
// error answers on routed and unrouted requests, and 100 Continue.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/net.hpp"
#include "proxy/config/config.hpp"

namespace foilcache::http_server {

// {"error":"<message>"} with `message` JSON-escaped (RapidJSON): the one error body.
std::string json_error_body(std::string_view message);

// An answer of the proxy with Content-Type `content_type`, Cache-Control: no-store and
// `body`; writes only the header for HEAD (`head`). Returns the body bytes sent.
net::awaitable<std::uint64_t> write_simple(beast::tcp_stream& stream, config::Duration write_timeout,
                                           http::status status, std::string body, std::string_view content_type,
                                           bool keep_alive, bool head = false);

// A JSON error answer of the proxy on a request it forwards (RFC 9110 §15.5 / §15.6): with
// X-Cache `x_cache` when not empty, ready to write.
http::response<http::string_body> error_response(http::status status, std::string_view message,
                                                 const char* x_cache, bool keep_alive);

// Sends "HTTP/1.1 100 Continue" (RFC 9110 §15.2.1) before a body is read.
net::awaitable<error_code> write_continue(beast::tcp_stream& stream, config::Duration write_timeout);

}  // namespace foilcache::http_server

// A small synchronous HTTP/1.1 client for integration tests (Beast over a blocking
// socket with SO_RCVTIMEO/SO_SNDTIMEO, so every call is bounded).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/net.hpp"

namespace foilcache::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Response {
  unsigned status = 0;
  http::fields headers;
  std::string body;
  std::string header(std::string_view name) const;  // "" when absent
  bool has(std::string_view name) const { return headers.count(name) != 0; }
  std::size_t count(std::string_view name) const { return headers.count(name); }
};

// One keep-alive connection to 127.0.0.1:port, from the loopback address `from` (any of
// 127.0.0.0/8: a client address other than 127.0.0.1 stands for a remote client).
class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(10),
                      std::string_view from = "127.0.0.1");
  // Sends one request and reads the whole response. Throws on I/O errors and timeouts.
  Response request(http::verb method, std::string_view target, const Headers& headers = {},
                   std::string body = {});
  Response get(std::string_view target, const Headers& headers = {}) {
    return request(http::verb::get, target, headers);
  }
  // Writes raw bytes and reads one response (for malformed requests). Throws on I/O errors.
  Response raw(std::string_view bytes);
  // True when the server closed the connection (reads EOF within the timeout).
  bool closed_by_peer();
  tcp::socket& socket() { return socket_; }
  beast::flat_buffer& buffer() { return buffer_; }

 private:
  Response read_response(bool head);
  net::io_context ioc_;
  tcp::socket socket_;
  std::chrono::milliseconds timeout_;
  beast::flat_buffer buffer_;
};

// One-shot helpers (a new connection each).
Response http_get(std::uint16_t port, std::string_view target, const Headers& headers = {});

// "Basic base64(user:password)".
std::string basic_auth(std::string_view user, std::string_view password);

}  // namespace foilcache::testing

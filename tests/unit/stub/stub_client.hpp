// A small keep-alive HTTP/1.1 client for the stub's in-process tests: every operation runs
// a private io_context to completion, bounded by kClientTimeout (tcp_stream timeouts).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/net.hpp"

namespace foilcache::stub::test_client {

inline constexpr std::chrono::seconds kClientTimeout{10};

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Result {
  error_code ec;
  http::response<http::string_body> res;
  std::string header(std::string_view name) const {
    auto it = res.find(name);
    return it == res.end() ? std::string() : std::string(it->value());
  }
};

// A keep-alive HTTP/1.1 client; each operation runs the private io_context to completion.
class Client {
 public:
  explicit Client(std::uint16_t port) : stream_(ioc_) {
    stream_.expires_after(kClientTimeout);
    error_code ec;
    stream_.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                          [&](error_code e) { ec = e; });
    drive();
    EXPECT_FALSE(ec) << ec.message();
  }

  Result request(http::verb verb, std::string target, const Headers& headers = {},
                 std::string body = {}) {
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "stub.test");
    for (const auto& [k, v] : headers) req.insert(k, v);
    if (!body.empty() || verb == http::verb::post) {
      req.body() = std::move(body);
      req.prepare_payload();
    }
    Result out;
    stream_.expires_after(kClientTimeout);
    http::async_write(stream_, req, [&](error_code e, std::size_t) { out.ec = e; });
    drive();
    if (out.ec) return out;
    http::response_parser<http::string_body> parser;
    parser.body_limit(boost::none);
    if (verb == http::verb::head) parser.skip(true);
    stream_.expires_after(kClientTimeout);
    http::async_read(stream_, buffer_, parser, [&](error_code e, std::size_t) { out.ec = e; });
    drive();
    if (!out.ec) out.res = parser.release();
    return out;
  }

  // Sends raw bytes and reads one response.
  Result raw(std::string bytes) {
    Result out;
    stream_.expires_after(kClientTimeout);
    net::async_write(stream_, net::buffer(bytes), [&](error_code e, std::size_t) { out.ec = e; });
    drive();
    if (out.ec) return out;
    http::response_parser<http::string_body> parser;
    stream_.expires_after(kClientTimeout);
    http::async_read(stream_, buffer_, parser, [&](error_code e, std::size_t) { out.ec = e; });
    drive();
    if (!out.ec) out.res = parser.release();
    return out;
  }

 private:
  void drive() {
    ioc_.restart();
    ioc_.run();
  }

  net::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

}  // namespace foilcache::stub::test_client

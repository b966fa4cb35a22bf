#include "proxy/http/responses.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace foilcache::http_server {
namespace {

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace

std::string json_error_body(std::string_view message) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("error");
  w.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
  w.EndObject();
  return buffer.GetString();
}

net::awaitable<std::uint64_t> write_simple(beast::tcp_stream& stream, config::Duration write_timeout,
                                           http::status status, std::string body, std::string_view content_type,
                                           bool keep_alive, bool head) {
  http::response<http::string_body> res{status, 11};
  res.set(http::field::content_type, content_type);
  res.set(http::field::cache_control, "no-store");
  res.body() = std::move(body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  stream.expires_after(write_timeout);
  if (head) {
    http::response_serializer<http::string_body> serializer{res};
    co_await http::async_write_header(stream, serializer, kNoThrow);
    co_return 0;
  }
  co_await http::async_write(stream, res, kNoThrow);
  co_return res.body().size();
}

http::response<http::string_body> error_response(http::status status, std::string_view message,
                                                 const char* x_cache, bool keep_alive) {
  http::response<http::string_body> res{status, 11};
  res.set(http::field::content_type, "application/json");
  if (*x_cache) res.set("X-Cache", x_cache);
  res.body() = json_error_body(message);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

net::awaitable<error_code> write_continue(beast::tcp_stream& stream, config::Duration write_timeout) {
  stream.expires_after(write_timeout);
  auto [ec, n] = co_await net::async_write(stream, net::buffer(kContinue), kNoThrow);
  co_return ec;
}

}  // namespace foilcache::http_server

#include "proxy/http/read_header.hpp"

namespace foilcache::http_server {
namespace {

constexpr std::size_t kReadBytes = 4096;

// RFC 9112 §5.2: a line of the header that starts with SP or HTAB continues the previous one
// (obs-fold). Beast joins such lines, so `Transfer-Encoding:\r\n chunked` would mean
// chunked here and maybe nothing to the next parser: a request that folds is refused.
// `after_lf` carries a line end across the parser's calls.
bool has_obs_fold(net::const_buffer bytes, bool& after_lf) {
  const auto* p = static_cast<const char*>(bytes.data());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (after_lf && (p[i] == ' ' || p[i] == '\t')) return true;
    after_lf = p[i] == '\n';
  }
  return false;
}

}  // namespace

net::awaitable<error_code> read_header(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                       http::request_parser<http::empty_body>& parser, std::size_t limit) {
  std::size_t consumed = 0;
  bool after_lf = false;
  parser.header_limit(static_cast<std::uint32_t>(limit));
  for (;;) {
    if (buffer.size() != 0) {
      error_code ec;
      const auto used = parser.put(buffer.data(), ec);
      // Only the bytes the parser took are the header's (the rest may be a body).
      if (has_obs_fold(net::buffer(buffer.data(), used), after_lf)) co_return error_code(http::error::bad_field);
      buffer.consume(used);
      consumed += used;
      if (parser.is_header_done()) co_return error_code{};
      if (ec && ec != http::error::need_more) co_return ec;
      if (consumed + buffer.size() >= limit) co_return error_code(http::error::header_limit);
    }
    auto [ec, n] = co_await stream.async_read_some(buffer.prepare(kReadBytes), kNoThrow);
    if (ec == net::error::eof && (consumed != 0 || buffer.size() != 0)) co_return error_code(http::error::partial_message);
    if (ec) co_return ec;
    buffer.commit(n);
  }
}

http::status status_for_parse_error(const error_code& ec) {
  if (ec == http::error::header_limit) return http::status::request_header_fields_too_large;  // 431
  if (ec == http::error::body_limit) return http::status::payload_too_large;                  // 413
  return http::status::bad_request;                                                             // 400
}

}  // namespace foilcache::http_server

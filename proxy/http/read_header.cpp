#include "proxy/http/read_header.hpp"

#include "proxy/http/read_deadline.hpp"

#include <algorithm>
#include <string>
#include <string_view>

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

class ReadErrorCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "foilcache.read_header"; }
  std::string message(int value) const override {
    return static_cast<ReadError>(value) == ReadError::kUriTooLong ? "request line too long" : "read error";
  }
};

// The error for a header over `limit`: the request line alone (no line end within the
// limit, nothing consumed yet: Beast takes a header whole) is kUriTooLong.
error_code too_large(const beast::flat_buffer& buffer, std::size_t consumed, std::size_t limit) {
  if (consumed != 0) return http::error::header_limit;
  const auto* data = static_cast<const char*>(buffer.data().data());
  const std::string_view head(data, std::min(buffer.size(), limit));
  if (head.find('\n') == std::string_view::npos) return make_error_code(ReadError::kUriTooLong);
  return http::error::header_limit;
}

}  // namespace

error_code make_error_code(ReadError e) {
  static const ReadErrorCategory category;
  return {static_cast<int>(e), category};
}

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
      if (ec == http::error::header_limit) co_return too_large(buffer, consumed, limit);
      if (ec && ec != http::error::need_more) co_return ec;
      if (consumed + buffer.size() >= limit) co_return too_large(buffer, consumed, limit);
    }
    auto [ec, n] = co_await stream.async_read_some(buffer.prepare(kReadBytes), kNoThrow);
    if (ec == net::error::eof && (consumed != 0 || buffer.size() != 0)) co_return error_code(http::error::partial_message);
    if (ec) co_return ec;
    buffer.commit(n);
  }
}

net::awaitable<error_code> read_header_within(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                              http::request_parser<http::empty_body>& parser, std::size_t limit,
                                              config::Duration timeout) {
  ReadDeadline deadline(stream, timeout);
  const auto ec = co_await read_header(stream, buffer, parser, limit);
  co_return deadline.finish() ? error_code(beast::error::timeout) : ec;
}

http::status status_for_parse_error(const error_code& ec) {
  if (ec == make_error_code(ReadError::kUriTooLong)) return http::status::uri_too_long;        // 414
  if (ec == beast::error::timeout) return http::status::request_timeout;                       // 408
  if (ec == http::error::header_limit) return http::status::request_header_fields_too_large;  // 431
  if (ec == http::error::body_limit) return http::status::payload_too_large;                  // 413
  return http::status::bad_request;                                                             // 400
}

}  // namespace foilcache::http_server

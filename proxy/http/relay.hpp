// Streaming an HTTP message (header already read and rewritten) from one connection to
// another with a fixed-size buffer, so memory stays bounded whatever the body size
// (multi-GB game downloads, large POST bodies). Optionally captures the body for the cache.
#pragma once

#include <cstdint>
#include <string>

#include "proxy/config/config.hpp"
#include "common/net.hpp"

namespace foilcache::http_util {

struct RelayOptions {
  config::Duration read_timeout{30'000};   // per read from `in`
  config::Duration write_timeout{30'000};  // per write to `out`
  std::string* capture = nullptr;          // when set: body bytes are appended here...
  std::size_t capture_limit = 0;           // ...until they exceed this; then capture is cleared
  bool capture_overflowed = false;         // set by relay when the limit was exceeded
};

struct RelayResult {
  error_code read_error;   // failure on `in` (the message is truncated)
  error_code write_error;  // failure on `out`
  std::uint64_t body_bytes = 0;
  bool ok() const { return !read_error && !write_error; }
};

// Writes parser.get()'s header (the caller has rewritten it and set its framing) to `out`,
// then relays the body from `in` as it arrives. Precondition: the header was read with
// `parser` from `in`/`in_buffer`.
template <bool IsRequest>
net::awaitable<RelayResult> relay_message(beast::tcp_stream& in, beast::flat_buffer& in_buffer,
                                          http::parser<IsRequest, http::buffer_body>& parser,
                                          beast::tcp_stream& out, RelayOptions& options);

// Reads the rest of the body of the message in `parser` from `in` into `out` (appended).
// Precondition: the header was read; the body length is bounded by the caller (e.g. a
// Content-Length within the cache's entry limit).
template <bool IsRequest>
net::awaitable<error_code> read_body(beast::tcp_stream& in, beast::flat_buffer& in_buffer,
                                     http::parser<IsRequest, http::buffer_body>& parser, std::string& out,
                                     config::Duration read_timeout);

// Copies bytes both ways between two connections until either side closes or nothing
// moves for `idle` (WebSocket tunnels). Bytes already buffered are sent first.
net::awaitable<void> tunnel(beast::tcp_stream& client, beast::flat_buffer& client_buffer,
                            beast::tcp_stream& upstream, beast::flat_buffer& upstream_buffer,
                            config::Duration idle);

}  // namespace foilcache::http_util

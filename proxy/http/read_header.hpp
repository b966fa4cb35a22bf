// Reading a request header with a limit on its total size.
#pragma once

#include <cstddef>

#include "common/net.hpp"
#include "proxy/config/config.hpp"

namespace foilcache::http_server {

// The front door's own reading errors, beside Beast's http::error.
enum class ReadError {
  kUriTooLong = 1,  // the request line alone is over the header limit (414, RFC 9110 §15.5.15)
};
error_code make_error_code(ReadError e);

// Reads a request header into `parser` from `stream` (bytes already in `buffer` first),
// failing with http::error::header_limit once the header exceeds `limit` bytes in total.
// Beast's own header_limit applies to each parse call, not to the header as a whole, once
// complete lines have been consumed (Boost 1.81), so the total is counted here. The caller
// sets the deadline. EOF after part of a header is partial_message; a folded line
// (obs-fold, RFC 9112 §5.2) is bad_field; a request line longer than `limit` by itself is
// ReadError::kUriTooLong (the rest of an oversized header is header_limit).
net::awaitable<error_code> read_header(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                       http::request_parser<http::empty_body>& parser, std::size_t limit);

// read_header within `timeout` from now, leaving the connection open when it passes (a
// tcp_stream's own timeout closes the socket, and the 408 could not be sent): then
// beast::error::timeout. Clears the stream's own expiry.
net::awaitable<error_code> read_header_within(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                              http::request_parser<http::empty_body>& parser, std::size_t limit,
                                              config::Duration timeout);

// The status a client gets for a request it sent that could not be parsed: 414 for an
// oversized request line, 431 for an oversized header, 413 for an oversized body, 408 when
// it timed out, 400 otherwise.
http::status status_for_parse_error(const error_code& ec);

}  // namespace foilcache::http_server

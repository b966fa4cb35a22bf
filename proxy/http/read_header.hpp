// Reading a request header with a limit on its total size.
#pragma once

#include <cstddef>

#include "common/net.hpp"

namespace foilcache::http_server {

// Reads a request header into `parser` from `stream` (bytes already in `buffer` first),
// failing with http::error::header_limit once the header exceeds `limit` bytes in total.
// Beast's own header_limit applies to each parse call, not to the header as a whole, once
// complete lines have been consumed (Boost 1.81), so the total is counted here. The caller
// sets the deadline. EOF after part of a header is partial_message; a folded line
// (obs-fold, RFC 9112 §5.2) is bad_field.
net::awaitable<error_code> read_header(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                       http::request_parser<http::empty_body>& parser, std::size_t limit);

// The status a client gets for a request it sent that could not be parsed: 431 for an
// oversized header, 413 for an oversized body, 400 otherwise.
http::status status_for_parse_error(const error_code& ec);

}  // namespace foilcache::http_server

// The front door as the session sees it: bytes arrive on a connection in pieces, the header
// is read by http_server::read_header (Beast's request parser with the total-size limit and
// the obs-fold check), judged by http_server::admit, and the body read by Beast's parser
// under the configured limit; then the next pipelined request, as serve_connection does.
// Input: one byte choosing the size of the pieces the client sends (0: all at once), then
// the client's bytes.
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/net.hpp"
#include "proxy/config/config.hpp"
#include "proxy/http/read_header.hpp"
#include "proxy/http/request_checks.hpp"

namespace {

using namespace foilcache;

// Requests read from one input at most (the session reads until the client stops).
constexpr int kMaxRequests = 8;

net::awaitable<void> serve(beast::tcp_stream& stream, const config::LimitsConfig& limits) {
  beast::flat_buffer buffer;
  for (int i = 0; i < kMaxRequests; ++i) {
    http::request_parser<http::empty_body> parser;
    parser.body_limit(limits.max_body_bytes);
    const auto ec = co_await http_server::read_header(stream, buffer, parser, limits.max_header_bytes);
    if (ec) {
      (void)http_server::status_for_parse_error(ec);
      co_return;
    }
    auto& request = parser.get();
    if (!http_server::admit(request, parser.content_length()).accepted()) co_return;
    http::request_parser<http::string_body> body_parser{std::move(parser)};
    body_parser.body_limit(limits.max_body_bytes);
    auto [body_ec, n] = co_await http::async_read(stream, buffer, body_parser, kNoThrow);
    if (body_ec || !body_parser.get().keep_alive()) co_return;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t piece = data[0] == 0 ? size : data[0];
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  static const config::LimitsConfig limits;

  // One io_context for every input (its reactor is the costly part); each input runs it dry.
  static net::io_context io;
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) return 0;
  // A connected stream socket is all read_header reads from; the address family is not looked at.
  beast::tcp_stream stream(io);
  stream.socket().assign(net::ip::tcp::v4(), fds[0]);
  net::co_spawn(io, serve(stream, limits), net::detached);
  // Each piece is read before the next is sent, so the parser sees the input's own splits.
  for (std::size_t at = 0; at < bytes.size(); at += piece) {
    const auto chunk = bytes.substr(at, piece);
    if (::send(fds[1], chunk.data(), chunk.size(), MSG_DONTWAIT | MSG_NOSIGNAL) < 0) break;
    io.restart();
    while (io.poll() != 0) {
    }
  }
  ::shutdown(fds[1], SHUT_WR);
  io.restart();
  io.run();
  stream.close();
  ::close(fds[1]);
  return 0;
}

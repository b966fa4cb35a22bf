#include "proxy/http/relay.hpp"

#include <array>

namespace foilcache::http_util {
namespace {

constexpr std::size_t kRelayBufferBytes = 64 * 1024;  // per streamed message: the memory bound

// Beast reads as much as the buffer's spare capacity (at least 512 bytes): a buffer sized
// for a request header would stream a download in 512-byte reads.
void reserve_for_streaming(beast::flat_buffer& buffer) {
  if (buffer.capacity() < kRelayBufferBytes) buffer.reserve(kRelayBufferBytes);
}

// One direction of a tunnel.
net::awaitable<void> pump(beast::tcp_stream& from, beast::flat_buffer& pending, beast::tcp_stream& to,
                          config::Duration idle) {
  if (pending.size() != 0) {
    to.expires_after(idle);
    auto [ec, n] = co_await net::async_write(to, pending.data(), kNoThrow);
    if (ec) co_return;
    pending.consume(n);
  }
  std::array<char, kRelayBufferBytes> buffer;
  for (;;) {
    from.expires_after(idle);
    auto [rec, n] = co_await from.async_read_some(net::buffer(buffer), kNoThrow);
    if (rec) break;
    to.expires_after(idle);
    auto [wec, written] = co_await net::async_write(to, net::buffer(buffer.data(), n), kNoThrow);
    if (wec) break;
  }
  // Once either side leaves, the tunnel is over: wake the other direction, which is
  // reading from `to`.
  to.cancel();
}

}  // namespace

template <bool IsRequest>
net::awaitable<RelayResult> relay_message(beast::tcp_stream& in, beast::flat_buffer& in_buffer,
                                          http::parser<IsRequest, http::buffer_body>& parser,
                                          beast::tcp_stream& out, RelayOptions& options) {
  RelayResult result;
  std::array<char, kRelayBufferBytes> buffer;
  reserve_for_streaming(in_buffer);
  http::serializer<IsRequest, http::buffer_body> serializer{parser.get()};
  auto& body = parser.get().body();
  do {
    if (!parser.is_done()) {
      body.data = buffer.data();
      body.size = buffer.size();
      in.expires_after(options.read_timeout);
      auto [ec, n] = co_await http::async_read(in, in_buffer, parser, kNoThrow);
      if (ec == http::error::need_buffer) ec = {};
      if (ec) {
        result.read_error = ec;
        co_return result;
      }
      const std::size_t got = buffer.size() - body.size;
      body.size = got;
      body.data = buffer.data();
      body.more = !parser.is_done();
      result.body_bytes += got;
      if (options.capture && !options.capture_overflowed) {
        if (options.capture->size() + got > options.capture_limit) {
          options.capture_overflowed = true;
          options.capture->clear();
          options.capture->shrink_to_fit();
        } else {
          options.capture->append(buffer.data(), got);
        }
      }
    } else {
      body.data = nullptr;
      body.size = 0;
      body.more = false;
    }
    out.expires_after(options.write_timeout);
    auto [ec, n] = co_await http::async_write(out, serializer, kNoThrow);
    if (ec == http::error::need_buffer) ec = {};
    if (ec) {
      result.write_error = ec;
      co_return result;
    }
  } while (!parser.is_done() || !serializer.is_done());
  co_return result;
}

template net::awaitable<RelayResult> relay_message<true>(beast::tcp_stream&, beast::flat_buffer&,
                                                         http::parser<true, http::buffer_body>&,
                                                         beast::tcp_stream&, RelayOptions&);
template net::awaitable<RelayResult> relay_message<false>(beast::tcp_stream&, beast::flat_buffer&,
                                                          http::parser<false, http::buffer_body>&,
                                                          beast::tcp_stream&, RelayOptions&);

template <bool IsRequest>
net::awaitable<error_code> read_body(beast::tcp_stream& in, beast::flat_buffer& in_buffer,
                                     http::parser<IsRequest, http::buffer_body>& parser, std::string& out,
                                     config::Duration read_timeout) {
  auto& body = parser.get().body();
  reserve_for_streaming(in_buffer);
  while (!parser.is_done()) {
    const std::size_t offset = out.size();
    // A known length is read into exactly that much room: `out` becomes a stored entry,
    // whose unused capacity would stay allocated (and uncounted) for as long as it lives.
    const auto remaining = parser.content_length_remaining();
    const std::size_t room = remaining && *remaining > 0
                                 ? static_cast<std::size_t>(*remaining)
                                 : std::max<std::size_t>(kRelayBufferBytes, out.capacity() - offset);
    out.resize(offset + room);
    body.data = out.data() + offset;
    body.size = room;
    in.expires_after(read_timeout);
    auto [ec, n] = co_await http::async_read(in, in_buffer, parser, kNoThrow);
    out.resize(offset + room - body.size);
    if (ec == http::error::need_buffer) ec = {};
    if (ec) co_return ec;
  }
  co_return error_code{};
}

template net::awaitable<error_code> read_body<false>(beast::tcp_stream&, beast::flat_buffer&,
                                                     http::parser<false, http::buffer_body>&, std::string&,
                                                     config::Duration);

net::awaitable<void> tunnel(beast::tcp_stream& client, beast::flat_buffer& client_buffer,
                            beast::tcp_stream& upstream, beast::flat_buffer& upstream_buffer,
                            config::Duration idle) {
  using namespace net::experimental::awaitable_operators;
  co_await (pump(client, client_buffer, upstream, idle) && pump(upstream, upstream_buffer, client, idle));
}

}  // namespace foilcache::http_util

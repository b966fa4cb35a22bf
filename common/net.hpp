// The Boost.Asio / Boost.Beast headers every networking translation unit uses, and the
// namespace aliases of the code base. Also the precompiled header (see CMakeLists.txt):
// Beast and Asio themselves are compiled once, in net_impl.cpp.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace foilcache {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using boost::system::error_code;

// The completion token of every awaited operation: `auto [ec, n] = co_await op(kNoThrow);`
// (errors are values on I/O paths, never exceptions).
inline constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);
}  // namespace foilcache

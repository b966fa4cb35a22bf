// The Boost.Asio / Boost.Beast headers every networking translation unit uses, and the
// namespace aliases of the code base. Also the precompiled header (see CMakeLists.txt).
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
}  // namespace foilcache

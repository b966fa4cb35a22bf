#include "tests/integration/http_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/beast/core/detail/base64.hpp>
#include <stdexcept>

namespace foilcache::testing {
namespace {

// The socket as Beast reads it, each read waiting at most `timeout` for data: SO_RCVTIMEO
// alone does not bound a synchronous Asio read, which polls again without a timeout after
// the EAGAIN it causes.
struct TimedReads {
  tcp::socket& socket;
  std::chrono::milliseconds timeout;

  template <class Buffers>
  std::size_t read_some(const Buffers& buffers, error_code& ec) {
    pollfd readable{socket.native_handle(), POLLIN, 0};
    if (::poll(&readable, 1, static_cast<int>(timeout.count())) == 0) {
      ec = net::error::timed_out;
      return 0;
    }
    return socket.read_some(buffers, ec);
  }
  template <class Buffers>
  std::size_t read_some(const Buffers& buffers) {
    error_code ec;
    const std::size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }
};

}  // namespace

std::string Response::header(std::string_view name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : std::string(it->value());
}

HttpClient::HttpClient(std::uint16_t port, std::chrono::milliseconds timeout, std::string_view from)
    : socket_(ioc_), timeout_(timeout) {
  socket_.open(tcp::v4());
  socket_.bind(tcp::endpoint(net::ip::make_address(from), 0));
  socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  timeval tv{};
  tv.tv_sec = timeout.count() / 1000;
  tv.tv_usec = (timeout.count() % 1000) * 1000;
  ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

Response HttpClient::read_response(bool head) {
  http::response_parser<http::string_body> parser;
  parser.body_limit(1ull << 32);
  if (head) parser.skip(true);
  TimedReads reads{socket_, timeout_};
  http::read(reads, buffer_, parser);
  auto message = parser.release();
  Response response;
  response.status = message.result_int();
  for (const auto& field : message) response.headers.insert(field.name_string(), field.value());
  response.body = std::move(message.body());
  return response;
}

Response HttpClient::request(http::verb method, std::string_view target, const Headers& headers, std::string body) {
  http::request<http::string_body> request{method, target, 11};
  request.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers) request.insert(name, value);
  if (!body.empty() || method == http::verb::post || method == http::verb::put) {
    request.body() = std::move(body);
    request.prepare_payload();
  }
  http::write(socket_, request);
  return read_response(method == http::verb::head);
}

Response HttpClient::raw(std::string_view bytes) {
  net::write(socket_, net::buffer(bytes.data(), bytes.size()));
  return read_response(false);
}

bool HttpClient::closed_by_peer() {
  char byte;
  error_code ec;
  TimedReads{socket_, timeout_}.read_some(net::buffer(&byte, 1), ec);
  return ec == net::error::eof || ec == net::error::connection_reset;
}

Response http_get(std::uint16_t port, std::string_view target, const Headers& headers) {
  HttpClient client(port);
  return client.get(target, headers);
}

std::string basic_auth(std::string_view user, std::string_view password) {
  const std::string plain = std::string(user) + ":" + std::string(password);
  std::string encoded(beast::detail::base64::encoded_size(plain.size()), '\0');
  encoded.resize(beast::detail::base64::encode(encoded.data(), plain.data(), plain.size()));
  return "Basic " + encoded;
}

}  // namespace foilcache::testing

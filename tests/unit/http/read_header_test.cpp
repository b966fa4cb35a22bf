// read_header over a loopback connection: the total size limit, partial headers, errors.
#include "proxy/http/read_header.hpp"

#include <gtest/gtest.h>

#include "tests/support/asio_run.hpp"

namespace foilcache::http_server {
namespace {

// Writes `bytes` into a fresh loopback connection (then closes it when `close`) and reads
// a header from the other end with `limit`.
error_code read(std::string bytes, std::size_t limit, bool close, std::string* target = nullptr) {
  net::io_context ioc;
  tcp::acceptor acceptor(ioc, {net::ip::make_address("127.0.0.1"), 0});
  tcp::socket writer(ioc);
  writer.connect(acceptor.local_endpoint());
  beast::tcp_stream reader(acceptor.accept());
  net::write(writer, net::buffer(bytes));
  if (close) writer.shutdown(tcp::socket::shutdown_send);
  beast::flat_buffer buffer;
  http::request_parser<http::empty_body> parser;
  reader.expires_after(std::chrono::seconds(2));
  const auto ec = test::run_awaitable(ioc, read_header(reader, buffer, parser, limit));
  if (target && ec && !*ec) *target = std::string(parser.get().target());
  return ec.value_or(make_error_code(net::error::timed_out));
}

TEST(ReadHeader, ReadsACompleteHeader) {
  std::string target;
  EXPECT_FALSE(read("GET /a?b HTTP/1.1\r\nHost: x\r\n\r\n", 1024, false, &target));
  EXPECT_EQ(target, "/a?b");
}

TEST(ReadHeader, TotalSizeOverTheLimitIsHeaderLimit) {
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 100; ++i) many += "X-H" + std::to_string(i) + ": 0123456789\r\n";
  many += "\r\n";
  EXPECT_EQ(read(many, 512, false), http::error::header_limit);
  EXPECT_FALSE(read(many, many.size() + 1, false));
}

TEST(ReadHeader, EofMidHeaderIsPartialAndEofBeforeAnyByteIsEof) {
  EXPECT_EQ(read("GET / HTTP/1.1\r\nHost:", 1024, true), http::error::partial_message);
  EXPECT_EQ(read("", 1024, true), net::error::eof);
}

TEST(ReadHeader, GarbageIsABadRequest) {
  const auto ec = read("\x01\x02 nonsense\r\n\r\n", 1024, false);
  EXPECT_TRUE(ec);
  EXPECT_EQ(status_for_parse_error(ec), http::status::bad_request);
}

TEST(ReadHeader, AFoldedLineIsRefused) {
  // RFC 9112 §5.2: obs-fold is refused, whichever field folds.
  EXPECT_EQ(read("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n chunked\r\n\r\n", 1024, false),
            http::error::bad_field);
  EXPECT_EQ(read("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n\tb\r\n\r\n", 1024, false), http::error::bad_field);
  // A body that starts with a space is not a fold.
  EXPECT_FALSE(read("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n x", 1024, false));
}

TEST(ReadHeader, ARequestLineOverTheLimitIsUriTooLong) {
  const auto uri_too_long = make_error_code(ReadError::kUriTooLong);
  EXPECT_EQ(read("GET /" + std::string(2000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n", 1024, false), uri_too_long);
  EXPECT_EQ(read("GET /" + std::string(2000, 'a'), 1024, false), uri_too_long) << "nor any line end yet";
  EXPECT_EQ(read("GET /a HTTP/1.1\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n", 1024, false),
            http::error::header_limit);
}

TEST(ReadHeader, StatusForParseErrors) {
  EXPECT_EQ(status_for_parse_error(make_error_code(ReadError::kUriTooLong)), http::status::uri_too_long);
  EXPECT_EQ(status_for_parse_error(beast::error::timeout), http::status::request_timeout);
  EXPECT_EQ(status_for_parse_error(http::error::header_limit), http::status::request_header_fields_too_large);
  EXPECT_EQ(status_for_parse_error(http::error::body_limit), http::status::payload_too_large);
  EXPECT_EQ(status_for_parse_error(http::error::bad_target), http::status::bad_request);
}

TEST(ReadHeader, WithinATimeoutLeavesTheConnectionOpenToAnswer) {
  net::io_context ioc;
  tcp::acceptor acceptor(ioc, {net::ip::make_address("127.0.0.1"), 0});
  tcp::socket writer(ioc);
  writer.connect(acceptor.local_endpoint());
  beast::tcp_stream reader(acceptor.accept());
  net::write(writer, net::buffer(std::string("GET / HTTP/1.1\r\nHost: x\r\n")));  // never ends
  beast::flat_buffer buffer;
  http::request_parser<http::empty_body> parser;
  const auto ec = test::run_awaitable(
      ioc, read_header_within(reader, buffer, parser, 1024, std::chrono::milliseconds(50)), std::chrono::seconds(5));
  ASSERT_TRUE(ec);
  EXPECT_EQ(*ec, beast::error::timeout);
  EXPECT_TRUE(reader.socket().is_open()) << "the 408 could not be written";
  net::write(reader.socket(), net::buffer(std::string("x")));
  char byte = 0;
  net::read(writer, net::buffer(&byte, 1));
  EXPECT_EQ(byte, 'x');
}

}  // namespace
}  // namespace foilcache::http_server

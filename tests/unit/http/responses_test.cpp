// The proxy's own answers, byte for byte (clients and the contract read them).
#include "proxy/http/responses.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace foilcache::http_server {
namespace {

std::string serialized(const http::response<http::string_body>& res) {
  std::ostringstream out;
  out << res;
  return out.str();
}

TEST(ResponsesJsonError, EscapesTheMessage) {
  EXPECT_EQ(json_error_body("upstream timed out"), R"({"error":"upstream timed out"})");
  EXPECT_EQ(json_error_body("a \"quoted\" \\ line\n"), R"({"error":"a \"quoted\" \\ line\n"})");
  EXPECT_EQ(json_error_body(""), R"({"error":""})");
}

TEST(ResponsesErrorResponse, RoutedAndUnroutedBytes) {
  EXPECT_EQ(serialized(error_response(http::status::bad_gateway, "upstream unavailable", "MISS", false)),
            "HTTP/1.1 502 Bad Gateway\r\nContent-Type: application/json\r\nX-Cache: MISS\r\nConnection: close\r\n"
            "Content-Length: 32\r\n\r\n{\"error\":\"upstream unavailable\"}");
  EXPECT_EQ(serialized(error_response(http::status::gateway_timeout, "upstream timed out", "", true)),
            "HTTP/1.1 504 Gateway Timeout\r\nContent-Type: application/json\r\nContent-Length: 30\r\n\r\n"
            "{\"error\":\"upstream timed out\"}");
}

}  // namespace
}  // namespace foilcache::http_server

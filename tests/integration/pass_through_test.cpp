// Everything that is not served from cache streams through: large downloads with bounded
// memory, Range, WebSocket upgrades, POST bodies.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/crc.hpp>
#include <fstream>
#include <random>

#include "tests/integration/deployment.hpp"
#include "upstream_stub/game_bytes.hpp"

namespace foilcache::testing {
namespace {

#ifdef FOILCACHE_SANITIZED
constexpr std::uint64_t kLargeDownload = 256ull << 20;  // sanitizers are ~10x slower
#else
constexpr std::uint64_t kLargeDownload = 1ull << 30;
#endif
constexpr std::uint64_t kRssGrowthBound = 16ull << 20;

std::uint64_t rss_bytes(pid_t pid, const char* field = "VmRSS:") {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with(field)) return std::stoull(line.substr(std::strlen(field))) * 1024;
  }
  return 0;
}

void set_timeouts(int fd, int seconds) {
  timeval tv{seconds, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// Streams a GET response through `on_chunk(offset, data, size)` without holding it.
template <class OnChunk>
http::response_header<> stream_get(std::uint16_t port, const std::string& target, const Headers& headers,
                                   OnChunk&& on_chunk) {
  net::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  set_timeouts(socket.native_handle(), 30);
  http::request<http::empty_body> request{http::verb::get, target, 11};
  request.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers) request.set(name, value);
  http::write(socket, request);
  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  http::read_header(socket, buffer, parser);
  std::vector<char> chunk(256 * 1024);
  std::uint64_t offset = 0;
  while (!parser.is_done()) {
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    error_code ec;
    http::read(socket, buffer, parser, ec);
    if (ec == http::error::need_buffer) ec = {};
    if (ec) throw boost::system::system_error(ec);
    const std::size_t got = chunk.size() - parser.get().body().size;
    on_chunk(offset, chunk.data(), got);
    offset += got;
  }
  return parser.get().base();
}

TEST(PassThrough, LargeDownloadStreamsWithBoundedMemory) {
  DeploymentOptions options;
  options.stub.game_size = kLargeDownload;
  Deployment d(options);
  const pid_t pid = d.proxy().pid();
  const std::uint64_t before = rss_bytes(pid);
  std::uint64_t peak = before;
  std::uint64_t received = 0;
  std::uint64_t mismatches = 0;
  std::uint64_t next_sample = 0;
  std::vector<unsigned char> expected;
  auto header = stream_get(d.port(), "/api/get_game/7", as_alice(), [&](std::uint64_t offset, const char* data,
                                                                          std::size_t size) {
    expected.resize(size);
    stub::fill_game_bytes(7, offset, expected.data(), size);
    if (std::memcmp(expected.data(), data, size) != 0) ++mismatches;
    received += size;
    if (received >= next_sample) {
      peak = std::max(peak, rss_bytes(pid));
      next_sample += 16 << 20;
    }
  });
  peak = std::max(peak, rss_bytes(pid));
  EXPECT_EQ(header.result_int(), 200u);
  EXPECT_EQ(received, kLargeDownload);
  EXPECT_EQ(mismatches, 0u);
  EXPECT_EQ(header.count("X-Cache"), 0u) << "unrouted responses are untouched";
  EXPECT_LT(peak - before, kRssGrowthBound) << "RSS grew from " << before << " to " << peak;
  RecordProperty("rss_before_bytes", std::to_string(before));
  RecordProperty("rss_peak_bytes", std::to_string(peak));
}

TEST(PassThrough, RangeRequestsGet206) {
  Deployment d;
  auto partial = d.get("/api/get_game/3", [] {
    auto h = as_alice();
    h.emplace_back("Range", "bytes=1000-1999");
    return h;
  }());
  ASSERT_EQ(partial.status, 206u) << partial.body;
  EXPECT_EQ(partial.header("Content-Range"), "bytes 1000-1999/" + std::to_string(4 << 20));
  ASSERT_EQ(partial.body.size(), 1000u);
  std::vector<unsigned char> expected(1000);
  stub::fill_game_bytes(3, 1000, expected.data(), expected.size());
  EXPECT_EQ(std::memcmp(expected.data(), partial.body.data(), 1000), 0);

  auto suffix = d.get("/api/get_game/3", [] {
    auto h = as_alice();
    h.emplace_back("Range", "bytes=-10");
    return h;
  }());
  EXPECT_EQ(suffix.status, 206u);
  EXPECT_EQ(suffix.body.size(), 10u);

  auto unsatisfiable = d.get("/api/get_game/3", [] {
    auto h = as_alice();
    h.emplace_back("Range", "bytes=999999999-");
    return h;
  }());
  EXPECT_EQ(unsatisfiable.status, 416u);
}

TEST(PassThrough, WebSocketIsTunnelled) {
  Deployment d;
  net::io_context ioc;
  beast::websocket::stream<tcp::socket> ws(ioc);
  ws.next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), d.port()));
  set_timeouts(ws.next_layer().native_handle(), 10);
  ws.handshake("127.0.0.1", "/socket.io/?EIO=4&transport=websocket");
  beast::flat_buffer buffer;
  ws.read(buffer);
  const std::string open = beast::buffers_to_string(buffer.data());
  EXPECT_TRUE(open.starts_with("0{")) << open;
  for (const std::string& message : {std::string("42[\"ping\",1]"), std::string(200000, 'x')}) {
    buffer.consume(buffer.size());
    ws.write(net::buffer(message));
    ws.read(buffer);
    EXPECT_EQ(beast::buffers_to_string(buffer.data()), message);
  }
  ws.binary(true);
  const std::string binary("\x00\x01\x02\xff", 4);
  buffer.consume(buffer.size());
  ws.write(net::buffer(binary));
  ws.read(buffer);
  EXPECT_EQ(beast::buffers_to_string(buffer.data()), binary);
  ws.close(beast::websocket::close_code::normal);
}

std::uint32_t crc32_of(const std::string& data) {
  boost::crc_32_type crc;
  crc.process_bytes(data.data(), data.size());
  return crc.checksum();
}

TEST(PassThrough, PostBodiesStreamIntact) {
  Deployment d;
  std::string body(8 << 20, '\0');
  std::mt19937 random(7);
  for (auto& c : body) c = static_cast<char>(random());
  auto client = d.client();
  auto response = client.request(http::verb::post, "/api/upload", {{"Content-Type", "application/octet-stream"}},
                                 body);
  ASSERT_EQ(response.status, 200u) << response.body;
  EXPECT_NE(response.body.find("\"bytes\":" + std::to_string(body.size())), std::string::npos) << response.body;
  EXPECT_NE(response.body.find("\"crc32\":" + std::to_string(crc32_of(body))), std::string::npos)
      << response.body;
  // Keep-alive still works after a streamed body.
  EXPECT_EQ(client.get("/api/system/info").status, 200u);
}

TEST(PassThrough, ChunkedPostWithExpectContinue) {
  Deployment d;
  HttpClient client(d.port());
  const std::string part(70000, 'q');
  std::string raw = "POST /api/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                    "Expect: 100-continue\r\n\r\n";
  net::write(client.socket(), net::buffer(raw));
  // The proxy answers 100 Continue itself before reading the body.
  http::response_parser<http::empty_body> interim;
  http::read_header(client.socket(), client.buffer(), interim);
  EXPECT_EQ(interim.get().result_int(), 100u);
  std::string chunks;
  for (int i = 0; i < 3; ++i) {
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", part.size());
    chunks += size + part + "\r\n";
  }
  chunks += "0\r\n\r\n";
  auto response = client.raw(chunks);
  ASSERT_EQ(response.status, 200u) << response.body;
  EXPECT_NE(response.body.find("\"bytes\":" + std::to_string(3 * part.size())), std::string::npos)
      << response.body;
}

}  // namespace
}  // namespace foilcache::testing

// The Socket.IO messages byte for byte. The JSON expectations are what python-socketio's
// RedisManager publishes for the same message (json.dumps output printed by Python 3.11 for
// the dicts pubsub_manager.py builds in 5.15.1, 5.15.0 and 5.14.x).
#include "upstream_stub/socketio_message.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <regex>

namespace foilcache::stub {
namespace {

using namespace std::chrono;

constexpr std::string_view kHost = "0123456789abcdef0123456789abcdef";

std::string payload() {
  return library_updated_payload(sys_days{year{2026} / 8 / 13} + 10h + 123456us);
}

struct FormatCase {
  SocketIoFormat format;
  const char* expected;
};

class SocketIoMessageFormatTest : public ::testing::TestWithParam<FormatCase> {};

TEST_P(SocketIoMessageFormatTest, LibraryUpdatedIsByteExact) {
  EXPECT_EQ(emit_message(GetParam().format, "library_updated", payload(), kHost), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Versions, SocketIoMessageFormatTest,
    ::testing::Values(
        FormatCase{SocketIoFormat::kJson,
                   R"({"method": "emit", "event": "library_updated", "data": [{"timestamp": "2026-08-13T10:00:00.123456+00:00"}], "binary": false, "namespace": "/", "room": null, "skip_sid": null, "callback": null, "host_id": "0123456789abcdef0123456789abcdef"})"},
        FormatCase{SocketIoFormat::kJsonLegacy,
                   R"({"method": "emit", "event": "library_updated", "data": {"timestamp": "2026-08-13T10:00:00.123456+00:00"}, "binary": false, "namespace": "/", "room": null, "skip_sid": null, "callback": null, "host_id": "0123456789abcdef0123456789abcdef"})"},
        FormatCase{SocketIoFormat::kJson514,
                   R"({"method": "emit", "event": "library_updated", "data": {"timestamp": "2026-08-13T10:00:00.123456+00:00"}, "namespace": "/", "room": null, "skip_sid": null, "callback": null, "host_id": "0123456789abcdef0123456789abcdef"})"}));

TEST(SocketIoMessageTest, PickleIsCannedProtocolFourBytes) {
  for (const std::string_view event : {"library_updated", "job_update"}) {
    const std::string m = emit_message(SocketIoFormat::kPickle, event, payload(), kHost);
    ASSERT_GE(m.size(), 12u);
    EXPECT_EQ(m.substr(0, 3), std::string("\x80\x04\x95", 3)) << "PROTO 4, FRAME";
    EXPECT_EQ(static_cast<unsigned char>(m[11]), '}') << "EMPTY_DICT: the message is a dict";
    EXPECT_EQ(m.back(), '.') << "STOP";
    EXPECT_NE(m.find(std::string(event)), std::string::npos);
    // The frame length (8 bytes little-endian after 0x95) covers the rest.
    std::uint64_t frame = 0;
    for (int i = 7; i >= 0; --i) frame = frame << 8 | static_cast<unsigned char>(m[3 + i]);
    EXPECT_EQ(frame, m.size() - 11);
  }
  for (const NoiseKind kind : kAllNoise) {
    EXPECT_EQ(noise_message(SocketIoFormat::kPickle, kind, kHost).substr(0, 3),
              std::string("\x80\x04\x95", 3));
  }
}

TEST(SocketIoMessageTest, NoiseMessagesAreTheManagersOtherMethods) {
  const auto json = [](NoiseKind k) { return noise_message(SocketIoFormat::kJson, k, kHost); };
  EXPECT_EQ(json(NoiseKind::kEnterRoom),
            R"({"method": "enter_room", "sid": "k3Jd8sLq0PzX4vNw2RtY", "room": "library", "namespace": "/", "host_id": "0123456789abcdef0123456789abcdef"})");
  EXPECT_EQ(json(NoiseKind::kLeaveRoom),
            R"({"method": "leave_room", "sid": "k3Jd8sLq0PzX4vNw2RtY", "room": "library", "namespace": "/", "host_id": "0123456789abcdef0123456789abcdef"})");
  EXPECT_EQ(json(NoiseKind::kDisconnect),
            R"({"method": "disconnect", "sid": "k3Jd8sLq0PzX4vNw2RtY", "namespace": "/", "host_id": "0123456789abcdef0123456789abcdef"})");
  EXPECT_EQ(json(NoiseKind::kCloseRoom),
            R"({"method": "close_room", "room": "library", "namespace": "/", "host_id": "0123456789abcdef0123456789abcdef"})");
  EXPECT_EQ(json(NoiseKind::kCallback),
            R"({"method": "callback", "host_id": "9d8e7f6a5b4c4d3e8f2a1b0c9d8e7f6a", "sid": "k3Jd8sLq0PzX4vNw2RtY", "namespace": "/", "id": 1, "args": ["ok"]})");
  EXPECT_EQ(noise_message(SocketIoFormat::kJson514, NoiseKind::kCloseRoom, kHost),
            json(NoiseKind::kCloseRoom))
      << "these did not change between versions";
}

TEST(SocketIoMessageTest, HostIdLooksLikeUuid4Hex) {
  const std::regex uuid4("[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}");
  const std::string a = new_host_id();
  EXPECT_TRUE(std::regex_match(a, uuid4)) << a;
  EXPECT_NE(a, new_host_id());
}

TEST(SocketIoMessageTest, RespCommandIsAnArrayOfBulkStrings) {
  EXPECT_EQ(resp_command({"PUBLISH", "flask-socketio", "a\r\nb"}),
            "*3\r\n$7\r\nPUBLISH\r\n$14\r\nflask-socketio\r\n$4\r\na\r\nb\r\n");
  EXPECT_EQ(resp_command({}), "*0\r\n");
}

TEST(SocketIoMessageTest, FormatNamesRoundTrip) {
  for (const auto f : {SocketIoFormat::kJson, SocketIoFormat::kJsonLegacy, SocketIoFormat::kJson514,
                       SocketIoFormat::kPickle}) {
    EXPECT_EQ(parse_socketio_format(to_string(f)), f);
  }
  EXPECT_FALSE(parse_socketio_format("msgpack"));
}

struct UrlCase {
  const char* url;
  bool ok;
  const char* host;
  const char* port;
  const char* user;
  const char* password;
};

class SocketIoMessageRedisUrlTest : public ::testing::TestWithParam<UrlCase> {};

TEST_P(SocketIoMessageRedisUrlTest, Parses) {
  const auto& c = GetParam();
  const auto parsed = parse_redis_url(c.url);
  ASSERT_EQ(parsed.has_value(), c.ok) << c.url;
  if (!parsed) return;
  EXPECT_EQ(parsed->host, c.host);
  EXPECT_EQ(parsed->port, c.port);
  EXPECT_EQ(parsed->user, c.user);
  EXPECT_EQ(parsed->password, c.password);
}

INSTANTIATE_TEST_SUITE_P(
    Table, SocketIoMessageRedisUrlTest,
    ::testing::Values(UrlCase{"redis://127.0.0.1:6379/0", true, "127.0.0.1", "6379", "", ""},
                      UrlCase{"redis://redis", true, "redis", "6379", "", ""},
                      UrlCase{"redis://:s3cret@h:7000/2", true, "h", "7000", "", "s3cret"},
                      UrlCase{"redis://me:p%40ss@h", true, "h", "6379", "me", "p@ss"},
                      UrlCase{"http://h:6379", false, "", "", "", ""},
                      UrlCase{"redis://", false, "", "", "", ""},
                      UrlCase{"not a url", false, "", "", "", ""}));

}  // namespace
}  // namespace foilcache::stub

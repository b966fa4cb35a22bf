// The stub's Socket.IO events on a private redis-server: a StubServer in-process publishes,
// a hiredis SUBSCRIBE connection reads what arrived (every read bounded by its socket
// timeout), and each message is compared with python-socketio's bytes (only the timestamp,
// job ids and the host_id vary from run to run).
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <memory>
#include <optional>
#include <regex>
#include <string>

#include "tests/support/redis_server.hpp"
#include "tests/support/wait.hpp"
#include "tests/unit/stub/stub_client.hpp"
#include "upstream_stub/stub_handlers.hpp"
#include "upstream_stub/stub_server.hpp"

namespace foilcache::stub {
namespace {

using test_client::Client;
using test_client::Headers;

constexpr std::chrono::seconds kBound{10};
constexpr timeval kReadTimeout{5, 0};
const Headers kAdmin = {{"Authorization", "Basic " + base64_encode("admin:admin-pw")}};
const std::string kTimestamp = R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?)";
const std::string kHostId = "[0-9a-f]{32}";

// One SUBSCRIBE connection to `channel`; next() returns each message's payload.
class Subscriber {
 public:
  Subscriber(std::uint16_t port, const std::string& channel, const std::string& password = "") {
    context_ = redisConnectWithTimeout("127.0.0.1", port, kReadTimeout);
    EXPECT_TRUE(context_ != nullptr && context_->err == 0);
    redisSetTimeout(context_, kReadTimeout);
    if (!password.empty()) freeReplyObject(redisCommand(context_, "AUTH %s", password.c_str()));
    // The SUBSCRIBE reply confirms the subscription before anything is published.
    auto* reply = static_cast<redisReply*>(redisCommand(context_, "SUBSCRIBE %s", channel.c_str()));
    EXPECT_TRUE(reply != nullptr && reply->type == REDIS_REPLY_ARRAY);
    freeReplyObject(reply);
  }
  ~Subscriber() { redisFree(context_); }
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  std::optional<std::string> next() {
    void* raw = nullptr;
    if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) return std::nullopt;
    auto* reply = static_cast<redisReply*>(raw);
    std::optional<std::string> out;
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 3) {
      out.emplace(reply->element[2]->str, reply->element[2]->len);
    }
    freeReplyObject(reply);
    return out;
  }

 private:
  redisContext* context_ = nullptr;
};

class SocketIoPublisherTest : public ::testing::Test {
 protected:
  void start(std::string url, std::function<void(StubOptions&)> tweak = {}) {
    StubOptions o;
    o.latency_scale = 0;
    o.base_titles = 50;
    o.socketio_redis_url = std::move(url);
    if (tweak) tweak(o);
    server_ = std::make_unique<StubServer>(std::move(o));
    server_->start();
  }
  void start(std::function<void(StubOptions&)> tweak = {}) { start(redis_.url() + "/0", std::move(tweak)); }
  unsigned post(std::string target, const Headers& headers = kAdmin) {
    Client c(server_->port());
    return c.request(http::verb::post, std::move(target), headers).res.result_int();
  }
  bool published(std::uint64_t n) {
    return test::wait_until([&] { return server_->socketio_stats().published >= n; }, kBound);
  }

  test::RedisServer redis_;
  std::unique_ptr<StubServer> server_;
};

struct FormatCase {
  const char* name;
  SocketIoFormat format;
  std::string pattern;  // a regex of the whole message
};

class SocketIoPublisherFormatTest : public SocketIoPublisherTest,
                                    public ::testing::WithParamInterface<FormatCase> {};

TEST_P(SocketIoPublisherFormatTest, ScanPublishesLibraryUpdated) {
  start([](StubOptions& o) { o.socketio_format = GetParam().format; });
  Subscriber sub(redis_.port(), "flask-socketio");
  ASSERT_EQ(post("/api/library/scan"), 200u);
  const auto message = sub.next();
  ASSERT_TRUE(message);
  EXPECT_TRUE(std::regex_match(*message, std::regex(GetParam().pattern))) << *message;
  EXPECT_TRUE(published(1));
  EXPECT_EQ(server_->socketio_stats().failed, 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Versions, SocketIoPublisherFormatTest,
    ::testing::Values(
        FormatCase{"Json", SocketIoFormat::kJson,
                   R"(\{"method": "emit", "event": "library_updated", "data": \[\{"timestamp": ")" + kTimestamp +
                       R"(\+00:00"\}\], "binary": false, "namespace": "/", "room": null, "skip_sid": null, "callback": null, "host_id": ")" +
                       kHostId + R"("\})"},
        FormatCase{"JsonLegacy", SocketIoFormat::kJsonLegacy,
                   R"(\{"method": "emit", "event": "library_updated", "data": \{"timestamp": ")" + kTimestamp +
                       R"(\+00:00"\}, "binary": false, "namespace": "/", "room": null, "skip_sid": null, "callback": null, "host_id": ")" +
                       kHostId + R"("\})"},
        FormatCase{"Json514", SocketIoFormat::kJson514,
                   R"(\{"method": "emit", "event": "library_updated", "data": \{"timestamp": ")" + kTimestamp +
                       R"(\+00:00"\}, "namespace": "/", "room": null, "skip_sid": null, "callback": null, "host_id": ")" +
                       kHostId + R"("\})"},
        FormatCase{"Pickle", SocketIoFormat::kPickle, "\x80\x04\x95[\\s\\S]*library_updated[\\s\\S]*\\."}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(SocketIoPublisherTest, JobTransitionsArePublishedInOrder) {
  start();
  Subscriber sub(redis_.port(), "flask-socketio");
  ASSERT_EQ(post("/api/settings/titledb/update"), 200u);
  const std::string record =
      R"re(\{"method": "emit", "event": "job_update", "data": \[\{"id": "titledb_update_[0-9a-f]{8}", )re"
      R"re("type": "titledb_update", "status": "(\w+)", "progress": \{"percent": ([0-9.]+), )re"
      R"re("message": ("[^"]*"|null)\}, "result": (null|\{"success": true\}), )re"
      R"re("metadata": \{"force": true\}, "error": null, "started_at": ")re" +
      kTimestamp + R"re(", "completed_at": (null|")re" + kTimestamp +
      R"re(")\}\], "binary": false, "namespace": "/", "room": null, "skip_sid": null, )re"
      R"re("callback": null, "host_id": ")re" + kHostId + R"re("\})re";
  const std::vector<std::vector<std::string>> expected = {
      {"scheduled", "0.0", "null", "null"},
      {"running", "0.0", "\"\"", "null"},
      {"running", "0.0", "\"Initializing...\"", "null"},
      {"running", "100.0", "\"Finalizing...\"", "null"},
      {"completed", "100.0", "\"Finalizing...\"", "{\"success\": true}"}};
  for (const auto& want : expected) {
    const auto message = sub.next();
    ASSERT_TRUE(message);
    std::smatch m;
    ASSERT_TRUE(std::regex_match(*message, m, std::regex(record))) << *message;
    EXPECT_EQ(m[1], want[0]);
    EXPECT_EQ(m[2], want[1]);
    EXPECT_EQ(m[3], want[2]);
    EXPECT_EQ(m[4], want[3]);
    EXPECT_EQ(m[6] == "null", want[0] != "completed") << "completed_at only on completion";
  }
}

TEST_F(SocketIoPublisherTest, NoiseIsOneMessageOfEachOtherKind) {
  start();
  Subscriber sub(redis_.port(), "flask-socketio");
  ASSERT_EQ(post("/__stub/socketio-noise", {}), 200u);
  const std::vector<std::string> patterns = {
      R"(\{"method": "enter_room", "sid": "k3Jd8sLq0PzX4vNw2RtY", "room": "library", "namespace": "/", "host_id": "[0-9a-f]{32}"\})",
      R"(\{"method": "leave_room", "sid": "k3Jd8sLq0PzX4vNw2RtY", "room": "library", "namespace": "/", "host_id": "[0-9a-f]{32}"\})",
      R"(\{"method": "disconnect", "sid": "k3Jd8sLq0PzX4vNw2RtY", "namespace": "/", "host_id": "[0-9a-f]{32}"\})",
      R"(\{"method": "close_room", "room": "library", "namespace": "/", "host_id": "[0-9a-f]{32}"\})",
      R"(\{"method": "callback", "host_id": "9d8e7f6a5b4c4d3e8f2a1b0c9d8e7f6a", "sid": "k3Jd8sLq0PzX4vNw2RtY", "namespace": "/", "id": 1, "args": \["ok"\]\})"};
  for (const auto& pattern : patterns) {
    const auto message = sub.next();
    ASSERT_TRUE(message);
    EXPECT_TRUE(std::regex_match(*message, std::regex(pattern))) << *message;
  }
  EXPECT_TRUE(published(5));
}

TEST_F(SocketIoPublisherTest, DebounceCoalescesChangesIntoOneEvent) {
  start([](StubOptions& o) { o.library_change_debounce = std::chrono::milliseconds(1000); });
  Subscriber sub(redis_.port(), "flask-socketio");
  for (int i = 0; i < 3; ++i) ASSERT_EQ(post("/__stub/library-change", {}), 200u);
  EXPECT_EQ(server_->library_generation(), 3u) << "the data changes at once";
  const auto first = sub.next();
  ASSERT_TRUE(first);
  EXPECT_NE(first->find("\"library_updated\""), std::string::npos);
  // Anything published later arrives after it: the next message must be the noise, not a
  // second library_updated.
  ASSERT_TRUE(published(1));
  ASSERT_EQ(post("/__stub/socketio-noise", {}), 200u);
  const auto second = sub.next();
  ASSERT_TRUE(second);
  EXPECT_NE(second->find("\"enter_room\""), std::string::npos) << *second;
}

TEST_F(SocketIoPublisherTest, BackgroundChangesRunOnTheTimer) {
  start([](StubOptions& o) { o.library_change_every = std::chrono::milliseconds(20); });
  Subscriber sub(redis_.port(), "flask-socketio");
  ASSERT_TRUE(published(2));
  EXPECT_GE(server_->library_generation(), 2u);
}

TEST_F(SocketIoPublisherTest, ChannelAndPasswordAreConfigurable) {
  test::RedisServer locked({.password = "s3cret"});
  start("redis://:s3cret@127.0.0.1:" + std::to_string(locked.port()) + "/0",
        [](StubOptions& o) { o.socketio_channel = "other-channel"; });
  Subscriber sub(locked.port(), "other-channel", "s3cret");
  ASSERT_EQ(post("/api/library/scan"), 200u);
  const auto message = sub.next();
  ASSERT_TRUE(message);
  EXPECT_NE(message->find("\"library_updated\""), std::string::npos);
}

TEST_F(SocketIoPublisherTest, UnreachableRedisCountsFailuresAndServesOn) {
  start("redis://127.0.0.1:" + std::to_string(test::free_port()) + "/0");
  ASSERT_EQ(post("/api/library/scan"), 200u);
  ASSERT_TRUE(test::wait_until([&] { return server_->socketio_stats().failed == 1; }, kBound));
  EXPECT_EQ(server_->socketio_stats().published, 0u);
  EXPECT_EQ(server_->library_generation(), 1u);
}

TEST_F(SocketIoPublisherTest, WrongPasswordIsAFailure) {
  test::RedisServer locked({.password = "s3cret"});
  start("redis://:wrong@127.0.0.1:" + std::to_string(locked.port()) + "/0");
  ASSERT_EQ(post("/__stub/socketio-noise", {}), 200u);
  ASSERT_TRUE(test::wait_until([&] { return server_->socketio_stats().failed == 5; }, kBound));
}

TEST_F(SocketIoPublisherTest, MalformedUrlFailsAtStartUp) {
  StubOptions o;
  o.socketio_redis_url = "http://127.0.0.1:6379";
  EXPECT_THROW(StubServer{o}, std::invalid_argument);
}

}  // namespace
}  // namespace foilcache::stub

// The access log's line format (one JSON object per line, no credentials, admin queries
// dropped) and its batching (nothing written until a flush; a flush on destruction).
#include "proxy/log/access_log.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <algorithm>
#include <array>

namespace foilcache::log {
namespace {

using namespace std::chrono_literals;

// 2024-05-01T12:34:56.789Z
const auto kNow = std::chrono::system_clock::time_point(1714566896789ms);

AccessRecord base_record() {
  AccessRecord record;
  record.method = "GET";
  record.target = "/api/library/paged?page=2";
  record.status = 200;
  record.cache = "MISS";
  record.route = "library_paged";
  record.upstream = 12345678ns;
  record.bytes = 5120;
  record.duration = 13000us;
  return record;
}

rapidjson::Document parse_line(const AccessRecord& record) {
  std::string line;
  append_access_line(line, record, kNow);
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line per request";
  rapidjson::Document doc;
  EXPECT_FALSE(doc.Parse(line.c_str()).HasParseError()) << line;
  return doc;
}

TEST(AccessLogLine, HasEveryFieldWithItsType) {
  const auto doc = parse_line(base_record());
  ASSERT_TRUE(doc.IsObject());
  EXPECT_STREQ(doc["time"].GetString(), "2024-05-01T12:34:56.789Z");
  EXPECT_STREQ(doc["method"].GetString(), "GET");
  EXPECT_STREQ(doc["path"].GetString(), "/api/library/paged?page=2");
  EXPECT_EQ(doc["status"].GetUint(), 200u);
  EXPECT_STREQ(doc["cache"].GetString(), "MISS");
  EXPECT_STREQ(doc["route"].GetString(), "library_paged");
  EXPECT_NEAR(doc["upstream_ms"].GetDouble(), 12.345, 0.0011);  // microsecond precision
  EXPECT_EQ(doc["bytes"].GetUint64(), 5120u);
  EXPECT_DOUBLE_EQ(doc["duration_ms"].GetDouble(), 13.0);
}

TEST(AccessLogLine, NoUpstreamCallIsZero) {
  auto record = base_record();
  record.upstream = 0ns;
  const auto doc = parse_line(record);
  ASSERT_TRUE(doc["upstream_ms"].IsNumber());
  EXPECT_EQ(doc["upstream_ms"].GetDouble(), 0.0);
}

struct TargetCase {
  const char* name;
  std::string target;
  std::string logged;
};

class AccessLogLineTarget : public ::testing::TestWithParam<TargetCase> {};

TEST_P(AccessLogLineTarget, IsLoggedSafely) {
  auto record = base_record();
  record.target = GetParam().target;
  const auto doc = parse_line(record);
  ASSERT_TRUE(doc.IsObject());
  EXPECT_EQ(std::string(doc["path"].GetString()), GetParam().logged);
}

INSTANTIATE_TEST_SUITE_P(
    Targets, AccessLogLineTarget,
    ::testing::Values(
        TargetCase{"ProxiedQueryIsKept", "/api/library/paged?page=2&sort=name", "/api/library/paged?page=2&sort=name"},
        TargetCase{"AdminQueryIsDropped", "/api/cache/invalidate?pattern=library*", "/api/cache/invalidate"},
        TargetCase{"AdminRootQueryIsDropped", "/api/cache?token=secret", "/api/cache"},
        TargetCase{"LookalikeIsNotAdmin", "/api/cachex?x=1", "/api/cachex?x=1"},
        TargetCase{"QuotesAndBackslashesAreEscaped", "/a\"b\\c", "/a\"b\\c"},
        TargetCase{"ControlBytesArePercentEncoded", std::string("/a\nb\x01", 5), "/a%0Ab%01"},
        TargetCase{"NonAsciiBytesArePercentEncoded", "/\xff\xc3(", "/%FF%C3("}),
    [](const auto& info) { return info.param.name; });

class Pipe {
 public:
  Pipe() {
    EXPECT_EQ(::pipe2(fds_.data(), O_NONBLOCK), 0);
    ::fcntl(fds_[1], F_SETPIPE_SZ, 1 << 20);
  }
  ~Pipe() {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  int write_end() const { return fds_[1]; }
  std::string drain() {
    std::string out;
    char chunk[4096];
    for (ssize_t n; (n = ::read(fds_[0], chunk, sizeof chunk)) > 0;) out.append(chunk, static_cast<std::size_t>(n));
    return out;
  }

 private:
  std::array<int, 2> fds_{-1, -1};
};

TEST(AccessLogBatching, LinesWaitForAFlushAndAreWhole) {
  Pipe pipe;
  net::io_context ioc;
  AccessLog log(ioc, pipe.write_end());
  log.write(base_record());
  log.write(base_record());
  EXPECT_EQ(pipe.drain(), "") << "a line is not a system call";
  log.flush();
  const auto text = pipe.drain();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
}

TEST(AccessLogBatching, TimerFlushesAfterTheInterval) {
  Pipe pipe;
  net::io_context ioc;
  AccessLog log(ioc, pipe.write_end());
  log.write(base_record());
  EXPECT_EQ(pipe.drain(), "");
  // run_for returns as soon as the flush timer has fired (no other work); the bound is a guard.
  ioc.run_for(AccessLog::kFlushInterval * 50);
  const auto text = pipe.drain();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
}

TEST(AccessLogBatching, FullBufferAndDestructionFlush) {
  Pipe pipe;
  net::io_context ioc;
  std::size_t lines = 0;
  {
    AccessLog log(ioc, pipe.write_end());
    std::string one;
    append_access_line(one, base_record(), kNow);
    const std::size_t per_batch = AccessLog::kFlushBytes / one.size() + 1;
    for (std::size_t i = 0; i < per_batch; ++i) log.write(base_record());
    const auto batch = pipe.drain();
    EXPECT_EQ(static_cast<std::size_t>(std::count(batch.begin(), batch.end(), '\n')), per_batch);
    lines = per_batch;
    log.write(base_record());
    EXPECT_EQ(pipe.drain(), "");
  }
  const auto rest = pipe.drain();
  EXPECT_EQ(std::count(rest.begin(), rest.end(), '\n'), 1) << "destruction flushes";
  EXPECT_GT(lines, 1u);
}

}  // namespace
}  // namespace foilcache::log

// The JSON access log on the proxy's stdout, end to end: one line per request with every
// field, never a credential or an admin query, switched off, and flushed on exit.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "tests/integration/scenarios.hpp"
#include "tests/support/wait.hpp"

namespace foilcache::testing {
namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The access-log lines (JSON objects) in the proxy's output so far.
std::vector<std::string> access_lines(Deployment& d) {
  std::vector<std::string> out;
  std::istringstream lines(read_file(d.proxy().log_path()));
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("{")) out.push_back(line);
  }
  return out;
}

// Waits until an access-log line for `path` exists; returns it parsed (fails the test if not).
rapidjson::Document wait_access_line(Deployment& d, std::string_view path, std::string_view cache = {}) {
  std::string found;
  test::wait_until(
      [&] {
        for (const auto& line : access_lines(d)) {
          rapidjson::Document doc;
          if (doc.Parse(line.c_str()).HasParseError() || !doc.IsObject() || !doc.HasMember("path")) continue;
          if (std::string_view(doc["path"].GetString()) != path) continue;
          if (!cache.empty() && std::string_view(doc["cache"].GetString()) != cache) continue;
          found = line;
          return true;
        }
        return false;
      },
      kBound, std::chrono::milliseconds(20));
  rapidjson::Document doc;
  EXPECT_FALSE(found.empty()) << "no access-log line for " << path << " " << cache << "\n" << d.proxy_log();
  if (found.empty()) found = "{}";
  doc.Parse(found.c_str());
  return doc;
}

TEST(AccessLog, OneJsonLinePerRequestWithEveryField) {
  DeploymentOptions options;
  options.config_yaml = observability_config();
  Deployment d(options);
  const auto miss = d.get("/__stub/respond?size=100");
  ASSERT_EQ(miss.header("X-Cache"), "MISS");
  ASSERT_EQ(d.get("/__stub/respond?size=100").header("X-Cache"), "HIT");
  ASSERT_EQ(d.get("/api/system/info").status, 200u);

  const auto miss_line = wait_access_line(d, "/__stub/respond?size=100", "MISS");
  ASSERT_TRUE(miss_line.IsObject());
  for (const char* field : {"time", "method", "path", "cache", "route"}) {
    ASSERT_TRUE(miss_line.HasMember(field) && miss_line[field].IsString()) << field;
  }
  for (const char* field : {"status", "bytes"}) ASSERT_TRUE(miss_line.HasMember(field) && miss_line[field].IsUint()) << field;
  for (const char* field : {"upstream_ms", "duration_ms"}) {
    ASSERT_TRUE(miss_line.HasMember(field) && miss_line[field].IsNumber()) << field;
  }
  EXPECT_TRUE(std::regex_match(miss_line["time"].GetString(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
      << miss_line["time"].GetString();
  EXPECT_STREQ(miss_line["method"].GetString(), "GET");
  EXPECT_EQ(miss_line["status"].GetUint(), 200u);
  EXPECT_STREQ(miss_line["route"].GetString(), "respond_anon");
  EXPECT_EQ(miss_line["bytes"].GetUint64(), miss.body.size());
  EXPECT_GT(miss_line["upstream_ms"].GetDouble(), 0);
  EXPECT_GE(miss_line["duration_ms"].GetDouble(), miss_line["upstream_ms"].GetDouble());

  const auto hit_line = wait_access_line(d, "/__stub/respond?size=100", "HIT");
  ASSERT_TRUE(hit_line.IsObject() && hit_line.HasMember("upstream_ms"));
  EXPECT_EQ(hit_line["upstream_ms"].GetDouble(), 0) << "a HIT does not call the app";
  EXPECT_EQ(hit_line["bytes"].GetUint64(), miss.body.size());

  const auto pass_line = wait_access_line(d, "/api/system/info");
  ASSERT_TRUE(pass_line.IsObject() && pass_line.HasMember("route"));
  EXPECT_STREQ(pass_line["route"].GetString(), "");
  EXPECT_STREQ(pass_line["cache"].GetString(), "");
}

TEST(AccessLog, NeverContainsCredentialsOrAdminQueries) {
  DeploymentOptions options;
  options.config_yaml = observability_config();
  Deployment d(options);
  const std::string authorization = basic_auth("alice", "alice-pw");
  const std::string base64 = authorization.substr(authorization.find(' ') + 1);
  EXPECT_EQ(d.get("/api/library/paged?page=1",
                  {{"Authorization", authorization}, {"Cookie", "session=cookie-secret-value"}})
                .status,
            200u);
  d.get("/api/cache/info?token=query-secret-value", {{"Authorization", "Bearer bearer-secret-value"}});

  const auto library = wait_access_line(d, "/api/library/paged?page=1");
  ASSERT_TRUE(library.IsObject() && library.HasMember("cache"));
  EXPECT_STREQ(library["cache"].GetString(), "MISS");
  wait_access_line(d, "/api/cache/info");
  const std::string log = read_file(d.proxy().log_path());
  for (const std::string& secret :
       {std::string("alice-pw"), base64, std::string("cookie-secret-value"), std::string("query-secret-value"),
        std::string("bearer-secret-value")}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << "the log contains " << secret << ":\n" << log;
  }
}

TEST(AccessLog, SwitchedOffWritesNothingAndFlushesOnExit) {
  for (const bool enabled : {false, true}) {
    SCOPED_TRACE(enabled ? "access: true" : "access: false");
    DeploymentOptions options;
    options.config_yaml = observability_config(enabled ? "log:\n  access: true\n" : "log:\n  access: false\n");
    Deployment d(options);
    ASSERT_EQ(d.get("/__stub/respond?size=10").status, 200u);
    // A drained exit writes what is buffered, so the count is final once the process is gone.
    ASSERT_EQ(d.proxy().terminate(std::chrono::seconds(10)), 0);
    std::size_t respond_lines = 0;
    for (const auto& line : access_lines(d)) respond_lines += line.find("/__stub/respond") != std::string::npos;
    EXPECT_EQ(respond_lines, enabled ? 1u : 0u) << d.proxy_log();
  }
}

}  // namespace
}  // namespace foilcache::testing

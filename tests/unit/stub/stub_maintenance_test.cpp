// Library maintenance through an in-process StubServer: file deletion, the orphan cleanup,
// metadata refresh, RAWG matches, the background jobs, /api/library's ETag and the
// background-change control call. Waits for jobs poll StubServer::jobs() with a bound.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <atomic>
#include <memory>
#include <regex>
#include <string>

#include "tests/support/wait.hpp"
#include "tests/unit/stub/stub_client.hpp"
#include "upstream_stub/stub_handlers.hpp"
#include "upstream_stub/stub_server.hpp"

namespace foilcache::stub {
namespace {

using test_client::Client;
using test_client::Headers;
using test_client::Result;

constexpr std::size_t kTitles = 300;
constexpr std::chrono::seconds kBound{10};
const Headers kAlice = {{"Authorization", "Basic " + base64_encode("alice:alice-pw")}};
const Headers kAdmin = {{"Authorization", "Basic " + base64_encode("admin:admin-pw")}};
const Headers kJson = {{"Content-Type", "application/json"}};

Headers operator+(Headers a, const Headers& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

rapidjson::Document parse(const std::string& body) {
  rapidjson::Document d;
  d.Parse(body.c_str());
  EXPECT_FALSE(d.HasParseError()) << body.substr(0, 200);
  return d;
}

class StubMaintenanceTest : public ::testing::Test {
 protected:
  void SetUp() override { start(false); }

  void start(bool jobs_fail) {
    StubOptions o;
    o.latency_scale = 0;
    o.base_titles = kTitles;
    o.game_size = 1000;
    o.jobs_fail = jobs_fail;
    o.on_library_changed = [this](std::uint64_t) { ++changes_; };
    if (server_) server_->stop();
    server_ = std::make_unique<StubServer>(std::move(o));
    server_->start();
  }

  Result call(http::verb verb, std::string target, const Headers& headers = {},
              std::string body = {}) {
    Client c(server_->port());
    return c.request(verb, std::move(target), headers, std::move(body));
  }
  Result get(std::string target, const Headers& headers = kAlice) {
    return call(http::verb::get, std::move(target), headers);
  }
  Result post(std::string target, const Headers& headers = kAdmin, std::string body = {}) {
    return call(http::verb::post, std::move(target), headers, std::move(body));
  }
  std::string library() { return get("/api/library?per_page=1000").res.body(); }
  std::string index() { return get("/index.json", kAlice + Headers{{"User-Agent", "Tinfoil"}}).res.body(); }
  std::string app_info(const std::string& tid) { return get("/api/app_info/" + tid).res.body(); }
  std::string nth_title(std::size_t n) {
    return parse(library())["data"]["items"][static_cast<rapidjson::SizeType>(n)]["id"].GetString();
  }
  // The number of jobs of `type` whose last record has `status`.
  std::size_t jobs(std::string_view type, std::string_view status) {
    std::size_t n = 0;
    for (const JobRecord& r : server_->jobs()) n += r.type == type && r.status == status ? 1 : 0;
    return n;
  }

  std::atomic<int> changes_{0};
  std::unique_ptr<StubServer> server_;
};

TEST_F(StubMaintenanceTest, DeleteFileDropsItFromTheIndexAndShrinksItsTitle) {
  const std::string before_index = index();
  // The first file of the index: /api/get_game/1#<name> [<APP ID>][v0].nsp
  std::smatch m;
  ASSERT_TRUE(std::regex_search(before_index, m, std::regex(R"(/api/get_game/(\d+)#[^"]*\[([0-9A-F]{16})\])")));
  const std::string id = m[1], app = m[2];
  const std::string tid = app.substr(0, 13) + "000";
  const auto size_of = [&] { return parse(app_info(tid))["data"]["size"].GetUint64(); };
  const std::uint64_t size_before = size_of();
  const std::string before = library();

  EXPECT_EQ(post("/api/files/delete/" + id, kAlice).res.result_int(), 403u);
  EXPECT_EQ(post("/api/files/delete/" + id, {}).res.result_int(), 401u);
  EXPECT_EQ(get("/api/files/delete/" + id, kAdmin).res.result_int(), 405u);
  EXPECT_EQ(post("/api/files/delete/99999").res.body(),
            "{\"code\":\"NOT_FOUND\",\"message\":\"File with ID '99999' not found\",\"success\":false}\n");
  EXPECT_EQ(post("/api/files/delete/0").res.body(),
            "{\"code\":\"NOT_FOUND\",\"message\":\"File not found\",\"success\":false}\n");
  EXPECT_EQ(post("/api/files/delete/x1").res.result_int(), 404u) << "<int:file_id>";
  EXPECT_EQ(library(), before);
  EXPECT_EQ(index(), before_index);

  EXPECT_EQ(post("/api/files/delete/" + id).res.body(),
            "{\"code\":\"SUCCESS\",\"message\":\"File deleted successfully\",\"success\":true}\n");
  EXPECT_EQ(index().find("/api/get_game/" + id + "#"), std::string::npos);
  EXPECT_LT(size_of(), size_before);
  EXPECT_NE(library(), before);
  EXPECT_EQ(get("/api/get_game/" + id, kAlice).res.result_int(), 404u);
  EXPECT_EQ(post("/api/files/delete/" + id).res.result_int(), 404u) << "gone";
}

TEST_F(StubMaintenanceTest, CleanupRemovesFilesMissingOnDiskOnce) {
  const auto files = [&] {
    return parse(get("/api/stats/overview").res.body())["data"]["identification"]["total_files"].GetInt64();
  };
  const std::int64_t before = files();
  EXPECT_EQ(post("/api/cleanup/orphaned", kAlice).res.result_int(), 403u);
  EXPECT_EQ(files(), before);
  const auto first = parse(post("/api/cleanup/orphaned").res.body());
  const std::int64_t removed = first["data"]["deleted_files"].GetInt64();
  EXPECT_GT(removed, 0);
  EXPECT_EQ(first["data"]["deleted_apps"].GetInt64(), removed);
  EXPECT_EQ(files(), before - removed);
  const std::string library_after = library();
  const auto second = parse(post("/api/cleanup/orphaned").res.body());
  EXPECT_EQ(second["data"]["deleted_files"].GetInt64(), 0);
  EXPECT_STREQ(second["message"].GetString(),
               "0 arquivos deletados do disco removidos. 0 registros \xC3\xB3rf\xC3\xA3os removidos.");
  EXPECT_EQ(library(), library_after) << "nothing left to clean: nothing changes";
}

TEST_F(StubMaintenanceTest, MetadataRefreshChangesOneTitle) {
  const std::string tid = nth_title(5), other = nth_title(6);
  const std::string other_before = app_info(other);
  EXPECT_TRUE(parse(app_info(tid))["data"]["metacritic_score"].IsNull());
  EXPECT_EQ(post("/api/library/metadata/refresh/0100FFFFFFFFF000", kAlice).res.body(),
            "{\"code\":\"NOT_FOUND\",\"message\":\"Game not found not found\",\"success\":false}\n");
  EXPECT_EQ(post("/api/library/metadata/refresh/" + tid, {}).res.result_int(), 401u);
  std::string lower = tid;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_EQ(post("/api/library/metadata/refresh/" + lower, kAlice).res.result_int(), 200u);
  EXPECT_TRUE(parse(app_info(tid))["data"]["metacritic_score"].IsNull())
      << "the task looks the id up exactly";
  const Result ok = post("/api/library/metadata/refresh/" + tid, kAlice);
  EXPECT_EQ(ok.res.body(), "{\"code\":\"SUCCESS\",\"data\":{\"title_id\":\"" + tid +
                               "\"},\"message\":\"Metadata refresh queued\",\"success\":true}\n");
  const auto info = parse(app_info(tid));
  EXPECT_TRUE(info["data"]["metacritic_score"].IsInt());
  EXPECT_EQ(info["data"]["screenshots"].Size(), 1u);
  EXPECT_EQ(app_info(other), other_before);
}

TEST_F(StubMaintenanceTest, RawgMatchAnswersLikeTheApp) {
  const std::string tid = nth_title(7);
  const std::string before = app_info(tid);
  const auto match = [&](const std::string& body, const Headers& who = kAdmin) {
    return post("/api/library/match-rawg", who + kJson, body);
  };
  EXPECT_EQ(match(R"({"title_id":")" + tid + R"(","rawg_id":5})", kAlice).res.result_int(), 403u);
  EXPECT_EQ(match(R"({"title_id":")" + tid + R"("})").res.body(),
            "{\"code\":\"INVALID_PARAMS\",\"message\":\"title_id and rawg_id required\","
            "\"success\":false}\n");
  EXPECT_EQ(match(R"({"title_id":")" + tid + R"(","rawg_id":"abc"})").res.result_int(), 400u);
  EXPECT_EQ(match(R"({"title_id":"0100FFFFFFFFF000","rawg_id":5})").res.body(),
            "{\"code\":\"NOT_FOUND\",\"message\":\"Title 0100FFFFFFFFF000 not found\","
            "\"success\":false}\n");
  EXPECT_EQ(match("null").res.result_int(), 500u);
  EXPECT_EQ(app_info(tid), before);
  const auto ok = parse(match(R"({"title_id":")" + tid + R"(","rawg_id":3498})").res.body());
  EXPECT_EQ(ok["data"]["rawg_id"].GetInt(), 3498);
  EXPECT_STREQ(ok["data"]["title_id"].GetString(), tid.c_str());
  EXPECT_NE(app_info(tid), before);
}

TEST_F(StubMaintenanceTest, JobsChangeTitlesOnCompletion) {
  const std::string before = library();
  const std::string tid = nth_title(0);
  EXPECT_EQ(post("/api/settings/titledb/update", kAlice).res.result_int(), 403u);
  EXPECT_EQ(post("/api/settings/titledb/update").res.body(),
            "{\"code\":\"SUCCESS\",\"message\":\"Update started in background\",\"success\":true}\n");
  ASSERT_TRUE(test::wait_until([&] { return jobs("titledb_update", "completed") == 1; }, kBound));
  EXPECT_NE(library(), before) << "TitleDB renamed titles";

  EXPECT_EQ(post("/api/system/metadata/fetch", kAdmin).res.result_int(), 500u)
      << "request.json without a JSON Content-Type";
  ASSERT_EQ(post("/api/system/metadata/fetch", kAdmin + kJson, "{}").res.result_int(), 200u);
  ASSERT_TRUE(test::wait_until([&] { return jobs("metadata_fetch_all", "completed") == 1; }, kBound));
  ASSERT_EQ(post("/api/system/metadata/fetch", kAdmin + kJson, "{}").res.result_int(), 200u);
  ASSERT_EQ(post("/api/system/metadata/fetch", kAdmin + kJson, R"({"force":true})").res.result_int(), 200u);
  ASSERT_TRUE(test::wait_until([&] { return jobs("metadata_fetch_all", "completed") == 2; }, kBound));
  EXPECT_EQ(server_->jobs().size(), 3u) << "the unforced fetch within 12 h started nothing";

  const std::string info_before = app_info(tid);
  ASSERT_EQ(post("/api/library/metadata/refresh-all").res.result_int(), 200u);
  ASSERT_TRUE(test::wait_until([&] { return jobs("metadata_fetch", "completed") == 1; }, kBound));
  EXPECT_NE(app_info(tid), info_before);
}

TEST_F(StubMaintenanceTest, FailedJobsChangeNothing) {
  start(true);
  const std::string before = library();
  ASSERT_EQ(post("/api/settings/titledb/update").res.result_int(), 200u);
  ASSERT_EQ(post("/api/library/metadata/refresh-all").res.result_int(), 200u);
  ASSERT_TRUE(test::wait_until(
      [&] { return jobs("titledb_update", "failed") == 1 && jobs("metadata_fetch", "failed") == 1; },
      kBound));
  EXPECT_EQ(library(), before);
  // The switch flips back through the control call.
  ASSERT_EQ(post("/__stub/jobs?outcome=completed", {}).res.result_int(), 200u);
  ASSERT_EQ(post("/api/settings/titledb/update").res.result_int(), 200u);
  ASSERT_TRUE(test::wait_until([&] { return jobs("titledb_update", "completed") == 1; }, kBound));
  EXPECT_NE(library(), before);
  EXPECT_EQ(post("/__stub/jobs?outcome=maybe", {}).res.result_int(), 400u);
}

TEST_F(StubMaintenanceTest, LibraryEtagIsGlobalAndNeverMatchesQuoted) {
  const Result first = get("/api/library");
  const std::string etag = first.header("ETag");
  ASSERT_EQ(etag.size(), 34u);
  EXPECT_EQ(get("/api/library", {{"Authorization", "Basic " + base64_encode("bob:bob-pw")}}).header("ETag"), etag)
      << "the same for everyone although the body is per user";
  EXPECT_EQ(call(http::verb::get, "/api/library", kAlice + Headers{{"If-None-Match", etag}}).res.result_int(), 200u);
  EXPECT_EQ(call(http::verb::get, "/api/library", kAlice + Headers{{"If-None-Match", etag.substr(1, 32)}})
                .res.result_int(),
            304u);
  ASSERT_EQ(post("/api/library/scan").res.result_int(), 200u);
  EXPECT_NE(get("/api/library").header("ETag"), etag);
}

TEST_F(StubMaintenanceTest, LibraryChangeControlBumpsTheGeneration) {
  const std::string before = library();
  EXPECT_EQ(get("/__stub/library-change", {}).res.result_int(), 405u);
  const Result r = post("/__stub/library-change", {});
  EXPECT_EQ(r.res.body(), "{\"generation\":1}\n");
  EXPECT_EQ(server_->library_generation(), 1u);
  EXPECT_EQ(changes_.load(), 1);
  EXPECT_NE(library(), before);
  EXPECT_EQ(server_->count("/__stub/library-change"), 0u) << "control calls are not counted";
}

}  // namespace
}  // namespace foilcache::stub

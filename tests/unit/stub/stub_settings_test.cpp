// The app's settings and account writes through an in-process StubServer: title settings
// and TitleDB sources change /api/system/info, library paths and keys change the library as
// a scan does, a settings backup restores the shop and title settings, and user, token and
// password writes change who the app lets in, from their answer on.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <memory>
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

constexpr std::chrono::seconds kBound{10};
const Headers kAdmin = {{"Authorization", "Basic " + base64_encode("admin:admin-pw")}};
const Headers kAdminSession = {{"Cookie", "session=sess-admin"}};
const Headers kAlice = {{"Authorization", "Basic " + base64_encode("alice:alice-pw")}};
const Headers kAliceSession = {{"Cookie", "session=sess-alice"}};
const Headers kAliceBearer = {{"Authorization", "Bearer token-alice"}};
const Headers kJson = {{"Content-Type", "application/json"}};

Headers operator+(Headers a, const Headers& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::string data_field(const std::string& body, const char* name) {
  rapidjson::Document d;
  d.Parse(body.c_str());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("data") || !d["data"].HasMember(name)) return {};
  return d["data"][name].GetString();
}

class StubSettingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StubOptions o;
    o.latency_scale = 0;
    o.base_titles = 50;
    o.game_size = 1000;
    o.on_library_changed = [this](std::uint64_t) { ++changes_; };
    server_ = std::make_unique<StubServer>(std::move(o));
    server_->start();
  }

  Result call(http::verb verb, std::string target, const Headers& headers = {}, std::string body = {}) {
    Client c(server_->port());
    return c.request(verb, std::move(target), headers, std::move(body));
  }
  Result send(http::verb verb, std::string target, const Headers& who, std::string body) {
    return call(verb, std::move(target), who + kJson, std::move(body));
  }
  std::string info(const char* field) { return data_field(call(http::verb::get, "/api/system/info").res.body(), field); }
  unsigned status(http::verb verb, std::string target, const Headers& who) {
    return call(verb, std::move(target), who).res.result_int();
  }
  bool job_completed(std::string_view type) {
    for (const JobRecord& r : server_->jobs()) {
      if (r.type == type && r.status == "completed") return true;
    }
    return false;
  }

  std::unique_ptr<StubServer> server_;
  std::atomic<int> changes_{0};
};

TEST_F(StubSettingsTest, TitleSettingsChangeSystemInfoAndStartATitleDbUpdate) {
  EXPECT_EQ(info("id_source"), "tinfoil.media (US.en.json)");
  const auto names_before = call(http::verb::get, "/api/library/paged?per_page=50", kAlice).res.body();
  const Result set = send(http::verb::post, "/api/settings/titles", kAdmin, R"({"region":"BR","language":"pt"})");
  ASSERT_EQ(set.res.result_int(), 200u) << set.res.body();
  EXPECT_EQ(info("titledb_region"), "BR");
  EXPECT_EQ(info("titledb_file"), "BR.pt.json");
  ASSERT_TRUE(test::wait_until([&] { return job_completed("titledb_update"); }, kBound));
  EXPECT_NE(call(http::verb::get, "/api/library/paged?per_page=50", kAlice).res.body(), names_before)
      << "the TitleDB update renames titles";

  const Result unknown = send(http::verb::post, "/api/settings/titles", kAdmin, R"({"region":"XX"})");
  EXPECT_EQ(unknown.res.result_int(), 400u);
  EXPECT_NE(unknown.res.body().find("XX/pt is not available"), std::string::npos) << unknown.res.body();
  EXPECT_EQ(info("titledb_region"), "BR");
  EXPECT_EQ(send(http::verb::post, "/api/settings/titles", kAlice, "{}").res.result_int(), 403u);
}

TEST_F(StubSettingsTest, SourcesPickTheActiveOne) {
  const std::string sources = "/api/settings/titledb/sources";
  EXPECT_EQ(send(http::verb::post, sources, kAdmin, R"({"name":"mirror","base_url":"http://m/","priority":0})")
                .res.result_int(),
            200u);
  EXPECT_EQ(info("id_source"), "mirror (US.en.json)");
  EXPECT_EQ(send(http::verb::post, sources, kAdmin, R"({"name":"mirror","base_url":"http://m"})").res.result_int(),
            400u)
      << "a name already there";
  EXPECT_EQ(send(http::verb::put, sources, kAdmin, R"({"name":"mirror","enabled":false})").res.result_int(), 200u);
  EXPECT_EQ(info("id_source"), "tinfoil.media (US.en.json)");
  EXPECT_EQ(send(http::verb::post, sources + "/reorder", kAdmin, R"({"tinfoil.media":30})").res.result_int(), 200u);
  EXPECT_EQ(info("id_source"), "blawar/titledb (GitHub) (US.en.json)");
  EXPECT_EQ(send(http::verb::delete_, sources, kAdmin, R"j({"name":"blawar/titledb (GitHub)"})j").res.result_int(),
            200u);
  EXPECT_EQ(info("id_source"), "tinfoil.media (US.en.json)");
  EXPECT_EQ(send(http::verb::delete_, sources, kAdmin, R"({"name":"nope"})").res.result_int(), 400u);
}

TEST_F(StubSettingsTest, LibraryPathsAndKeysChangeTheLibraryLikeAScan) {
  const auto generation = server_->library_generation();
  const std::string paths = "/api/settings/library/paths";
  EXPECT_EQ(send(http::verb::post, paths, kAdmin, R"({"path":"/more"})").res.result_int(), 200u);
  EXPECT_EQ(server_->library_generation(), generation + 1);
  EXPECT_EQ(send(http::verb::post, paths, kAdmin, R"({"path":"/more"})").res.result_int(), 500u)
      << "add_library_complete fails and the app's error_response call raises";
  EXPECT_EQ(send(http::verb::post, paths, kAdmin, R"({"nopath":1})").res.result_int(), 400u);
  EXPECT_EQ(send(http::verb::delete_, paths, kAdmin, R"({"path":"/more"})").res.result_int(), 200u);
  EXPECT_EQ(server_->library_generation(), generation + 2);

  auto upload = [&](const std::string& filename, const std::string& content) {
    const std::string body = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename +
                             "\"\r\nContent-Type: text/plain\r\n\r\n" + content + "\r\n--XyZ--\r\n";
    return call(http::verb::post, "/api/settings/keys",
                kAdmin + Headers{{"Content-Type", "multipart/form-data; boundary=XyZ"}}, body);
  };
  EXPECT_EQ(upload("prod.keys", "header_key = 00112233\nkey_area_key_application_00 = aabb\n").res.result_int(), 200u);
  EXPECT_EQ(server_->library_generation(), generation + 3);
  EXPECT_EQ(upload("prod.keys", "not keys").res.result_int(), 400u);
  EXPECT_EQ(upload("prod.bin", "header_key = 00").res.result_int(), 400u);
  EXPECT_EQ(server_->library_generation(), generation + 3);
  EXPECT_EQ(changes_.load(), 3);
}

TEST_F(StubSettingsTest, ASettingsBackupRestoresTheShopAndTitleSettings) {
  ASSERT_EQ(send(http::verb::post, "/api/settings/shop", kAdmin, R"({"host":"","motd":"changed"})").res.result_int(),
            200u);
  ASSERT_EQ(send(http::verb::post, "/api/settings/titles", kAdmin, R"({"region":"JP","language":"ja"})")
                .res.result_int(),
            200u);
  const Headers tinfoil = kAlice + Headers{{"User-Agent", "Tinfoil/17.0"}};
  ASSERT_NE(call(http::verb::get, "/index.json", tinfoil).res.body().find("\"success\":\"changed\""),
            std::string::npos);
  EXPECT_EQ(send(http::verb::post, "/api/backup/restore", kAdmin, R"({"filename":"missing.yaml"})").res.result_int(),
            500u);
  EXPECT_EQ(send(http::verb::post, "/api/backup/restore", kAdmin, "{}").res.result_int(), 400u);
  const Result restored =
      send(http::verb::post, "/api/backup/restore", kAdmin, R"({"filename":"settings_20260101_000000.yaml"})");
  ASSERT_EQ(restored.res.result_int(), 200u) << restored.res.body();
  EXPECT_NE(call(http::verb::get, "/index.json", tinfoil).res.body().find("\"success\":\"Welcome to MyFoil\""),
            std::string::npos);
  EXPECT_EQ(info("titledb_region"), "US");
}

TEST_F(StubSettingsTest, RenamingAnswersAtOnceAndReidentifyRunsAJob) {
  const Result renaming = call(http::verb::post, "/api/renaming/run", kAdmin);
  EXPECT_EQ(renaming.res.result_int(), 200u);
  EXPECT_EQ(renaming.res.body(), "{\"message\":\"Renaming job started in background\",\"success\":true}\n");
  EXPECT_EQ(status(http::verb::post, "/api/renaming/run", kAlice), 403u);
  const auto hash_before = call(http::verb::get, "/api/library", kAlice).header("ETag");
  EXPECT_EQ(status(http::verb::post, "/api/system/reidentify-all", kAdmin), 200u);
  ASSERT_TRUE(test::wait_until([&] { return job_completed("reidentify_all"); }, kBound));
  EXPECT_EQ(call(http::verb::get, "/api/library", kAlice).header("ETag"), hash_before)
      << "the files identify as before";
}

TEST_F(StubSettingsTest, ADeletedUserIsRefusedWithEveryCredential) {
  ASSERT_EQ(status(http::verb::get, "/api/tags", kAliceBearer), 200u);
  // current_user.id: not with Basic (500), and never oneself.
  EXPECT_EQ(send(http::verb::delete_, "/api/user", kAdmin, R"({"user_id":1})").res.result_int(), 500u);
  EXPECT_EQ(send(http::verb::delete_, "/api/user", kAdminSession, R"({"user_id":3})").res.result_int(), 400u);
  EXPECT_EQ(send(http::verb::delete_, "/api/user", kAdminSession, R"({"user_id":"x"})").res.result_int(), 400u);
  const Result deleted = send(http::verb::delete_, "/api/user", kAdminSession, R"({"user_id":1})");
  ASSERT_EQ(deleted.res.result_int(), 200u) << deleted.res.body();
  for (const Headers& alice : {kAlice, kAliceSession, kAliceBearer}) {
    EXPECT_EQ(status(http::verb::get, "/api/tags", alice), 401u);
  }
  EXPECT_EQ(send(http::verb::delete_, "/api/user", kAdminSession, R"({"user_id":1})").res.result_int(), 404u);

  const Result created =
      send(http::verb::post, "/api/user", kAdmin, R"({"user":"alice","password":"new-pw","shop_access":true})");
  ASSERT_EQ(created.res.result_int(), 200u) << created.res.body();
  EXPECT_EQ(status(http::verb::get, "/api/tags", {{"Authorization", "Basic " + base64_encode("alice:new-pw")}}),
            200u);
  EXPECT_EQ(status(http::verb::get, "/api/tags", kAliceBearer), 401u) << "a new user has no token yet";
  EXPECT_EQ(send(http::verb::post, "/api/user", kAdmin, R"({"user":"alice","password":"x"})").res.result_int(), 500u);
}

TEST_F(StubSettingsTest, ARevokedTokenIsRefusedUntilANewOne) {
  const Result listed = call(http::verb::get, "/api/settings/tokens", kAdmin);
  ASSERT_NE(listed.res.body().find("\"user_name\":\"alice\""), std::string::npos) << listed.res.body();
  EXPECT_EQ(status(http::verb::delete_, "/api/settings/tokens/1", kAdmin), 200u);
  EXPECT_EQ(status(http::verb::get, "/api/tags", kAliceBearer), 401u);
  EXPECT_EQ(status(http::verb::get, "/api/tags", kAlice), 200u) << "only the token";
  EXPECT_EQ(status(http::verb::delete_, "/api/settings/tokens/1", kAdmin), 404u);
  const Result created = send(http::verb::post, "/api/settings/tokens", kAdmin, R"({"name":"script","user_id":1})");
  ASSERT_EQ(created.res.result_int(), 200u) << created.res.body();
  EXPECT_EQ(data_field(created.res.body(), "token"), "token-alice");
  EXPECT_EQ(status(http::verb::get, "/api/tags", kAliceBearer), 200u);
}

TEST_F(StubSettingsTest, APasswordChangeRefusesTheOldPassword) {
  const std::string change = "/api/change_password";
  EXPECT_EQ(send(http::verb::post, change, kAlice, "{}").res.result_int(), 302u) << "login_required: a session";
  const std::string wrong = R"({"current_password":"nope","new_password":"n","confirm_password":"n"})";
  EXPECT_EQ(send(http::verb::post, change, kAliceSession, wrong).res.result_int(), 400u);
  const std::string mismatch = R"({"current_password":"alice-pw","new_password":"n","confirm_password":"m"})";
  EXPECT_EQ(send(http::verb::post, change, kAliceSession, mismatch).res.result_int(), 400u);
  const std::string good = R"({"current_password":"alice-pw","new_password":"n","confirm_password":"n"})";
  ASSERT_EQ(send(http::verb::post, change, kAliceSession, good).res.result_int(), 200u);
  EXPECT_EQ(status(http::verb::get, "/api/tags", kAlice), 401u);
  EXPECT_EQ(status(http::verb::get, "/api/tags", {{"Authorization", "Basic " + base64_encode("alice:n")}}), 200u);
  EXPECT_EQ(status(http::verb::get, "/api/tags", kAliceSession), 200u) << "the session stays valid, as in the app";
}

}  // namespace
}  // namespace foilcache::stub

// The app's write routes through an in-process StubServer: each changes exactly what the app
// changes for exactly whom, answers as the app answers, and a failed write changes nothing
// (every read a write could touch is compared before and after).
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tests/unit/stub/stub_client.hpp"
#include "upstream_stub/stub_handlers.hpp"
#include "upstream_stub/stub_server.hpp"

namespace foilcache::stub {
namespace {

using test_client::Client;
using test_client::Headers;
using test_client::Result;

constexpr std::size_t kTitles = 300;
const Headers kAlice = {{"Authorization", "Basic " + base64_encode("alice:alice-pw")}};
const Headers kBob = {{"Authorization", "Basic " + base64_encode("bob:bob-pw")}};
const Headers kAdmin = {{"Authorization", "Basic " + base64_encode("admin:admin-pw")}};
const Headers kAliceSession = {{"Cookie", "session=sess-alice"}};
const Headers kBobSession = {{"Cookie", "session=sess-bob"}};
const Headers kAliceBearer = {{"Authorization", "Bearer token-alice"}};
const Headers kTinfoil = {{"User-Agent", "Tinfoil/17.0"}};

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

class StubWritesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StubOptions o;
    o.latency_scale = 0;
    o.base_titles = kTitles;
    o.game_size = 1000;
    server_ = std::make_unique<StubServer>(std::move(o));
    server_->start();
  }

  Result call(http::verb verb, std::string target, const Headers& headers = {},
              std::string body = {}) {
    Client c(server_->port());
    return c.request(verb, std::move(target), headers, std::move(body));
  }
  Result get(std::string target, const Headers& headers) {
    return call(http::verb::get, std::move(target), headers);
  }
  // A request with a JSON body, as the app's UI sends it.
  Result send_json(http::verb verb, std::string target, const Headers& headers, std::string body) {
    return call(verb, std::move(target), headers + Headers{{"Content-Type", "application/json"}},
                std::move(body));
  }
  Result post_json(std::string target, const Headers& headers, std::string body) {
    return send_json(http::verb::post, std::move(target), headers, std::move(body));
  }

  // Every read of `who` a write may change.
  std::vector<std::string> views(const Headers& who) {
    std::vector<std::string> out;
    for (const char* target :
         {"/api/library?per_page=1000", "/api/library/paged?dlc=1&per_page=100",
          "/api/library/search/paged?dlc=true&per_page=100", "/api/stats/overview", "/api/tags",
          "/api/library/paged?per_page=100&sort_by=name"}) {
      out.push_back(get(target, who).res.body());
    }
    out.push_back(get("/index.json", who + kTinfoil).res.body());
    return out;
  }
  std::vector<std::string> everyones_views() {
    auto a = views(kAlice);
    const auto b = views(kBob);
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }

  // The first item of alice's whole library matching `pick`.
  rapidjson::Document library(const Headers& who) {
    return parse(get("/api/library?per_page=1000", who).res.body());
  }

  std::unique_ptr<StubServer> server_;
};

// ---- ignore toggles ----

TEST_F(StubWritesTest, DlcIgnoreToggleChangesOnlyThatUsersViews) {
  const auto lib = library(kAlice);
  std::string tid;
  std::vector<std::string> missing;
  for (const auto& item : lib["data"]["items"].GetArray()) {
    if (!item["has_non_ignored_dlcs"].GetBool() || item["has_non_ignored_updates"].GetBool() ||
        std::string(item["status_color"].GetString()) != "orange") {
      continue;
    }
    tid = item["id"].GetString();
    for (const auto& app : item["apps"].GetArray()) {
      if (std::string(app["app_type"].GetString()) == "DLC" && !app["owned"].GetBool()) {
        missing.push_back(app["app_id"].GetString());
      }
    }
    break;
  }
  ASSERT_FALSE(tid.empty()) << "alice has a title whose only gap is a DLC";
  const auto alice_before = views(kAlice);
  const auto bob_before = views(kBob);
  const auto pending = [&] {
    return parse(get("/api/stats/overview", kAlice).res.body())["data"]["library"]["pending"].GetInt64();
  };
  const std::int64_t pending_before = pending();

  for (const std::string& dlc : missing) {
    const Result r = post_json("/api/library/ignore/" + tid, kAliceSession,
                               R"({"type":"dlc","item_id":")" + dlc + R"(","ignored":true})");
    ASSERT_EQ(r.res.result_int(), 200u) << r.res.body();
    EXPECT_EQ(r.res.body(),
              "{\"code\":\"SUCCESS\",\"message\":\"Ignore preferences updated\",\"success\":true}\n");
  }

  const auto alice_after = views(kAlice);
  EXPECT_NE(alice_after[0], alice_before[0]) << "/api/library";
  EXPECT_NE(alice_after[1], alice_before[1]) << "/api/library/paged?dlc=1";
  EXPECT_NE(alice_after[2], alice_before[2]) << "/api/library/search/paged?dlc=true";
  EXPECT_EQ(pending(), pending_before - 1) << "/api/stats/overview: now fully ignored";
  EXPECT_EQ(alice_after[4], alice_before[4]) << "/api/tags";
  EXPECT_EQ(alice_after[6], alice_before[6]) << "the shop index knows no ignores";
  EXPECT_EQ(views(kBob), bob_before) << "bob's views are untouched";
  const auto search = parse(get("/api/library/search/paged?dlc=true&q=" + tid, kAlice).res.body());
  EXPECT_EQ(search["data"]["pagination"]["total_items"].GetInt64(), 0);
  const auto record = parse(get("/api/library/ignore/" + tid, kAliceBearer).res.body());
  for (const std::string& dlc : missing) EXPECT_TRUE(record["data"]["dlcs"][dlc.c_str()].GetBool());
}

TEST_F(StubWritesTest, UpdateIgnoreToggleClearsThePendingUpdateFlag) {
  const auto lib = library(kBob);
  std::string tid;
  std::vector<int> versions;
  for (const auto& item : lib["data"]["items"].GetArray()) {
    if (!item["has_non_ignored_updates"].GetBool()) continue;
    tid = item["id"].GetString();
    for (const auto& app : item["apps"].GetArray()) {
      if (std::string(app["app_type"].GetString()) == "UPDATE" && !app["owned"].GetBool()) {
        versions.push_back(app["app_version"].GetInt());
      }
    }
    break;
  }
  ASSERT_FALSE(tid.empty());
  const auto alice_before = views(kAlice);
  for (const int v : versions) {
    // item_id as a number: the app's dict key becomes its decimal text.
    const Result r = post_json("/api/library/ignore/" + tid, kBobSession,
                               R"({"type":"update","item_id":)" + std::to_string(v) + R"(,"ignored":true})");
    ASSERT_EQ(r.res.result_int(), 200u) << r.res.body();
  }
  const auto bob_library = library(kBob);  // named: the range below views into it
  for (const auto& item : bob_library["data"]["items"].GetArray()) {
    if (item["id"].GetString() == tid) {
      EXPECT_FALSE(item["has_non_ignored_updates"].GetBool());
    }
  }
  EXPECT_EQ(views(kAlice), alice_before);
}

TEST_F(StubWritesTest, WishlistIgnoreWritesTheSameRecordButOnlyForDlcs) {
  const auto lib = library(kAlice);
  std::string tid, dlc;
  for (const auto& item : lib["data"]["items"].GetArray()) {
    if (!item["has_non_ignored_dlcs"].GetBool()) continue;
    for (const auto& app : item["apps"].GetArray()) {
      if (std::string(app["app_type"].GetString()) == "DLC" && !app["owned"].GetBool()) {
        dlc = app["app_id"].GetString();
      }
    }
    tid = item["id"].GetString();
    break;
  }
  ASSERT_FALSE(dlc.empty());
  const auto before = everyones_views();
  const Result update = post_json("/api/wishlist/ignore/" + tid, kAliceSession,
                                  R"({"type":"update","item_id":"65536","ignored":true})");
  EXPECT_EQ(update.res.result_int(), 400u);
  EXPECT_EQ(update.res.body(),
            "{\"code\":\"INVALID_PARAMS\",\"message\":\"Only dlc type is supported for ignore\","
            "\"success\":false}\n");
  EXPECT_EQ(everyones_views(), before);
  const Result ok = post_json("/api/wishlist/ignore/" + tid, kAliceSession,
                              R"({"type":"dlc","item_id":")" + dlc + R"(","ignored":true})");
  ASSERT_EQ(ok.res.result_int(), 200u) << ok.res.body();
  EXPECT_EQ(ok.res.body(),
            "{\"code\":\"SUCCESS\",\"message\":\"Ignore preference updated\",\"success\":true}\n");
  const auto record = parse(get("/api/wishlist/ignore/" + tid, kAliceSession).res.body());
  EXPECT_TRUE(record["data"]["dlcs"][dlc.c_str()].GetBool());
  EXPECT_FALSE(record["data"].HasMember("updates"));
}

struct FailedToggle {
  const char* name;
  const char* prefix;  // /api/library/ignore/ or /api/wishlist/ignore/
  Headers headers;
  const char* content_type;  // nullptr: none
  std::string body;
  unsigned status;
  const char* body_contains;
};

class StubWritesFailedToggleTest : public StubWritesTest,
                                   public ::testing::WithParamInterface<FailedToggle> {};

TEST_P(StubWritesFailedToggleTest, AnswersLikeTheAppAndChangesNothing) {
  const FailedToggle& c = GetParam();
  const auto lib = library(kAlice);
  const std::string tid = lib["data"]["items"][0]["id"].GetString();
  const auto before = everyones_views();
  Headers headers = c.headers;
  if (c.content_type != nullptr) headers.emplace_back("Content-Type", c.content_type);
  const Result r = call(http::verb::post, std::string(c.prefix) + tid, headers, c.body);
  EXPECT_EQ(r.res.result_int(), c.status) << r.res.body();
  EXPECT_NE(r.res.body().find(c.body_contains), std::string::npos) << r.res.body();
  EXPECT_EQ(everyones_views(), before);
}

const std::string kDlcBody = R"({"type":"dlc","item_id":"0100000000001000","ignored":true})";

INSTANTIATE_TEST_SUITE_P(
    Table, StubWritesFailedToggleTest,
    ::testing::Values(
        FailedToggle{"NoCredentials", "/api/library/ignore/", {}, "application/json", kDlcBody,
                     401, "\"UNAUTHORIZED\""},
        FailedToggle{"BasicLeavesNoCurrentUser", "/api/library/ignore/", kAlice,
                     "application/json", kDlcBody, 500, "\"INTERNAL_ERROR\""},
        FailedToggle{"NotJson", "/api/library/ignore/", kAliceSession, "text/plain", kDlcBody,
                     500, "An unexpected error occurred"},
        FailedToggle{"NoContentType", "/api/library/ignore/", kAliceSession, nullptr, kDlcBody,
                     500, "An unexpected error occurred"},
        FailedToggle{"BrokenJson", "/api/library/ignore/", kAliceSession, "application/json",
                     "{\"type\":", 500, "An unexpected error occurred"},
        FailedToggle{"MissingItem", "/api/library/ignore/", kAliceSession, "application/json",
                     R"({"type":"dlc"})", 400, "type and item_id are required"},
        FailedToggle{"EmptyBody", "/api/library/ignore/", kAliceSession, "application/json",
                     "{}", 400, "\"VALIDATION_ERROR\""},
        FailedToggle{"BadType", "/api/library/ignore/", kAliceSession, "application/json",
                     R"({"type":"base","item_id":"x"})", 400, R"(type must be \"dlc\" or \"update\")"},
        FailedToggle{"UnhashableItem", "/api/library/ignore/", kAliceSession, "application/json",
                     R"({"type":"dlc","item_id":["x"]})", 500, "\"INTERNAL_ERROR\""},
        FailedToggle{"TypeCheckedBeforeTheItem", "/api/library/ignore/", kAliceSession,
                     "application/json", R"({"type":"base","item_id":["x"]})", 400,
                     "\"VALIDATION_ERROR\""},
        FailedToggle{"WishlistNeedsASession", "/api/wishlist/ignore/", kAliceBearer,
                     "application/json", kDlcBody, 302, "/login?next=%2Fapi%2Fwishlist%2Fignore%2F"},
        FailedToggle{"WishlistMissingItem", "/api/wishlist/ignore/", kAliceSession,
                     "application/json", R"({"type":"dlc"})", 400, "\"INVALID_PARAMS\""}),
    [](const auto& info) { return std::string(info.param.name); });

// ---- wishlist ----

TEST_F(StubWritesTest, WishlistIsPerUserWithTheAppsChecks) {
  const auto lib = library(kAlice);
  std::string owned, wanted;
  for (const auto& item : lib["data"]["items"].GetArray()) {
    (item["has_base"].GetBool() ? owned : wanted) = item["id"].GetString();
  }
  ASSERT_FALSE(owned.empty());
  ASSERT_FALSE(wanted.empty());
  const std::string empty = "{\"code\":\"SUCCESS\",\"data\":[],\"success\":true}\n";
  EXPECT_EQ(get("/api/wishlist", kAliceSession).res.body(), empty);

  auto add = [&](const std::string& body) {
    return post_json("/api/wishlist", kAliceSession, body);
  };
  EXPECT_EQ(add(R"({"title_id":")" + wanted + R"("})").res.result_int(), 200u);
  EXPECT_EQ(add(R"({"name":"Homebrew Quest"})").res.result_int(), 200u);
  const Result dup = add(R"({"title_id":")" + wanted + R"("})");
  EXPECT_EQ(dup.res.result_int(), 400u);
  EXPECT_NE(dup.res.body().find("\"CONFLICT\""), std::string::npos);
  const Result mine = add(R"({"title_id":")" + owned + R"("})");
  EXPECT_EQ(mine.res.result_int(), 400u);
  EXPECT_NE(mine.res.body().find("biblioteca"), std::string::npos);
  EXPECT_EQ(add("{}").res.result_int(), 400u) << "neither name nor title_id";
  EXPECT_EQ(add("null").res.result_int(), 500u) << "data.get on None";

  const auto list = parse(get("/api/wishlist", kAliceSession).res.body());
  ASSERT_EQ(list["data"].Size(), 2u);
  EXPECT_STREQ(list["data"][1]["title_id"].GetString(), wanted.c_str());
  EXPECT_STRNE(list["data"][1]["name"].GetString(), "") << "named from the library";
  EXPECT_EQ(get("/api/wishlist", kBobSession).res.body(), empty) << "bob's is his own";

  const std::string id = std::to_string(list["data"][0]["id"].GetInt64());
  EXPECT_EQ(call(http::verb::delete_, "/api/wishlist/" + id, kBobSession).res.result_int(), 404u);
  const Result del = call(http::verb::delete_, "/api/wishlist/" + id, kAliceSession);
  EXPECT_EQ(del.res.body(), "{\"code\":\"SUCCESS\",\"data\":{\"id\":" + id +
                                "},\"message\":\"Item removido da wishlist\",\"success\":true}\n");
  EXPECT_EQ(parse(get("/api/wishlist", kAliceSession).res.body())["data"].Size(), 1u);

  const Result anonymous = get("/api/wishlist", kAlice);
  EXPECT_EQ(anonymous.res.result_int(), 302u) << "login_required knows sessions only";
  EXPECT_EQ(anonymous.header("Location"), "/login?next=%2Fapi%2Fwishlist");
}

// ---- tags ----

TEST_F(StubWritesTest, TagWritesChangeTheTagReadsOnly) {
  // A title carrying tag 1 (Favorites).
  std::string tid;
  const auto alice_library = library(kAlice);  // named: the range below views into it
  for (const auto& item : alice_library["data"]["items"].GetArray()) {
    for (const auto& tag : item["tags"].GetArray()) {
      if (std::string(tag.GetString()) == "Favorites" && tid.empty()) tid = item["id"].GetString();
    }
  }
  ASSERT_FALSE(tid.empty());
  const std::string title_tags = "/api/titles/" + tid + "/tags";
  const auto before = everyones_views();
  const std::string tags_before = get(title_tags, kAlice).res.body();
  EXPECT_NE(tags_before.find("\"Favorites\""), std::string::npos);

  for (const auto& [headers, body, status] :
       std::vector<std::tuple<Headers, std::string, unsigned>>{
           {kAlice, R"({"name":"Faves"})", 403},
           {{}, R"({"name":"Faves"})", 401},
           {kAdmin, R"({"name":null})", 500},
           {kAdmin, R"({"name":"Multiplayer"})", 500},
           {kAdmin, R"(["name"])", 500},
           {kAdmin, R"({"color":"#1234567890"})", 500}}) {
    EXPECT_EQ(send_json(http::verb::put, "/api/tags/1", headers, body).res.result_int(), status) << body;
  }
  EXPECT_EQ(send_json(http::verb::put, "/api/tags/99", kAdmin, R"({"name":"x"})").res.result_int(), 404u);
  EXPECT_EQ(everyones_views(), before) << "failed tag writes";
  EXPECT_EQ(get(title_tags, kAlice).res.body(), tags_before);

  const Result renamed = send_json(http::verb::put, "/api/tags/1", kAdmin, R"({"name":"Faves"})");
  EXPECT_EQ(renamed.res.body(),
            "{\"code\":\"SUCCESS\",\"data\":{\"color\":\"#f1c40f\",\"icon\":\"bi-star-fill\","
            "\"id\":1,\"name\":\"Faves\"},\"success\":true}\n");
  EXPECT_NE(get("/api/tags", kBob).res.body().find("\"Faves\""), std::string::npos);
  EXPECT_NE(get(title_tags, kBob).res.body().find("\"Faves\""), std::string::npos);
  EXPECT_EQ(views(kAlice)[0], before[0]) << "library items carry metadata tags, not Tag rows";

  EXPECT_EQ(call(http::verb::delete_, "/api/tags/1", kAdmin).res.result_int(), 200u);
  EXPECT_EQ(call(http::verb::delete_, "/api/tags/1", kAdmin).res.body(),
            "{\"code\":\"NOT_FOUND\",\"message\":\"Tag not found not found\",\"success\":false}\n");
  EXPECT_EQ(get("/api/tags", kBob).res.body().find("\"Faves\""), std::string::npos);
  EXPECT_EQ(get(title_tags, kBob).res.body().find("\"Faves\""), std::string::npos);
  EXPECT_EQ(get("/api/titles/0100FFFFFFFFF000/tags", kBob).res.result_int(), 404u);
}

// ---- custom game info ----

TEST_F(StubWritesTest, CustomInfoChangesOneTitleEverywhere) {
  const auto lib = library(kAlice);
  const std::string tid = lib["data"]["items"][3]["id"].GetString();
  const std::string other = lib["data"]["items"][4]["id"].GetString();
  const std::string other_before = get("/api/app_info/" + other, kAlice).res.body();
  const auto before = everyones_views();

  EXPECT_EQ(post_json("/api/games/" + tid + "/custom", {}, R"({"name":"Zed"})").res.result_int(), 401u);
  const Result empty = post_json("/api/games/" + tid + "/custom", kAlice, "{}");
  EXPECT_EQ(empty.res.result_int(), 500u);
  EXPECT_NE(empty.res.body().find("Missing TitleID or Data"), std::string::npos);
  EXPECT_EQ(call(http::verb::post, "/api/games/" + tid + "/custom", kAlice, R"({"name":"Zed"})")
                .res.result_int(),
            500u)
      << "no JSON Content-Type";
  EXPECT_EQ(everyones_views(), before);

  const Result ok = post_json("/api/games/" + tid + "/custom", kAlice,
                              R"({"name":"Zed Custom","description":"Mine.","iconUrl":"https://cdn.test/zed.png"})");
  EXPECT_EQ(ok.res.body(),
            "{\"code\":\"SUCCESS\",\"message\":\"Custom info updated successfully\",\"success\":true}\n");
  const auto info = parse(get("/api/app_info/" + tid, kBob).res.body());
  EXPECT_STREQ(info["data"]["name"].GetString(), "Zed Custom");
  EXPECT_STREQ(info["data"]["description"].GetString(), "Mine.");
  EXPECT_STREQ(info["data"]["iconUrl"].GetString(), "https://cdn.test/zed.png");
  EXPECT_EQ(get("/api/app_info/" + other, kAlice).res.body(), other_before);
  const auto after = views(kBob);
  EXPECT_NE(after[0].find("\"Zed Custom\""), std::string::npos) << "/api/library";
  EXPECT_NE(after[6].find("Zed Custom"), std::string::npos) << "the shop index";
  const auto custom = parse(get("/api/games/" + tid + "/custom", kAlice).res.body());
  EXPECT_STREQ(custom["data"]["name"].GetString(), "Zed Custom");
}

// ---- shop settings ----

TEST_F(StubWritesTest, ShopSettingsChangeTheIndex) {
  const auto before = everyones_views();
  for (const auto& [headers, body, status] : std::vector<std::tuple<Headers, std::string, unsigned>>{
           {kAlice, R"({"host":"","motd":"Hi"})", 403},
           {kAdmin, R"({"motd":"Hi"})", 400},
           {kAdmin, R"({"host":5,"motd":"Hi"})", 500},
           {kAdmin, "null", 500}}) {
    EXPECT_EQ(post_json("/api/settings/shop", headers, body).res.result_int(), status) << body;
  }
  EXPECT_EQ(post_json("/api/settings/shop", kAdmin, R"({"motd":"Hi"})").res.body(),
            "{\"code\":\"VALIDATION_ERROR\",\"message\":\"Missing required parameter: 'host'\","
            "\"success\":false}\n");
  EXPECT_EQ(everyones_views(), before);

  ASSERT_EQ(post_json("/api/settings/shop", kAdmin, R"({"host":"","motd":"Hi there"})").res.result_int(), 200u);
  EXPECT_STREQ(parse(get("/index.json", kAlice + kTinfoil).res.body())["success"].GetString(), "Hi there");
  EXPECT_NE(get("/index.json", kTinfoil).res.body().find("\"error\""), std::string::npos)
      << "still private";
  ASSERT_EQ(post_json("/api/settings/shop", kAdmin, R"({"host":"","public":true})").res.result_int(), 200u);
  EXPECT_EQ(get("/index.json", kTinfoil).res.body().find("\"error\""), std::string::npos)
      << "public: no credentials needed";
  ASSERT_EQ(post_json("/api/settings/shop", kAdmin, R"({"host":"","encrypt":true})").res.result_int(), 200u);
  EXPECT_EQ(get("/index.json", kTinfoil).header("Content-Type"), "application/octet-stream");
}

}  // namespace
}  // namespace foilcache::stub

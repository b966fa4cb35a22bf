// StubServer in-process on an ephemeral port, latency off, driven by a small Beast client.
// Every client operation is bounded by kTimeout (tcp_stream / websocket timeouts).
#include "upstream_stub/stub_server.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <boost/crc.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/net.hpp"
#include "upstream_stub/game_bytes.hpp"
#include "upstream_stub/stub_handlers.hpp"
#include "tests/unit/stub/stub_client.hpp"

namespace foilcache::stub {
namespace {

constexpr std::chrono::seconds kTimeout{10};
constexpr std::uint64_t kGameSize = 300'001;  // odd size: the last chunk is partial
const std::string kAliceBasic = "Basic " + base64_encode("alice:alice-pw");
const std::string kBobBasic = "Basic " + base64_encode("bob:bob-pw");
const std::string kAdminBasic = "Basic " + base64_encode("admin:admin-pw");

using test_client::Client;
using test_client::Headers;
using test_client::Result;

rapidjson::Document parse_json(const std::string& body) {
  rapidjson::Document d;
  d.Parse(body.c_str());
  EXPECT_FALSE(d.HasParseError()) << body.substr(0, 200);
  return d;
}

StubOptions test_options() {
  StubOptions o;
  o.latency_scale = 0;
  o.game_size = kGameSize;
  o.stream_chunk = 4096;  // many chunks per download
  return o;
}

class StubServerTest : public ::testing::Test {
 protected:
  void SetUp() override { start(test_options()); }

  void start(StubOptions options) {
    if (server_) server_->stop();
    server_ = std::make_unique<StubServer>(std::move(options));
    server_->start();
  }

  Result get(std::string target, const Headers& headers = {}) {
    Client c(server_->port());
    return c.request(http::verb::get, std::move(target), headers);
  }
  Result post(std::string target, const Headers& headers = {}, std::string body = {}) {
    Client c(server_->port());
    return c.request(http::verb::post, std::move(target), headers, std::move(body));
  }

  std::unique_ptr<StubServer> server_;
};

TEST_F(StubServerTest, SystemInfoNeedsNoCredentials) {
  const Result r = get("/api/system/info");
  ASSERT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.res.result(), http::status::ok);
  const auto d = parse_json(r.res.body());
  EXPECT_STREQ(d["data"]["build_version"].GetString(), "2.2.0-stub");
  EXPECT_TRUE(d["success"].GetBool());
}

// ---- /api/library/paged validation, through the server ----

struct PagedHttpCase {
  const char* name;
  const char* query;
  const char* page;
  const char* per_page;
  const char* sort_by;
  const char* order;
  std::size_t items;
};

class StubServerPagedValidationTest : public StubServerTest,
                            public ::testing::WithParamInterface<PagedHttpCase> {};

TEST_P(StubServerPagedValidationTest, ClampsOrFallsBackNeverFails) {
  const PagedHttpCase& c = GetParam();
  const Result r =
      get(std::string("/api/library/paged") + c.query, {{"Authorization", kAliceBasic}});
  ASSERT_FALSE(r.ec) << r.ec.message();
  ASSERT_EQ(r.res.result(), http::status::ok);
  EXPECT_EQ(r.header("X-Page"), c.page);
  EXPECT_EQ(r.header("X-Per-Page"), c.per_page);
  EXPECT_EQ(r.header("X-Total-Count"), "1200");
  EXPECT_EQ(r.header("X-Cache"), "MISS");
  const auto d = parse_json(r.res.body());
  EXPECT_STREQ(d["pagination"]["sort_by"].GetString(), c.sort_by);
  EXPECT_STREQ(d["pagination"]["order"].GetString(), c.order);
  EXPECT_EQ(d["items"].Size(), c.items);
  EXPECT_EQ(r.header("X-Total-Pages"), std::to_string(d["pagination"]["total_pages"].GetInt()));
}

INSTANTIATE_TEST_SUITE_P(
    Table, StubServerPagedValidationTest,
    ::testing::Values(
        PagedHttpCase{"Defaults", "", "1", "50", "name", "asc", 50},
        PagedHttpCase{"PageZero", "?page=0", "1", "50", "name", "asc", 50},
        PagedHttpCase{"PageNotANumber", "?page=abc", "1", "50", "name", "asc", 50},
        PagedHttpCase{"PerPageTooBig", "?per_page=500", "1", "100", "name", "asc", 100},
        PagedHttpCase{"PerPageZero", "?per_page=0", "1", "1", "name", "asc", 1},
        PagedHttpCase{"PerPageEncodedSpaces", "?per_page=%2010+", "1", "10", "name", "asc", 10},
        PagedHttpCase{"PastTheEnd", "?page=99&per_page=100", "99", "100", "name", "asc", 0},
        PagedHttpCase{"LegacySort", "?sort=size&order=desc", "1", "50", "size", "desc", 50},
        PagedHttpCase{"UnknownSortAndOrder", "?sort_by=price&order=up", "1", "50", "name", "asc",
                      50}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(StubServerTest, PagedItemsDifferPerUser) {
  const std::string target = "/api/library/paged?page=2&per_page=100";
  const Result alice = get(target, {{"Authorization", kAliceBasic}});
  const Result alice_again = get(target, {{"Authorization", kAliceBasic}});
  const Result bob = get(target, {{"Authorization", kBobBasic}});
  ASSERT_EQ(alice.res.result(), http::status::ok);
  ASSERT_EQ(bob.res.result(), http::status::ok);
  EXPECT_EQ(alice.res.body(), alice_again.res.body());
  EXPECT_NE(alice.res.body(), bob.res.body());
  const auto a = parse_json(alice.res.body());
  const auto b = parse_json(bob.res.body());
  int differing = 0;
  for (rapidjson::SizeType i = 0; i < a["items"].Size(); ++i) {
    ASSERT_STREQ(a["items"][i]["id"].GetString(), b["items"][i]["id"].GetString());
    differing += a["items"][i]["has_non_ignored_dlcs"].GetBool() !=
                 b["items"][i]["has_non_ignored_dlcs"].GetBool();
  }
  EXPECT_GT(differing, 0);
}

// ---- credentials ----

struct CredentialCase {
  const char* name;
  Headers headers;
};

class StubServerRejectedCredentialsTest : public StubServerTest,
                                public ::testing::WithParamInterface<CredentialCase> {};

TEST_P(StubServerRejectedCredentialsTest, AnswersUnauthorizedJson) {
  const Result r = get("/api/library/paged", GetParam().headers);
  ASSERT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.res.result(), http::status::unauthorized);
  EXPECT_EQ(r.header("WWW-Authenticate"), "Basic realm=\"MyFoil\"");
  EXPECT_EQ(r.res.body(), "{\"error\":\"Authentication required\"}\n");
}

INSTANTIATE_TEST_SUITE_P(
    Table, StubServerRejectedCredentialsTest,
    ::testing::Values(CredentialCase{"None", {}},
                      CredentialCase{"BasicWrongPassword",
                                     {{"Authorization", "Basic " + base64_encode("alice:nope")}}},
                      CredentialCase{"BasicUnknownUser",
                                     {{"Authorization", "Basic " + base64_encode("eve:eve-pw")}}},
                      CredentialCase{"BasicGarbage", {{"Authorization", "Basic !!!"}}},
                      CredentialCase{"BearerUnknown", {{"Authorization", "Bearer token-eve"}}},
                      CredentialCase{"BearerWrongShape", {{"Authorization", "Bearer alice"}}},
                      CredentialCase{"SessionUnknown", {{"Cookie", "session=sess-eve"}}},
                      CredentialCase{"SessionWrongShape", {{"Cookie", "session=alice"}}},
                      CredentialCase{"RememberUnknown",
                                     {{"Cookie", "remember_token=remember-eve"}}}),
    [](const auto& info) { return std::string(info.param.name); });

class StubServerAcceptedCredentialsTest : public StubServerTest,
                                public ::testing::WithParamInterface<CredentialCase> {};

TEST_P(StubServerAcceptedCredentialsTest, ServesAlicesView) {
  const Result reference = get("/api/library/paged", {{"Authorization", kAliceBasic}});
  const Result r = get("/api/library/paged", GetParam().headers);
  ASSERT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.res.result(), http::status::ok);
  EXPECT_EQ(r.res.body(), reference.res.body());
  EXPECT_EQ(r.header("Vary"), "Cookie");
}

INSTANTIATE_TEST_SUITE_P(
    Table, StubServerAcceptedCredentialsTest,
    ::testing::Values(
        CredentialCase{"BasicLowerCaseScheme",
                       {{"Authorization", "basic " + base64_encode("alice:alice-pw")}}},
        CredentialCase{"Bearer", {{"Authorization", "Bearer token-alice"}}},
        CredentialCase{"Session", {{"Cookie", "theme=dark; session=sess-alice"}}},
        CredentialCase{"RememberToken", {{"Cookie", "remember_token=remember-alice"}}}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(StubServerTest, ScanNeedsAdminAndChangesPages) {
  const std::string target = "/api/library/paged?per_page=100";
  const Result before = get(target, {{"Authorization", kAliceBasic}});
  EXPECT_EQ(post("/api/library/scan", {{"Authorization", kBobBasic}}).res.result(),
            http::status::forbidden);
  EXPECT_EQ(post("/api/library/scan").res.result(), http::status::unauthorized);
  EXPECT_EQ(server_->library_generation(), 0u);

  const Result scan = post("/api/library/scan", {{"Authorization", "Bearer token-admin"}});
  ASSERT_EQ(scan.res.result(), http::status::ok);
  EXPECT_EQ(parse_json(scan.res.body())["data"]["generation"].GetInt(), 1);
  EXPECT_EQ(server_->library_generation(), 1u);

  const Result after = get(target, {{"Authorization", kAliceBasic}});
  EXPECT_NE(before.res.body(), after.res.body());
  EXPECT_EQ(after.header("X-Total-Count"), "1201");
}

TEST_F(StubServerTest, ScanCallsTheLibraryChangedHook) {
  std::atomic<std::uint64_t> seen{0};
  StubOptions o = test_options();
  o.on_library_changed = [&](std::uint64_t generation) { seen = generation; };
  start(std::move(o));
  ASSERT_EQ(post("/api/library/scan", {{"Cookie", "session=sess-admin"}}).res.result(),
            http::status::ok);
  EXPECT_EQ(seen.load(), 1u);
}

TEST_F(StubServerTest, OtherReadEndpointsAnswerShapedJson) {
  const Headers alice{{"Authorization", kAliceBasic}};
  for (const char* target : {"/api/library/search/paged?q=super", "/api/stats/overview",
                             "/api/tags", "/api/upcoming", "/api/app_info/0100000000000000"}) {
    const Result r = get(target, alice);
    EXPECT_EQ(r.res.result(), http::status::ok) << target;
    EXPECT_TRUE(parse_json(r.res.body())["success"].GetBool()) << target;
    EXPECT_EQ(get(target).res.result(), http::status::unauthorized) << target;
  }
  EXPECT_EQ(get("/api/titledb_data/0100000000000000", alice).res.result(), http::status::not_found);
  EXPECT_EQ(get("/api/nope", alice).res.result(), http::status::not_found);
}

TEST_F(StubServerTest, StatsOverviewDependsOnTheCaller) {
  const Result alice = get("/api/stats/overview", {{"Authorization", kAliceBasic}});
  const Result bob = get("/api/stats/overview", {{"Authorization", kBobBasic}});
  EXPECT_NE(parse_json(alice.res.body())["data"]["library"]["pending"].GetInt(),
            parse_json(bob.res.body())["data"]["library"]["pending"].GetInt());
}

// ---- the Tinfoil shop index ----

struct ShopCase {
  const char* name;
  Headers headers;
  const char* first_url_prefix;
  bool lower_case_ids;
};

class StubServerShopIndexHttpTest : public StubServerTest, public ::testing::WithParamInterface<ShopCase> {};

TEST_P(StubServerShopIndexHttpTest, EmbedsCallerCredentialsSchemeAndHost) {
  const Result r = get("/index.json", GetParam().headers);
  ASSERT_EQ(r.res.result(), http::status::ok);
  const auto d = parse_json(r.res.body());
  ASSERT_TRUE(d.HasMember("files")) << r.res.body().substr(0, 200);
  const std::string url = d["files"][0]["url"].GetString();
  EXPECT_EQ(url.rfind(GetParam().first_url_prefix, 0), 0u) << url;
  const std::string id = d["titles"][0]["id"].GetString();
  EXPECT_EQ(id.find_first_of(GetParam().lower_case_ids ? "ABCDEF" : "abcdef"), std::string::npos)
      << id;
  EXPECT_EQ(d["files"][0]["size"].GetUint64(), kGameSize);
}

INSTANTIATE_TEST_SUITE_P(
    Table, StubServerShopIndexHttpTest,
    ::testing::Values(
        ShopCase{"HostHeader",
                 {{"Authorization", kAliceBasic}},
                 "http://alice:alice-pw@stub.test/api/get_game/1#",
                 false},
        ShopCase{
            "OtherUser", {{"Authorization", kBobBasic}}, "http://bob:bob-pw@stub.test/", false},
        ShopCase{"ForwardedHostAndProto",
                 {{"Authorization", kAliceBasic},
                  {"X-Forwarded-Proto", "https"},
                  {"X-Forwarded-Host", "shop.example"}},
                 "https://alice:alice-pw@shop.example/",
                 false},
        ShopCase{
            "LastForwardedValueWins",
            {{"Authorization", kAliceBasic}, {"X-Forwarded-Host", "evil.example, shop.example"}},
            "http://alice:alice-pw@shop.example/",
            false},
        ShopCase{"CfVisitorScheme",
                 {{"Authorization", kAliceBasic}, {"Cf-Visitor", "{\"scheme\":\"https\"}"}},
                 "https://alice:alice-pw@stub.test/",
                 false},
        ShopCase{"SessionCookieHasNoCredentialsInUrls",
                 {{"Cookie", "session=sess-alice"}},
                 "http://stub.test/",
                 false},
        ShopCase{"CyberfoilLowerCase",
                 {{"Authorization", kAliceBasic}, {"User-Agent", "Cyberfoil/1.0"}},
                 "http://alice:alice-pw@stub.test/",
                 true},
        ShopCase{"AwooLowerCase",
                 {{"Authorization", kAliceBasic}, {"User-Agent", "Awoo Installer"}},
                 "http://alice:alice-pw@stub.test/",
                 true},
        ShopCase{"TinfoilUpperCase",
                 {{"Authorization", kAliceBasic}, {"User-Agent", "Tinfoil/18"}},
                 "http://alice:alice-pw@stub.test/",
                 false}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(StubServerTest, ShopIndexWithoutCredentialsIsA200ErrorBody) {
  for (const char* target : {"/index.json", "/tinfoil.json"}) {
    const Result r = get(target);
    EXPECT_EQ(r.res.result(), http::status::ok);
    EXPECT_EQ(r.res.body(), "{\"error\":\"Missing or invalid authorization header\"}\n");
  }
  EXPECT_EQ(get("/", {{"Uid", "1234"}}).res.body(),
            "{\"error\":\"Missing or invalid authorization header\"}\n");
  EXPECT_EQ(get("/index.json", {{"Authorization", "Bearer token-alice"}}).res.body(),
            "{\"error\":\"Missing or invalid authorization header\"}\n");
  EXPECT_EQ(get("/index.json", {{"Authorization", "Basic " + base64_encode("alice:x")}}).res.body(),
            "{\"error\":\"Invalid username or password\"}\n");
  // A browser on "/" gets the web UI instead, behind normal access control.
  EXPECT_EQ(get("/").res.result(), http::status::unauthorized);
  EXPECT_EQ(get("/", {{"Authorization", kAliceBasic}}).header("Content-Type"),
            "text/html; charset=utf-8");
}

TEST_F(StubServerTest, ShopHauthVerification) {
  StubOptions o = test_options();
  o.shop_host = "shop.example";
  o.shop_hauth = "h-123";
  start(std::move(o));
  const Headers secure{{"Authorization", kAliceBasic},
                       {"X-Forwarded-Proto", "https"},
                       {"X-Forwarded-Host", "shop.example"}};
  Headers good = secure;
  good.emplace_back("Hauth", "h-123");
  const auto ok = parse_json(get("/index.json", good).res.body());
  ASSERT_TRUE(ok.HasMember("referrer"));
  EXPECT_STREQ(ok["referrer"].GetString(), "https://shop.example");

  Headers bad = secure;
  bad.emplace_back("Hauth", "wrong");
  EXPECT_EQ(get("/index.json", bad).res.body(),
            "{\"error\":\"Incorrect Hauth for URL `shop.example`.\"}\n");
  EXPECT_EQ(get("/index.json", {{"Authorization", kAliceBasic},
                                {"X-Forwarded-Proto", "https"},
                                {"X-Forwarded-Host", "other.example"},
                                {"Hauth", "h-123"}})
                .res.body(),
            "{\"error\":\"Incorrect URL `other.example`.\"}\n");
  // Plain http skips host verification (and so has no referrer).
  EXPECT_FALSE(parse_json(get("/index.json", {{"Authorization", kAliceBasic}}).res.body())
                   .HasMember("referrer"));
}

TEST_F(StubServerTest, FirstAdminLoginSetsTheHauth) {
  StubOptions o = test_options();
  o.shop_host = "shop.example";
  start(std::move(o));
  const Headers secure{{"X-Forwarded-Proto", "https"}, {"X-Forwarded-Host", "shop.example"}};
  Headers admin = secure;
  admin.emplace_back("Authorization", kAdminBasic);
  admin.emplace_back("Hauth", "learned");
  EXPECT_TRUE(parse_json(get("/index.json", admin).res.body()).HasMember("files"));
  Headers alice = secure;
  alice.emplace_back("Authorization", kAliceBasic);
  alice.emplace_back("Hauth", "other");
  EXPECT_EQ(get("/index.json", alice).res.body(),
            "{\"error\":\"Incorrect Hauth for URL `shop.example`.\"}\n");
}

// ---- downloads ----

void expect_game_bytes(std::uint64_t id, std::uint64_t offset, const std::string& body) {
  for (std::size_t i = 0; i < body.size(); ++i) {
    ASSERT_EQ(static_cast<std::uint8_t>(body[i]), game_byte(id, offset + i))
        << "offset " << offset + i;
  }
}

TEST_F(StubServerTest, GetGameFullFile) {
  const Result r = get("/api/get_game/3", {{"Authorization", kBobBasic}});
  ASSERT_FALSE(r.ec) << r.ec.message();
  ASSERT_EQ(r.res.result(), http::status::ok);
  EXPECT_EQ(r.header("Content-Length"), std::to_string(kGameSize));
  EXPECT_EQ(r.header("Accept-Ranges"), "bytes");
  EXPECT_EQ(r.header("Cache-Control"), "no-store");
  ASSERT_EQ(r.res.body().size(), kGameSize);
  expect_game_bytes(3, 0, r.res.body());
}

struct GameRangeCase {
  const char* name;
  const char* range;
  std::uint64_t first;
  std::uint64_t last;
};

class StubServerGetGameRangeTest : public StubServerTest,
                         public ::testing::WithParamInterface<GameRangeCase> {};

TEST_P(StubServerGetGameRangeTest, AnswersPartialContent) {
  const GameRangeCase& c = GetParam();
  const Result r = get("/api/get_game/2", {{"Authorization", kAliceBasic}, {"Range", c.range}});
  ASSERT_EQ(r.res.result(), http::status::partial_content);
  EXPECT_EQ(r.header("Content-Range"), "bytes " + std::to_string(c.first) + "-" +
                                           std::to_string(c.last) + "/" +
                                           std::to_string(kGameSize));
  ASSERT_EQ(r.res.body().size(), c.last - c.first + 1);
  expect_game_bytes(2, c.first, r.res.body());
}

INSTANTIATE_TEST_SUITE_P(
    Table, StubServerGetGameRangeTest,
    ::testing::Values(GameRangeCase{"Middle", "bytes=100-5099", 100, 5099},
                      GameRangeCase{"OpenEnded", "bytes=299990-", 299990, kGameSize - 1},
                      GameRangeCase{"Suffix", "bytes=-7", kGameSize - 7, kGameSize - 1},
                      GameRangeCase{"EndClipped", "bytes=300000-999999", 300000, kGameSize - 1}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(StubServerTest, GetGameUnsatisfiableRangeAndHead) {
  Client c(server_->port());
  const Result r = c.request(http::verb::get, "/api/get_game/2",
                             {{"Authorization", kAliceBasic}, {"Range", "bytes=300001-"}});
  EXPECT_EQ(r.res.result(), http::status::range_not_satisfiable);
  EXPECT_EQ(r.header("Content-Range"), "bytes */" + std::to_string(kGameSize));
  // Same connection: HEAD has the full length and no body.
  const Result head =
      c.request(http::verb::head, "/api/get_game/2", {{"Authorization", kAliceBasic}});
  ASSERT_FALSE(head.ec) << head.ec.message();
  EXPECT_EQ(head.res.result(), http::status::ok);
  EXPECT_EQ(head.header("Content-Length"), std::to_string(kGameSize));
  EXPECT_TRUE(head.res.body().empty());
  const Result after = c.request(http::verb::get, "/api/system/info");
  EXPECT_EQ(after.res.result(), http::status::ok);
}

TEST_F(StubServerTest, GetGameAuthAndMissingFile) {
  EXPECT_EQ(get("/api/get_game/1").res.body(),
            "{\"error\":\"Missing or invalid authorization header\"}\n");
  EXPECT_EQ(get("/api/get_game/99999999", {{"Authorization", kAliceBasic}}).res.result(),
            http::status::not_found);
  EXPECT_EQ(get("/api/get_game/abc", {{"Authorization", kAliceBasic}}).res.result(),
            http::status::not_found);
}

// ---- upload, counters, test control ----

TEST_F(StubServerTest, UploadCountsAndChecksumsTheBody) {
  std::string body(1024 * 1024 + 3, '\0');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i * 31 + 7);
  boost::crc_32_type crc;
  crc.process_bytes(body.data(), body.size());
  const Result r = post("/api/upload", {{"Content-Type", "application/octet-stream"}}, body);
  ASSERT_EQ(r.res.result(), http::status::ok);
  const auto d = parse_json(r.res.body());
  EXPECT_EQ(d["bytes"].GetUint64(), body.size());
  EXPECT_EQ(d["crc32"].GetUint64(), crc.checksum());
}

TEST_F(StubServerTest, CountersPerPath) {
  get("/api/system/info");
  get("/api/library/paged?page=1", {{"Authorization", kAliceBasic}});
  get("/api/library/paged?page=2", {{"Authorization", kAliceBasic}});
  EXPECT_EQ(server_->count("/api/library/paged"), 2u);
  EXPECT_EQ(server_->count("/api/system/info"), 1u);
  const auto d = parse_json(get("/__stub/counters").res.body());
  EXPECT_EQ(d["/api/library/paged"].GetInt(), 2);
  EXPECT_FALSE(d.HasMember("/__stub/counters"));
  EXPECT_EQ(post("/__stub/reset").res.result(), http::status::ok);
  EXPECT_EQ(server_->count("/api/library/paged"), 0u);
}

TEST_F(StubServerTest, RespondEchoesRequestedProperties) {
  const Result r =
      get("/__stub/respond?status=203&cache_control=private,%20max-age=5&set_cookie=a=1"
          "&set_cookie=b=2&vary=Accept&size=70&header=X-Cache:%20HIT");
  ASSERT_EQ(r.res.result(), http::status::non_authoritative_information);
  EXPECT_EQ(r.header("Cache-Control"), "private, max-age=5");
  EXPECT_EQ(r.header("Vary"), "Accept");
  EXPECT_EQ(r.header("X-Cache"), "HIT");
  EXPECT_EQ(r.res.count(http::field::set_cookie), 2u);
  EXPECT_EQ(r.res.body().size(), 70u);
  EXPECT_EQ(get("/__stub/respond?status=99").res.result(), http::status::bad_request);
  EXPECT_EQ(get("/__stub/respond?size=-1").res.result(), http::status::bad_request);
}

TEST_F(StubServerTest, FailureModesApplyToApiRoutesOnly) {
  ASSERT_EQ(post("/__stub/mode?fail=500").res.result(), http::status::ok);
  EXPECT_EQ(get("/api/system/info").res.result(), http::status::internal_server_error);
  EXPECT_EQ(get("/__stub/counters").res.result(), http::status::ok);

  ASSERT_EQ(post("/__stub/mode?fail=close").res.result(), http::status::ok);
  EXPECT_TRUE(get("/api/system/info").ec);

  ASSERT_EQ(post("/__stub/mode?fail=none").res.result(), http::status::ok);
  EXPECT_EQ(get("/api/system/info").res.result(), http::status::ok);
  EXPECT_EQ(post("/__stub/mode?fail=sometimes").res.result(), http::status::bad_request);
}

TEST_F(StubServerTest, HangModeAnswersNothingThenCloses) {
  StubOptions o = test_options();
  o.hang_timeout = std::chrono::milliseconds{200};
  start(std::move(o));
  ASSERT_EQ(post("/__stub/mode?fail=hang").res.result(), http::status::ok);
  const Result r = get("/api/system/info");
  EXPECT_TRUE(r.ec);
  EXPECT_NE(r.ec, beast::error::timeout);  // closed by the server, not by our deadline
}

TEST_F(StubServerTest, MalformedRequestGets400AndServerKeepsServing) {
  Client c(server_->port());
  const Result r = c.raw("NOT HTTP\r\n\r\n");
  EXPECT_EQ(r.res.result(), http::status::bad_request);
  EXPECT_EQ(get("/api/system/info").res.result(), http::status::ok);
}

TEST_F(StubServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  Client c(server_->port());
  for (int i = 0; i < 5; ++i) {
    const Result r = c.request(http::verb::get, "/api/system/info");
    ASSERT_FALSE(r.ec) << r.ec.message();
    EXPECT_EQ(r.res.result(), http::status::ok);
  }
}

TEST_F(StubServerTest, EngineIoPolling) {
  const Result r = get("/socket.io/?EIO=4&transport=polling");
  ASSERT_EQ(r.res.result(), http::status::ok);
  EXPECT_EQ(r.res.body().rfind("0{\"sid\":\"", 0), 0u);
  EXPECT_EQ(get("/socket.io/").res.result(), http::status::bad_request);
}

TEST_F(StubServerTest, WebSocketEchoesTextAndBinary) {
  net::io_context ioc;
  beast::websocket::stream<beast::tcp_stream> ws(ioc);
  error_code ec;
  bool done = false;
  // The websocket idle timer stays armed between operations, so run only until the
  // operation completed (each one is bounded by the stream's timeouts).
  auto drive = [&] {
    ioc.restart();
    while (!done && ioc.run_one() > 0) {
    }
    done = false;
  };
  auto complete = [&](error_code e) {
    ec = e;
    done = true;
  };
  beast::get_lowest_layer(ws).expires_after(kTimeout);
  beast::get_lowest_layer(ws).async_connect(
      tcp::endpoint(net::ip::make_address("127.0.0.1"), server_->port()), complete);
  drive();
  ASSERT_FALSE(ec) << ec.message();
  beast::get_lowest_layer(ws).expires_never();
  ws.set_option(beast::websocket::stream_base::timeout{kTimeout, kTimeout, false});
  ws.async_handshake("stub.test", "/socket.io/?EIO=4&transport=websocket", complete);
  drive();
  ASSERT_FALSE(ec) << ec.message();

  beast::flat_buffer buffer;
  auto read = [&]() {
    buffer.clear();
    ws.async_read(buffer, [&](error_code e, std::size_t) { complete(e); });
    drive();
    return beast::buffers_to_string(buffer.data());
  };
  auto write = [&](const std::string& message, bool text) {
    ws.text(text);
    ws.async_write(net::buffer(message), [&](error_code e, std::size_t) { complete(e); });
    drive();
  };
  EXPECT_EQ(read().rfind("0{\"sid\":\"", 0), 0u);
  ASSERT_FALSE(ec) << ec.message();

  write("40", true);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(read(), "40");
  EXPECT_TRUE(ws.got_text());

  const std::string binary("\x00\x01\xff", 3);
  write(binary, false);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(read(), binary);
  EXPECT_TRUE(ws.got_binary());
  EXPECT_EQ(server_->count("/socket.io/"), 1u);
}

}  // namespace
}  // namespace foilcache::stub

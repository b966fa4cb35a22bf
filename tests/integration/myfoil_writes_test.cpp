// The shipped rules (conf/foilcache.yaml) against the app's writes, one row per write rule:
// the reads of two users (and the shared ones) are cached, the write goes through foilcache
// as the app's own client sends it, then every read the write concerns is a MISS with the
// app's current answer and every other read is still the same HIT. Then the image proxy's
// shared entries and what it never stores, and what no caller can invalidate.
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/integration/myfoil.hpp"
#include "tests/support/wait.hpp"

namespace foilcache::testing {
namespace {

using namespace myfoil;

using Text = std::function<std::string(const PageFacts&)>;

struct Row {
  Row(std::string name_, http::verb method_, Text target_, Headers who_, Text body_, Names refreshed_,
      std::string job_ = {}, bool changes_ = true, std::function<void(Deployment&)> prepare_ = {})
      : name(std::move(name_)), method(method_), target(std::move(target_)), who(std::move(who_)),
        body(std::move(body_)), refreshed(std::move(refreshed_)), job(std::move(job_)), changes(changes_),
        prepare(std::move(prepare_)) {}
  std::string name;
  http::verb method;
  Text target;
  Headers who;
  Text body;             // JSON when it starts with '{'
  Names refreshed;       // the reads that must be fresh afterwards; every other one stays a HIT
  std::string job;       // the background job the write starts: read once it completed
  bool changes;          // some refreshed read differs from before (false: the stub changes nothing)
  std::function<void(Deployment&)> prepare;  // done on the app directly before anything is cached
};

Text fixed(std::string text) {
  return [text](const PageFacts&) { return text; };
}

std::string keys_body() {
  return "--fcb\r\nContent-Disposition: form-data; name=\"file\"; filename=\"prod.keys\"\r\n"
         "Content-Type: text/plain\r\n\r\nheader_key = 00112233aabbccdd\r\n\r\n--fcb--\r\n";
}

std::vector<Row> rows() {
  using http::verb;
  const Names titles = kLibrary + Names{"info"};
  const Names tags = {"alice_tags", "bob_tags", "alice_title_tags"};
  const auto post_tid = [](std::string prefix, std::string suffix = {}) {
    return [prefix, suffix](const PageFacts& f) { return prefix + f.update_tid + suffix; };
  };
  return {
      {"IgnoreUpdate", verb::post, post_tid("/api/library/ignore/"), kAlice,
       [](const PageFacts& f) {
         return R"({"type":"update","item_id":)" + std::to_string(f.update_version) + R"(,"ignored":true})";
       },
       {"alice_page", "alice_stats"}},
      {"WishlistIgnoreDlc", verb::post, [](const PageFacts& f) { return "/api/wishlist/ignore/" + f.dlc_tid; },
       kAlice, [](const PageFacts& f) { return R"({"type":"dlc","item_id":")" + f.dlc_id + R"(","ignored":true})"; },
       {"alice_page", "alice_stats"}},
      {"CustomInfo", verb::post, post_tid("/api/games/", "/custom"), kAlice, fixed(R"({"name":"Renamed Title"})"),
       kLibrary},
      {"MetadataRefresh", verb::post, post_tid("/api/library/metadata/refresh/"), kAlice, fixed(""), kLibrary},
      {"MatchRawg", verb::post, fixed("/api/library/match-rawg"), kAdmin,
       [](const PageFacts& f) { return R"({"title_id":")" + f.update_tid + R"(","rawg_id":4242})"; }, kLibrary},
      {"TagUpdate", verb::put, fixed("/api/tags/1"), kAdmin, fixed(R"({"name":"Faves"})"), tags},
      {"TagDelete", verb::delete_, fixed("/api/tags/1"), kAdmin, fixed(""), tags},
      {"ShopSettings", verb::post, fixed("/api/settings/shop"), kAdmin, fixed(R"({"host":"","motd":"New motd"})"),
       kEveryCaller},
      {"TitlesSettings", verb::post, fixed("/api/settings/titles"), kAdmin,
       fixed(R"({"region":"BR","language":"pt"})"), titles, "titledb_update"},
      {"TitleDbUpdate", verb::post, fixed("/api/settings/titledb/update"), kAdmin, fixed(""), titles,
       "titledb_update"},
      {"TitleDbSourceAdd", verb::post, fixed("/api/settings/titledb/sources"), kAdmin,
       fixed(R"({"name":"mirror","base_url":"http://mirror.test","priority":0})"), {"info"}},
      {"TitleDbSourceUpdate", verb::put, fixed("/api/settings/titledb/sources"), kAdmin,
       fixed(R"({"name":"tinfoil.media","enabled":false})"), {"info"}},
      {"TitleDbSourceRemove", verb::delete_, fixed("/api/settings/titledb/sources"), kAdmin,
       fixed(R"({"name":"tinfoil.media"})"), {"info"}},
      {"TitleDbSourceReorder", verb::post, fixed("/api/settings/titledb/sources/reorder"), kAdmin,
       fixed(R"({"tinfoil.media":30})"), {"info"}},
      {"LibraryPathAdd", verb::post, fixed("/api/settings/library/paths"), kAdmin, fixed(R"({"path":"/more"})"),
       kLibrary},
      {"LibraryPathRemove", verb::delete_, fixed("/api/settings/library/paths"), kAdmin,
       fixed(R"({"path":"/games"})"), kLibrary},
      {"KeysUpload", verb::post, fixed("/api/settings/keys"),
       kAdmin + Headers{{"Content-Type", "multipart/form-data; boundary=fcb"}}, fixed(keys_body()), kLibrary},
      {"Scan", verb::post, fixed("/api/library/scan"), kAdmin, fixed(""), kLibrary},
      // It fetches the first 50 titles without metadata; the probed one is not among them.
      {"MetadataFetch", verb::post, fixed("/api/system/metadata/fetch"), kAdmin, fixed("{}"), kLibrary,
       "metadata_fetch_all", false},
      {"MetadataRefreshAll", verb::post, fixed("/api/library/metadata/refresh-all"), kAdmin, fixed(""), kLibrary,
       "metadata_fetch"},
      {"ReidentifyAll", verb::post, fixed("/api/system/reidentify-all"), kAdmin, fixed(""), kLibrary,
       "reidentify_all", false},
      {"FileDelete", verb::post, fixed("/api/files/delete/1"), kAdmin, fixed(""), kLibrary},
      {"CleanupOrphaned", verb::post, fixed("/api/cleanup/orphaned"), kAdmin, fixed(""), kLibrary},
      {"RenamingRun", verb::post, fixed("/api/renaming/run"), kAdmin, fixed(""), kLibrary, "", false},
      {"BackupRestore", verb::post, fixed("/api/backup/restore"), kAdmin,
       fixed(R"({"filename":"settings_20260101_000000.yaml"})"), kEveryCaller + Names{"info"}, "", true,
       [](Deployment& d) {
         // A motd changed behind foilcache's back: the restore brings the backup's back.
         const auto set = HttpClient(d.stub().port())
                              .request(http::verb::post, "/api/settings/shop", kAdmin + kJson,
                                       R"({"host":"","motd":"before the restore"})");
         ASSERT_EQ(set.status, 200u) << set.body;
       }},
      {"UserCreate", verb::post, fixed("/api/user"), kAdmin,
       fixed(R"({"user":"carol","password":"carol-pw","shop_access":true})"), kEveryCaller, "", false},
      {"UserDelete", verb::delete_, fixed("/api/user"), kAdminSession, fixed(R"({"user_id":2})"), kEveryCaller},
      {"TokenRevoke", verb::delete_, fixed("/api/settings/tokens/1"), kAdmin, fixed(""), kEveryCaller},
  };
}

void PrintTo(const Row& row, std::ostream* os) { *os << row.name; }

class MyfoilWrites : public ::testing::TestWithParam<Row> {};

TEST_P(MyfoilWrites, TheReadsItChangesAreFreshAndNoOtherIs) {
  const Row& row = GetParam();
  Deployment d(shipped());
  const PageFacts facts = page_facts(truth(d, "/api/library/paged?page=1", kAlice).body);
  ASSERT_FALSE(facts.update_tid.empty() || facts.dlc_tid.empty()) << "the stub's first page changed shape";
  if (row.prepare) row.prepare(d);
  const std::vector<Probe> all = probes(facts);
  const Answers before = cache_all(d, all);
  if (::testing::Test::HasFatalFailure()) return;

  const std::string body = row.body(facts);
  const Headers headers = body.starts_with('{') ? row.who + kJson : row.who;
  const auto write = d.client().request(row.method, row.target(facts), headers, body);
  ASSERT_EQ(write.status, 200u) << described(write);
  EXPECT_EQ(write.header("Cache-Status"), "foilcache; fwd=method; detail=invalidated");
  if (!row.job.empty()) {
    // Nothing is read until the job ends: the write's invalidation covers that case (a read
    // in between is the Socket.IO job_update's to refresh).
    ASSERT_TRUE(job_ended(d, row.job, "completed"));
  }

  const bool changed = expect_refreshed(d, all, before, row.refreshed);
  EXPECT_EQ(changed, row.changes) << "whether the write changed what a refreshed read shows";
}

INSTANTIATE_TEST_SUITE_P(Shipped, MyfoilWrites, ::testing::ValuesIn(rows()),
                         [](const ::testing::TestParamInfo<Row>& info) { return info.param.name; });

// ---- /api/image_proxy: one entry per URL for everyone; only images, at most 2 MiB

std::string image(std::string_view url) { return "/api/image_proxy?url=" + std::string(url); }

TEST(MyfoilWritesImages, OneEntryServesEveryCaller) {
  Deployment d(shipped());
  const std::string cover = image("https://img.test/cover.png");
  const auto first = d.get(cover, kAlice);
  ASSERT_EQ(first.status, 200u);
  EXPECT_EQ(first.header("X-Cache"), "MISS");
  EXPECT_EQ(first.header("Content-Type"), "image/png");
  ASSERT_TRUE(images_stored(d, 1));
  const auto bob = d.get(cover, kBob);
  EXPECT_EQ(bob.header("X-Cache"), "HIT") << "the app needs no login here: shared";
  EXPECT_EQ(bob.body, first.body);
  EXPECT_EQ(d.get(cover).header("X-Cache"), "HIT");
  EXPECT_EQ(d.get(image("https://img.test/other.png"), kAlice).header("X-Cache"), "MISS") << "keyed by the URL";
  EXPECT_EQ(d.stub().count("/api/image_proxy"), 2u);
  EXPECT_TRUE(images_stored(d, 2));
  EXPECT_EQ(truth(d, cover, {}).body, first.body);
}

TEST(MyfoilWritesImages, FailuresTextAndLargeImagesAreNotStored) {
  Deployment d(shipped());
  struct Case {
    const char* why;
    std::string target;
    unsigned status;
  };
  const std::vector<Case> cases = {
      {"a host that does not resolve: 502", image("https://cdn.invalid/a.jpg"), 502},
      {"an upstream error: 502", image("https://img.test/a.jpg%3Fstatus%3D404"), 502},
      {"not an image", image("https://img.test/readme.txt"), 200},
      {"over 2 MiB", image("https://img.test/big.png%3Fsize%3D2097200"), 200},
  };
  for (const Case& c : cases) {
    const auto first = d.get(c.target, kAlice);
    EXPECT_EQ(first.status, c.status) << c.why;
    EXPECT_EQ(first.header("X-Cache"), "MISS") << c.why;
    EXPECT_EQ(d.get(c.target, kAlice).header("X-Cache"), "MISS") << c.why << ": stored";
  }
  // Storing happens after the answer: once one that fits is in, none of the above is.
  const std::string fits = image("https://img.test/big.png%3Fsize%3D2097000");
  const auto stored = d.get(fits, kAlice);
  ASSERT_EQ(stored.body.size(), 2097000u);
  ASSERT_TRUE(images_stored(d, 1));
  EXPECT_EQ(d.get(fits, kBob).header("X-Cache"), "HIT") << "just under 2 MiB";
  EXPECT_EQ(d.redis().keys("foilcache:image_proxy:*").size(), 1u);
  for (const Case& c : cases) EXPECT_EQ(d.get(c.target, kAlice).header("X-Cache"), "MISS") << c.why;
}

// ---- What no anonymous or unrelated caller can invalidate

TEST(MyfoilWritesGuards, LoginRedirectsAndRefusedWritesDropNothing) {
  Deployment d(shipped());
  const std::string page = "/api/library/paged?page=1";
  ASSERT_EQ(d.get(page, kAlice).header("X-Cache"), "MISS");
  // login_required answers an anonymous password change with a 302: no rule, nothing goes.
  const auto anonymous = d.client().request(http::verb::post, "/api/change_password", kJson, "{}");
  EXPECT_EQ(anonymous.status, 302u);
  EXPECT_EQ(anonymous.header("Cache-Status"), "");
  // Admin writes by a shop user: refused, invalidate nothing.
  EXPECT_EQ(d.client().request(http::verb::delete_, "/api/settings/tokens/2", kAlice).status, 403u);
  EXPECT_EQ(d.client().request(http::verb::post, "/api/backup/restore", kAlice + kJson, "{}").status, 403u);
  EXPECT_EQ(d.get(page, kAlice).header("X-Cache"), "HIT");
  EXPECT_TRUE(d.redis().keys("foilcache:@gen:*").empty());
}

TEST(MyfoilWritesGuards, TheWebPageIsNotStoredTheIndexAtRootIs) {
  Deployment d(shipped());
  const Headers browser = kAlice + Headers{{"Accept", "text/html"}, {"User-Agent", "Mozilla/5.0"}};
  ASSERT_EQ(d.get("/", browser).header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(d.get("/", browser).header("X-Cache"), "MISS") << "its language comes from a cookie no key holds";
  ASSERT_EQ(d.get("/", tinfoil("alice", "alice-pw")).header("X-Cache"), "MISS");
  EXPECT_EQ(d.get("/", tinfoil("alice", "alice-pw")).header("X-Cache"), "HIT");
}

}  // namespace
}  // namespace foilcache::testing

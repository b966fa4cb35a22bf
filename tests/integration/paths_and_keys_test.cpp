// HARDENING.md "Paths and keys", end to end: each spelling of a path, what foilcache
// answers, whether and under which key it is stored, which path reached the app (the stub
// routes as MyFoil's Werkzeug does: PATH_INFO decoded, leading slashes stripped, a 308 for
// an inner "//"), and whether the plain spelling then shares the entry. No spelling may be
// stored under a key the app would answer otherwise; a redirect is never stored.
#include <string>

#include <gtest/gtest.h>

#include "tests/integration/scenarios.hpp"

namespace foilcache::testing {
namespace {

const Headers kAliceSession = {{"Cookie", "session=sess-alice"}};

std::string paths_config() {
  return config_head("fc-paths:", "1s") + "admin:\n  token: ${FOILCACHE_ADMIN_TOKEN}\n" + info_route() + R"(
  - name: library_paged
    match: GET /api/library/paged
    ttl: 5m
    key: "library_paged:{query.page|1}:{user}"
    tags: [library]
  - name: app_info
    match: GET /api/app_info/{id}
    ttl: 1h
    key: "app_info:{path.id}:{user}"
    tags: [library]
  - name: ignore_title
    match: POST /api/library/ignore/{tid}
    invalidates: [library]
)";
}

DeploymentOptions paths_options() {
  DeploymentOptions options = operator_options();
  options.redis = false;
  options.config_yaml = paths_config();
  return options;
}

struct PathCase {
  const char* name;
  std::string target;
  unsigned status;        // foilcache's answer
  const char* key;        // the key it is stored under without ":{user}"; "" when nothing is stored
  const char* plain;      // the plain spelling the app serves it as ("" for none): requested
                          // next, it is a HIT when the spelling was stored, else a MISS
};

void PrintTo(const PathCase& c, std::ostream* os) { *os << c.name; }

class PathsAndKeys : public ::testing::TestWithParam<PathCase> {};

TEST_P(PathsAndKeys, EachSpellingIsCachedAsTheAppServesItOrNotAtAll) {
  const auto& c = GetParam();
  Deployment d(paths_options());
  const auto first = d.get(c.target, kAliceSession);
  EXPECT_EQ(first.status, c.status) << first.body;

  // The app got the request as it was spelled, once.
  const std::string raw_path = c.target.substr(0, c.target.find('?'));
  EXPECT_EQ(d.stub().counters(), (std::map<std::string, std::uint64_t>{{raw_path, 1}}));

  const bool stored = *c.key != '\0';
  const auto info = d.client().request(http::verb::get, "/api/cache/info", admin());
  EXPECT_NE(info.body.find(stored ? "\"keys\":1" : "\"keys\":0"), std::string::npos) << info.body;
  if (stored) {
    EXPECT_EQ(first.header("X-Cache"), "MISS");
    EXPECT_NE(first.header("Cache-Status").find("stored"), std::string::npos) << first.header("Cache-Status");
    const auto entries = d.client().request(http::verb::post,
                                            std::string("/api/cache/invalidate?pattern=") + c.key + ":*", admin());
    EXPECT_NE(entries.body.find("\"invalidated\":1"), std::string::npos) << "not under " << c.key << ": "
                                                                         << entries.body;
    d.get(c.target, kAliceSession);  // stored again for the plain spelling below
  } else {
    EXPECT_EQ(first.header("Cache-Status").find("foilcache"), std::string::npos)
        << "routed: " << first.header("Cache-Status");
  }
  if (*c.plain == '\0') return;
  const auto plain = d.get(c.plain, kAliceSession);
  EXPECT_EQ(plain.status, 200u);
  EXPECT_EQ(plain.header("X-Cache"), stored ? "HIT" : "MISS") << "the plain spelling after " << c.target;
  if (stored) {
    EXPECT_EQ(plain.body, first.body);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Spellings, PathsAndKeys,
    ::testing::Values(
        PathCase{"Plain", "/api/library/paged?page=2", 200, "library_paged:2", "/api/library/paged?page=2"},
        PathCase{"EncodedLetter", "/api/library/%70aged?page=2", 200, "library_paged:2", "/api/library/paged?page=2"},
        PathCase{"EncodedSlash", "/api/library%2Fpaged", 200, "library_paged:1", "/api/library/paged"},
        PathCase{"EncodedSlashBeforeAParam", "/api/app_info%2F0100000000010000", 200, "app_info:0100000000010000",
                 "/api/app_info/0100000000010000"},
        PathCase{"EncodedParam", "/api/app_info/0100000000010%30%30%30", 200, "app_info:0100000000010000",
                 "/api/app_info/0100000000010000"},
        PathCase{"EncodedSlashInAParam", "/api/app_info/0100%2F0000", 404, "", ""},
        PathCase{"DoubleEncoded", "/api/library/%2570aged", 404, "", "/api/library/paged"},
        PathCase{"LeadingDoubleSlash", "//api/library/paged?page=2", 200, "", "/api/library/paged?page=2"},
        PathCase{"InnerDoubleSlash", "/api//library/paged?page=2", 308, "", "/api/library/paged?page=2"},
        PathCase{"EncodedInnerDoubleSlash", "/api/library%2F%2Fpaged", 308, "", "/api/library/paged"},
        PathCase{"TripleSlash", "/api///library/paged", 404, "", "/api/library/paged"},
        PathCase{"TrailingSlash", "/api/library/paged/", 404, "", "/api/library/paged"},
        PathCase{"DotSegment", "/api/library/./paged", 404, "", "/api/library/paged"},
        PathCase{"DotDotParam", "/api/app_info/..", 200, "", ""},
        PathCase{"UpperCase", "/API/library/paged", 404, "", "/api/library/paged"},
        PathCase{"SemicolonParams", "/api/library/paged;x=1", 404, "", "/api/library/paged"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(PathsAndKeysRedirect, IsWerkzeugsToTheMergedPathAndNeverStored) {
  Deployment d(paths_options());
  const auto redirect = d.get("/api//library/paged?page=2", kAliceSession);
  ASSERT_EQ(redirect.status, 308u) << redirect.body;
  const std::string location = redirect.header("Location");
  EXPECT_TRUE(location.starts_with("http://")) << location;
  EXPECT_TRUE(location.ends_with("/api/library/paged?page=2")) << location;
  // The same spelling again: still the app's redirect, and the merged path is still a miss.
  EXPECT_EQ(d.get("/api//library/paged?page=2", kAliceSession).status, 308u);
  EXPECT_EQ(d.stub().count("/api//library/paged"), 2u);
  const auto merged = d.get("/api/library/paged?page=2", kAliceSession);
  EXPECT_EQ(merged.status, 200u);
  EXPECT_EQ(merged.header("X-Cache"), "MISS");
}

// A write invalidates whenever the app runs it, in any spelling; a 308 runs nothing.
struct WriteCase {
  const char* name;
  std::string target;
  unsigned status;
  bool invalidates;
};

void PrintTo(const WriteCase& c, std::ostream* os) { *os << c.name; }

class PathsAndKeysWrites : public ::testing::TestWithParam<WriteCase> {};

TEST_P(PathsAndKeysWrites, InvalidateWhenTheAppRunsThem) {
  const auto& c = GetParam();
  Deployment d(paths_options());
  ASSERT_EQ(d.get(kLibrary, kAliceSession).header("X-Cache"), "MISS");
  Headers headers = kAliceSession;
  headers.emplace_back("Content-Type", "application/json");
  const auto write =
      d.client().request(http::verb::post, c.target, headers, R"({"type":"update","item_id":1,"ignored":true})");
  EXPECT_EQ(write.status, c.status) << write.body;
  EXPECT_EQ(d.stub().count(c.target), 1u);
  EXPECT_EQ(write.header("Cache-Status").find("detail=invalidated") != std::string::npos, c.invalidates)
      << write.header("Cache-Status");
  EXPECT_EQ(d.get(kLibrary, kAliceSession).header("X-Cache"), c.invalidates ? "MISS" : "HIT");
}

INSTANTIATE_TEST_SUITE_P(
    Spellings, PathsAndKeysWrites,
    ::testing::Values(WriteCase{"Plain", "/api/library/ignore/0100000000010000", 200, true},
                      WriteCase{"Encoded", "/api/library/ignore/%30100000000010000", 200, true},
                      WriteCase{"LeadingDoubleSlash", "//api/library/ignore/0100000000010000", 200, true},
                      WriteCase{"InnerDoubleSlash", "/api//library/ignore/0100000000010000", 308, false}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace foilcache::testing

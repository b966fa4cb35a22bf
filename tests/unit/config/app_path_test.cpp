// HARDENING.md "Paths and keys", as a table: each spelling of a request path, the route it
// matches (or none: it passes through uncached) and the key it renders, next to what the
// app (Werkzeug 3 under gunicorn) routes it as. Then app_path() itself, case by case.
#include "proxy/config/app_path.hpp"

#include <gtest/gtest.h>

#include "proxy/config/config_loader.hpp"
#include "proxy/config/route_table.hpp"

namespace foilcache::config {
namespace {

std::shared_ptr<const Config> config() {
  static const auto loaded = load_config_string(R"(
routes:
  - name: library_paged
    match: GET /api/library/paged
    ttl: 5m
    key: "library_paged:{query.page|1}"
    shared: true
  - name: app_info
    match: GET /api/app_info/{id}
    ttl: 1h
    key: "app_info:{path.id}"
    shared: true
  - name: title_tags
    match: GET /api/titles/{title_id}/tags
    ttl: 10m
    key: "title_tags:{path.title_id}"
    shared: true
  - name: shop_index_json
    match: GET /index.json
    ttl: 5m
    key: "shop:index.json"
    shared: true
  - name: shop_root
    match: GET /
    ttl: 5m
    key: "shop:root"
    shared: true
  - name: static
    match: GET /static/*
    ttl: 5m
    key: "static:{path}"
    shared: true
  - name: ignore_title
    match: POST /api/library/ignore/{tid}
    invalidates: ["library:{path.tid}"]
)",
                                                "app_path_test.yaml");
  return loaded;
}

struct SpellingCase {
  const char* name;
  const char* method;
  const char* target;  // path and query as received
  const char* route;   // "" when no route matches (the request passes through uncached)
  const char* key;     // the rendered key (GET) or invalidated tag (write); "" when no route
};

void PrintTo(const SpellingCase& c, std::ostream* os) { *os << c.name; }

class AppPathSpellings : public ::testing::TestWithParam<SpellingCase> {};

TEST_P(AppPathSpellings, AreMatchedAndKeyedAsTheAppRoutesThemOrNotAtAll) {
  const auto& c = GetParam();
  const std::string_view target = c.target;
  const std::string_view path = target.substr(0, target.find('?'));
  const std::string_view query = path.size() == target.size() ? std::string_view{} : target.substr(path.size() + 1);
  PathParams params;
  const Route* route = match_route(*config(), c.method, path, params);
  ASSERT_EQ(route ? route->name : std::string(), c.route) << c.target;
  if (route == nullptr) return;
  const RenderInput in{"GET", path, query, &params, nullptr, "anon"};
  const std::string key = route->write() ? route->invalidate_templates.at(0).render(in) : route->key.render(in);
  EXPECT_EQ(key, c.key) << c.target;
}

INSTANTIATE_TEST_SUITE_P(
    Spellings, AppPathSpellings,
    ::testing::Values(
        SpellingCase{"Plain", "GET", "/api/library/paged?page=2", "library_paged", "library_paged:2"},
        // PATH_INFO is percent-decoded by the WSGI server: the app serves these as the route.
        SpellingCase{"EncodedLetter", "GET", "/api/library/%70aged?page=2", "library_paged", "library_paged:2"},
        SpellingCase{"EncodedLetterLowerHex", "GET", "/api/library/p%61ged", "library_paged", "library_paged:1"},
        SpellingCase{"EncodedSlash", "GET", "/api/library%2Fpaged", "library_paged", "library_paged:1"},
        SpellingCase{"EncodedSlashLowerHex", "GET", "/api/titles/0100%2ftags", "title_tags", "title_tags:0100"},
        SpellingCase{"EncodedParam", "GET", "/api/app_info/0100%41", "app_info", "app_info:0100A"},
        SpellingCase{"EncodedSlashInAParam", "GET", "/api/app_info/a%2Fb", "", ""},  // the app: 404
        // Decoded once, as the app does: "%2570" is "%70", never "p".
        SpellingCase{"DoubleEncoded", "GET", "/api/library/%2570aged", "", ""},
        SpellingCase{"DoubleEncodedParam", "GET", "/api/app_info/%2541", "app_info", "app_info:%2541"},
        SpellingCase{"MalformedEscapeStaysLiteral", "GET", "/api/app_info/%zz", "app_info", "app_info:%25zz"},
        SpellingCase{"PlusIsNotASpaceInAPath", "GET", "/api/app_info/a+b", "app_info", "app_info:a%2Bb"},
        SpellingCase{"NulByte", "GET", "/api/app_info/%00", "app_info", "app_info:%00"},
        // Slashes: Werkzeug strips leading ones, answers an inner "//" with a 308 (or 404).
        SpellingCase{"LeadingDoubleSlash", "GET", "//api/library/paged", "", ""},
        SpellingCase{"EncodedLeadingSlash", "GET", "/%2Fapi/library/paged", "", ""},
        SpellingCase{"RootDoubleSlash", "GET", "//", "", ""},
        SpellingCase{"InnerDoubleSlash", "GET", "/api//library/paged", "", ""},
        SpellingCase{"EncodedInnerDoubleSlash", "GET", "/api/library%2F%2Fpaged", "", ""},
        SpellingCase{"TrailingDoubleSlash", "GET", "/api/library/paged//", "", ""},
        SpellingCase{"EmptyParam", "GET", "/api/titles//tags", "", ""},
        SpellingCase{"HeadLeadingDoubleSlash", "HEAD", "//api/library/paged", "", ""},
        // strict_slashes: a rule without a trailing '/' is a 404 for "/x/".
        SpellingCase{"TrailingSlash", "GET", "/api/library/paged/", "", ""},
        SpellingCase{"TrailingSlashAfterAParam", "GET", "/api/app_info/0100/", "", ""},
        SpellingCase{"Root", "GET", "/", "shop_root", "shop:root"},
        // Dot segments reach the app unresolved; no cached read matches them.
        SpellingCase{"DotSegment", "GET", "/api/library/./paged", "", ""},
        SpellingCase{"DotDotParam", "GET", "/api/app_info/..", "", ""},
        SpellingCase{"EncodedDotDotParam", "GET", "/api/app_info/%2e%2E", "", ""},
        SpellingCase{"DotDotUnderAPrefix", "GET", "/static/a/../b", "", ""},
        SpellingCase{"ThreeDotsAreAName", "GET", "/api/app_info/...", "app_info", "app_info:..."},
        // Case is kept: the app's rules are case-sensitive.
        SpellingCase{"UpperCasePath", "GET", "/API/library/paged", "", ""},
        SpellingCase{"ParamCaseIsItsOwnEntry", "GET", "/api/app_info/abc", "app_info", "app_info:abc"},
        // ';' is part of the segment to Werkzeug: no rule is "index.json;x".
        SpellingCase{"SemicolonParams", "GET", "/index.json;x=1", "", ""},
        SpellingCase{"SemicolonInAParam", "GET", "/api/app_info/0100;v=1", "app_info", "app_info:0100%3Bv%3D1"},
        SpellingCase{"PrefixDecoded", "GET", "/static/a%2Fb", "static", "static:/static/a/b"},
        // A write the app runs invalidates, whatever its spelling; a 308 runs nothing.
        SpellingCase{"WriteEncoded", "POST", "/api/library/ignore/%30100", "ignore_title", "library:0100"},
        SpellingCase{"WriteLeadingDoubleSlash", "POST", "//api/library/ignore/0100", "ignore_title", "library:0100"},
        SpellingCase{"WriteDotDot", "POST", "/api/library/ignore/..", "ignore_title", "library:.."},
        SpellingCase{"WriteInnerDoubleSlash", "POST", "/api//library/ignore/0100", "", ""}),
    [](const auto& info) { return std::string(info.param.name); });

struct AppPathCase {
  const char* raw;
  const char* routed;
  bool leading_slashes;
  bool inner_empty;
  bool dot_segment;
};

class AppPathRead : public ::testing::TestWithParam<AppPathCase> {};

TEST_P(AppPathRead, IsWhatTheAppRoutes) {
  const auto& c = GetParam();
  std::string scratch;
  const AppPath app = app_path(c.raw, scratch);
  EXPECT_EQ(app.routed, c.routed) << c.raw;
  EXPECT_EQ(app.leading_slashes, c.leading_slashes) << c.raw;
  EXPECT_EQ(app.inner_empty, c.inner_empty) << c.raw;
  EXPECT_EQ(app.dot_segment, c.dot_segment) << c.raw;
  EXPECT_FALSE(app.not_absolute);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, AppPathRead,
    ::testing::Values(AppPathCase{"/", "/", false, false, false}, AppPathCase{"/a/b", "/a/b", false, false, false},
                      AppPathCase{"/a/", "/a/", false, false, false},
                      AppPathCase{"/%61/%2F", "/a//", false, true, false},
                      AppPathCase{"//", "/", true, false, false}, AppPathCase{"///a", "/a", true, false, false},
                      AppPathCase{"//a//b", "/a//b", true, true, false},
                      AppPathCase{"/a/./b", "/a/./b", false, false, true},
                      AppPathCase{"/a/..", "/a/..", false, false, true},
                      AppPathCase{"/a/.../b.", "/a/.../b.", false, false, false},
                      AppPathCase{"/a%2e/%2E", "/a./.", false, false, true}));

TEST(AppPath, APlainPathIsAViewOfTheRawOneAndAllocatesNothing) {
  const std::string raw = "/api/library/paged";
  std::string scratch;
  const AppPath app = app_path(raw, scratch);
  EXPECT_EQ(app.routed.data(), raw.data());
  EXPECT_EQ(scratch.capacity(), std::string().capacity()) << "the scratch string was never used";
}

TEST(AppPath, ARelativePathRoutesNowhere) {
  std::string scratch;
  EXPECT_TRUE(app_path("api/x", scratch).not_absolute);
  EXPECT_TRUE(app_path("", scratch).not_absolute);
  EXPECT_FALSE(routable(app_path("api/x", scratch), true));
}

}  // namespace
}  // namespace foilcache::config

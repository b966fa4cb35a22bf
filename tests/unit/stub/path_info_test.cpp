// The stub reads a path as MyFoil's Werkzeug does before any view runs: PATH_INFO decoded
// once, leading slashes stripped, and a 308 (or 404) for an empty segment.
#include "upstream_stub/path_info.hpp"

#include <gtest/gtest.h>

namespace foilcache::stub {
namespace {

using Kind = PathRouting::Kind;

struct Case {
  const char* raw;
  Kind kind;
  const char* path;
};

class PathInfo : public ::testing::TestWithParam<Case> {};

TEST_P(PathInfo, IsRoutedAsWerkzeugDoes) {
  const PathRouting routing = route_path_info(GetParam().raw);
  EXPECT_EQ(routing.kind, GetParam().kind) << GetParam().raw;
  EXPECT_EQ(routing.path, GetParam().path) << GetParam().raw;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PathInfo,
    ::testing::Values(Case{"/api/library/paged", Kind::kRoute, "/api/library/paged"},
                      Case{"/api/library/%70aged", Kind::kRoute, "/api/library/paged"},
                      Case{"/api/library%2Fpaged", Kind::kRoute, "/api/library/paged"},
                      Case{"/api/library/%2570aged", Kind::kRoute, "/api/library/%70aged"},
                      Case{"/api/app_info/%zz+", Kind::kRoute, "/api/app_info/%zz+"},
                      Case{"//api/library/paged", Kind::kRoute, "/api/library/paged"},
                      Case{"//", Kind::kRoute, "/"},
                      Case{"/api/library/./paged", Kind::kRoute, "/api/library/./paged"},
                      Case{"/api//library/paged", Kind::kRedirect, "/api/library/paged"},
                      Case{"/api/library%2F%2Fpaged", Kind::kRedirect, "/api/library/paged"},
                      Case{"/api//app_info/0100", Kind::kRedirect, "/api/app_info/0100"},
                      Case{"/api///library/paged", Kind::kNotFound, "/api///library/paged"},
                      Case{"/api/library/paged//", Kind::kNotFound, "/api/library/paged//"},
                      Case{"/api//nothing", Kind::kNotFound, "/api//nothing"}));

TEST(PathInfoRules, MatchWholeSegments) {
  EXPECT_TRUE(app_has_rule("/"));
  EXPECT_TRUE(app_has_rule("/api/titles/0100/tags"));
  EXPECT_FALSE(app_has_rule("/api/titles//tags"));
  EXPECT_FALSE(app_has_rule("/api/app_info/"));
  EXPECT_FALSE(app_has_rule("/api/app_info/a/b"));
  EXPECT_FALSE(app_has_rule("/api/library/paged/"));
}

TEST(PathInfoRedirect, LocationIsQuotedAsWerkzeugQuotesIt) {
  EXPECT_EQ(redirect_location("http", "h:8", "/api/library/paged", "page=2"), "http://h:8/api/library/paged?page=2");
  EXPECT_EQ(redirect_location("https", "h", "/a b/;x=1", ""), "https://h/a%20b/;x=1");
}

TEST(PathInfoDecode, IsLenient) {
  EXPECT_EQ(lenient_decode("a+b%41%4", true), "a bA%4");
  EXPECT_EQ(lenient_decode("a+b", false), "a+b");
}

}  // namespace
}  // namespace foilcache::stub

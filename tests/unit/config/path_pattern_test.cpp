#include "proxy/config/path_pattern.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "proxy/config/config.hpp"
#include "proxy/config/route_table.hpp"

namespace foilcache::config {
namespace {

struct MatchCase {
  std::string pattern;
  std::string path;
  bool matches;
  PathParams params;  // expected captures when it matches
};

class PathPatternMatchTest : public ::testing::TestWithParam<MatchCase> {};

TEST_P(PathPatternMatchTest, Matches) {
  const auto& c = GetParam();
  const PathPattern pattern = PathPattern::parse(c.pattern);
  PathParams params{{"stale", "value"}};
  EXPECT_EQ(pattern.match(c.path, params), c.matches) << c.pattern << " vs " << c.path;
  if (c.matches) {
    EXPECT_EQ(params, c.params);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PathPatternMatchTest,
    ::testing::Values(
        MatchCase{"/api/system/info", "/api/system/info", true, {}},
        MatchCase{"/api/system/info", "/api/system/info/", false, {}},
        MatchCase{"/api/system/info", "/api/system", false, {}},
        MatchCase{"/api/system/info", "/api/system/infox", false, {}},
        MatchCase{"/api/system/info", "/API/system/info", false, {}},
        // match() compares the path it is given (the app's, already decoded by the route table).
        MatchCase{"/api/system/info", "/api/system/%69nfo", false, {}},
        MatchCase{"/api/system/info", "", false, {}}, MatchCase{"/", "/", true, {}},
        MatchCase{"/", "/x", false, {}}, MatchCase{"/api/", "/api/", true, {}},
        MatchCase{"/api/", "/api", false, {}}, MatchCase{"/api/titles/*", "/api/titles/0100", true, {}},
        MatchCase{"/api/titles/*", "/api/titles/0100/tags", true, {}},
        MatchCase{"/api/titles/*", "/api/titles/", true, {}},
        MatchCase{"/api/titles/*", "/api/titles", false, {}},
        MatchCase{"/api/titles/*", "/api/titlesx/1", false, {}},
        MatchCase{"/*", "/anything/at/all", true, {}}, MatchCase{"/*", "/", true, {}},
        MatchCase{"/api/app_info/{id}", "/api/app_info/0100ABC", true, {{"id", "0100ABC"}}},
        MatchCase{"/api/app_info/{id}", "/api/app_info/", false, {}},
        MatchCase{"/api/app_info/{id}", "/api/app_info", false, {}},
        MatchCase{"/api/app_info/{id}", "/api/app_info/1/2", false, {}},
        MatchCase{"/api/app_info/{id}", "/api/app_info/a b", true, {{"id", "a b"}}},
        MatchCase{"/api/app_info/{id}", "/api/app_info/a%20b", true, {{"id", "a%20b"}}},  // never decoded twice
        MatchCase{"/api/app_info/{id}", "/api/app_info/a;v=1", true, {{"id", "a;v=1"}}},
        MatchCase{"/api/titles/{title_id}/tags", "/api/titles/0100/tags", true, {{"title_id", "0100"}}},
        MatchCase{"/api/titles/{title_id}/tags", "/api/titles//tags", false, {}},
        MatchCase{"/a/{x}/b/{y}", "/a/1/b/2", true, {{"x", "1"}, {"y", "2"}}},
        MatchCase{"/a/{x}/*", "/a/1/rest/of", true, {{"x", "1"}}}, MatchCase{"/a/{x}/*", "/a/1", false, {}}));

class PathPatternParseErrorTest : public ::testing::TestWithParam<std::pair<std::string, std::string>> {};

TEST_P(PathPatternParseErrorTest, Rejects) {
  const auto& [text, message] = GetParam();
  try {
    PathPattern::parse(text);
    FAIL() << "accepted " << text;
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PathPatternParseErrorTest,
    ::testing::Values(std::pair{std::string(""), std::string("must start with '/'")},
                      std::pair{std::string("api"), std::string("must start with '/'")},
                      std::pair{std::string("/a/*/b"), std::string("final '/*'")},
                      std::pair{std::string("/a*"), std::string("final '/*'")},
                      std::pair{std::string("/a//b"), std::string("empty path segment")},
                      std::pair{std::string("//*"), std::string("empty path segment")},
                      std::pair{std::string("/a/{}"), std::string("empty {}")},
                      std::pair{std::string("/a/{id}x"), std::string("whole path segment")},
                      std::pair{std::string("/a/x{id}"), std::string("whole path segment")},
                      std::pair{std::string("/a/{i-d}"), std::string("invalid path parameter")},
                      std::pair{std::string("/{id}/{id}"), std::string("duplicate")},
                      std::pair{std::string("/a?b=1"), std::string("invalid character")},
                      std::pair{std::string("/a b"), std::string("invalid character")},
                      std::pair{std::string("/api/%70aged"), std::string("write the path decoded")},
                      std::pair{std::string("/api/./x"), std::string("'.' or '..' segment")},
                      std::pair{std::string("/api/../x"), std::string("'.' or '..' segment")}));

TEST(PathPattern, DefaultMatchesNothing) {
  PathParams params;
  EXPECT_FALSE(PathPattern{}.match("/", params));
}

// ---- route table ----

Route make_route(std::string name, std::string_view path) {
  Route route;
  route.name = std::move(name);
  route.method = "GET";
  route.path = PathPattern::parse(path);
  return route;
}

TEST(PathPatternRouteTable, FirstMatchWins) {
  Config config;
  config.routes.push_back(make_route("info", "/api/system/info"));
  config.routes.push_back(make_route("titles_specific", "/api/titles/{id}"));
  config.routes.push_back(make_route("titles_any", "/api/titles/*"));
  PathParams params;

  const Route* route = match_route(config, "GET", "/api/titles/0100", params);
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->name, "titles_specific");
  EXPECT_EQ(params, (PathParams{{"id", "0100"}}));

  route = match_route(config, "GET", "/api/titles/0100/tags", params);
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->name, "titles_any");
  EXPECT_TRUE(params.empty());
}

TEST(PathPatternRouteTable, HeadMatchesGetRoutesAndOtherMethodsDoNot) {
  Config config;
  config.routes.push_back(make_route("info", "/api/system/info"));
  PathParams params;
  EXPECT_NE(match_route(config, "HEAD", "/api/system/info", params), nullptr);
  EXPECT_NE(match_route(config, "GET", "/api/system/info", params), nullptr);
  EXPECT_EQ(match_route(config, "POST", "/api/system/info", params), nullptr);
  EXPECT_EQ(match_route(config, "get", "/api/system/info", params), nullptr);
  EXPECT_EQ(match_route(config, "GET", "/api/system/other", params), nullptr);
}

TEST(PathPatternRouteTable, NoMatchClearsParams) {
  Config config;
  config.routes.push_back(make_route("app", "/api/app_info/{id}"));
  PathParams params{{"old", "x"}};
  EXPECT_EQ(match_route(config, "GET", "/nope", params), nullptr);
  EXPECT_TRUE(params.empty());
}

}  // namespace
}  // namespace foilcache::config

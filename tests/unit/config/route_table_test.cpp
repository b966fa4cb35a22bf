// Which configured tag a tag name belongs to: literal tags, scoped tag templates in routes'
// `tags` and `invalidates`, and events' tags.
#include "proxy/config/route_table.hpp"

#include <gtest/gtest.h>

#include "proxy/config/config_loader.hpp"

namespace foilcache::config {
namespace {

std::shared_ptr<const Config> config() {
  static const auto loaded = load_config_string(R"(
events:
  titledb_updated: [titledb]
routes:
  - name: library_paged
    match: GET /api/library/paged
    ttl: 5m
    key: "library_paged:{query.page|1}:{user}"
    tags: [library, "library:{user}"]
  - name: app_info
    match: GET /api/app_info/{id}
    ttl: 1h
    key: "app_info:{path.id}:{user}"
    tags: ["app_info:{path.id}"]
  - name: custom
    match: POST /api/games/{tid}/custom
    invalidates: ["app:{path.tid}:info", shop]
)",
                                                "route_table_test.yaml");
  return loaded;
}

TEST(RouteTable, TagRendersLiteralsExactlyAndTemplatesByTheirLiterals) {
  EXPECT_TRUE(tag_renders("library", "library"));
  EXPECT_FALSE(tag_renders("library", "library:x"));
  EXPECT_FALSE(tag_renders("library", "librar"));
  EXPECT_TRUE(tag_renders("library:{user}", "library:3f9a"));
  EXPECT_TRUE(tag_renders("library:{user}", "library:")) << "a placeholder may render empty";
  EXPECT_FALSE(tag_renders("library:{user}", "library"));
  EXPECT_FALSE(tag_renders("library:{user}", "xlibrary:3f9a"));
  EXPECT_TRUE(tag_renders("app:{path.tid}:info", "app:0100:info"));
  EXPECT_FALSE(tag_renders("app:{path.tid}:info", "app:0100:infos"));
}

TEST(RouteTable, ConfiguredTagNamesWhereATagComesFrom) {
  const auto& c = *config();
  const auto found = [&](std::string_view tag) {
    const std::string* text = configured_tag(c, tag);
    return text ? *text : std::string("(none)");
  };
  EXPECT_EQ(found("library"), "library");
  EXPECT_EQ(found("library:3f9a"), "library:{user}");
  EXPECT_EQ(found("app_info:0100ABC"), "app_info:{path.id}");
  EXPECT_EQ(found("app:0100ABC:info"), "app:{path.tid}:info") << "a write's invalidates";
  EXPECT_EQ(found("shop"), "shop");
  EXPECT_EQ(found("titledb"), "titledb") << "an event's tags";
  EXPECT_EQ(found("librar"), "(none)");
  EXPECT_EQ(found("system"), "(none)");
}

}  // namespace
}  // namespace foilcache::config

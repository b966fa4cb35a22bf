// tags_for_event: the mapping of the app's events to tags, with payload conditions.
#include "proxy/config/event_rules.hpp"

#include <gtest/gtest.h>

namespace foilcache::config {
namespace {

std::map<std::string, EventRule> rules() {
  std::map<std::string, EventRule> m;
  m["library_updated"] = EventRule{{}, {"library"}};
  m["job_update"] = EventRule{{{"status", {"completed"}}, {"type", {"metadata_fetch", "titledb_update"}}},
                              {"library", "system"}};
  return m;
}

PayloadField payload(std::map<std::string, std::string> fields) {
  return [fields = std::move(fields)](std::string_view name) -> std::optional<std::string> {
    const auto it = fields.find(std::string(name));
    if (it == fields.end()) return std::nullopt;
    return it->second;
  };
}

struct Case {
  const char* name;
  const char* event;
  std::map<std::string, std::string> fields;
  EventMatch match;
  std::vector<std::string> tags;
};

class EventRulesTagsFor : public ::testing::TestWithParam<Case> {};

TEST_P(EventRulesTagsFor, Decides) {
  const auto& c = GetParam();
  const auto m = rules();
  const auto got = tags_for_event(m, c.event, payload(c.fields));
  EXPECT_EQ(got.match, c.match);
  if (c.match == EventMatch::kMapped) {
    ASSERT_NE(got.tags, nullptr);
    EXPECT_EQ(*got.tags, c.tags);
  } else {
    EXPECT_EQ(got.tags, nullptr);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, EventRulesTagsFor,
    ::testing::Values(
        Case{"Unconditional", "library_updated", {}, EventMatch::kMapped, {"library"}},
        Case{"ConditionsHold", "job_update", {{"status", "completed"}, {"type", "titledb_update"}}, EventMatch::kMapped,
             {"library", "system"}},
        Case{"StillRunning", "job_update", {{"status", "running"}, {"type", "titledb_update"}}, EventMatch::kFiltered, {}},
        Case{"OtherJobType", "job_update", {{"status", "completed"}, {"type", "backup"}}, EventMatch::kFiltered, {}},
        Case{"FieldMissing", "job_update", {{"type", "metadata_fetch"}}, EventMatch::kFiltered, {}},
        Case{"Unmapped", "notification", {}, EventMatch::kUnmapped, {}},
        Case{"CaseMatters", "Library_Updated", {}, EventMatch::kUnmapped, {}}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(EventRulesAllTags, EveryRulesTagsOnceSorted) {
  auto m = rules();
  m["titledb_updated"] = EventRule{{}, {"system", "library"}};
  EXPECT_EQ(all_event_tags(m), (std::vector<std::string>{"library", "system"}));
  EXPECT_TRUE(all_event_tags({}).empty());
}

}  // namespace
}  // namespace foilcache::config

// map_message: a classified message and the `events:` map decide its metric label and either
// its tags (to plan) or its final result.
#include "proxy/feeds/event_mapping.hpp"

#include <gtest/gtest.h>

#include "upstream_stub/socketio_pickles.hpp"

namespace foilcache::feeds {
namespace {

using metrics::AppEventResult;

std::map<std::string, config::EventRule> rules() {
  std::map<std::string, config::EventRule> m;
  m["library_updated"] = config::EventRule{{}, {"library"}};
  m["job_update"] = config::EventRule{
      {{"status", {"completed"}}, {"type", {"metadata_fetch", "metadata_fetch_all", "titledb_update"}}},
      {"library", "system"}};
  m["titledb_updated"] = config::EventRule{{}, {"system"}};
  m["quiet"] = config::EventRule{{}, {}};
  return m;
}

std::string emit(std::string_view event, std::string_view data) {
  return R"({"method": "emit", "event": ")" + std::string(event) + R"(", "data": [)" + std::string(data) +
         R"(], "binary": false, "namespace": "/", "room": null, "skip_sid": null, "callback": null, "host_id": "h"})";
}

struct Case {
  const char* name;
  std::string message;
  std::string label;
  std::optional<AppEventResult> result;
  std::vector<std::string> tags;
};

class EventMappingMap : public ::testing::TestWithParam<Case> {};

TEST_P(EventMappingMap, Decides) {
  const auto& c = GetParam();
  const auto verdict = map_message(parse_socketio_message(c.message), rules());
  EXPECT_EQ(verdict.label, c.label);
  EXPECT_EQ(verdict.result, c.result);
  EXPECT_EQ(verdict.tags, c.tags);
}

const char* kCompleted = R"({"id": "j", "type": "metadata_fetch_all", "status": "completed"})";

INSTANTIATE_TEST_SUITE_P(
    Cases, EventMappingMap,
    ::testing::Values(
        Case{"Mapped", emit("library_updated", R"({"timestamp": "t"})"), "library_updated", std::nullopt, {"library"}},
        Case{"ConditionsHold", emit("job_update", kCompleted), "job_update", std::nullopt, {"library", "system"}},
        Case{"StillRunning", emit("job_update", R"({"type": "metadata_fetch_all", "status": "running"})"), "job_update",
             AppEventResult::kFiltered, {}},
        Case{"BackupJob", emit("job_update", R"({"type": "backup", "status": "completed"})"), "job_update",
             AppEventResult::kFiltered, {}},
        Case{"ConditionsOnBinaryPayload",
             std::string(emit("job_update", kCompleted)).replace(emit("job_update", kCompleted).find("false"), 5, "true"),
             "job_update", AppEventResult::kFiltered, {}},
        Case{"KnownButUnmapped", emit("notification", R"({"title": "x"})"), "notification", AppEventResult::kUnmapped,
             {}},
        Case{"MappedNotKnown", emit("titledb_updated", "{}"), "titledb_updated", std::nullopt, {"system"}},
        Case{"UnknownIsOther", emit("user_created", "{}"), "other", AppEventResult::kUnmapped, {}},
        Case{"RuleWithoutTags", emit("quiet", "{}"), "quiet", AppEventResult::kApplied, {}},
        Case{"NoiseIsIgnored", R"({"method": "disconnect", "sid": "s", "namespace": "/", "host_id": "h"})", "other",
             AppEventResult::kIgnored, {}},
        Case{"OtherNamespaceIsIgnored",
             std::string(emit("library_updated", "{}")).replace(emit("library_updated", "{}").find("\"/\""), 3,
                                                                "\"/admin\""),
             "other", AppEventResult::kIgnored, {}},
        Case{"GarbageIsMalformed", "{nope", "other", AppEventResult::kMalformed, {}},
        Case{"PickleIsPickle",
             std::string(reinterpret_cast<const char*>(stub::pickles::kPickleLibraryUpdated),
                         sizeof(stub::pickles::kPickleLibraryUpdated)),
             "other", AppEventResult::kPickle, {}}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(EventMappingLabel, BoundedByTheMapAndTheKnownEvents) {
  const auto m = rules();
  EXPECT_EQ(event_label(m, "library_updated"), "library_updated");
  EXPECT_EQ(event_label(m, "notification"), "notification");
  EXPECT_EQ(event_label(m, "titledb_updated"), "titledb_updated");
  EXPECT_EQ(event_label(m, "random_event_12345"), "other");
  EXPECT_EQ(event_label({}, "job_update"), "job_update");
  EXPECT_EQ(event_label({}, ""), "other");
}

}  // namespace
}  // namespace foilcache::feeds

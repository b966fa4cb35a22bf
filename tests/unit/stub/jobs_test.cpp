// The background jobs' records and scripts (job_tracker.py, models/systemjob.py): payloads
// in json.dumps form, what each kind announces, and what it changes on completion.
#include "upstream_stub/jobs.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace foilcache::stub {
namespace {

using namespace std::chrono;

constexpr std::size_t kTitles = 200;

TEST(JobsTest, PayloadIsSystemJobToDictInOrder) {
  JobRecord r;
  r.id = "titledb_update_1a2b3c4d";
  r.type = "titledb_update";
  r.status = "running";
  r.message = "Initializing...";
  r.metadata_json = R"({"force": true})";
  r.started_at = sys_days{year{2026} / 8 / 13} + 10h + 123456us;
  // Python 3.11: json.dumps(SystemJob.to_dict()) of the same row.
  EXPECT_EQ(job_payload(r),
            R"({"id": "titledb_update_1a2b3c4d", "type": "titledb_update", "status": "running", "progress": {"percent": 0.0, "message": "Initializing..."}, "result": null, "metadata": {"force": true}, "error": null, "started_at": "2026-08-13T10:00:00.123456", "completed_at": null})");
}

TEST(JobsTest, ScriptsFollowTheApp) {
  EXPECT_TRUE(job_script(JobKind::kTitleDbUpdate).registered);
  EXPECT_TRUE(job_script(JobKind::kMetadataFetchAll).registered);
  const JobScript refresh_all = job_script(JobKind::kMetadataFetch);
  EXPECT_FALSE(refresh_all.registered) << "start_job creates the row: no scheduled update";
  EXPECT_EQ(refresh_all.start_message, "Fetching metadata for all games");
  const auto t = sys_days{year{2026} / 8 / 13};
  EXPECT_EQ(job_id(JobKind::kTitleDbUpdate, t, "1a2b3c4d"), "titledb_update_1a2b3c4d");
  EXPECT_EQ(job_id(JobKind::kMetadataFetch, t, "ignored"), "metadata_1786579200");
}

TEST(JobsTest, MetadataFetchAllTakesFiftyTitlesWithoutMetadata) {
  const Library library(42, 0, kTitles);
  LibraryEdits edits;
  const JobOutcome first = apply_job(JobKind::kMetadataFetchAll, edits, library);
  ASSERT_EQ(first.names.size(), 50u);
  const Library after(42, 0, kTitles, edits);
  std::size_t with_score = 0;
  for (const Title& t : after.titles()) with_score += t.metacritic_score ? 1 : 0;
  EXPECT_EQ(with_score, 50u);
  const JobOutcome second = apply_job(JobKind::kMetadataFetchAll, edits, after);
  ASSERT_EQ(second.names.size(), 50u);
  EXPECT_NE(second.names.front(), first.names.front()) << "the next batch";
  EXPECT_EQ(job_result(JobKind::kMetadataFetchAll, first),
            R"({"processed": 50, "updated": 50, "failed": 0})");
  EXPECT_EQ(job_result(JobKind::kMetadataFetchAll, JobOutcome{}),
            R"({"message": "No titles need update"})");
}

TEST(JobsTest, ProgressPassesTheThrottleAtFirstAndLast) {
  JobOutcome three{{"A", "B", "C"}};
  const auto fetch_all = job_progress(JobKind::kMetadataFetchAll, three);
  ASSERT_EQ(fetch_all.size(), 2u);
  EXPECT_DOUBLE_EQ(fetch_all[0].percent, 33.3);
  EXPECT_EQ(fetch_all[0].message, "Fetching metadata for A...");
  EXPECT_DOUBLE_EQ(fetch_all[1].percent, 100.0);
  const auto refresh = job_progress(JobKind::kMetadataFetch, three);
  ASSERT_EQ(refresh.size(), 2u);
  EXPECT_EQ(refresh[0].message, "") << "update_progress(0) keeps the start message";
  EXPECT_EQ(refresh[1].message, "Updated C");
  EXPECT_EQ(job_result(JobKind::kMetadataFetch, three),
            R"({"message": "Finished updating 3 games"})");
  EXPECT_EQ(job_progress(JobKind::kTitleDbUpdate, {}).size(), 2u);
  EXPECT_EQ(job_result(JobKind::kTitleDbUpdate, {}), R"({"success": true})");
}

TEST(JobsTest, TitleDbUpdateRenamesSomeTitles) {
  const Library before(42, 0, kTitles);
  LibraryEdits edits;
  apply_job(JobKind::kTitleDbUpdate, edits, before);
  const Library after(42, 0, kTitles, edits);
  std::size_t renamed = 0;
  for (std::size_t i = 0; i < kTitles; ++i) {
    renamed += before.titles()[i].name != after.titles()[i].name ? 1 : 0;
    EXPECT_EQ(before.titles()[i].title_id, after.titles()[i].title_id);
  }
  EXPECT_GT(renamed, kTitles / 16);
  EXPECT_LT(renamed, kTitles / 4);
}

TEST(JobsTest, RegistryKnowsActiveJobs) {
  JobRegistry registry;
  JobRecord r;
  r.id = "titledb_update_1";
  r.type = "titledb_update";
  r.status = "running";
  registry.put(r);
  EXPECT_TRUE(registry.active("titledb_update", "other"));
  EXPECT_FALSE(registry.active("titledb_update", "titledb_update_1"));
  r.status = "completed";
  registry.put(r);
  EXPECT_FALSE(registry.active("titledb_update", "other"));
  EXPECT_EQ(registry.all().size(), 1u);
}

}  // namespace
}  // namespace foilcache::stub

// The app's background jobs (job_tracker.py, models/systemjob.py) as the stub runs them:
// the job record and its job_update payload, the script of each kind (which transitions it
// announces, with what progress), the change it makes to the library on completion, and a
// thread-safe registry of the records. Pure apart from the registry's mutex.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "upstream_stub/library_model.hpp"

namespace foilcache::stub {

// The jobs the stub's routes start.
enum class JobKind {
  kMetadataFetchAll,  // POST /api/system/metadata/fetch: metadata_service.fetch_all_metadata
  kMetadataFetch,     // POST /api/library/metadata/refresh-all: fetch_metadata_for_all_games_async
  kTitleDbUpdate,     // POST /api/settings/titledb/update: app.update_titledb_job
  kReidentifyAll,     // POST /api/system/reidentify-all: library.reidentify_all_files_job
};

// A SystemJob row; to_dict() is the job_update payload.
struct JobRecord {
  std::string id;
  std::string type;
  std::string status;  // scheduled | running | completed | failed
  double percent = 0.0;
  std::optional<std::string> message;  // progress_message; null until the job started
  std::string result_json = "null";    // json.dumps form (py_json.hpp)
  std::string metadata_json = "{}";
  std::optional<std::string> error;
  std::optional<std::chrono::system_clock::time_point> started_at;
  std::optional<std::chrono::system_clock::time_point> completed_at;
};

// SystemJob.to_dict() in json.dumps form: {"id", "type", "status", "progress": {"percent",
// "message"}, "result", "metadata", "error", "started_at", "completed_at"}; the times are
// naive UTC isoformat (the column has no time zone).
std::string job_payload(const JobRecord& record);

// How a kind announces itself.
struct JobScript {
  std::string type;           // SystemJob.job_type
  bool registered = true;     // register_job first (a "scheduled" job_update); else start_job
                              // creates the row implicitly and the first update is "running"
  std::string start_message;  // start_job's progress message
};
JobScript job_script(JobKind kind);
// A job id as the app makes them: "<type>_<8 hex>" for registered jobs, "metadata_<unix s>"
// for the implicit one, "reidentify_all_<unix s>". `random_hex8` supplies the hex digits.
std::string job_id(JobKind kind, std::chrono::system_clock::time_point now,
                   std::string_view random_hex8);

// What a completed job changed: the titles it updated, in order (re-identification: the
// app id of every file it identified again).
struct JobOutcome {
  std::vector<std::string> names;
};
// Applies the kind's change to `edits` over `library` (the current one): metadata for the
// first 50 owned titles without any (fetch_all), for every owned title (refresh-all), one
// TitleDB revision further (renames 1 in 8 titles), nothing for a re-identification (the
// stub's files identify as before). Returns what changed.
JobOutcome apply_job(JobKind kind, LibraryEdits& edits, const Library& library);

// One update_progress() that passes the app's throttle (first, 0 % and 100 %).
struct JobProgress {
  double percent = 0.0;
  std::string message;  // empty: the message stays
};
std::vector<JobProgress> job_progress(JobKind kind, const JobOutcome& outcome);
// complete_job's result in json.dumps form.
std::string job_result(JobKind kind, const JobOutcome& outcome);

// The records of every job started since the server started. Thread-safe.
class JobRegistry {
 public:
  void put(const JobRecord& record);
  std::vector<JobRecord> all() const;  // by id
  // Whether a job of `type` other than `except_id` is scheduled or running.
  bool active(std::string_view type, std::string_view except_id) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, JobRecord, std::less<>> jobs_;
};

}  // namespace foilcache::stub

#include "upstream_stub/jobs.hpp"

#include <cmath>

#include "upstream_stub/py_json.hpp"

namespace foilcache::stub {
namespace {

constexpr std::size_t kMetadataBatch = 50;  // fetch_all_metadata: query.limit(50)

std::string optional_time(const std::optional<std::chrono::system_clock::time_point>& t) {
  return t ? py::string(py::isoformat(*t, false)) : std::string(py::kNull);
}

// Python's round(v, 1) for the percentages update_progress computes.
double round1(double v) { return std::round(v * 10.0) / 10.0; }

}  // namespace

std::string job_payload(const JobRecord& r) {
  return py::object({
      {"id", py::string(r.id)},
      {"type", py::string(r.type)},
      {"status", py::string(r.status)},
      {"progress",
       py::object({{"percent", py::number(r.percent)},
                   {"message", r.message ? py::string(*r.message) : std::string(py::kNull)}})},
      {"result", r.result_json},
      {"metadata", r.metadata_json},
      {"error", r.error ? py::string(*r.error) : std::string(py::kNull)},
      {"started_at", optional_time(r.started_at)},
      {"completed_at", optional_time(r.completed_at)},
  });
}

JobScript job_script(JobKind kind) {
  switch (kind) {
    case JobKind::kMetadataFetchAll:
      return {"metadata_fetch_all", true, ""};
    case JobKind::kMetadataFetch:
      return {"metadata_fetch", false, "Fetching metadata for all games"};
    case JobKind::kTitleDbUpdate:
      return {"titledb_update", true, ""};
    case JobKind::kReidentifyAll:
      return {"reidentify_all", true, ""};
  }
  return {};
}

std::string job_id(JobKind kind, std::chrono::system_clock::time_point now,
                   std::string_view random_hex8) {
  // tasks.py: f"metadata_{int(time.time())}"; scan.py: f"reidentify_all_{int(...timestamp())}"
  const auto seconds =
      std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
  if (kind == JobKind::kMetadataFetch) return "metadata_" + seconds;
  if (kind == JobKind::kReidentifyAll) return "reidentify_all_" + seconds;
  return job_script(kind).type + "_" + std::string(random_hex8);
}

JobOutcome apply_job(JobKind kind, LibraryEdits& edits, const Library& library) {
  JobOutcome out;
  if (kind == JobKind::kTitleDbUpdate) {
    ++edits.titledb_revision;
    return out;
  }
  if (kind == JobKind::kReidentifyAll) {
    for (const ShopFile& f : library.files()) out.names.push_back(f.app_id);
    return out;
  }
  for (const Title& t : library.titles()) {
    if (!t.has_base) continue;
    const auto it = edits.metadata_fetches.find(t.title_id);
    const int fetches = it == edits.metadata_fetches.end() ? 0 : it->second;
    // fetch_all skips titles that already have metadata; refresh-all fetches every one.
    if (kind == JobKind::kMetadataFetchAll &&
        (fetches > 0 || edits.rawg_ids.count(t.title_id) != 0)) {
      continue;
    }
    edits.metadata_fetches[t.title_id] = fetches + 1;
    out.names.push_back(t.name);
    if (kind == JobKind::kMetadataFetchAll && out.names.size() == kMetadataBatch) break;
  }
  return out;
}

std::vector<JobProgress> job_progress(JobKind kind, const JobOutcome& outcome) {
  const std::size_t total = outcome.names.size();
  switch (kind) {
    case JobKind::kMetadataFetchAll: {
      if (total == 0) return {};
      std::vector<JobProgress> out{{round1(100.0 / static_cast<double>(total)),
                                    "Fetching metadata for " + outcome.names.front() + "..."}};
      if (total > 1)
        out.push_back({100.0, "Fetching metadata for " + outcome.names.back() + "..."});
      return out;
    }
    case JobKind::kMetadataFetch:
      if (total == 0) return {};
      return {{0.0, ""}, {100.0, "Updated " + outcome.names.back()}};
    case JobKind::kTitleDbUpdate:
      return {{0.0, "Initializing..."}, {100.0, "Finalizing..."}};
    case JobKind::kReidentifyAll:
      if (total == 0) return {{0.0, "Clearing database associations..."}};
      return {{0.0, "Clearing database associations..."}, {98.0, "Regenerating library cache..."}};
  }
  return {};
}

std::string job_result(JobKind kind, const JobOutcome& outcome) {
  const auto n = static_cast<std::int64_t>(outcome.names.size());
  switch (kind) {
    case JobKind::kMetadataFetchAll:
      if (n == 0) return py::object({{"message", py::string("No titles need update")}});
      return py::object({{"processed", py::number(n)},
                         {"updated", py::number(n)},
                         {"failed", py::number(std::int64_t{0})}});
    case JobKind::kMetadataFetch:
      if (n == 0) return py::object({{"message", py::string("No games to update")}});
      return py::object(
          {{"message", py::string("Finished updating " + std::to_string(n) + " games")}});
    case JobKind::kTitleDbUpdate:
      return py::object({{"success", py::boolean(true)}});
    case JobKind::kReidentifyAll:
      if (n == 0) return py::object({{"message", py::string("No files to identify")}});
      return py::object(
          {{"message", py::string("Re-identified " + std::to_string(n) + " files")}});
  }
  return std::string(py::kNull);
}

void JobRegistry::put(const JobRecord& record) {
  std::lock_guard lock(mutex_);
  jobs_[record.id] = record;
}

std::vector<JobRecord> JobRegistry::all() const {
  std::lock_guard lock(mutex_);
  std::vector<JobRecord> out;
  for (const auto& [id, record] : jobs_) out.push_back(record);
  return out;
}

bool JobRegistry::active(std::string_view type, std::string_view except_id) const {
  std::lock_guard lock(mutex_);
  for (const auto& [id, r] : jobs_) {
    if (r.type == type && id != except_id && (r.status == "scheduled" || r.status == "running")) {
      return true;
    }
  }
  return false;
}

}  // namespace foilcache::stub

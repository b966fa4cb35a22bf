// The shipped rules (conf/foilcache.yaml) against the app's Socket.IO events, one row per
// `events:` entry and per message it must leave alone: the reads of two users (and the
// shared ones) are cached, then the app changes something on its own (a scheduler, the
// file watcher, a background job: nothing passes through foilcache), and once foilcache
// has handled every message the app published, the reads the event concerns are MISSes
// with the app's current answer and every other read is still the same HIT.
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/integration/myfoil.hpp"
#include "tests/support/wait.hpp"
#include "upstream_stub/socketio_message.hpp"

namespace foilcache::testing {
namespace {

using namespace myfoil;
constexpr auto kBound = std::chrono::seconds(10);
constexpr const char* kChannel = "flask-socketio";  // the app's Socket.IO channel

// The sum of the series of `family` whose labels start with `labels` (all of them: "").
double metric_sum(Deployment& d, std::string_view family, std::string_view labels = {}) {
  const std::string text = d.get("/metrics").body;
  const std::string head = "\n" + std::string(family) + "{" + std::string(labels);
  double sum = 0;
  for (auto at = text.find(head); at != std::string::npos; at = text.find(head, at + 1)) {
    const auto value = text.find("} ", at);
    if (value != std::string::npos) sum += std::stod(text.substr(value + 2));
  }
  return sum;
}
double events_counted(Deployment& d) { return metric_sum(d, "foilcache_app_events_total"); }
double events_counted(Deployment& d, std::string_view event, std::string_view result) {
  return metric_sum(d, "foilcache_app_events_total",
                    "event=\"" + std::string(event) + "\",result=\"" + std::string(result) + "\"");
}

// A message the stub has no job for, published as the app's python-socketio would.
void publish(Deployment& d, std::string_view event, std::string_view payload) {
  d.app_redis().cli(
      {"PUBLISH", kChannel, stub::emit_message(stub::SocketIoFormat::kJson, event, payload, stub::new_host_id())});
}
std::string job_record(std::string_view type, std::string_view status) {
  return R"({"id": ")" + std::string(type) + R"(_1a2b3c4d", "type": ")" + std::string(type) + R"(", "status": ")" +
         std::string(status) + R"(", "progress": 100})";
}

void app_post(Deployment& d, std::string_view target, const Headers& headers = kAdmin, std::string_view json = {}) {
  const auto r = HttpClient(d.stub().port()).request(http::verb::post, target, json.empty() ? headers : headers + kJson,
                                                     std::string(json));
  ASSERT_EQ(r.status, 200u) << target << ": " << r.body;
}

// What the app does behind foilcache's back; returns how many messages it published itself
// (the stub's own publisher counts the rest).
using Happening = std::function<int(Deployment&)>;

Happening stub_job(std::string target, std::string type, std::string outcome = "completed", std::string json = {}) {
  return [=](Deployment& d) {
    app_post(d, "/__stub/jobs?outcome=" + outcome, {});
    app_post(d, target, kAdmin, json);
    EXPECT_TRUE(job_ended(d, type, outcome)) << type;
    return 0;
  };
}
Happening published(std::string event, std::string payload) {
  return [=](Deployment& d) {
    publish(d, event, payload);
    return 1;
  };
}

struct Row {
  std::string name;
  Happening happen;
  Names refreshed;          // the reads that must be fresh afterwards; every other one stays a HIT
  std::string event;        // the message that decides the row, counted as `result`
  std::string result;
  stub::SocketIoFormat format = stub::SocketIoFormat::kJson;
};

std::vector<Row> rows() {
  // The app posts library_updated to its publisher after the answer: wait until it is queued.
  const auto library_change = [](std::string target, Headers who) -> Happening {
    return [=](Deployment& d) {
      const auto queued = [&] {
        const auto s = d.stub().socketio_stats();
        return s.published + s.pending;
      };
      const auto before = queued();
      app_post(d, target, who);
      EXPECT_TRUE(test::wait_until([&] { return queued() > before; }, kBound)) << "no library_updated";
      return 0;
    };
  };
  const Names titles = kLibrary + Names{"info"};
  return {
      // library_updated: [library]
      {"FileWatcherChange", library_change("/__stub/library-change", {}), kLibrary, "library_updated", "applied"},
      {"ScheduledScan", library_change("/api/library/scan", kAdmin), kLibrary,
       "library_updated", "applied"},
      {"LibraryUpdatedOf514", library_change("/__stub/library-change", {}), kLibrary, "library_updated", "applied",
       stub::SocketIoFormat::kJson514},
      // job_update when completed and of a type that changes titles: [library, system]
      {"TitleDbUpdate", stub_job("/api/settings/titledb/update", "titledb_update"), titles, "job_update",
       "applied"},
      {"MetadataFetchAll", stub_job("/api/system/metadata/fetch", "metadata_fetch_all", "completed", "{}"), titles, "job_update",
       "applied"},
      {"MetadataRefreshAll", stub_job("/api/library/metadata/refresh-all", "metadata_fetch"), titles,
       "job_update", "applied"},
      {"ReidentifyAll", stub_job("/api/system/reidentify-all", "reidentify_all"), titles, "job_update",
       "applied"},
      // What changes nothing the cache holds, or is followed by a library_updated of its own.
      {"TitleDbUpdateFailed", stub_job("/api/settings/titledb/update", "titledb_update", "failed"), {},
       "job_update", "filtered"},
      {"LibraryScanJob", published("job_update", job_record("library_scan", "completed")), {}, "job_update",
       "filtered"},
      {"IncrementalUpdateJob", published("job_update", job_record("incremental_library_update", "completed")), {},
       "job_update", "filtered"},
      {"BackupJob", published("job_update", job_record("backup", "completed")), {}, "job_update", "filtered"},
      {"JobRunning", published("job_update", job_record("titledb_update", "running")), {}, "job_update",
       "filtered"},
      {"Notification", published("notification", R"({"title": "Scan", "message": "done", "type": "info"})"), {},
       "notification", "unmapped"},
      // An app on python-socketio < 5.14 publishes pickles: refused unread, nothing changes.
      {"Pickle", library_change("/__stub/library-change", {}), {}, "other", "pickle", stub::SocketIoFormat::kPickle},
  };
}

void PrintTo(const Row& row, std::ostream* os) { *os << row.name; }

class MyfoilEvents : public ::testing::TestWithParam<Row> {};

TEST_P(MyfoilEvents, TheReadsItChangesAreFreshAndNoOtherIs) {
  const Row& row = GetParam();
  DeploymentOptions options = shipped();
  options.app_redis = true;  // the shipped feeds.socketio.url is ${MYFOIL_REDIS_URL:-}
  options.stub.socketio_format = row.format;
  Deployment d(options);
  // Subscribed, and the subscription's own invalidation done: what is cached now stays.
  ASSERT_TRUE(test::wait_until(
      [&] {
        return d.get("/metrics").body.find("\nfoilcache_app_feed_up 1\n") != std::string::npos &&
               metric_sum(d, "foilcache_app_feed_resyncs_total", "reason=\"subscribed\"") == 1;
      },
      kBound))
      << d.proxy_log();

  const PageFacts facts = page_facts(truth(d, "/api/library/paged?page=1", kAlice).body);
  ASSERT_FALSE(facts.update_tid.empty()) << "the stub's first page changed shape";
  const std::vector<Probe> all = probes(facts);
  const Answers before = cache_all(d, all);
  if (HasFailure()) return;

  const double counted = events_counted(d);
  const double decided = events_counted(d, row.event, row.result);
  const auto published_by_stub = d.stub().socketio_stats().published;
  const int by_hand = row.happen(d);
  ASSERT_FALSE(HasFatalFailure());
  const auto published_at = std::chrono::steady_clock::now();
  // Every message the app published is handled (counted after its invalidation, if any).
  double expected = 0;
  ASSERT_TRUE(test::wait_until(
      [&] {
        const auto s = d.stub().socketio_stats();
        expected = counted + by_hand + static_cast<double>(s.published - published_by_stub);
        return s.pending == 0 && events_counted(d) == expected;
      },
      kBound))
      << "counted " << events_counted(d) << " of " << expected << "\n"
      << d.proxy_log();
  // From the app's last message queued to foilcache done with it (the issue asks for 1 s;
  // a figure, recorded in the test report, not a timed assertion).
  RecordProperty("handled_ms", static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                    std::chrono::steady_clock::now() - published_at)
                                                    .count()));
  EXPECT_GE(events_counted(d, row.event, row.result), decided + 1) << row.event << " as " << row.result;

  expect_refreshed(d, all, before, row.refreshed);
}

INSTANTIATE_TEST_SUITE_P(Shipped, MyfoilEvents, ::testing::ValuesIn(rows()),
                         [](const ::testing::TestParamInfo<Row>& info) { return info.param.name; });

}  // namespace
}  // namespace foilcache::testing

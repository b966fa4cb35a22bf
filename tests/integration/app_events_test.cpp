// The app's Socket.IO feed end to end: the stub publishes MyFoil's events on "the app's
// Redis" (a second redis-server), the real foilcache subscribes to it (feeds.socketio) and
// invalidates through the same `events:` map the webhook uses. Every wait is bounded.
#include <csignal>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "tests/integration/scenarios.hpp"
#include "upstream_stub/socketio_message.hpp"

namespace foilcache::testing {
namespace {

constexpr const char* kPage1 = "/api/library/paged?page=1";
constexpr const char* kPage2 = "/api/library/paged?page=2";
constexpr const char* kChannel = "flask-socketio";

constexpr std::string_view kEvents = R"(events:
  library_updated: [library]
  job_update:
    when: {status: completed, type: [metadata_fetch, metadata_fetch_all, titledb_update]}
    tags: [library, system]
)";

// The routes whose tags the events name: system_info (shared, [system]) and library_paged
// (per user, [library]).
const std::string kRoutes = info_route(
    "  - name: library_paged\n    match: GET /api/library/paged\n    ttl: 5m\n"
    "    key: \"library_paged:{query.page|1}:{user}\"\n    tags: [library]\n");

// `feed` lines go under feeds.socketio (after its url).
std::string feed_config(std::string_view feed = {}, std::string_view events = kEvents) {
  return config_head("foilcache:", "1s") + std::string(events) + "feeds:\n  socketio:\n    url: ${MYFOIL_REDIS_URL}\n" +
         std::string(feed) + kRoutes;
}

DeploymentOptions feed_options(std::string yaml = feed_config()) {
  DeploymentOptions options;
  options.app_redis = true;
  options.config_yaml = std::move(yaml);
  return options;
}

// A sample of the foilcache on `port` (0 when the series does not exist yet).
double metric(std::uint16_t port, const std::string& series) {
  const std::string text = http_get(port, "/metrics").body;
  const std::string line = "\n" + series + " ";
  const auto at = text.find(line);
  return at == std::string::npos ? 0 : std::stod(text.substr(at + line.size()));
}
double events(std::uint16_t port, std::string_view event, std::string_view result) {
  return metric(port, "foilcache_app_events_total{event=\"" + std::string(event) + "\",result=\"" +
                          std::string(result) + "\"}");
}
double resyncs(std::uint16_t port, std::string_view reason) {
  return metric(port, "foilcache_app_feed_resyncs_total{reason=\"" + std::string(reason) + "\"}");
}
double invalidations(std::uint16_t port, std::string_view tag) {
  return metric(port, "foilcache_invalidations_total{tag=\"" + std::string(tag) + "\"}");
}

// Subscribed, with `n` subscription resyncs done: what is cached from now on stays until an event.
void wait_feed_ready(std::uint16_t port, double n = 1) {
  ASSERT_TRUE(test::wait_until(
      [&] { return metric(port, "foilcache_app_feed_up") == 1 && resyncs(port, "subscribed") == n; }, kBound))
      << "the feed of :" << port << " did not subscribe";
}

void library_change(Deployment& d) {
  ASSERT_EQ(HttpClient(d.stub().port()).request(http::verb::post, "/__stub/library-change").status, 200u);
}

// Publishes `message` on the app's channel as the app's python-socketio would.
void publish(Deployment& d, const std::string& message) { d.app_redis().cli({"PUBLISH", kChannel, message}); }

std::string x_cache(std::uint16_t port, std::string_view target, const Headers& headers = {}) {
  return HttpClient(port).get(target, headers).header("X-Cache");
}

void cache(std::uint16_t port, std::string_view target, const Headers& headers = {}) {
  ASSERT_EQ(x_cache(port, target, headers), "MISS");
  ASSERT_EQ(x_cache(port, target, headers), "HIT");
}

bool becomes_miss(std::uint16_t port, std::string_view target, const Headers& headers = {}) {
  return test::wait_until([&] { return x_cache(port, target, headers) == "MISS"; }, 5s);
}

TEST(AppEvents, LibraryUpdatedInvalidatesEveryReplicasEntries) {
  Deployment d(feed_options());
  Replica other = d.start_replica();
  wait_feed_ready(d.port());
  wait_feed_ready(other.port);
  const std::string before = d.get(kPage1, as_alice()).body;
  ASSERT_EQ(x_cache(d.port(), kPage1, as_alice()), "HIT");
  cache(other.port, kPage2, as_alice());

  library_change(d);
  std::string after;
  EXPECT_TRUE(test::wait_until(
      [&] {
        const auto r = d.get(kPage1, as_alice());
        after = r.body;
        return r.header("X-Cache") == "MISS";
      },
      5s))
      << d.proxy_log();
  EXPECT_NE(after, before) << "the answer after the event shows the changed library";
  EXPECT_TRUE(becomes_miss(other.port, kPage2, as_alice())) << "the other replica's entry too";
}

TEST(AppEvents, JobUpdateInvalidatesOnlyWhenItsConditionsHold) {
  Deployment d(feed_options());
  wait_feed_ready(d.port());
  cache(d.port(), kInfo);
  const Headers admin_auth{{"Authorization", "Bearer token-admin"}};
  HttpClient app(d.stub().port());

  // A backup job completing (the stub runs none: published as the app would).
  publish(d, stub::emit_message(stub::SocketIoFormat::kJson, "job_update",
                                R"({"id": "backup_1", "type": "backup", "status": "completed"})", stub::new_host_id()));
  // A TitleDB update that fails: scheduled, running, failed.
  ASSERT_EQ(app.request(http::verb::post, "/__stub/jobs?outcome=failed").status, 200u);
  ASSERT_EQ(app.request(http::verb::post, "/api/settings/titledb/update", admin_auth).status, 200u);
  ASSERT_TRUE(test::wait_until([&] { return events(d.port(), "job_update", "filtered") == 4; }, kBound));
  EXPECT_EQ(x_cache(d.port(), kInfo), "HIT") << "no completed metadata or TitleDB job yet";

  ASSERT_EQ(app.request(http::verb::post, "/__stub/jobs?outcome=completed").status, 200u);
  ASSERT_EQ(app.request(http::verb::post, "/api/settings/titledb/update", admin_auth).status, 200u);
  ASSERT_TRUE(test::wait_until([&] { return events(d.port(), "job_update", "applied") == 1; }, kBound));
  EXPECT_GT(events(d.port(), "job_update", "filtered"), 5) << "its scheduled and running updates were filtered";
  EXPECT_EQ(x_cache(d.port(), kInfo), "MISS");
}

TEST(AppEvents, PickleIsCountedAndDroppedWhileServing) {
  DeploymentOptions options = feed_options();
  options.stub.socketio_format = stub::SocketIoFormat::kPickle;
  Deployment d(options);
  wait_feed_ready(d.port());
  cache(d.port(), kPage1, as_alice());

  library_change(d);
  library_change(d);
  ASSERT_TRUE(test::wait_until([&] { return events(d.port(), "other", "pickle") == 2; }, kBound)) << d.proxy_log();
  EXPECT_EQ(x_cache(d.port(), kPage1, as_alice()), "HIT") << "a pickle is never acted on";
  EXPECT_EQ(d.get(kInfo).status, 200u);
  const std::string log = d.proxy_log();
  const auto first = log.find("CVE-2025-61765");
  ASSERT_NE(first, std::string::npos) << log;
  EXPECT_NE(log.find("upgrade python-socketio"), std::string::npos);
  EXPECT_EQ(log.find("CVE-2025-61765", first + 1), std::string::npos) << "at most one warning a minute";
}

TEST(AppEvents, NoiseAndOtherNamespacesAreIgnored) {
  Deployment d(feed_options());
  wait_feed_ready(d.port());
  cache(d.port(), kPage1, as_alice());
  const auto noise = HttpClient(d.stub().port()).request(http::verb::post, "/__stub/socketio-noise");
  ASSERT_EQ(noise.body, "{\"queued\":5}\n");
  std::string other = stub::emit_message(stub::SocketIoFormat::kJson, "library_updated", "{}", stub::new_host_id());
  other.replace(other.find("\"namespace\": \"/\""), 16, "\"namespace\": \"/admin\"");
  publish(d, other);
  ASSERT_TRUE(test::wait_until([&] { return events(d.port(), "other", "ignored") == 6; }, kBound));
  EXPECT_EQ(x_cache(d.port(), kPage1, as_alice()), "HIT");
  EXPECT_EQ(events(d.port(), "library_updated", "applied"), 0);
}

class AppEventsWireFormat : public ::testing::TestWithParam<stub::SocketIoFormat> {};

TEST_P(AppEventsWireFormat, OlderJsonFormatsAreAccepted) {
  DeploymentOptions options = feed_options();
  options.stub.socketio_format = GetParam();
  Deployment d(options);
  wait_feed_ready(d.port());
  cache(d.port(), kPage1, as_alice());
  library_change(d);
  ASSERT_TRUE(test::wait_until([&] { return events(d.port(), "library_updated", "applied") == 1; }, kBound));
  EXPECT_EQ(x_cache(d.port(), kPage1, as_alice()), "MISS");
}

INSTANTIATE_TEST_SUITE_P(Versions, AppEventsWireFormat,
                         ::testing::Values(stub::SocketIoFormat::kJson514, stub::SocketIoFormat::kJsonLegacy),
                         [](const auto& info) { return info.param == stub::SocketIoFormat::kJson514 ? "Json514"
                                                                                                      : "Json5150"; });

TEST(AppEventsReplicas, TwoReplicasInvalidateAnEventOnce) {
  Deployment d(feed_options());
  Replica other = d.start_replica();
  wait_feed_ready(d.port());
  wait_feed_ready(other.port);
  const double before = invalidations(d.port(), "library") + invalidations(other.port, "library");

  library_change(d);
  const auto settled = [](std::uint16_t port) {
    return events(port, "library_updated", "applied") + events(port, "library_updated", "deduplicated");
  };
  ASSERT_TRUE(test::wait_until([&] { return settled(d.port()) == 1 && settled(other.port) == 1; }, kBound));
  EXPECT_EQ(events(d.port(), "library_updated", "applied") + events(other.port, "library_updated", "applied"), 1);
  EXPECT_EQ(events(d.port(), "library_updated", "deduplicated") +
                events(other.port, "library_updated", "deduplicated"),
            1);
  EXPECT_EQ(invalidations(d.port(), "library") + invalidations(other.port, "library") - before, 1);
}

TEST(AppEventsReplicas, BurstOfFiftyEventsCostsAtMostTwoInvalidations) {
  Deployment d(feed_options(feed_config("    burst_window: 2s\n")));
  Replica other = d.start_replica();
  wait_feed_ready(d.port());
  wait_feed_ready(other.port);
  const auto total = [&](std::string_view tag) { return invalidations(d.port(), tag) + invalidations(other.port, tag); };
  const double before = total("library");

  HttpClient app(d.stub().port());
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 50; ++i) ASSERT_EQ(app.request(http::verb::post, "/__stub/library-change").status, 200u);
  // A burst longer than the window (a slow, sanitized build) spans more windows: one
  // invalidation at once, then at most one per window it spans.
  const auto windows = 1 + (std::chrono::steady_clock::now() - started) / 2s;
  const auto heard = [](std::uint16_t port) {
    return events(port, "library_updated", "applied") + events(port, "library_updated", "deduplicated");
  };
  ASSERT_TRUE(test::wait_until([&] { return heard(d.port()) == 50 && heard(other.port) == 50; }, kBound));
  EXPECT_GE(total("library") - before, 1);
  EXPECT_LE(total("library") - before, static_cast<double>(1 + windows))
      << "one at once, one at each window's end, for both replicas";
}

TEST(AppEventsOutage, ResubscribingInvalidatesTheMappedTags) {
  Deployment d(feed_options());
  wait_feed_ready(d.port());
  cache(d.port(), kPage1, as_alice());
  cache(d.port(), kInfo);
  d.app_redis().kill();
  ASSERT_TRUE(test::wait_until([&] { return metric(d.port(), "foilcache_app_feed_up") == 0; }, kBound));
  d.app_redis().restart();
  wait_feed_ready(d.port(), 2);
  EXPECT_EQ(x_cache(d.port(), kPage1, as_alice()), "MISS") << "an event may have been missed meanwhile";
  EXPECT_EQ(x_cache(d.port(), kInfo), "MISS");
  EXPECT_TRUE(test::wait_until([&] { return x_cache(d.port(), kInfo) == "HIT"; }, 5s)) << "cached again";
}

TEST(AppEventsOutage, WhileDownEntriesAreInvalidatedEveryMaxStaleness) {
  Deployment d(feed_options(feed_config("    max_staleness: 1s\n")));
  wait_feed_ready(d.port());
  cache(d.port(), kPage1, as_alice());
  d.app_redis().kill();
  ASSERT_TRUE(test::wait_until([&] { return resyncs(d.port(), "down") >= 1; }, kBound));
  EXPECT_EQ(x_cache(d.port(), kPage1, as_alice()), "MISS");
  EXPECT_EQ(metric(d.port(), "foilcache_app_feed_up"), 0);
  EXPECT_EQ(d.get(kInfo).status, 200u) << "serving goes on";
}

TEST(AppEventsReload, ANewEventsMapAppliesOnSighup) {
  const std::string jobs_only = "events:\n  job_update: [system]\n";
  Deployment d(feed_options(feed_config({}, jobs_only)));
  wait_feed_ready(d.port());
  cache(d.port(), kPage1, as_alice());
  library_change(d);
  ASSERT_TRUE(test::wait_until([&] { return events(d.port(), "library_updated", "unmapped") == 1; }, kBound));
  EXPECT_EQ(x_cache(d.port(), kPage1, as_alice()), "HIT");

  std::ofstream(d.config_path(), std::ios::trunc) << feed_config();
  ASSERT_TRUE(d.proxy().signal(SIGHUP));
  ASSERT_TRUE(test::wait_until([&] { return metric(d.port(), "foilcache_config_reloads_total{result=\"ok\"}") == 1; },
                               kBound));
  library_change(d);
  ASSERT_TRUE(test::wait_until([&] { return events(d.port(), "library_updated", "applied") == 1; }, kBound));
  EXPECT_EQ(x_cache(d.port(), kPage1, as_alice()), "MISS");
}

TEST(AppEventsMemory, TheFeedWorksOnTheEmbeddedStore) {
  DeploymentOptions options = feed_options();
  options.redis = false;
  Deployment d(options);
  wait_feed_ready(d.port());
  cache(d.port(), kPage1, as_alice());
  library_change(d);
  EXPECT_TRUE(becomes_miss(d.port(), kPage1, as_alice()));
  EXPECT_EQ(events(d.port(), "library_updated", "applied"), 1);
}

TEST(AppEventsShutdown, SigtermExitsZeroSubscribedOrReconnecting) {
  Deployment d(feed_options());
  Replica other = d.start_replica();
  wait_feed_ready(d.port());
  wait_feed_ready(other.port);
  ASSERT_TRUE(d.proxy().signal(SIGTERM));
  EXPECT_EQ(d.proxy().wait_exit(kBound), 0) << "subscribed";
  d.app_redis().kill();
  ASSERT_TRUE(test::wait_until([&] { return metric(other.port, "foilcache_app_feed_up") == 0; }, kBound));
  ASSERT_TRUE(other.process->signal(SIGTERM));
  EXPECT_EQ(other.process->wait_exit(kBound), 0) << "reconnecting to the app's Redis";
}

}  // namespace
}  // namespace foilcache::testing

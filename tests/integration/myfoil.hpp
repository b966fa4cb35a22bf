// What the tests of the shipped MyFoil rules share (myfoil_writes_test.cpp,
// myfoil_events_test.cpp, myfoil_mix_test.cpp): a deployment of conf/foilcache.yaml, the app's callers, the reads
// its UI and Tinfoil make, and the app's own answer to compare a cached one with.
#pragma once

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "tests/integration/deployment.hpp"
#include "tests/support/wait.hpp"

namespace foilcache::testing::myfoil {

inline const Headers kAlice = {{"Cookie", "session=sess-alice"}};
inline const Headers kBob = {{"Cookie", "session=sess-bob"}};
inline const Headers kAliceToken = {{"Authorization", "Bearer token-alice"}};
inline const Headers kAdmin = {{"Authorization", basic_auth("admin", "admin-pw")}};
// DELETE /api/user reads current_user.id, which Basic leaves anonymous in the app.
inline const Headers kAdminSession = {{"Cookie", "session=sess-admin"}};
inline Headers tinfoil(std::string_view user, std::string_view password) {
  return {{"User-Agent", "Tinfoil/17.0"}, {"Authorization", basic_auth(user, password)}};
}

inline Headers operator+(Headers a, const Headers& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
inline const Headers kJson = {{"Content-Type", "application/json"}};

// The shipped config, with a generous Redis timeout: these tests count exact cache results,
// and a lookup slowed by a loaded machine must not turn a MISS or HIT into a BYPASS.
inline DeploymentOptions shipped() {
  std::ifstream in(std::filesystem::path(SOURCE_DIR) / "conf" / "foilcache.yaml");
  std::stringstream text;
  text << in.rdbuf();
  std::string yaml = text.str();
  const std::string timeout = "  timeout: 50ms\n";
  const auto at = yaml.find(timeout);
  EXPECT_NE(at, std::string::npos) << "conf/foilcache.yaml no longer sets redis.timeout: 50ms";
  if (at != std::string::npos) yaml.replace(at, timeout.size(), "  timeout: 1s\n");
  DeploymentOptions options;
  options.config_yaml = yaml;
  return options;
}

// The app's answer to `headers` for `target`, asked directly (foilcache's forwarded
// headers name the same host and scheme as a direct request from the test's client).
inline Response truth(Deployment& d, std::string_view target, const Headers& headers) {
  return HttpClient(d.stub().port()).get(target, headers);
}

// The app streams /api/image_proxy (no Content-Length), so foilcache stores it after the
// answer, in the background: waits until `count` image entries are in Redis.
inline bool images_stored(Deployment& d, std::size_t count) {
  return test::wait_until([&] { return d.redis().keys("foilcache:image_proxy:*").size() >= count; },
                          std::chrono::seconds(10));
}

inline rapidjson::Document parse(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  return doc;
}

// What the writes of a library page are about: a title of alice's first page with exactly
// one pending update nobody ignores yet, one with exactly one missing DLC likewise.
struct PageFacts {
  std::string update_tid;
  int update_version = 0;
  std::string dlc_tid;
  std::string dlc_id;
};

inline PageFacts page_facts(const std::string& page_body) {
  PageFacts facts;
  const auto doc = parse(page_body);
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("data")) return facts;
  for (const auto& item : doc["data"]["items"].GetArray()) {
    std::vector<int> versions;
    std::vector<std::string> dlcs;
    for (const auto& app : item["apps"].GetArray()) {
      if (app["owned"].GetBool()) continue;
      const std::string type = app["app_type"].GetString();
      if (type == "UPDATE") versions.push_back(app["app_version"].GetInt());
      if (type == "DLC") dlcs.emplace_back(app["app_id"].GetString());
    }
    if (facts.update_tid.empty() && versions.size() == 1 && item["has_non_ignored_updates"].GetBool()) {
      facts.update_tid = item["id"].GetString();
      facts.update_version = versions.front();
    }
    if (facts.dlc_tid.empty() && dlcs.size() == 1 && item["has_non_ignored_dlcs"].GetBool()) {
      facts.dlc_tid = item["id"].GetString();
      facts.dlc_id = dlcs.front();
    }
  }
  return facts;
}

// ---- The reads a change may or may not concern, cached before it and checked after it

struct Probe {
  std::string name;
  std::string target;
  Headers headers;
};
using Names = std::set<std::string>;
using Answers = std::map<std::string, Response>;

inline Names operator+(Names a, const Names& b) {
  a.insert(b.begin(), b.end());
  return a;
}

inline constexpr const char* kCover =
    "/api/image_proxy?url=https%3A%2F%2Fimg-eshop.cdn.nintendo.net%2Fi%2Fcover.jpg";

// Who asks what: two users' pages (cookie and token), their per-user reads, Tinfoil's
// index, the shared system info and a shared image.
inline std::vector<Probe> probes(const PageFacts& facts) {
  const std::string tid = facts.update_tid;
  return {
      {"alice_page", "/api/library/paged?page=1", kAlice},
      {"bob_page", "/api/library/paged?page=1", kBob},
      {"alice_token_page", "/api/library/paged?page=1&per_page=20", kAliceToken},
      {"alice_stats", "/api/stats/overview", kAlice},
      {"bob_stats", "/api/stats/overview", kBob},
      {"alice_app", "/api/app_info/" + tid, kAlice},
      {"bob_app", "/api/app_info/" + tid, kBob},
      {"alice_titledb", "/api/titledb_data/" + tid, kAlice},
      {"alice_title_tags", "/api/titles/" + tid + "/tags", kAlice},
      {"alice_tags", "/api/tags", kAlice},
      {"bob_tags", "/api/tags", kBob},
      {"alice_upcoming", "/api/upcoming", kAlice},
      {"alice_index", "/index.json", tinfoil("alice", "alice-pw")},
      {"bob_index", "/index.json", tinfoil("bob", "bob-pw")},
      {"info", "/api/system/info", {}},
      {"image", kCover, kAlice},
  };
}

// The reads built from the library, of every caller; plus the other per-caller ones.
inline const Names kLibrary = {"alice_page",  "bob_page",      "alice_token_page", "alice_stats",
                               "bob_stats",   "alice_app",     "bob_app",          "alice_titledb",
                               "alice_title_tags", "alice_index", "bob_index"};
inline const Names kEveryCaller = kLibrary + Names{"alice_tags", "bob_tags", "alice_upcoming"};

inline std::string described(const Response& r) { return std::to_string(r.status) + " " + r.body.substr(0, 300); }

// Caches every probe (a MISS, then a HIT) and returns the cached answers.
inline Answers cache_all(Deployment& d, const std::vector<Probe>& all) {
  Answers before;
  for (const Probe& p : all) {
    EXPECT_EQ(d.get(p.target, p.headers).header("X-Cache"), "MISS") << p.name;
    if (p.name == "image") {
      EXPECT_TRUE(images_stored(d, 1));
    }
    before[p.name] = d.get(p.target, p.headers);
    EXPECT_EQ(before[p.name].header("X-Cache"), "HIT") << p.name << ": " << described(before[p.name]);
  }
  return before;
}

// After a change: each `refreshed` probe is a MISS with the app's current answer, every
// other one the same HIT as before. Returns whether a refreshed answer differs from before.
inline bool expect_refreshed(Deployment& d, const std::vector<Probe>& all, const Answers& before,
                             const Names& refreshed) {
  bool changed = false;
  for (const Probe& p : all) {
    const auto after = d.get(p.target, p.headers);
    const Response& old = before.at(p.name);
    if (!refreshed.contains(p.name)) {
      EXPECT_EQ(after.header("X-Cache"), "HIT") << p.name << " does not depend on this change";
      EXPECT_EQ(after.body, old.body) << p.name;
      continue;
    }
    EXPECT_EQ(after.header("X-Cache"), "MISS") << p.name << ": " << described(after);
    const auto app = truth(d, p.target, p.headers);
    EXPECT_EQ(after.status, app.status) << p.name;
    EXPECT_EQ(after.body, app.body) << p.name << " is not the app's current answer";
    changed = changed || after.status != old.status || after.body != old.body;
  }
  return changed;
}

// Waits (bounded) until a background job of `type` has the record `status`.
inline bool job_ended(Deployment& d, const std::string& type, std::string_view status) {
  return test::wait_until(
      [&] {
        for (const auto& job : d.stub().jobs()) {
          if (job.type == type && job.status == status) return true;
        }
        return false;
      },
      std::chrono::seconds(10));
}

}  // namespace foilcache::testing::myfoil

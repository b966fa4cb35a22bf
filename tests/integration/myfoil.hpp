// What the tests of the shipped MyFoil rules share (myfoil_writes_test.cpp,
// myfoil_mix_test.cpp): a deployment of conf/foilcache.yaml, the app's callers, the reads
// its UI and Tinfoil make, and the app's own answer to compare a cached one with.
#pragma once

#include <fstream>
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

}  // namespace foilcache::testing::myfoil

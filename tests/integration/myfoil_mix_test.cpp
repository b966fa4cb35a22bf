// The shipped rules under a random mix: writes of the app's synchronous write routes and
// reads of three users, interleaved over two replicas, each read compared with the app's
// own answer right after it was answered. After a write's answer no read may be stale.
// The writes whose change the app finishes in a background job (TitleDB update, metadata
// fetches, re-identification) are left out: after their answer only the app's job_update
// event makes the cache fresh, and the Socket.IO feed has its own tests.
// Every caller reads the ignore-dependent lists with one credential: a toggle refreshes
// the lists of the credential it was sent with, not the same account's other ones.
// The seed is fixed and printed; FOILCACHE_MIX_SEED replays another one.
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/integration/myfoil.hpp"

namespace foilcache::testing {
namespace {

using namespace myfoil;

constexpr int kOperations = 1000;
constexpr int kWritePercent = 12;
constexpr std::uint64_t kSeed = 20260813;

struct Caller {
  const char* name;
  Headers session;   // the UI
  Headers tinfoil;   // the Switch
};

const std::vector<Caller> kCallers = {
    {"alice", kAlice, tinfoil("alice", "alice-pw")},
    {"bob", kBob, tinfoil("bob", "bob-pw")},
    {"admin", kAdminSession, tinfoil("admin", "admin-pw")},
};

// One write: how the app's client sends it.
struct Write {
  http::verb method;
  std::string target;
  Headers headers;
  std::string body;
};

class Mix {
 public:
  Mix(Deployment& d, std::uint64_t seed) : random_(seed) {
    const auto page = truth(d, "/api/library/paged?page=1&per_page=100", kAlice).body;
    const auto doc = parse(page);
    for (const auto& item : doc["data"]["items"].GetArray()) {
      Title t{item["id"].GetString(), {}, {}};
      for (const auto& app : item["apps"].GetArray()) {
        const std::string type = app["app_type"].GetString();
        if (type == "UPDATE") t.versions.push_back(app["app_version"].GetInt());
        if (type == "DLC") t.dlcs.emplace_back(app["app_id"].GetString());
      }
      titles_.push_back(std::move(t));
      if (titles_.size() == 8) break;
    }
  }

  std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(random_); }
  bool coin() { return pick(2) == 1; }

  // A read a caller of the UI or Tinfoil makes: target and headers.
  std::pair<std::string, Headers> read() {
    const Caller& c = kCallers[pick(kCallers.size())];
    const std::string& tid = titles_[pick(3)].tid;
    switch (pick(12)) {
      case 0: return {"/api/library/paged?page=1", c.session};
      case 1: return {"/api/library/paged?page=2&sort_by=size&order=desc", c.session};
      case 2: return {"/api/library/paged?dlc=1", c.session};
      case 3: return {"/api/library/search/paged?q=a&per_page=20", c.session};
      case 4: return {"/api/stats/overview", c.session};
      case 5: return {"/api/app_info/" + tid, c.session};
      case 6: return {"/api/titledb_data/" + tid, c.session};
      case 7: return {"/api/tags", c.session};
      case 8: return {"/api/titles/" + tid + "/tags", c.session};
      case 9: return {"/index.json", c.tinfoil};
      // Not a list: the ignore toggles refresh the lists of the credential they came with
      // only (conf/foilcache.yaml), so alice's token would read her old flags until the TTL.
      case 10: return {"/api/app_info/" + tid, kAliceToken};
      default: return {"/api/system/info", {}};
    }
  }

  Write write() {
    const Caller& c = kCallers[pick(kCallers.size())];
    const Title& t = titles_[pick(titles_.size())];
    const std::string n = std::to_string(++writes_);
    const std::string flag = coin() ? "true" : "false";
    switch (pick(14)) {
      case 0:
        if (t.versions.empty()) return scan();
        return {http::verb::post, "/api/library/ignore/" + t.tid, c.session + kJson,
                R"({"type":"update","item_id":)" + std::to_string(t.versions[pick(t.versions.size())]) +
                    R"(,"ignored":)" + flag + "}"};
      case 1:
        if (t.dlcs.empty()) return scan();
        return {http::verb::post, "/api/wishlist/ignore/" + t.tid, c.session + kJson,
                R"({"type":"dlc","item_id":")" + t.dlcs[pick(t.dlcs.size())] + R"(","ignored":)" + flag + "}"};
      case 2: return {http::verb::post, "/api/games/" + t.tid + "/custom", c.session + kJson, R"({"name":"Mix )" + n + R"("})"};
      case 3: return {http::verb::post, "/api/library/metadata/refresh/" + t.tid, c.session, ""};
      case 4:
        return {http::verb::post, "/api/library/match-rawg", kAdmin + kJson,
                R"({"title_id":")" + t.tid + R"(","rawg_id":)" + n + "}"};
      case 5: return {http::verb::put, "/api/tags/" + std::to_string(1 + pick(4)), kAdmin + kJson, R"({"name":"Tag )" + n + R"("})"};
      case 6: return {http::verb::post, "/api/settings/shop", kAdmin + kJson, R"({"host":"","motd":"motd )" + n + R"("})"};
      case 7:
        return {http::verb::post, "/api/settings/titledb/sources/reorder", kAdmin + kJson,
                R"({"tinfoil.media":)" + std::to_string(pick(21)) + "}"};
      case 8:
        return {coin() ? http::verb::post : http::verb::delete_, "/api/settings/library/paths", kAdmin + kJson,
                R"({"path":"/lib)" + std::to_string(pick(3)) + R"("})"};
      case 9: return {http::verb::post, "/api/files/delete/" + std::to_string(1 + pick(400)), kAdmin, ""};
      case 10: return {http::verb::post, "/api/cleanup/orphaned", kAdmin, ""};
      case 11:
        return {http::verb::post, "/api/backup/restore", kAdmin + kJson, R"({"filename":"settings_20260101_000000.yaml"})"};
      case 12:
        // Revoke alice's token, or give her a new one (a write without a rule: nothing cached
        // was answered to the new token).
        if (coin()) return {http::verb::delete_, "/api/settings/tokens/1", kAdmin, ""};
        return {http::verb::post, "/api/settings/tokens", kAdmin + kJson, R"({"name":"script","user_id":1})"};
      default: return scan();
    }
  }

 private:
  struct Title {
    std::string tid;
    std::vector<int> versions;
    std::vector<std::string> dlcs;
  };
  static Write scan() { return {http::verb::post, "/api/library/scan", kAdmin, ""}; }

  std::mt19937_64 random_;
  std::vector<Title> titles_;
  int writes_ = 0;
};

std::uint64_t seed() {
  const char* text = std::getenv("FOILCACHE_MIX_SEED");
  return text != nullptr ? std::strtoull(text, nullptr, 10) : kSeed;
}

TEST(MyfoilMix, NoReadIsStaleAfterAWritesAnswerOnAnyReplica) {
  const std::uint64_t s = seed();
  SCOPED_TRACE("seed " + std::to_string(s) + " (replay: FOILCACHE_MIX_SEED=" + std::to_string(s) + ")");
  DeploymentOptions options = shipped();
  options.stub.base_titles = 400;
  Deployment d(options);
  Replica other = d.start_replica();
  HttpClient first(d.port());
  HttpClient second(other.port);
  HttpClient* replicas[] = {&first, &second};
  HttpClient app(d.stub().port());
  Mix mix(d, s);

  int reads = 0, writes = 0, hits = 0, stale = 0, applied = 0;
  for (int op = 0; op < kOperations; ++op) {
    HttpClient& via = *replicas[mix.pick(2)];
    if (static_cast<int>(mix.pick(100)) < kWritePercent) {
      const Write w = mix.write();
      const auto answer = via.request(w.method, w.target, w.headers, w.body);
      ++writes;
      if (answer.status < 400) ++applied;
      continue;
    }
    const auto [target, headers] = mix.read();
    const auto got = via.get(target, headers);
    const auto want = app.get(target, headers);
    ++reads;
    if (got.header("X-Cache") == "HIT") ++hits;
    if (got.status != want.status || got.body != want.body) {
      ++stale;
      ADD_FAILURE() << "operation " << op << ": stale " << got.header("X-Cache") << " read of " << target
                    << " as " << (headers.empty() ? std::string("nobody") : headers.front().second)
                    << " (status " << got.status << ", the app's " << want.status << ")";
    }
  }
  std::cout << "[ mix      ] seed " << s << ": " << reads << " reads (" << hits << " HIT), " << writes
            << " writes (" << applied << " applied), " << stale << " stale reads\n";
  EXPECT_EQ(stale, 0);
  EXPECT_GT(hits, reads / 8) << "the mix must exercise the cache, not only the app";
  EXPECT_GT(applied, writes / 2) << "most writes must be ones the app applies";
}

}  // namespace
}  // namespace foilcache::testing

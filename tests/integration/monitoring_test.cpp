// The shipped monitoring (deploy/monitoring/grafana-dashboard.json and prometheus-rules.yml)
// queries only what foilcache exports: every `foilcache_*` name in those files, and every
// label value they filter on (result="HIT", kind="store_unavailable", ...), is looked up
// in live scrapes of the real binary running the shipped config, after a MISS and a HIT.
// Two deployments, Redis and the embedded memory store, because some series exist in one
// mode only (foilcache_stored_bytes: memory store only).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "tests/integration/deployment.hpp"
#include "tests/support/wait.hpp"

namespace foilcache::testing {
namespace {

const std::filesystem::path kMonitoringDir = std::filesystem::path(SOURCE_DIR) / "deploy" / "monitoring";
const std::filesystem::path kDashboard = kMonitoringDir / "grafana-dashboard.json";
const std::filesystem::path kRules = kMonitoringDir / "prometheus-rules.yml";

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// What scrapes exported: sample names, family types, and each label's values.
struct Exported {
  std::set<std::string> samples;
  std::map<std::string, std::string> types;  // family -> counter|gauge|histogram|...
  std::map<std::string, std::set<std::string>> label_values;
  std::string text;                           // the scrapes, for failure messages

  void add(const std::string& scrape, std::string_view mode) {
    static const std::regex kType(R"(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)$)");
    static const std::regex kSample(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? \S+$)");
    static const std::regex kLabel(R"re(([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)")re");
    text += "--- " + std::string(mode) + " ---\n" + scrape;
    std::istringstream lines(scrape);
    for (std::string line; std::getline(lines, line);) {
      std::smatch m;
      if (std::regex_match(line, m, kType)) {
        types[m[1].str()] = m[2].str();
      } else if (!line.starts_with('#') && std::regex_match(line, m, kSample)) {
        samples.insert(m[1].str());
        const std::string labels = m[3].str();
        for (std::sregex_iterator it(labels.begin(), labels.end(), kLabel), end; it != end; ++it) {
          label_values[(*it)[1].str()].insert((*it)[2].str());
        }
      }
    }
  }
};

// A deployment of the shipped config after a MISS and a HIT on a shared route and on a
// per-user one, scraped. With Redis, the app's Socket.IO feed is on and has refused a
// pickle and a malformed message (what its alert watches for).
std::string scrape_after_traffic(bool redis) {
  DeploymentOptions options;
  options.redis = redis;
  options.app_redis = redis;
  Deployment d(options);
  if (redis) {
    EXPECT_TRUE(test::wait_until(
        [&] { return d.get("/metrics").body.find("\nfoilcache_app_feed_up 1\n") != std::string::npos; },
        std::chrono::seconds(10)));
    d.app_redis().cli({"PUBLISH", "flask-socketio", std::string("\x80\x04\x95", 3) + "pickled"});
    d.app_redis().cli({"PUBLISH", "flask-socketio", "not json"});
    EXPECT_TRUE(test::wait_until(
        [&] {
          const std::string text = d.get("/metrics").body;
          return text.find("result=\"pickle\"} 1") != std::string::npos &&
                 text.find("result=\"malformed\"} 1") != std::string::npos;
        },
        std::chrono::seconds(10)));
  }
  EXPECT_EQ(d.get("/api/system/info").header("X-Cache"), "MISS");
  EXPECT_EQ(d.get("/api/system/info").header("X-Cache"), "HIT");
  EXPECT_EQ(d.get("/api/library/paged?page=1", as_alice()).header("X-Cache"), "MISS");
  EXPECT_EQ(d.get("/api/library/paged?page=1", as_alice()).header("X-Cache"), "HIT");
  auto response = d.get("/metrics");
  EXPECT_EQ(response.status, 200u);
  return std::move(response.body);
}

// `foilcache_*` tokens of FILE.
std::set<std::string> metric_names(const std::filesystem::path& file) {
  static const std::regex kName("foilcache_[a-z_]+");
  const std::string text = read_file(file);
  std::set<std::string> names;
  for (std::sregex_iterator it(text.begin(), text.end(), kName), end; it != end; ++it) names.insert(it->str());
  return names;
}

// label -> values that FILE's queries select with `label="v"` or `label=~"a|b"` (quotes
// JSON-escaped in the dashboard). Values with regex syntax or Grafana variables are skipped.
std::map<std::string, std::set<std::string>> filtered_label_values(const std::filesystem::path& file) {
  static const std::regex kMatcher(R"re(\b(result|kind|op|scope|backend|reason)=~?\\?"([^"\\]*)\\?")re");
  const std::string text = read_file(file);
  std::map<std::string, std::set<std::string>> out;
  for (std::sregex_iterator it(text.begin(), text.end(), kMatcher), end; it != end; ++it) {
    std::istringstream alternatives((*it)[2].str());
    for (std::string value; std::getline(alternatives, value, '|');) {
      if (value.empty() || value.find_first_of("$.*+?()[]{}^\\") != std::string::npos) continue;
      out[(*it)[1].str()].insert(value);
    }
  }
  return out;
}

class Monitoring : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    exported_ = new Exported;
    exported_->add(scrape_after_traffic(/*redis=*/true), "redis");
    exported_->add(scrape_after_traffic(/*redis=*/false), "memory store");
  }
  static void TearDownTestSuite() {
    delete exported_;
    exported_ = nullptr;
  }
  static const Exported& exported() { return *exported_; }

 private:
  static Exported* exported_;
};

Exported* Monitoring::exported_ = nullptr;

TEST_F(Monitoring, DashboardAndRulesQueryOnlyExportedMetrics) {
  const Exported& scrape = exported();
  ASSERT_FALSE(scrape.samples.empty()) << scrape.text;
  for (const auto& file : {kDashboard, kRules}) {
    SCOPED_TRACE(file.string());
    const auto names = metric_names(file);
    ASSERT_GE(names.size(), 5u) << "no metric names found: is the file there?";
    for (const auto& name : names) {
      // A histogram is exported as <family>_bucket, _sum and _count samples.
      std::string family = name;
      for (const std::string suffix : {"_bucket", "_sum", "_count"}) {
        const std::string base = name.ends_with(suffix) ? name.substr(0, name.size() - suffix.size()) : "";
        if (!base.empty() && scrape.types.contains(base) && scrape.types.at(base) == "histogram") family = base;
      }
      EXPECT_TRUE(scrape.types.contains(family)) << name << " is not exported:\n" << scrape.text;
      EXPECT_TRUE(scrape.samples.contains(name)) << name << " has no sample in either mode";
    }
  }
}

TEST_F(Monitoring, LabelValuesTheyFilterOnExist) {
  const Exported& scrape = exported();
  for (const auto& file : {kDashboard, kRules}) {
    SCOPED_TRACE(file.string());
    const auto filters = filtered_label_values(file);
    ASSERT_FALSE(filters.empty()) << "no label filters found";
    for (const auto& [label, values] : filters) {
      const auto it = scrape.label_values.find(label);
      ASSERT_NE(it, scrape.label_values.end()) << "no series has a '" << label << "' label";
      for (const auto& value : values) {
        EXPECT_TRUE(it->second.contains(value)) << label << "=\"" << value << "\" is never exported";
      }
    }
  }
}

}  // namespace
}  // namespace foilcache::testing

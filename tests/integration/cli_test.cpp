// The command line: --check-config on the shipped config and on broken ones, --version, --help.
#include <gtest/gtest.h>

#include "tests/support/process.hpp"

namespace foilcache::testing {
namespace {

struct Run {
  int status;
  std::string output;
};

Run run_foilcache(std::vector<std::string> args, std::vector<std::pair<std::string, std::string>> env = {}) {
  test::ProcessOptions options;
  options.env = std::move(env);
  args.insert(args.begin(), FOILCACHE_BIN);
  test::Process process(args, options);
  auto status = process.wait_exit(std::chrono::seconds(10));
  return {status.value_or(-1), process.log_tail(65536)};
}

TEST(Cli, ShippedConfigPassesCheckConfig) {
  const std::string path = std::string(SOURCE_DIR) + "/conf/foilcache.yaml";
  auto run = run_foilcache({"--check-config", path});
  EXPECT_EQ(run.status, 0) << run.output;
}

TEST(Cli, BrokenConfigReportsFileLineColumn) {
  test::TempDir dir;
  const auto path = dir.write_file("bad.yaml",
                                   "listen: 127.0.0.1:8080\n"
                                   "upstream: http://127.0.0.1:5000\n"
                                   "routes:\n"
                                   "  - name: x\n"
                                   "    match: GET /x\n"
                                   "    tll: 5m\n"
                                   "    key: \"x\"\n");
  auto run = run_foilcache({"--check-config", path.string()});
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.output.find(path.string() + ":6:5: "), std::string::npos) << run.output;
}

TEST(Cli, VersionAndHelp) {
  auto version = run_foilcache({"--version"});
  EXPECT_EQ(version.status, 0);
  EXPECT_NE(version.output.find("foilcache "), std::string::npos);
  auto help = run_foilcache({"--help"});
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.output.find("--check-config"), std::string::npos);
  auto bad = run_foilcache({"--bogus"});
  EXPECT_NE(bad.status, 0);
}

}  // namespace
}  // namespace foilcache::testing

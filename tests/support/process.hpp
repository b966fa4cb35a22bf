// Child processes for tests: spawn with extra environment, output captured to a log file,
// bounded waits, always reaped.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace foilcache::test {

// A fresh directory under the system temp dir, removed with its contents on destruction,
// unless the current test has failed: then it is kept (and its path printed) so logs can
// be read.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Writes `content` to path()/name (replacing it) and returns the full path.
  std::filesystem::path write_file(const std::string& name, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

struct ProcessOptions {
  std::vector<std::pair<std::string, std::string>> env;  // added to (or replacing) the test's environment
  std::filesystem::path log_path;  // stdout+stderr go here (appended); empty: a file in a fresh TempDir
  std::filesystem::path stdout_path;  // non-empty: stdout alone goes here (appended), stderr to log_path
  std::filesystem::path cwd;       // empty: the test's working directory
};

// One spawned child. stdin is /dev/null; stdout and stderr go to log_path(); no other fd
// of the test process is inherited. The child gets SIGKILL if the thread that spawned it
// dies (a crashed test leaves no server behind). Not thread-safe: use from one thread.
class Process {
 public:
  // Starts argv[0] (looked up in PATH when it has no '/'). Throws std::runtime_error when
  // it cannot be started (including exec failure, e.g. binary not found).
  explicit Process(std::vector<std::string> argv, ProcessOptions options = {});
  // SIGKILL if still running, then reaps.
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  // True until the child has exited (reaps it when it has).
  bool running();
  // Sends `sig`; false when the child is no longer running.
  bool signal(int sig);
  // SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit status (see wait_exit).
  std::optional<int> terminate(std::chrono::milliseconds grace = std::chrono::seconds(5));
  // Waits up to `bound` for the child to exit. Returns its exit code, or 128 + signal number
  // when a signal killed it; nullopt if still running after `bound`.
  std::optional<int> wait_exit(std::chrono::milliseconds bound);
  // The status once reaped (same encoding as wait_exit), else nullopt.
  std::optional<int> exit_status() const { return status_; }

  const std::filesystem::path& log_path() const { return log_path_; }
  // The last `max_bytes` of the log (for failure messages).
  std::string log_tail(std::size_t max_bytes = 4096) const;
  // The command line, space-separated (for failure messages).
  std::string command_line() const;

 private:
  bool reap(bool block);

  std::vector<std::string> argv_;
  std::optional<TempDir> log_dir_;
  std::filesystem::path log_path_;
  pid_t pid_ = -1;
  std::optional<int> status_;
};

}  // namespace foilcache::test

#include "tests/support/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>

#include "tests/support/wait.hpp"

extern char** environ;

namespace foilcache::test {
namespace fs = std::filesystem;

namespace {

std::runtime_error errno_error(const std::string& what) {
  return std::runtime_error(what + ": " + std::strerror(errno));
}

// Resolves argv[0] in PATH before fork (execvp is not async-signal-safe in the child).
std::string resolve_executable(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return name;  // exec fails and reports ENOENT
}

}  // namespace

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "foilcache-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw errno_error("mkdtemp");
  path_ = pattern;
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  if (::testing::Test::HasFailure()) {
    std::cerr << "[ kept     ] " << path_.string() << " (test failed)\n";
    return;
  }
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

TempDir::TempDir(TempDir&& other) noexcept : path_(std::exchange(other.path_, {})) {}

TempDir& TempDir::operator=(TempDir&& other) noexcept {
  if (this != &other) {
    TempDir old(std::move(*this));
    path_ = std::exchange(other.path_, {});
  }
  return *this;
}

fs::path TempDir::write_file(const std::string& name, const std::string& content) const {
  const fs::path file = path_ / name;
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out.flush()) throw std::runtime_error("cannot write " + file.string());
  return file;
}

Process::Process(std::vector<std::string> argv, ProcessOptions options) : argv_(std::move(argv)) {
  if (argv_.empty()) throw std::invalid_argument("Process: empty argv");
  if (options.log_path.empty()) {
    log_dir_.emplace();
    log_path_ = log_dir_->path() / (fs::path(argv_[0]).filename().string() + ".log");
  } else {
    log_path_ = options.log_path;
  }

  // Everything the child needs is prepared here: after fork it may only make
  // async-signal-safe calls.
  const std::string executable = resolve_executable(argv_[0]);
  std::vector<char*> child_argv;
  for (auto& arg : argv_) child_argv.push_back(arg.data());
  child_argv.push_back(nullptr);

  std::map<std::string, std::string> env_map;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view item(*entry);
    const auto eq = item.find('=');
    if (eq != std::string_view::npos) env_map[std::string(item.substr(0, eq))] = std::string(item.substr(eq + 1));
  }
  for (const auto& [name, value] : options.env) env_map[name] = value;
  std::vector<std::string> env_strings;
  for (const auto& [name, value] : env_map) env_strings.push_back(name + "=" + value);
  std::vector<char*> child_env;
  for (auto& item : env_strings) child_env.push_back(item.data());
  child_env.push_back(nullptr);
  const std::string cwd = options.cwd.string();

  const int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw errno_error("open " + log_path_.string());
  const int out_fd = options.stdout_path.empty()
                         ? log_fd
                         : ::open(options.stdout_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (out_fd < 0) {
    const auto error = errno_error("open " + options.stdout_path.string());
    ::close(log_fd);
    throw error;
  }
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int report[2];  // the child writes errno here if exec fails; closed by a successful exec
  if (null_fd < 0 || ::pipe2(report, O_CLOEXEC) != 0) {
    const auto error = errno_error("Process setup");
    ::close(log_fd);
    if (out_fd != log_fd) ::close(out_fd);
    if (null_fd >= 0) ::close(null_fd);
    throw error;
  }

  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const auto error = errno_error("fork");
    ::close(log_fd);
    if (out_fd != log_fd) ::close(out_fd);
    ::close(null_fd);
    ::close(report[0]);
    ::close(report[1]);
    throw error;
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP}) ::signal(sig, SIG_DFL);
    ::dup2(null_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(log_fd, 2);
    ::dup2(report[1], 3);
    ::fcntl(3, F_SETFD, FD_CLOEXEC);
    if (::syscall(SYS_close_range, 4u, ~0u, 0u) != 0) {
      for (int fd = 4; fd < 1024; ++fd) ::close(fd);
    }
    int error = 0;
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) {
      error = errno;
    } else {
      ::execve(executable.c_str(), child_argv.data(), child_env.data());
      error = errno;
    }
    [[maybe_unused]] auto written = ::write(3, &error, sizeof(error));
    ::_exit(127);
  }

  ::close(log_fd);
  if (out_fd != log_fd) ::close(out_fd);
  ::close(null_fd);
  ::close(report[1]);
  int child_errno = 0;
  ssize_t got;
  do {
    got = ::read(report[0], &child_errno, sizeof(child_errno));
  } while (got < 0 && errno == EINTR);
  ::close(report[0]);
  pid_ = pid;
  if (got > 0) {
    reap(true);
    throw std::runtime_error("cannot start " + command_line() + ": " + std::strerror(child_errno));
  }
}

Process::~Process() {
  if (pid_ > 0 && !status_) {
    ::kill(pid_, SIGKILL);
    reap(true);
  }
}

bool Process::reap(bool block) {
  if (status_) return true;
  int raw = 0;
  pid_t result;
  do {
    result = ::waitpid(pid_, &raw, block ? 0 : WNOHANG);
  } while (result < 0 && errno == EINTR);
  if (result != pid_) return false;
  status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : WIFSIGNALED(raw) ? 128 + WTERMSIG(raw) : raw;
  return true;
}

bool Process::running() { return !reap(false); }

bool Process::signal(int sig) { return running() && ::kill(pid_, sig) == 0; }

std::optional<int> Process::wait_exit(std::chrono::milliseconds bound) {
  wait_until([this] { return reap(false); }, bound, std::chrono::milliseconds(5));
  return status_;
}

std::optional<int> Process::terminate(std::chrono::milliseconds grace) {
  if (!running()) return status_;
  ::kill(pid_, SIGCONT);  // a stopped child would not act on SIGTERM
  ::kill(pid_, SIGTERM);
  if (auto status = wait_exit(grace)) return status;
  ::kill(pid_, SIGKILL);
  reap(true);
  return status_;
}

std::string Process::log_tail(std::size_t max_bytes) const {
  std::ifstream in(log_path_, std::ios::binary);
  if (!in) return "(no log at " + log_path_.string() + ")";
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  const std::streamoff start = size > static_cast<std::streamoff>(max_bytes) ? size - static_cast<std::streamoff>(max_bytes) : 0;
  in.seekg(start);
  std::string tail(static_cast<std::size_t>(size - start), '\0');
  in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  return tail;
}

std::string Process::command_line() const {
  std::string line;
  for (const auto& arg : argv_) {
    if (!line.empty()) line += ' ';
    line += arg;
  }
  return line;
}

}  // namespace foilcache::test

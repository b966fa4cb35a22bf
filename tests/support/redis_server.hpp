// A private redis-server for tests: free port, temp dir, no persistence, killed with the test.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/process.hpp"

struct redisContext;

namespace foilcache::test {

// One synchronous connection to 127.0.0.1:`port` (hiredis; tests only), authenticated when
// `password` is non-empty. Several commands can share it (e.g. ASKING, then a command).
class RedisConnection {
 public:
  // Throws std::runtime_error when it cannot connect (1 s bound) or AUTH fails.
  explicit RedisConnection(std::uint16_t port, const std::string& password = {});
  ~RedisConnection();
  RedisConnection(RedisConnection&&) noexcept;
  RedisConnection& operator=(RedisConnection&&) noexcept;
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  std::uint16_t port() const { return port_; }
  // The reply formatted as RedisServer::cli does ("(error) MESSAGE", "(nil)", arrays joined
  // by '\n'). Throws std::runtime_error when the connection fails or no reply comes in 2 s.
  std::string command(const std::vector<std::string>& args);
  // The elements of an array reply, each formatted (a non-array reply gives one element).
  std::vector<std::string> command_array(const std::vector<std::string>& args);

 private:
  std::uint16_t port_ = 0;
  std::unique_ptr<redisContext, void (*)(redisContext*)> context_;
};

struct RedisServerOptions {
  std::vector<std::string> extra_args;  // e.g. {"--maxmemory", "10mb"}
  std::string password;                 // non-empty: --requirepass, and cli() authenticates
  std::chrono::milliseconds start_timeout{10'000};  // until PING answers
};

// Runs `redis-server --port P --bind 127.0.0.1 --save '' --appendonly no --daemonize no`
// in a TempDir. The constructor returns once PING answers and throws std::runtime_error
// (with the server's log) if it does not: a missing redis-server fails the test loudly.
class RedisServer {
 public:
  explicit RedisServer(RedisServerOptions options = {});
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string host() const { return "127.0.0.1"; }
  // redis://[:password@]127.0.0.1:PORT
  std::string url() const;

  bool running() const;
  // SIGTERM and wait for exit (SIGKILL after a bound).
  void stop();
  // SIGKILL: the connection drops as on a crash.
  void kill();
  // Stops it if running, then starts a fresh (empty) server on the same port and waits for PING.
  void restart();
  // SIGSTOP / SIGCONT: the server keeps its connections but stops answering. Both return
  // once the kernel reports the new state.
  void pause();
  void resume();

  // Runs one command on a new synchronous connection (hiredis sync API; tests only) and
  // formats the reply: bulk/status strings as is, integers in decimal, nil as "(nil)",
  // errors as "(error) MESSAGE", arrays as their formatted elements joined by '\n'.
  // Throws std::runtime_error when it cannot connect or gets no reply (2 s bound).
  std::string cli(const std::vector<std::string>& args, int db = 0) const;
  // The elements of an array reply (a non-array reply gives one element).
  std::vector<std::string> cli_array(const std::vector<std::string>& args, int db = 0) const;
  // KEYS `pattern`, sorted (KEYS is fine in tests; production code never uses it).
  std::vector<std::string> keys(const std::string& pattern = "*", int db = 0) const;

  std::string log_tail(std::size_t max_bytes = 4096) const;
  Process* process() { return process_.get(); }

 private:
  RedisConnection connection(int db) const;
  void start();
  bool answers_ping() const;

  RedisServerOptions options_;
  TempDir dir_;
  std::uint16_t port_ = 0;
  std::unique_ptr<Process> process_;
  bool paused_ = false;
};

}  // namespace foilcache::test

#include "tests/support/redis_server.hpp"

#include <signal.h>

#include <algorithm>
#include <fstream>
#include <stdexcept>

#include <hiredis/hiredis.h>

#include "tests/support/wait.hpp"

namespace foilcache::test {
namespace {

constexpr timeval kConnectTimeout{1, 0};
constexpr timeval kCommandTimeout{2, 0};
// Starting on a port another process grabbed since free_port(): try again this many times.
constexpr int kStartAttempts = 3;

void free_context(redisContext* context) { redisFree(context); }
struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

std::string format(const redisReply* reply) {
  switch (reply->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS: return std::string(reply->str, reply->len);
    case REDIS_REPLY_ERROR: return "(error) " + std::string(reply->str, reply->len);
    case REDIS_REPLY_INTEGER: return std::to_string(reply->integer);
    case REDIS_REPLY_ARRAY: {
      std::string out;
      for (std::size_t i = 0; i < reply->elements; ++i) {
        if (i > 0) out += '\n';
        out += format(reply->element[i]);
      }
      return out;
    }
    default: return "(nil)";
  }
}

}  // namespace

RedisServer::RedisServer(RedisServerOptions options) : options_(std::move(options)) {
  std::string failures;
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    port_ = free_port();
    try {
      start();
      return;
    } catch (const std::runtime_error& e) {
      failures += e.what();
      failures += '\n';
    }
  }
  throw std::runtime_error("redis-server did not start:\n" + failures);
}

RedisServer::~RedisServer() {
  if (process_) process_->terminate(std::chrono::seconds(2));
}

std::string RedisServer::url() const {
  std::string auth = options_.password.empty() ? "" : ":" + options_.password + "@";
  return "redis://" + auth + host() + ":" + std::to_string(port_);
}

void RedisServer::start() {
  std::vector<std::string> argv{"redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no", "--daemonize", "no",
                                "--dir", dir_.path().string()};
  if (!options_.password.empty()) {
    argv.push_back("--requirepass");
    argv.push_back(options_.password);
  }
  argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());

  ProcessOptions process_options;
  process_options.cwd = dir_.path();
  process_options.log_path = dir_.path() / "redis.log";
  process_ = std::make_unique<Process>(argv, process_options);
  paused_ = false;
  const bool up = wait_until([this] { return !process_->running() || answers_ping(); }, options_.start_timeout);
  if (!up || !process_->running()) {
    const std::string log = process_->log_tail();
    process_->terminate(std::chrono::seconds(2));
    throw std::runtime_error("redis-server on port " + std::to_string(port_) + " did not answer PING; log:\n" + log);
  }
}

bool RedisServer::answers_ping() const {
  try {
    return cli({"PING"}) == "PONG";
  } catch (const std::runtime_error&) {
    return false;
  }
}

bool RedisServer::running() const { return process_ && process_->running(); }

void RedisServer::stop() {
  if (!process_) return;
  process_->terminate(std::chrono::seconds(5));
  paused_ = false;
}

void RedisServer::kill() {
  if (!process_) return;
  process_->signal(SIGKILL);
  process_->wait_exit(std::chrono::seconds(5));
  paused_ = false;
}

void RedisServer::restart() {
  stop();
  // The old listener is gone and redis sets SO_REUSEADDR, so the port can be reused at once;
  // retry briefly in case the kernel has not released it yet.
  std::string failures;
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    try {
      start();
      return;
    } catch (const std::runtime_error& e) {
      failures += e.what();
    }
  }
  throw std::runtime_error("redis-server did not restart on port " + std::to_string(port_) + ":\n" + failures);
}

namespace {
// The state letter of /proc/PID/stat ('T' when stopped), or '?'.
char process_state(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string content((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto paren = content.rfind(')');
  return paren != std::string::npos && paren + 2 < content.size() ? content[paren + 2] : '?';
}
}  // namespace

void RedisServer::pause() {
  if (!process_ || !process_->signal(SIGSTOP)) throw std::runtime_error("redis-server is not running");
  paused_ = true;
  if (!wait_until([this] { return process_state(process_->pid()) == 'T'; }, std::chrono::seconds(2))) {
    throw std::runtime_error("redis-server did not stop on SIGSTOP");
  }
}

void RedisServer::resume() {
  if (!process_ || !process_->signal(SIGCONT)) throw std::runtime_error("redis-server is not running");
  paused_ = false;
  if (!wait_until([this] { return process_state(process_->pid()) != 'T'; }, std::chrono::seconds(2))) {
    throw std::runtime_error("redis-server did not continue on SIGCONT");
  }
}

// A connection to the server that has authenticated and selected `db`.
RedisConnection RedisServer::connection(int db) const {
  RedisConnection connection(port_, options_.password);
  if (db != 0) {
    const std::string selected = connection.command({"SELECT", std::to_string(db)});
    if (selected != "OK") throw std::runtime_error("redis cli: " + selected);
  }
  return connection;
}

std::string RedisServer::cli(const std::vector<std::string>& args, int db) const { return connection(db).command(args); }

std::vector<std::string> RedisServer::cli_array(const std::vector<std::string>& args, int db) const {
  return connection(db).command_array(args);
}

std::vector<std::string> RedisServer::keys(const std::string& pattern, int db) const {
  auto out = cli_array({"KEYS", pattern}, db);
  std::sort(out.begin(), out.end());
  return out;
}

std::string RedisServer::log_tail(std::size_t max_bytes) const {
  return process_ ? process_->log_tail(max_bytes) : std::string();
}

RedisConnection::RedisConnection(std::uint16_t port, const std::string& password)
    : port_(port), context_(redisConnectWithTimeout("127.0.0.1", port, kConnectTimeout), free_context) {
  if (!context_ || context_->err) {
    throw std::runtime_error("redis: cannot connect to 127.0.0.1:" + std::to_string(port) + ": " +
                             (context_ ? context_->errstr : "out of memory"));
  }
  redisSetTimeout(context_.get(), kCommandTimeout);
  if (!password.empty()) {
    const std::string reply = command({"AUTH", password});
    if (reply != "OK") throw std::runtime_error("redis: AUTH on port " + std::to_string(port) + ": " + reply);
  }
}

RedisConnection::~RedisConnection() = default;
RedisConnection::RedisConnection(RedisConnection&&) noexcept = default;
RedisConnection& RedisConnection::operator=(RedisConnection&&) noexcept = default;

std::string RedisConnection::command(const std::vector<std::string>& args) {
  const auto elements = command_array(args);
  std::string out;
  for (std::size_t i = 0; i < elements.size(); ++i) out += (i > 0 ? "\n" : "") + elements[i];
  return out;
}

std::vector<std::string> RedisConnection::command_array(const std::vector<std::string>& args) {
  if (!context_) throw std::runtime_error("redis: the connection was moved from");
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  for (const auto& arg : args) {
    argv.push_back(arg.data());
    lens.push_back(arg.size());
  }
  ReplyPtr reply(static_cast<redisReply*>(
      redisCommandArgv(context_.get(), static_cast<int>(argv.size()), argv.data(), lens.data())));
  if (!reply) {
    throw std::runtime_error("redis: " + (args.empty() ? std::string() : args.front()) + " on port " +
                             std::to_string(port_) + ": " + context_->errstr);
  }
  std::vector<std::string> out;
  if (reply->type != REDIS_REPLY_ARRAY) {
    out.push_back(format(reply.get()));
    return out;
  }
  for (std::size_t i = 0; i < reply->elements; ++i) out.push_back(format(reply->element[i]));
  return out;
}

}  // namespace foilcache::test

#include "proxy/redis/redis_client.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <random>

#include <hiredis/async.h>

#include "proxy/redis/asio_adapter.hpp"

namespace foilcache::redis {
namespace {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = config::Duration;

// The buffer commands are formatted in is kept between commands up to this capacity.
constexpr std::size_t kKeptCommandBytes = 64 * 1024;

// The results of one pipeline, filled in by its commands (all on the client's io_context,
// so the countdown needs no synchronisation); the last one posts `handler`.
struct PipelineGather {
  explicit PipelineGather(RedisClient::PipelineHandler h) : handler(std::move(h)) {}
  std::vector<Result> results;
  std::size_t left = 0;
  RedisClient::PipelineHandler handler;
};

// Where a command's result goes: its own handler (posted), or slot `index` of a pipeline's
// gather (one post for the whole pipeline instead of one handler and one post per command).
struct Completion {
  RedisClient::Handler handler;
  std::shared_ptr<PipelineGather> gather;
  std::size_t index = 0;
};

// One command in flight. Allocated when sent and given to hiredis as privdata; deleted
// only when hiredis calls back (with a reply, or NULL when the context is freed), even if
// its handler was completed earlier by a timeout or stop().
struct PendingCommand {
  // Asio 1.81's any_completion_handler move-assignment recurses forever: only move-construct it.
  PendingCommand(Completion c, TimePoint d) : deadline(d), completion(std::move(c)) {}

  PendingCommand* prev = nullptr;
  PendingCommand* next = nullptr;
  bool linked = false;
  bool completed = false;
  CircuitBreaker::Ticket ticket = CircuitBreaker::kUntracked;
  TimePoint deadline;
  Completion completion;
};

// Intrusive FIFO of the commands whose handler has not completed yet, oldest first. All
// commands of a phase share one timeout, so the oldest has the earliest deadline.
class PendingList {
 public:
  PendingCommand* front() const noexcept { return head_; }
  std::size_t size() const noexcept { return size_; }

  void push_back(PendingCommand* p) noexcept {
    p->prev = tail_;
    p->next = nullptr;
    (tail_ ? tail_->next : head_) = p;
    tail_ = p;
    p->linked = true;
    ++size_;
  }

  void remove(PendingCommand* p) noexcept {
    if (!p->linked) return;
    (p->prev ? p->prev->next : head_) = p->next;
    (p->next ? p->next->prev : tail_) = p->prev;
    p->prev = p->next = nullptr;
    p->linked = false;
    --size_;
  }

 private:
  PendingCommand* head_ = nullptr;
  PendingCommand* tail_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace

class RedisClient::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(net::io_context& ioc, config::RedisConfig config, LogFn log)
      : executor_(ioc.get_executor()),
        config_(std::move(config)),
        log_(std::move(log)),
        endpoint_name_((config_.host.empty() ? std::string("127.0.0.1") : config_.host) + ":" +
                       std::to_string(config_.port)),
        signal_(executor_),
        timer_(executor_),
        resolver_(executor_),
        backoff_(config_.reconnect_min),
        rng_(std::random_device{}()) {
    if (config_.host.empty()) config_.host = "127.0.0.1";
  }

  ~Impl() { drop_link(); }

  void start() {
    if (started_ || state_ == State::kStopped) return;
    started_ = true;
    net::co_spawn(executor_, run(shared_from_this()), net::detached);
  }

  void stop() {
    if (state_ == State::kStopped) return;
    state_ = State::kStopped;
    connected_.store(false, std::memory_order_relaxed);
    while (PendingCommand* p = pending_.front()) {
      pending_.remove(p);
      complete(p, Result{net::error::operation_aborted, {}});
    }
    drop_link();  // hiredis drops the (already completed) commands with NULL replies
    timer_.cancel();
    signal_.cancel();
    resolver_.cancel();
  }

  void send(std::span<const std::string_view> argv, Handler handler, bool internal, TimePoint deadline) {
    send(argv, Completion{std::move(handler), nullptr, 0}, internal, deadline);
  }

  void send(std::span<const std::string_view> argv, Completion completion, bool internal, TimePoint deadline) {
    const bool usable = ac_ != nullptr && (state_ == State::kReady || (internal && state_ == State::kHandshake));
    // The handshake is never held back: it is how the client learns the server is back.
    const bool short_circuit = !internal && state_ != State::kStopped && !breaker_.allows(Clock::now());
    if (short_circuit) {
      stats_.short_circuited.fetch_add(1, std::memory_order_relaxed);
      deliver(std::move(completion), Result{make_error_code(Errc::circuit_open), {}});
      return;
    }
    if (!usable || pending_.size() >= kMaxPending || argv.empty()) {
      boost::system::error_code ec = state_ == State::kStopped ? make_error_code(net::error::operation_aborted)
                                     : !usable                 ? make_error_code(Errc::not_connected)
                                     : argv.empty()            ? make_error_code(net::error::invalid_argument)
                                                               : make_error_code(Errc::overloaded);
      stats_.rejected.fetch_add(1, std::memory_order_relaxed);
      deliver(std::move(completion), Result{ec, {}});
      return;
    }

    format_command(argv);
    auto* p = new PendingCommand(std::move(completion), deadline);
    if (redisAsyncFormattedCommand(ac_, &Impl::on_reply, p, command_.data(), command_.size()) != REDIS_OK) {
      Completion rejected = std::move(p->completion);
      delete p;
      stats_.rejected.fetch_add(1, std::memory_order_relaxed);
      deliver(std::move(rejected), Result{make_error_code(Errc::not_connected), {}});
      return;
    }
    if (!internal) p->ticket = breaker_.on_sent();
    pending_.push_back(p);
    stats_.commands.fetch_add(1, std::memory_order_relaxed);
    arm_timer();
  }

  // Sends every command of `commands` with one gather: see RedisClient::async_pipeline.
  template <typename Commands>
  void send_pipeline(const Commands& commands, PipelineHandler handler);

  TimePoint command_deadline() const { return Clock::now() + config_.timeout; }

  // Writes `argv` as a RESP array of bulk strings into command_ (what redisFormatCommandArgv
  // makes, without its sds allocations and printf-style formatting on every command).
  void format_command(std::span<const std::string_view> argv) {
    const auto append_line = [this](char type, std::size_t number) {
      char digits[24];
      const auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), number);
      command_.push_back(type);
      command_.append(digits, end).append("\r\n");
    };
    if (command_.capacity() > kKeptCommandBytes) command_ = std::string();  // after a large SET
    command_.clear();
    append_line('*', argv.size());
    for (const auto arg : argv) {
      append_line('$', arg.size());
      command_.append(arg).append("\r\n");
    }
  }
  net::io_context::executor_type executor() const noexcept { return executor_; }

  void set_subscription(std::string channel, std::function<void(std::string_view)> on_message,
                        std::function<void()> on_subscribed) {
    channel_ = std::move(channel);
    on_message_ = std::move(on_message);
    on_subscribed_ = std::move(on_subscribed);
  }

  bool connected() const noexcept { return connected_.load(std::memory_order_relaxed); }
  BreakerState breaker_state() const noexcept { return breaker_.state(); }
  std::size_t pending() const noexcept { return pending_.size(); }
  const std::string& last_error() const noexcept { return last_error_; }
  const config::RedisConfig& config() const noexcept { return config_; }

  ClientStats stats() const noexcept {
    ClientStats out;
    out.commands = stats_.commands.load(std::memory_order_relaxed);
    out.timeouts = stats_.timeouts.load(std::memory_order_relaxed);
    out.rejected = stats_.rejected.load(std::memory_order_relaxed);
    out.short_circuited = stats_.short_circuited.load(std::memory_order_relaxed);
    out.connects = stats_.connects.load(std::memory_order_relaxed);
    out.connect_failures = stats_.connect_failures.load(std::memory_order_relaxed);
    out.disconnects = stats_.disconnects.load(std::memory_order_relaxed);
    return out;
  }

 private:
  enum class State {
    kIdle,        // not started, or between connection attempts
    kConnecting,  // TCP connect in progress
    kHandshake,   // connected; AUTH / SELECT / PING in progress (only internal commands)
    kReady,       // serving commands
    kStopped,     // stop() called: terminal
  };

  struct AtomicStats {
    std::atomic<std::uint64_t> commands{0};
    std::atomic<std::uint64_t> timeouts{0};
    std::atomic<std::uint64_t> rejected{0};
    std::atomic<std::uint64_t> short_circuited{0};
    std::atomic<std::uint64_t> connects{0};
    std::atomic<std::uint64_t> connect_failures{0};
    std::atomic<std::uint64_t> disconnects{0};
  };

  // --- subscriber mode ---

  void start_subscription() {
    const char* argv[] = {"SUBSCRIBE", channel_.data()};
    const std::size_t lens[] = {9, channel_.size()};
    if (redisAsyncCommandArgv(ac_, &Impl::on_subscription, nullptr, 2, argv, lens) != REDIS_OK) {
      set_error("SUBSCRIBE could not be sent");
      drop_link();
      signal_.cancel();
    }
  }

  // Called by hiredis for the SUBSCRIBE confirmation, every message, and with NULL when the
  // context goes away.
  static void on_subscription(redisAsyncContext* ac, void* reply, void* /*privdata*/) {
    auto* r = static_cast<redisReply*>(reply);
    if (r == nullptr || r->type != REDIS_REPLY_ARRAY || r->elements < 3) return;
    auto* self = static_cast<Impl*>(ac->data);
    const std::string_view kind(r->element[0]->str, r->element[0]->len);
    try {
      if (kind == "subscribe" && self->on_subscribed_) {
        self->on_subscribed_();
      } else if (kind == "message" && self->on_message_ && r->element[2]->type == REDIS_REPLY_STRING) {
        self->on_message_(std::string_view(r->element[2]->str, r->element[2]->len));
      }
    } catch (...) {
    }
  }

  // --- hiredis callbacks (C): nothing may throw out of them, and they never call
  // redisAsyncFree/Disconnect (the context may be mid-free); they record and post. ---

  static void on_reply(redisAsyncContext* ac, void* reply, void* privdata) {
    auto* p = static_cast<PendingCommand*>(privdata);
    auto* self = static_cast<Impl*>(ac->data);
    self->pending_.remove(p);
    try {
      self->finish(p, static_cast<redisReply*>(reply));
    } catch (...) {
    }
    delete p;
  }

  static void on_connect(const redisAsyncContext* ac, int status) {
    auto* self = static_cast<Impl*>(ac->data);
    try {
      if (status == REDIS_OK) {
        if (self->state_ == State::kConnecting) self->state_ = State::kHandshake;
      } else {
        // The context is freed right after this returns (cleanup hook -> on_detach).
        self->set_error(std::string("connect: ") + ac->c.errstr);
      }
      self->signal_.cancel();
    } catch (...) {
    }
  }

  static void on_disconnect(const redisAsyncContext* ac, int status) {
    auto* self = static_cast<Impl*>(ac->data);
    try {
      if (status != REDIS_OK) self->set_error(ac->c.errstr[0] != '\0' ? ac->c.errstr : "connection closed");
    } catch (...) {
    }
  }

  // Runs inside hiredis' cleanup hook: the context is being freed.
  void on_detach() {
    if (state_ == State::kReady) stats_.disconnects.fetch_add(1, std::memory_order_relaxed);
    ac_ = nullptr;
    connected_.store(false, std::memory_order_relaxed);
    if (state_ != State::kStopped) state_ = State::kIdle;
    signal_.cancel();
  }

  void finish(PendingCommand* p, redisReply* reply) {
    if (p->completed) return;  // timed out or aborted earlier: the late reply is dropped
    Result result;
    if (reply == nullptr) {
      if (state_ == State::kStopped) {
        result.ec = make_error_code(net::error::operation_aborted);
      } else {
        result.ec = make_error_code(Errc::connection_lost);
        breaker_failure(*p, result.ec);
      }
    } else {
      result.reply = Reply::adopt(reply);
      consecutive_timeouts_ = 0;
      breaker_success(*p);
    }
    complete(p, std::move(result));
  }

  void complete(PendingCommand* p, Result result) {
    p->completed = true;
    deliver(std::move(p->completion), std::move(result));
  }

  void deliver(Completion completion, Result result) {
    if (!completion.gather) {
      post_result(std::move(completion.handler), std::move(result));
      return;
    }
    PipelineGather& gather = *completion.gather;
    gather.results[completion.index] = std::move(result);
    if (--gather.left == 0) {
      net::post(executor_, net::append(std::move(gather.handler), std::move(gather.results)));
    }
  }

  void post_result(Handler handler, Result result) {
    net::post(executor_, net::append(std::move(handler), std::move(result)));
  }

  // --- circuit breaker: outcomes of the commands it let through, and its log lines ---

  void breaker_success(const PendingCommand& p) {
    const BreakerState before = breaker_.state();
    breaker_.on_success(p.ticket);
    if (before != BreakerState::kClosed && breaker_.state() == BreakerState::kClosed) {
      log(LogLevel::kInfo, "redis: circuit breaker closed: " + endpoint_name_ + " answers commands again");
    }
  }

  void breaker_failure(const PendingCommand& p, const boost::system::error_code& ec) {
    const BreakerState before = breaker_.state();
    breaker_.on_failure(p.ticket, Clock::now());
    // Only the opening is logged, not each failed probe: a Redis that stays down must not
    // flood the log.
    if (before == BreakerState::kClosed && breaker_.state() == BreakerState::kOpen) {
      log(LogLevel::kWarn, "redis: circuit breaker open after " + std::to_string(CircuitBreaker::kThreshold) +
                               " failures in a row (last: " + ec.message() + "); commands to " + endpoint_name_ +
                               " fail fast until a probe succeeds (first probe within " +
                               std::to_string(breaker_.cooldown().count()) + " ms)");
    }
  }

  // --- per-command timeout: one timer for the oldest pending command ---

  void arm_timer() {
    if (timer_armed_ || pending_.front() == nullptr || state_ == State::kStopped) return;
    timer_armed_ = true;
    timer_.expires_at(pending_.front()->deadline);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code&) { self->on_timer(); });
  }

  void on_timer() {
    timer_armed_ = false;
    if (state_ == State::kStopped) return;
    const TimePoint now = Clock::now();
    int expired = 0;
    while (PendingCommand* p = pending_.front()) {
      if (p->deadline > now) break;
      pending_.remove(p);
      const boost::system::error_code ec = make_error_code(Errc::timeout);
      breaker_failure(*p, ec);
      complete(p, Result{ec, {}});
      ++expired;
    }
    if (expired > 0) {
      stats_.timeouts.fetch_add(expired, std::memory_order_relaxed);
      consecutive_timeouts_ += expired;
      if (state_ == State::kReady && consecutive_timeouts_ >= kMaxConsecutiveTimeouts) {
        set_error(std::to_string(consecutive_timeouts_) + " commands timed out in a row");
        drop_link();
      }
    }
    arm_timer();
  }

  // --- connection life cycle ---

  // Frees the context now. Precondition: not inside a hiredis callback.
  void drop_link() {
    if (ac_ == nullptr) return;
    redisAsyncContext* ac = ac_;
    ac_ = nullptr;
    connected_.store(false, std::memory_order_relaxed);
    redisAsyncFree(ac);
  }

  net::awaitable<void> wait_signal(TimePoint until) {
    signal_.expires_at(until);
    co_await signal_.async_wait(kNoThrow);
  }

  net::awaitable<void> run(std::shared_ptr<Impl> /*keep_alive*/) {
    int failure_streak = 0;
    while (state_ != State::kStopped) {
      boost::system::error_code ec;
      try {
        ec = co_await connect_once();
      } catch (const std::exception& e) {
        set_error(std::string("connect: ") + e.what());
        drop_link();
        ec = Errc::connect_failed;
      }
      if (state_ == State::kStopped) break;

      if (!ec) {
        state_ = State::kReady;
        consecutive_timeouts_ = 0;
        breaker_.on_reconnected();
        connected_.store(true, std::memory_order_relaxed);
        stats_.connects.fetch_add(1, std::memory_order_relaxed);
        log(LogLevel::kInfo, "redis: connected to " + endpoint_name_ + " db " + std::to_string(config_.db));
        if (!channel_.empty()) start_subscription();
        failure_streak = 0;
        backoff_ = config_.reconnect_min;
        while (state_ == State::kReady) co_await wait_signal(TimePoint::max());
        if (state_ == State::kStopped) break;
        log(LogLevel::kWarn, "redis: connection to " + endpoint_name_ + " lost: " + last_error_);
      } else {
        stats_.connect_failures.fetch_add(1, std::memory_order_relaxed);
        // Once per failure streak: a Redis that stays down must not flood the log.
        if (failure_streak++ == 0) {
          log(LogLevel::kWarn, "redis: cannot connect to " + endpoint_name_ + ": " + last_error_ +
                                   " (retrying with back-off)");
        }
      }

      const TimePoint until = Clock::now() + jittered(backoff_);
      backoff_ = std::min<Duration>(backoff_ * 2, std::max(config_.reconnect_max, config_.reconnect_min));
      while (state_ != State::kStopped && Clock::now() < until) co_await wait_signal(until);
    }
  }

  // One attempt: resolve, connect, handshake. On failure the context is already freed and
  // last_error_ says why.
  net::awaitable<boost::system::error_code> connect_once() {
    const TimePoint deadline = Clock::now() + config_.connect_timeout;

    std::string address = config_.host;
    boost::system::error_code ec;
    net::ip::make_address(address, ec);
    if (ec) {
      // getaddrinfo runs on Asio's resolver thread: it cannot block the io thread.
      auto [rec, results] = co_await resolver_.async_resolve(config_.host, std::to_string(config_.port),
                                                             kNoThrow);
      if (state_ == State::kStopped) co_return net::error::operation_aborted;
      if (rec || results.empty()) {
        set_error("cannot resolve " + config_.host + ": " + (rec ? rec.message() : "no address"));
        co_return Errc::connect_failed;
      }
      auto chosen = results.begin();
      for (auto it = results.begin(); it != results.end(); ++it) {
        if (it->endpoint().address().is_v4()) {
          chosen = it;
          break;
        }
      }
      address = chosen->endpoint().address().to_string();
    }

    redisAsyncContext* ac = redisAsyncConnect(address.c_str(), config_.port);
    if (ac == nullptr) {
      set_error("connect: out of memory");
      co_return Errc::connect_failed;
    }
    if (ac->err != 0) {
      set_error(std::string("connect: ") + ac->c.errstr);
      redisAsyncFree(ac);
      co_return Errc::connect_failed;
    }
    ac->data = this;
    // Keep the reply reader's buffer between replies: by default hiredis frees it whenever
    // it is empty and over 16 KiB, which reallocates it for every cached page.
    ac->c.reader->maxbuf = 0;
    adapter_ = std::make_shared<AsioAdapter>(executor_, [this] { on_detach(); });
    if (auto attach_ec = adapter_->attach(ac)) {
      set_error("connect: " + attach_ec.message());
      redisAsyncFree(ac);
      co_return Errc::connect_failed;
    }
    ac_ = ac;
    state_ = State::kConnecting;
    redisAsyncSetDisconnectCallback(ac, &Impl::on_disconnect);
    redisAsyncSetConnectCallback(ac, &Impl::on_connect);  // arms the first write wait

    while (state_ == State::kConnecting && Clock::now() < deadline) co_await wait_signal(deadline);
    if (state_ == State::kStopped) co_return net::error::operation_aborted;
    if (state_ == State::kConnecting) {
      set_error("connect timed out");
      drop_link();
      state_ = State::kIdle;
      co_return Errc::timeout;
    }
    if (state_ != State::kHandshake) co_return Errc::connect_failed;  // on_connect recorded why

    if (!config_.password.empty()) {
      std::vector<std::string_view> auth{"AUTH"};
      if (!config_.username.empty()) auth.push_back(config_.username);
      auth.push_back(config_.password);
      if (auto step_ec = co_await handshake_step(auth, deadline, "AUTH")) co_return step_ec;
    }
    if (config_.db != 0) {
      const std::string db = std::to_string(config_.db);
      const std::array<std::string_view, 2> select{"SELECT", db};
      if (auto step_ec = co_await handshake_step(select, deadline, "SELECT")) co_return step_ec;
    }
    const std::array<std::string_view, 1> ping{"PING"};
    co_return co_await handshake_step(ping, deadline, "PING");
  }

  net::awaitable<boost::system::error_code> handshake_step(std::span<const std::string_view> argv,
                                                           TimePoint deadline, const char* what) {
    Result result = co_await net::async_initiate<const net::use_awaitable_t<>&, void(Result)>(
        [this, deadline](auto handler, std::span<const std::string_view> args) {
          send(args, Handler(std::move(handler)), true, deadline);
        },
        net::use_awaitable, argv);
    if (state_ == State::kStopped) co_return net::error::operation_aborted;
    boost::system::error_code ec = result.ec;
    if (ec) {
      set_error(std::string(what) + ": " + ec.message());
    } else if (result.reply.is_error()) {
      set_error(std::string(what) + " refused: " + std::string(result.reply.str()));
      ec = Errc::auth_failed;
    }
    if (ec) {
      drop_link();
      state_ = State::kIdle;
    }
    co_return ec;
  }

  Duration jittered(Duration base) {
    // Half fixed, half random: replicas that lost Redis together do not retry in lockstep.
    const auto half = base.count() / 2;
    std::uniform_int_distribution<Duration::rep> spread(0, std::max<Duration::rep>(half, 0));
    return Duration(base.count() - half + spread(rng_));
  }

  // Records why the connection failed, with the password scrubbed should a server echo it.
  void set_error(std::string message) {
    const std::string& password = config_.password;
    if (!password.empty()) {
      for (auto pos = message.find(password); pos != std::string::npos; pos = message.find(password, pos + 3)) {
        message.replace(pos, password.size(), "***");
      }
    }
    last_error_ = std::move(message);
  }

  void log(LogLevel level, const std::string& message) {
    if (!log_) return;
    try {
      log_(level, message);
    } catch (...) {
    }
  }

  net::io_context::executor_type executor_;
  config::RedisConfig config_;
  LogFn log_;
  std::string endpoint_name_;  // host:port, for log lines

  State state_ = State::kIdle;
  bool started_ = false;
  redisAsyncContext* ac_ = nullptr;  // the live context, or nullptr
  std::shared_ptr<AsioAdapter> adapter_;
  net::steady_timer signal_;  // wakes run() when the connection state changes
  net::steady_timer timer_;   // deadline of the oldest pending command
  bool timer_armed_ = false;
  tcp::resolver resolver_;
  PendingList pending_;
  int consecutive_timeouts_ = 0;
  CircuitBreaker breaker_;
  Duration backoff_;
  std::minstd_rand rng_;
  std::string last_error_;
  std::string command_;  // the command being sent, RESP-formatted (reused: see format_command)
  std::atomic<bool> connected_{false};
  AtomicStats stats_;
  std::string channel_;  // subscriber mode when not empty
  std::function<void(std::string_view)> on_message_;
  std::function<void()> on_subscribed_;
};

RedisClient::RedisClient(net::io_context& ioc, config::RedisConfig config, LogFn log)
    : impl_(std::make_shared<Impl>(ioc, std::move(config), std::move(log))) {}

RedisClient::~RedisClient() { impl_->stop(); }

void RedisClient::subscribe(std::string channel, std::function<void(std::string_view)> on_message,
                            std::function<void()> on_subscribed) {
  impl_->set_subscription(std::move(channel), std::move(on_message), std::move(on_subscribed));
}

void RedisClient::start() { impl_->start(); }
void RedisClient::stop() { impl_->stop(); }
bool RedisClient::connected() const noexcept { return impl_->connected(); }
BreakerState RedisClient::breaker_state() const noexcept { return impl_->breaker_state(); }
std::size_t RedisClient::pending() const noexcept { return impl_->pending(); }
ClientStats RedisClient::stats() const noexcept { return impl_->stats(); }
const std::string& RedisClient::last_error() const noexcept { return impl_->last_error(); }
const config::RedisConfig& RedisClient::config() const noexcept { return impl_->config(); }

void RedisClient::async_command(std::span<const std::string_view> argv, Handler handler) {
  impl_->send(argv, std::move(handler), false, impl_->command_deadline());
}

net::awaitable<Result> RedisClient::command(std::span<const std::string_view> argv) {
  return async_command(argv, net::use_awaitable);
}

net::awaitable<Result> RedisClient::command(std::initializer_list<std::string_view> argv) {
  return async_command(std::span<const std::string_view>(argv.begin(), argv.size()), net::use_awaitable);
}

net::awaitable<Result> RedisClient::command(std::vector<std::string> argv) {
  std::vector<std::string_view> views(argv.begin(), argv.end());
  co_return co_await async_command(std::span<const std::string_view>(views), net::use_awaitable);
}

template <typename Commands>
void RedisClient::Impl::send_pipeline(const Commands& commands, PipelineHandler handler) {
  auto gather = std::make_shared<PipelineGather>(std::move(handler));
  gather->results.resize(commands.size());
  gather->left = commands.size();
  if (commands.empty()) {
    net::post(executor_, net::append(std::move(gather->handler), std::vector<Result>{}));
    return;
  }
  const TimePoint deadline = command_deadline();
  for (std::size_t i = 0; i < commands.size(); ++i) {
    send(std::span<const std::string_view>(commands[i]), Completion{Handler(), gather, i}, false, deadline);
  }
}

void RedisClient::async_pipeline(std::span<const std::vector<std::string_view>> commands, PipelineHandler handler) {
  impl_->send_pipeline(commands, std::move(handler));
}

void RedisClient::async_pipeline(std::span<const std::span<const std::string_view>> commands,
                                 PipelineHandler handler) {
  impl_->send_pipeline(commands, std::move(handler));
}

net::awaitable<std::vector<Result>> RedisClient::pipeline(std::vector<std::vector<std::string_view>> commands) {
  co_return co_await net::async_initiate<decltype(net::use_awaitable), void(std::vector<Result>)>(
      [this](auto handler, std::span<const std::vector<std::string_view>> all) {
        async_pipeline(all, PipelineHandler(std::move(handler)));
      },
      net::use_awaitable, std::span<const std::vector<std::string_view>>(commands));
}

net::awaitable<std::vector<Result>> RedisClient::pipeline(std::span<const std::span<const std::string_view>> commands) {
  return net::async_initiate<decltype(net::use_awaitable), void(std::vector<Result>)>(
      [this](auto handler, std::span<const std::span<const std::string_view>> all) {
        async_pipeline(all, PipelineHandler(std::move(handler)));
      },
      net::use_awaitable, commands);
}

}  // namespace foilcache::redis
